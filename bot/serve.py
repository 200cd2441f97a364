"""Running a bot instance: long polling or webhook, and the same graceful shutdown for both.

PTB's ``run_polling``/``run_webhook`` own the event loop and stop in their own order; we need a
step they do not have (hand back the reminder claims this instance took), a health port next
to polling, and a hard bound on shutdown time, so the lifecycle is spelled out here:

start: initialize -> ``post_init`` (migrations, command menu, reminder job) -> start the
Application -> start taking updates (webhook listener + ``setWebhook``, or polling) -> ready.

SIGTERM/SIGINT: tell the reminder dispatcher to claim and start nothing more -> stop taking
updates (close the listener; requests in flight finish) -> ``Application.stop()`` (queued
updates and the running reminder tick finish) -> release unfinished reminder claims -> close
the database -> exit 0, all within ``SHUTDOWN_SECONDS`` so an orchestrator's 10 s grace period
is never hit.

The webhook is never deleted on shutdown: with several replicas behind one URL, the others keep
serving it. With ``BACKSTEP_DASHBOARD_URL`` set, the clinicians' dashboard is served from the
same listener (docs/clinic.md).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web
from telegram.ext import Application

from bot import metrics, runtime
from bot.dashboard.routes import add_routes
from bot.dashboard.server import secure_cookies
from bot.settings import ENV_PREFIX, Settings, SettingsError
from bot.telegram.services import SERVICES_KEY, Services
from bot.web import health_app, webhook_app

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 9.0  # from the signal to the exit; Docker and systemd wait 10 s by default
DRAIN_SECONDS = 6.0  # of that, how long in-flight webhook requests may take to finish
PROBE_TIMEOUT = 5.0

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (``[::]:8443`` for IPv6; ``:8443`` means every interface)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(
            f"{ENV_PREFIX}LISTEN is invalid: must be host:port, like 0.0.0.0:8443 (got {value!r})"
        )
    return host.strip("[]") or "0.0.0.0", int(port)


def webhook_target(settings: Settings) -> tuple[str, str, str]:
    """The public URL, its path (the route we serve) and the secret token; all required."""
    url, secret = settings.webhook_url, settings.webhook_secret
    if not url:
        raise SettingsError(
            f"{ENV_PREFIX}WEBHOOK_URL is not set: give the public https:// URL Telegram "
            "should POST updates to, like https://bot.example.org/telegram"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingsError(f"{ENV_PREFIX}WEBHOOK_URL is invalid: must be an https:// URL")
    if not secret:
        raise SettingsError(
            f"{ENV_PREFIX}WEBHOOK_SECRET is not set: choose 1-256 characters of A-Z, a-z, "
            "0-9, _ and - (Telegram sends it back with every update; others are refused)"
        )
    return url, parts.path or "/", secret


def serve_webhook(settings: Settings) -> int:
    """``backstep webhook``: serve Telegram's webhook until SIGTERM/SIGINT; the exit status."""
    settings.require_token()
    webhook_target(settings)
    parse_listen(settings.listen)
    return runtime.run(_serve(settings, webhook=True))


def serve_polling(settings: Settings) -> int:
    """``backstep run``: long polling (plus the health port when one is set) until a signal."""
    settings.require_token()
    return runtime.run(_serve(settings, webhook=False))


async def _start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, shutdown_timeout=DRAIN_SECONDS, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SettingsError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return runner


def _with_dashboard(
    app: web.Application, settings: Settings, services: Services
) -> web.Application:
    """Serve the clinicians' dashboard at /dashboard/ of ``app`` when it has a public URL
    (``BACKSTEP_DASHBOARD_URL``): the webhook listener, or the health port when polling."""
    if settings.dashboard_url:
        add_routes(
            app, services.db, services.catalog, services.clock, secure=secure_cookies(settings)
        )
    return app


