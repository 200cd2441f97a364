"""Start and stop the sandbox: the stand-in Bot API, the real bot, the page, one fast clock.

The bot is built by :func:`bot.app.build_application`, exactly as ``backstep run`` builds it,
and long-polls the stand-in over real HTTP; only the token, the API address and the clock
differ. One :class:`~bot.clock.FastClock` drives both the bot and the stand-in's message dates,
so ``--speed 60`` makes a day pass in 24 minutes and the page shows the sandbox's time.
Without ``--speed`` the clock runs at real speed, but it can still jump ahead to a user's next
reminder (the page's button), which is what makes the reminder, the next-morning check-in and
a week's cadence visible in minutes rather than days.

Start order: stand-in (the page works as soon as the URL is printed) -> bot initialize ->
``post_init`` (migrations, command menu, reminder job) -> bot start -> polling. Stop order is
the reverse, with the reminder claims handed back as ``backstep run`` does, and every step
bounded so Ctrl-C always ends the process promptly with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram.ext import Application

from bot.clock import FastClock
from bot.serve import bounded
from bot.settings import Settings, SettingsError
from bot.stub.server import BotApiStub
from bot.telegram.reminders import Dispatcher
from bot.telegram.services import SERVICES_KEY, Services
from storage import users
from storage.db import display_url
from storage.models import User

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX"
#: A day a minute. Faster would let the stand-in's 15-minute callback-query lifetime run out
#: between a button press and the bot's answer (both use the same sped-up clock).
MAX_SPEED = 1440.0
#: How often the reminder job looks for due users in the sandbox (real seconds). Production
#: ticks every 20 s; at high speeds that would be hours of sandbox time between looks.
TICK_SECONDS = 1.0
STOP_SECONDS = 8.0

T = TypeVar("T")
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class JumpResult:
    """What "jump to the next reminder" did for one user."""

    user_id: int
    due_at: datetime | None  # the instant jumped to; None when nothing is scheduled
    kind: str | None  # "reminder", "weekly summary" or "reminder and weekly summary"
    now: datetime  # the sandbox clock after the jump
    handled: int  # daily reminders the dispatcher tick claimed and handled (any user)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "user_id": self.user_id,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "kind": self.kind,
            "now": self.now.isoformat(),
            "handled": self.handled,
        }


class Sandbox:
    """The stand-in, the bot and the page on one port; an async context manager."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        speed: float | None = None,
        start: datetime | None = None,
    ) -> None:
        if speed is not None and not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be more than 0 and at most {MAX_SPEED:g}")
        self.settings = settings
        self.host = host
        self.requested_port = settings.sandbox_port if port is None else port
        self.speed = speed or 1.0
        self.clock = FastClock(self.speed, start)
        self.stub = BotApiStub(
            SANDBOX_TOKEN,
            bot_name="Backstep",
            bot_username="backstep_sandbox_bot",
            clock=lambda: self.clock.now().timestamp(),
        )
        self.app: AnyApplication | None = None
        self._jumping = asyncio.Lock()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen, then start the bot; raises :class:`SettingsError` if the port is taken."""
        from bot.app import ALLOWED_UPDATES, build_application, on_polling_error
        from bot.sandbox.routes import add_routes

        try:
            await self.stub.start(self.host, self.requested_port, extend_app=add_routes(self))
        except OSError as exc:
            raise SettingsError(
                f"cannot listen on {self.host}:{self.requested_port} "
                f"({exc.strerror or exc}); choose another port with --port"
            ) from None
        if self.settings.clinician_chat_id is not None:
            # Clinician alerts need a chat to land in: open it (the page shows it at ?user=ID).
            clinic = self.settings.clinician_chat_id
            if clinic < 0:
                self.stub.add_group(clinic, "Clinicians", with_bot=True)
            else:
                self.stub.add_user(clinic, "Clinician")
        try:
            settings = self.settings.model_copy(
                update={
                    "telegram_token": SANDBOX_TOKEN,
                    "telegram_api_url": self.stub.base_url,
                    "reminder_tick_seconds": min(TICK_SECONDS, self.settings.reminder_tick_seconds),
                }
            )
            app = build_application(settings, clock=self.clock, on_handled=self.stub.report_handled)
            self.app = app
            await app.initialize()
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, error_callback=on_polling_error
            )
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop taking updates, let work in flight finish, hand back claims, close all."""
        deadline = time.monotonic() + STOP_SECONDS
        app, self.app = self.app, None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await bounded("stopping polling", app.updater.stop(), deadline)
            dispatcher = _dispatcher_of(app)
            if dispatcher is not None:
                dispatcher.close()
            if app.running:
                await bounded("finishing updates and jobs", app.stop(), deadline)
            if dispatcher is not None:
                await bounded("releasing reminder claims", dispatcher.release_claims(), deadline)
            await bounded("shutting down the bot", app.shutdown(), deadline)
            if app.post_shutdown is not None:
                await bounded("closing the database", app.post_shutdown(app), deadline)
        await bounded("stopping the stand-in", self.stub.stop(), deadline)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- what the page asks -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The page's address, e.g. ``http://127.0.0.1:8080/``."""
        return f"{self.stub.url}/"

    @property
    def port(self) -> int:
        return self.stub.port

    @property
    def ready(self) -> bool:
        return self.app is not None and self.app.running

    @property
    def services(self) -> Services:
        if self.app is None:
            raise RuntimeError("the sandbox bot is not running")
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services

    async def schedule_of(self, user_id: int) -> dict[str, Any]:
        """The user's reminder schedule as the page shows it (all None before onboarding)."""
        async with self.services.db.transaction() as tx:
            user = await tx.get(User, user_id)
            found = {
                "status": user.status if user else None,
                "timezone": user.timezone if user else None,
                "reminder_time": user.reminder_time if user else None,
                "next_reminder_at": _iso(user.next_reminder_at if user else None),
                "next_weekly_at": _iso(user.next_weekly_at if user else None),
            }
        return found

    async def jump_to_next_reminder(self, user_id: int) -> JumpResult:
        """Move the clock to the next thing the bot sends the user on its own, and send it.

        That is the earlier of ``users.next_reminder_at`` (the daily reminder or check-in)
        and ``users.next_weekly_at`` (the weekly summary), so stepping through the days never
        skips a Sunday summary. Then one dispatcher tick runs, which sends both kinds.

        The clock is shared, so the jump moves time for every sandbox user; something
        already due is sent without moving the clock. The periodic reminder job may claim
        it first, in which case it arrives all the same and ``handled`` counts 0.
        """
        async with self._jumping:
            async with self.services.db.transaction() as tx:
                sends = await users.next_sends(tx, user_id)
            due, kind = _earliest(*sends) if sends is not None else (None, None)
            if due is None:
                return JumpResult(user_id, None, None, self.clock.now(), 0)
            ahead = due - self.clock.now()
            if ahead > timedelta():
                self.clock.jump(ahead)
            handled = await self._dispatcher().tick()
            return JumpResult(user_id, due, kind, self.clock.now(), handled)

    def _dispatcher(self) -> Dispatcher:
        assert self.app is not None
        return _dispatcher_of(self.app) or Dispatcher(self.services, self.app.bot)


