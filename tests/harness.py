"""The real bot, over real HTTP, against the local Bot API stand-in, with a hand-moved clock.

:class:`BotUnderTest` builds the Application with the same :func:`bot.app.build_application`
that ``backstep run`` uses, starts long polling against :class:`bot.stub.BotApiStub`, and lets a
test speak as a user: send text, press a button by its label, read the bot's next message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, on_polling_error
from bot.clock import ManualClock
from bot.settings import Settings
from bot.stub.chat import ChatMessage
from bot.stub.server import BotApiStub
from bot.telegram import outbox, timers
from bot.telegram.reminders import Dispatcher
from bot.telegram.services import SERVICES_KEY, Services
from storage.db import Database

TOKEN = "123456:TEST-token"
# A Monday morning in winter (CET = UTC+1): 06:00 in Berlin.
START = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)


class BotUnderTest:
    def __init__(
        self, stub: BotApiStub, database_url: str, clock: ManualClock, **settings: Any
    ) -> None:
        self.stub = stub
        self.database_url = database_url
        self.clock = clock
        self.settings = Settings(
            telegram_token=TOKEN,
            telegram_api_url=stub.base_url,
            database_url=database_url,
            send_rate_per_second=1000,
            **settings,
        )
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None

    @property
    def services(self) -> Services:
        assert self.app is not None
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services

    @property
    def db(self) -> Database:
        return self.services.db

    async def start(self) -> None:
        self.app = build_application(
            self.settings,
            db=Database(self.database_url),
            clock=self.clock,
            jobs=False,
            rate_limit=False,
            migrate=False,  # the test's database fixture has migrated it
            on_handled=self.stub.report_handled,
        )
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            poll_interval=0,
            timeout=1,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=on_polling_error,
        )

    async def stop(self) -> None:
        if self.app is None:
            return
        assert self.app.updater is not None
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)
        self.app = None

    async def restart(self) -> None:
        """Stop the bot and start a fresh process-worth of it on the same database."""
        await self.stop()
        await self.start()

    # -- the user's side ---------------------------------------------------------------------

    async def send(self, user_id: int, text: str, first_name: str = "Alex") -> ChatMessage:
        """The user writes ``text``; returns the bot's next message (an exercise animation is
        passed over, like ``next``: ``unread`` and ``bot_messages`` have it)."""
        await self.stub.send_text(user_id, text, first_name=first_name)
        message = await self.stub.next_message(user_id)
        while message.kind == "animation":
            message = await self.stub.next_message(user_id)
        return message

    async def tap(self, user_id: int, message: ChatMessage, label: str) -> ChatMessage:
        """The user presses ``label`` under ``message``; returns what the bot showed next
        (the edited message, or a new one)."""
        await self.stub.press(user_id, message.message_id, message.button(label))
        return await self.next(user_id)

    async def next(self, user_id: int) -> ChatMessage:
        """What the bot shows next (:meth:`bot.stub.server.BotApiStub.next_shown`)."""
        return await self.stub.next_shown(user_id)

    def bot_messages(self, user_id: int) -> list[ChatMessage]:
        """The bot's messages as they read now, oldest first: for "answers stay readable"."""
        chat = self.stub.state.chats.get(user_id)
        return [] if chat is None else [m for m in chat.messages.values() if m.from_bot]

    async def live_cards(self, user_id: int) -> list[ChatMessage]:
        """Once every update is handled: the bot's messages in this chat whose dialog buttons
        still take taps (the exercise library's browse buttons are not a dialog's)."""
        await self.handled()
        chat = self.stub.state.chats.get(user_id)
        if chat is None:
            return []
        return [
            m
            for m in chat.messages.values()
            if m.from_bot and any(not (d or "").startswith("lib:") for _, d in _buttons(m))
        ]

    async def handled(self) -> None:
        """Until the bot has finished every update the users sent (replies included, and
        their receipts marked sent, as the outbox job would)."""
        await self.stub.wait_handled()
        await outbox.mark_sent(self.services)

    async def unread(self, user_id: int) -> list[ChatMessage]:
        """Once every update is handled: the messages and edits the test has not read yet."""
        await self.handled()
        events = self.stub.unread_events(user_id, {"message", "edit"})
        return [e.message for e in events if e.message is not None and e.action != "stripped"]

    async def send_owed_replies(self) -> int:
        """One pass of the reply outbox job (tests drive it instead of the JobQueue)."""
        assert self.app is not None
        return await outbox.flush(self.services, self.app.bot)

    async def tick_timers(self) -> int:
        """One tick of the hold timers (tests drive it instead of the JobQueue)."""
        assert self.app is not None
        return await timers.tick(self.services, self.app.bot)

    async def dispatch_reminders(self) -> int:
        """One tick of the reminder dispatcher (tests drive it instead of the JobQueue), once
        the bot has finished every update the users sent, as hours later it would have: a
        turn still committing holds its user's row, and a claim skips locked rows."""
        assert self.app is not None
        await self.handled()
        return await Dispatcher(self.services, self.app.bot).tick()


def _buttons(message: ChatMessage) -> list[tuple[str, str | None]]:
    return [button for row in message.button_rows for button in row]


@asynccontextmanager
async def running_bot(database_url: str, **settings: Any) -> AsyncIterator[BotUnderTest]:
    clock = ManualClock(START)
    async with BotApiStub(TOKEN, clock=lambda: clock.now().timestamp()) as stub:
        bot = BotUnderTest(stub, database_url, clock, **settings)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.stop()
