"""An instance that stops mid-batch hands its reminder claims back instead of sitting on them.

The dispatcher claims due users with a two-minute lease and paces the sends. If the instance is
told to stop while some of its claimed reminders still wait for their slot, those users must
not wait for the lease to run out: the claims are released and any other instance can send
them at its next tick.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from telegram import Bot

from bot.clock import SystemClock
from bot.coach.catalog import load_catalog
from bot.settings import Settings
from bot.stub.server import BotApiStub
from bot.telegram.reminders import Dispatcher, claim_due
from bot.telegram.services import Services
from storage import users
from storage.db import Database
from storage.models import ReminderLog, User
from tests.waiting import eventually

TOKEN = "123456:TEST-claims-token"
PATIENTS = (8101, 8102, 8103)


async def due_patients(db: Database, now: datetime) -> None:
    """Three onboarded patients whose daily reminder was due a minute ago."""
    async with db.transaction() as tx:
        for user_id in PATIENTS:
            user = users.new_user(tx, user_id, user_id, now - timedelta(days=2))
            user.status = "active"
            user.consent_at = now - timedelta(days=2)
            user.timezone = "Europe/Berlin"
            user.reminder_time = "07:00"
            user.onboarded_on = (now - timedelta(days=2)).date()
            user.next_reminder_at = now - timedelta(minutes=1)


async def test_claims_waiting_for_their_slot_are_released_when_the_instance_stops(
    database: Database,
) -> None:
    now = datetime.now(UTC)
    await due_patients(database, now)
    async with BotApiStub(TOKEN) as stub:
        for user_id in PATIENTS:
            stub.add_user(user_id, f"Patient {user_id}")
        # One send every 5 s: the first goes at once, the other two wait for their slots.
        settings = Settings(
            telegram_token=TOKEN, telegram_api_url=stub.base_url, send_rate_per_second=0.2
        )
        services = Services(settings, database, load_catalog(), SystemClock())
        async with Bot(TOKEN, base_url=stub.base_url) as bot:
            dispatcher = Dispatcher(services, bot)
            tick = asyncio.create_task(dispatcher.tick())
            first = await first_reminder(stub)

            dispatcher.close()
            handled = await asyncio.wait_for(tick, 5)
            released = await dispatcher.release_claims()

    assert handled == 3  # all three were claimed in this tick
    assert released == 2
    waiting = [u for u in PATIENTS if u != first]
    async with database.transaction() as tx:
        claims = dict((await tx.execute(select(User.id, User.reminder_claimed_until))).all())
        logged = (await tx.scalars(select(ReminderLog.user_id))).all()
    assert claims == dict.fromkeys(PATIENTS)  # nobody is left leased to the stopped instance
    assert logged == [first]
    # Another instance picks the two up right away, not after the lease.
    retaken = await claim_due(database, datetime.now(UTC))
    assert sorted(c.user_id for c in retaken) == sorted(waiting)
    assert [stub.chat(u).bot_messages for u in waiting] == [[], []]


async def first_reminder(stub: BotApiStub) -> int:
    """The patient who got the batch's first reminder (the others are paced behind)."""
    await eventually(
        lambda: any(stub.chat(u).bot_messages for u in PATIENTS), "the batch's first reminder"
    )
    return next(u for u in PATIENTS if stub.chat(u).bot_messages)