def _earliest(
    reminder: datetime | None, weekly: datetime | None
) -> tuple[datetime | None, str | None]:
    if reminder is not None and weekly is not None and reminder == weekly:
        return reminder, "reminder and weekly summary"
    found = [(at, kind) for at, kind in ((reminder, "reminder"), (weekly, "weekly summary")) if at]
    return min(found) if found else (None, None)


def _dispatcher_of(app: AnyApplication) -> Dispatcher | None:
    services = app.bot_data.get(SERVICES_KEY)
    found = services.dispatcher if isinstance(services, Services) else None
    return found if isinstance(found, Dispatcher) else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- the command ----------------------------------------------------------------------------


def run_sandbox(
    settings: Settings, *, host: str = "127.0.0.1", port: int | None = None, speed: float | None
) -> int:
    """``backstep sandbox``: run until SIGINT/SIGTERM, then stop cleanly; the exit status."""
    # One INFO line per local HTTP request (every long poll) drowns the URL; keep the rest.
    httpx = logging.getLogger("httpx")
    httpx.setLevel(max(logging.WARNING, httpx.getEffectiveLevel()))
    return asyncio.run(_serve(Sandbox(settings, host=host, port=port, speed=speed)))


async def _serve(sandbox: Sandbox) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, stopping.set)
    await sandbox.start()
    try:
        _announce(sandbox)
        await stopping.wait()
        print("\nstopping the sandbox...", flush=True)
    finally:
        await sandbox.stop()
    print("sandbox stopped", flush=True)
    return 0


def _announce(sandbox: Sandbox) -> None:
    url = sandbox.url
    pace = (
        f"the clock runs {sandbox.speed:g}x fast ({sandbox.speed:g} sandbox seconds a second)"
        if sandbox.speed != 1
        else "the clock runs at real speed (use --speed 60 for a minute a second)"
    )
    lines = [
        "",
        f"Backstep sandbox is running: open {url} in your browser",
        f"  a second user (a separate chat): {url}?user=2   both side by side: {url}?user=1,2",
        f"  {pace}; the page's button jumps to the next reminder",
        f"  database: {display_url(sandbox.settings.database_url)}",
        "  press Ctrl-C to stop",
        "",
    ]
    print("\n".join(lines), flush=True)
    sys.stdout.flush()


__all__ = ["MAX_SPEED", "SANDBOX_TOKEN", "JumpResult", "Sandbox", "run_sandbox"]
