"""Leasing due rows of ``users`` to one instance, for the daily reminders and weekly summaries.

``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL: any
number of instances claim at once without waiting on or taking each other's rows. SQLite
serialises writers, so the same conditional UPDATE is already atomic there. A claim is a lease
(``users.reminder_claimed_until``): if its instance dies, the row is claimable again after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from storage.db import Database
from storage.models import User

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
