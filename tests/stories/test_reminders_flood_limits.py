"""A morning's reminders against a Telegram that answers 429 to a 31st message in one second.

The real bot as ``backstep run`` builds it (its flood limiter, production's pacing) and the real
dispatcher send 70 due reminders to a stand-in that enforces Telegram's limits. Not one 429
comes back, and everyone gets their reminder once. With the paid broadcast on, the same
reminders go out with ``allow_paid_broadcast`` and count against the paid window instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.app import build_application
from bot.clock import ManualClock
from bot.settings import Settings
from bot.stub.faults import RateLimits
from bot.stub.server import BotApiStub
from bot.telegram.reminders import BATCH, Dispatcher
from bot.telegram.services import SERVICES_KEY, Services
from storage.db import Database
from storage.models import Dialog, ReminderLog, User
from tests.harness import START, TOKEN

PATIENTS = [30_000 + n for n in range(70)]  # more than two seconds' worth at 30/s


async def due_this_morning(url: str) -> None:
    """70 onboarded patients whose daily reminder was due a minute ago."""
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
                for uid in PATIENTS
            ],
        )
        await tx.execute(
            insert(Dialog),
            [
                {"user_id": uid, "flow": "none", "step": "", "payload": {}, "version": 0}
                | {"updated_at": START}
                for uid in PATIENTS
            ],
        )
    await db.close()


async def send_the_morning(stub: BotApiStub, url: str, **settings: Any) -> list[str]:
    """The dispatcher drains what is due, as the reminder job does; the statuses logged."""
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
        dispatcher = Dispatcher(services, app.bot)
        while await dispatcher.tick() >= BATCH:
            pass
        async with services.db.transaction() as tx:
            return list((await tx.scalars(select(ReminderLog.status))).all())
    finally:
        await app.shutdown()
        await services.db.close()


@pytest.mark.slow  # 70 messages at 28.6/s: a few seconds of real pacing
async def test_seventy_reminders_go_out_without_a_single_429(sqlite_url: str) -> None:
    await due_this_morning(sqlite_url)
    async with BotApiStub(TOKEN, enforce_limits=True, limits=RateLimits()) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)

        logged = await send_the_morning(stub, sqlite_url)

        assert stub.stats.too_many_requests == 0
        assert [len(stub.chat(uid).bot_messages) for uid in PATIENTS] == [1] * len(PATIENTS)
        assert logged == ["sent"] * len(PATIENTS)
        assert stub.limiter is not None
        assert stub.limiter.free.accepted == len(PATIENTS)
        assert stub.limiter.free.busiest <= 30


async def test_with_the_paid_broadcast_reminders_count_against_the_paid_window(
    sqlite_url: str,
) -> None:
    await due_this_morning(sqlite_url)
    async with BotApiStub(TOKEN, enforce_limits=True, limits=RateLimits()) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)

        logged = await send_the_morning(stub, sqlite_url, paid_broadcast=True)

        assert stub.stats.too_many_requests == 0
        assert logged == ["sent"] * len(PATIENTS)
        assert stub.limiter is not None
        assert stub.limiter.paid.accepted == len(PATIENTS), "every one sent as a paid broadcast"
        assert stub.limiter.free.accepted == 0, "none of them took the free 30/s"
