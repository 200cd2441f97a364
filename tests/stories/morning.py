"""A morning's due reminders: patients written straight into the database, and the real
dispatcher, as ``backstep run`` builds it, draining what is due as the reminder job does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.app import build_application
from bot.clock import ManualClock
from bot.settings import Settings
from bot.stub.server import BotApiStub
from bot.telegram.reminders import BATCH, Dispatcher
from bot.telegram.services import SERVICES_KEY, Services
from storage.db import Database
from storage.models import Dialog, ReminderLog, User
from tests.harness import START, TOKEN


async def due_this_morning(url: str, patients: Sequence[int]) -> None:
    """Onboarded ``patients`` whose daily reminder was due a minute ago."""
    db = Database(url)
    async with db.transaction() as tx:
        await tx.execute(
            insert(User),
            [
                {
                    "id": uid,
                    "chat_id": uid,
                    "created_at": START - timedelta(days=2),
                    "consent_at": START - timedelta(days=2),
                    "status": "active",
                    "reachable": True,
                    "timezone": "Europe/Berlin",
                    "reminder_time": "05:59",
                    "weekly_summary_day": 6,
                    "next_reminder_at": START - timedelta(minutes=1),
                    "onboarded_on": (START - timedelta(days=2)).date(),
                }
                for uid in patients
            ],
        )
        await tx.execute(
            insert(Dialog),
            [
                {"user_id": uid, "flow": "none", "step": "", "payload": {}, "version": 0}
                | {"updated_at": START}
                for uid in patients
            ],
        )
    await db.close()


@asynccontextmanager
async def reminder_sender(
    stub: BotApiStub, url: str, **settings: Any
) -> AsyncIterator[tuple[Services, Dispatcher]]:
    """The bot's services and its dispatcher, with the JobQueue off: the story ticks it."""
    app = build_application(
        Settings(
            telegram_token=TOKEN, telegram_api_url=stub.base_url, database_url=url, **settings
        ),
        clock=ManualClock(START),
        migrate=False,
        jobs=False,
    )
    await app.initialize()
    services: Services = app.bot_data[SERVICES_KEY]
    try:
        yield services, Dispatcher(services, app.bot)
    finally:
        await app.shutdown()
        await services.db.close()


async def drain(dispatcher: Dispatcher) -> None:
    """Tick until no full batch is left, as the reminder job does."""
    while await dispatcher.tick() >= BATCH:
        pass


async def logged_statuses(services: Services) -> list[str]:
    async with services.db.transaction() as tx:
        return list((await tx.scalars(select(ReminderLog.status))).all())


async def send_the_morning(stub: BotApiStub, url: str, **settings: Any) -> list[str]:
    """The dispatcher drains what is due; the statuses logged."""
    async with reminder_sender(stub, url, **settings) as (services, dispatcher):
        await drain(dispatcher)
        return await logged_statuses(services)
