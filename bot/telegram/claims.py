"""Leasing due rows of ``users`` to one instance, for the daily reminders and weekly summaries.

``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL: any
number of instances claim at once without waiting on or taking each other's rows. SQLite
serialises writers, so the same conditional UPDATE is already atomic there. A claim is a lease
(``users.reminder_claimed_until``): if its instance dies, the row is claimable again after it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import InstrumentedAttribute
from telegram import Bot, Message
from telegram.error import TelegramError

from bot import metrics
from bot.telegram import delivery
from storage.db import Database
from storage.models import User

log = logging.getLogger(__name__)

BATCH = 500
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Claim:
    user_id: int
    due_at: datetime


async def claim_due(
    db: Database,
    now: datetime,
    limit: int = BATCH,
    *,
    due: InstrumentedAttribute[datetime | None] = User.next_reminder_at,
) -> list[Claim]:
    """Atomically lease up to ``limit`` users whose ``due`` instant has come."""
    ids = (
        select(User.id)
        .where(
            due <= now,
            User.reachable.is_(True),
            User.status.in_(("active", "paused")),
            or_(User.reminder_claimed_until.is_(None), User.reminder_claimed_until < now),
        )
        .order_by(due)
        .limit(limit)
    )
    if db.is_postgres:
        ids = ids.with_for_update(skip_locked=True)
    statement = (
        update(User)
        .where(User.id.in_(ids.scalar_subquery()))
        .values(reminder_claimed_until=now + LEASE)
        .returning(User.id, due)
    )
    async with db.transaction() as tx:
        rows = (await tx.execute(statement, execution_options={"synchronize_session": False})).all()
    return [Claim(user_id, due_at) for user_id, due_at in rows if due_at is not None]


async def release(db: Database, user_id: int) -> None:
    """Give a claim back at once (the send failed; the next tick tries again)."""
    async with db.transaction() as tx:
        await tx.execute(update(User).where(User.id == user_id).values(reminder_claimed_until=None))


async def send_to_claimed(
    db: Database, bot: Bot, claim: Claim, chat_id: int, text: str, markup: Any, what: str
) -> Message | None:
    """Send to a claimed user. A 403 marks them unreachable; any other failure (after the
    retries in :mod:`bot.telegram.delivery`) releases the claim. None unless Telegram accepted.
    """
    try:
        return await delivery.send_text(bot, chat_id, text, markup)
    except delivery.Blocked:
        async with db.transaction() as tx:
            await tx.execute(
                update(User)
                .where(User.id == claim.user_id)
                .values(reachable=False, reminder_claimed_until=None)
            )
        metrics.REMINDERS.labels(outcome="blocked").inc()
        log.info("%s not sent: the user blocked the bot; marked unreachable", what)
    except TelegramError as exc:
        metrics.REMINDERS.labels(outcome="failed").inc()
        log.warning("%s not sent (%s); it will be retried", what, exc)
        await release(db, claim.user_id)
    return None
