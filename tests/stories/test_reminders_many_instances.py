"""Two dispatcher instances on one PostgreSQL database: every reminder sent exactly once.

Each instance has its own Database (its own connections) and its own Bot, as two processes
would; they share only the database and the stand-in, like bot replicas behind one token.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import ManualClock
from bot.coach.catalog import load_catalog
from bot.settings import Settings
from bot.stub.server import BotApiStub
from bot.telegram import reminders
from bot.telegram.reminders import LEASE, Claim, Dispatcher
from bot.telegram.sending import Due, Prepared
from bot.telegram.services import Services
from storage.db import Database
from storage.models import Dialog, ReminderLog, User
from tests.harness import START, TOKEN

USERS = 2000
FIRST_ID = 10_000


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub(TOKEN) as running:
        for n in range(USERS):
            running.add_user(FIRST_ID + n)
        yield running


async def load_due_users(db: Database) -> None:
    due = START - timedelta(minutes=1)
    async with db.transaction() as tx:
        await tx.execute(
            insert(User),
            [
                {
                    "id": FIRST_ID + n,
                    "chat_id": FIRST_ID + n,
                    "created_at": START,
                    "consent_at": START,
                    "status": "active",
                    "reachable": True,
                    "timezone": "Europe/Berlin",
                    "reminder_time": "05:59",
                    "weekly_summary_day": 6,
                    "next_reminder_at": due,
                    "onboarded_on": START.date(),
                }
                for n in range(USERS)
            ],
        )
        await tx.execute(
            insert(Dialog),
            [
                {
                    "user_id": FIRST_ID + n,
                    "flow": "none",
                    "step": "",
                    "payload": {},
                    "version": 0,
                    "updated_at": START,
                }
                for n in range(USERS)
            ],
        )


@contextlib.asynccontextmanager
async def instance(
    url: str, stub: BotApiStub, clock: ManualClock
) -> AsyncIterator[tuple[Services, Bot]]:
    settings = Settings(
        telegram_token=TOKEN,
        telegram_api_url=stub.base_url,
        database_url=url,
        send_rate_per_second=5000,
    )
    services = Services(settings, Database(url), load_catalog(), clock)
    bot = Bot(TOKEN, base_url=stub.base_url, request=HTTPXRequest(connection_pool_size=64))
    async with bot:
        yield services, bot
    await services.db.close()


def sent_per_chat(stub: BotApiStub) -> Counter[int]:
    return Counter({FIRST_ID + n: len(stub.chat(FIRST_ID + n).bot_messages) for n in range(USERS)})


async def drain(dispatcher: Dispatcher) -> None:
    while await dispatcher.tick():
        pass


@pytest.mark.slow
@pytest.mark.timeout(900)  # 2,000 users over HTTP: minutes on a loaded two-core machine
async def test_two_instances_send_2000_due_reminders_each_exactly_once(
    postgres_url: str, stub: BotApiStub
) -> None:
    clock = ManualClock(START)
    async with instance(postgres_url, stub, clock) as a, instance(postgres_url, stub, clock) as b:
        await load_due_users(a[0].db)
        one = Dispatcher(*a)
        two = Dispatcher(*b)
        await asyncio.gather(drain(one), drain(two))

        counts = sent_per_chat(stub)
        assert set(counts.values()) == {1}, "every user got exactly one reminder"
        async with a[0].db.transaction() as tx:
            logged = await tx.scalar(select(func.count()).select_from(ReminderLog))
            assert logged == USERS


class CrashingDispatcher(Dispatcher):
    """Stops dead (no release, no record) after ``survive`` reminders, like a killed process."""

    def __init__(self, *args: Any, survive: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survive = survive
        self.handled = 0
        self.dead = asyncio.Event()

    async def handle(self, due: Due, claim: Claim, prepared: Prepared, slot: float = 0.0) -> bool:
        if self.handled >= self.survive:
            self.dead.set()
            await asyncio.Event().wait()  # frozen mid-batch until killed
        self.handled += 1
        return await super().handle(due, claim, prepared, slot)


@pytest.mark.slow
@pytest.mark.timeout(900)  # 2,000 users over HTTP: minutes on a loaded two-core machine
async def test_an_instance_killed_mid_batch_leaves_nothing_unsent_or_doubled(
    postgres_url: str, stub: BotApiStub
) -> None:
    clock = ManualClock(START)
    async with instance(postgres_url, stub, clock) as a, instance(postgres_url, stub, clock) as b:
        await load_due_users(a[0].db)
        doomed = CrashingDispatcher(*a, concurrency=1, survive=150)
        survivor = Dispatcher(*b)

        crash = asyncio.create_task(doomed.tick())
        await doomed.dead.wait()
        await drain(survivor)  # takes everything not leased by the frozen instance
        crash.cancel()  # the frozen instance is killed; its leased claims stay leased
        with contextlib.suppress(asyncio.CancelledError):
            await crash

        unsent = [uid for uid, n in sent_per_chat(stub).items() if n == 0]
        assert len(unsent) == reminders.BATCH - 150, "the dead instance's claims wait out the lease"
        clock.advance(LEASE + timedelta(seconds=1))
        await drain(survivor)

        counts = sent_per_chat(stub)
        assert set(counts.values()) == {1}, "after the lease every reminder went out exactly once"