async def _serve(settings: Settings, *, webhook: bool) -> int:
    from bot.app import ALLOWED_UPDATES, build_application, on_polling_error

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _on_signal, sig, stopping)

    application = build_application(settings)
    services: Services = application.bot_data[SERVICES_KEY]
    host, port = parse_listen(settings.listen)
    front: web.AppRunner | None = None
    side: web.AppRunner | None = None
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        if webhook:
            url, path, secret = webhook_target(settings)
            front = await _start_site(
                _with_dashboard(
                    webhook_app(application, services.db, secret=secret, path=path),
                    settings,
                    services,
                ),
                host,
                port,
            )
            await application.bot.set_webhook(
                url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("serving the webhook on %s:%d%s", host, port, path)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES, error_callback=on_polling_error
            )
            log.info("long polling against %s", settings.telegram_api_url)
        if settings.health_port is not None:
            health = health_app(services.db)
            side = await _start_site(
                health if webhook else _with_dashboard(health, settings, services),
                host,
                settings.health_port,
            )
            log.info("/healthz and /metrics on %s:%d", host, settings.health_port)
        runtime.freeze_startup_heap()
        await stopping.wait()
    finally:
        await _shutdown(application, services, front, side)
    return 0


def _on_signal(sig: signal.Signals, stopping: asyncio.Event) -> None:
    if stopping.is_set():
        log.info("%s again: already stopping", sig.name)
        return
    log.info("%s: stopping; updates in flight finish first", sig.name)
    stopping.set()


async def bounded(step: str, work: Awaitable[T], deadline: float) -> T | None:
    """Await ``work`` until ``deadline``; log and move on rather than overrun the budget."""
    try:
        return await asyncio.wait_for(work, max(0.1, deadline - time.monotonic()))
    except TimeoutError:
        log.warning("shutdown: %s did not finish in time; going on without it", step)
    except Exception:
        log.exception("shutdown: %s failed; going on", step)
    return None


async def _shutdown(
    application: AnyApplication,
    services: Services,
    front: web.AppRunner | None,
    side: web.AppRunner | None,
) -> None:
    """Stop in the order that loses nothing: intake, reminders, in-flight work, claims, DB."""
    deadline = time.monotonic() + SHUTDOWN_SECONDS
    dispatcher = services.dispatcher
    if dispatcher is not None:
        dispatcher.close()  # no new claims from here on; sends waiting for a slot give up
    if side is not None:
        await bounded("closing the health port", side.cleanup(), deadline)
    if front is not None:
        # Stops listening, then waits up to DRAIN_SECONDS for requests being handled.
        await bounded("draining webhook requests", front.cleanup(), deadline)
    if application.updater is not None and application.updater.running:
        await bounded("stopping polling", application.updater.stop(), deadline)
    if application.running:
        await bounded("finishing updates and jobs", application.stop(), deadline)
    if dispatcher is not None:
        released = await bounded("releasing reminder claims", dispatcher.release_claims(), deadline)
        if released:
            metrics.REMINDER_CLAIMS_RELEASED.inc(released)
            log.info("released %d reminder claim(s) for other instances", released)
    await bounded("shutting down the bot", application.shutdown(), deadline)
    if application.post_shutdown is not None:
        await bounded("closing the database", application.post_shutdown(application), deadline)
    log.info("stopped")


def probe(settings: Settings) -> int:
    """``backstep healthcheck``: 0 when this machine's instance answers ``/healthz`` with 200.

    Asks the health port when one is set, else the webhook listener. For container
    HEALTHCHECKs, where no curl is installed.
    """
    host, port = parse_listen(settings.listen)
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    port = settings.health_port or port
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        print(f"unhealthy: {url}: {exc}")
        return 1
    print(f"{'healthy' if status == 200 else 'unhealthy'}: {url} answered {status}")
    return 0 if status == 200 else 1


__all__ = ["parse_listen", "probe", "serve_polling", "serve_webhook", "webhook_target"]
