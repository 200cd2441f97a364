"""A morning's reminders are prepared and recorded in groups, and one user's trouble stays theirs.

The dispatcher prepares claimed users 32 to a transaction and records sent messages by group
commit (bot/telegram/sending.py), so a morning costs a few statements per group rather than
six per reminder. These stories send 70 due reminders with the rate limit off and check that
everyone still gets exactly one, each recorded once; that a user whose row cannot be prepared
(a time zone gone from the system's zone database) holds up nobody else; and that a user erased
while their reminder was on its way leaves the others' records intact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, update

from bot.stub.server import BotApiStub
from bot.telegram.reminders import Dispatcher
from bot.telegram.sending import Claim, Due, Prepared
from storage import users
from storage.db import Database
from storage.models import ReminderLog, User
from tests.harness import TOKEN
from tests.stories.morning import (
    drain,
    due_this_morning,
    logged_statuses,
    reminder_sender,
)

PATIENTS = [40_000 + n for n in range(70)]
UNLIMITED = {"send_rate_per_second": 100_000}  # no pacing: the sends overlap, as at scale


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Every statement run on ``db``'s engine meanwhile."""
    found: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        found.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


async def reminded(db: Database) -> dict[int, int]:
    """How many reminders each user has in ``reminder_log``."""
    async with db.transaction() as tx:
        rows = (await tx.scalars(select(ReminderLog.user_id))).all()
    return {uid: rows.count(uid) for uid in set(rows)}


async def test_seventy_reminders_cost_a_few_statements_per_group(
    database_url: str,
) -> None:
    await due_this_morning(database_url, PATIENTS)
    async with BotApiStub(TOKEN) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)
        async with reminder_sender(stub, database_url, **UNLIMITED) as (services, dispatcher):
            with counting(services.db) as statements:
                await drain(dispatcher)

            assert [len(stub.chat(uid).bot_messages) for uid in PATIENTS] == [1] * len(PATIENTS)
            assert await logged_statuses(services) == ["sent"] * len(PATIENTS)
            async with services.db.transaction() as tx:
                claimed = await tx.scalars(
                    select(User.id).where(User.reminder_claimed_until.is_not(None))
                )
                assert list(claimed) == [], "every lease was handed back with its record"

    def count(prefix: str) -> int:
        return sum(1 for sql in statements if " ".join(sql.split()).startswith(prefix))

    # Prepared 32 to a transaction: the users in one read, their day so far in one more.
    assert count("SELECT users.id, users.chat_id") == 3, "70 users: three groups"
    assert count("SELECT ? AS what") + count("SELECT $1::VARCHAR AS what") == 3
    # Recorded by group commit: however many records share a transaction (that depends on
    # how the sends overlap), each writes its users, log rows and live cards once.
    records = count("INSERT INTO reminder_log")
    assert 1 <= records <= len(PATIENTS)
    assert count("UPDATE users SET next_reminder_at") == records
    assert count("UPDATE dialogs SET card_message_id") == records


@pytest.mark.logs_errors("a row the code cannot handle is a fault, logged with its traceback")
async def test_a_user_whose_row_cannot_be_prepared_holds_up_nobody_else(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await due_this_morning(database_url, PATIENTS)
    broken = PATIENTS[5]
    db = Database(database_url)
    async with db.transaction() as tx:  # e.g. a zone the system's tzdata no longer has
        await tx.execute(update(User).where(User.id == broken).values(timezone="Mars/Olympus"))
    await db.close()
    async with BotApiStub(TOKEN) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)
        async with reminder_sender(stub, database_url, **UNLIMITED) as (services, dispatcher):
            with caplog.at_level(logging.WARNING, logger="bot.telegram.sending"):
                await drain(dispatcher)

            others = [uid for uid in PATIENTS if uid != broken]
            assert [len(stub.chat(uid).bot_messages) for uid in others] == [1] * len(others)
            assert stub.chat(broken).bot_messages == []
            assert await reminded(services.db) == dict.fromkeys(others, 1)
            async with services.db.transaction() as tx:
                lease = await tx.scalar(
                    select(User.reminder_claimed_until).where(User.id == broken)
                )
            assert lease is None, "the broken user's claim is released for the next tick"
    assert "failed; the claim will be retried" in caplog.text


class ErasingDispatcher(Dispatcher):
    """Erases one user (as /delete does) while their reminder is on its way to Telegram."""

    def __init__(self, *args: Any, erase: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.erase = erase

    async def handle(self, due: Due, claim: Claim, prepared: Prepared, slot: float = 0.0) -> bool:
        if claim.user_id == self.erase:
            async with self.services.db.transaction() as tx:
                await users.erase_user(tx, claim.user_id)
        return await super().handle(due, claim, prepared, slot)


async def test_a_user_erased_mid_send_costs_nobody_else_their_record(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await due_this_morning(database_url, PATIENTS)
    gone = PATIENTS[40]
    async with BotApiStub(TOKEN) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)
        async with reminder_sender(stub, database_url, **UNLIMITED) as (services, plain):
            dispatcher = ErasingDispatcher(services, plain.bot, erase=gone)
            with caplog.at_level(logging.INFO, logger="bot.telegram.sending"):
                await drain(dispatcher)

            others = [uid for uid in PATIENTS if uid != gone]
            assert [len(stub.chat(uid).bot_messages) for uid in others] == [1] * len(others)
            assert await reminded(services.db) == dict.fromkeys(others, 1)
            async with services.db.transaction() as tx:
                left = await tx.scalar(select(User.id).where(User.id == gone))
            assert left is None, "nothing of the erased user was written back"
    assert "erased meanwhile; nothing to record" in caplog.text
