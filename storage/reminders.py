"""What the reminder and weekly-summary sender keeps in the database.

- **Claims**: due ``users`` rows leased to one instance (``users.reminder_claimed_until``), one
  conditional ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``. On
  PostgreSQL, ``SKIP LOCKED`` lets any number of instances claim at once without waiting on or
  taking each other's rows; SQLite serialises writers, so the same UPDATE is already atomic.
- **The send budget**: one ``send_budget`` row, the token bucket all instances reserve their
  send slots from.
- **The reminder log**: one row per user, local day and kind (unique), sent or missed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import (
    PainReport,
    ReminderLog,
    SendBudget,
    User,
)

# Users in the program, paused or not (the values of bot.program.lifecycle.Status; storage does
# not import the bot). What a paused user gets, if anything, the sender decides per user.
CLAIMABLE_STATUSES = ("active", "paused")

# --------------------------------------------------------------------------- claims


def _is_postgres(tx: AsyncSession) -> bool:
    return tx.get_bind().dialect.name == "postgresql"


async def _claim(
    tx: AsyncSession,
    due: InstrumentedAttribute[datetime | None],
    now: datetime,
    until: datetime,
    limit: int,
) -> list[tuple[int, datetime]]:
    ids = (
        select(User.id)
        .where(
            due <= now,
            User.reachable.is_(True),
            User.status.in_(CLAIMABLE_STATUSES),
            or_(User.reminder_claimed_until.is_(None), User.reminder_claimed_until < now),
        )
        .order_by(due)
        .limit(limit)
    )
    if _is_postgres(tx):
        ids = ids.with_for_update(skip_locked=True)
    statement = (
        update(User)
        .where(User.id.in_(ids.scalar_subquery()))
        .values(reminder_claimed_until=until)
        .returning(User.id, due)
    )
    rows = (await tx.execute(statement, execution_options={"synchronize_session": False})).all()
    return [(user_id, due_at) for user_id, due_at in rows if due_at is not None]


async def claim_due_reminders(
    tx: AsyncSession, now: datetime, until: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """Lease up to ``limit`` users whose daily reminder is due, until ``until``; returns
    ``(user_id, next_reminder_at)`` of each, oldest first."""
    return await _claim(tx, User.next_reminder_at, now, until, limit)


async def claim_due_summaries(
    tx: AsyncSession, now: datetime, until: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """Lease up to ``limit`` users whose weekly summary is due, until ``until``; returns
    ``(user_id, next_weekly_at)`` of each, oldest first."""
    return await _claim(tx, User.next_weekly_at, now, until, limit)


async def release_claims(tx: AsyncSession, user_ids: Collection[int]) -> None:
    """Give leases back at once, so any instance can claim those users at its next tick."""
    if user_ids:
        await tx.execute(
            update(User).where(User.id.in_(user_ids)).values(reminder_claimed_until=None)
        )


async def release_claim(tx: AsyncSession, user_id: int) -> None:
    await tx.execute(update(User).where(User.id == user_id).values(reminder_claimed_until=None))


async def mark_blocked(tx: AsyncSession, user_id: int) -> None:
    """Telegram said the user blocked the bot: unreachable (no sends until they write again),
    and the claim given back."""
    await tx.execute(
        update(User).where(User.id == user_id).values(reachable=False, reminder_claimed_until=None)
    )


# --------------------------------------------------------------------------- send budget


async def ensure_send_budget(tx: AsyncSession) -> None:
    """Put back the shared send budget's row if it is missing (two instances may race)."""
    insert_ = postgresql_insert if _is_postgres(tx) else sqlite_insert
    await tx.execute(
        insert_(SendBudget)
        .values(id=1, next_free=0.0)
        .on_conflict_do_nothing(index_elements=["id"])
    )


async def reserve_send_time(tx: AsyncSession, seconds: float, now: float) -> float:
    """Book ``seconds`` of the shared send budget; returns the epoch time the booking ends.

    The booking starts at the later of ``now`` and the end of the last one (one atomic
    ``UPDATE ... RETURNING``), so instances reserving at once get consecutive stretches.
    """
    greatest = func.greatest if _is_postgres(tx) else func.max
    reserve = (
        update(SendBudget)
        .where(SendBudget.id == 1)
        .values(next_free=greatest(SendBudget.next_free, now) + seconds)
        .returning(SendBudget.next_free)
    )
    end = (await tx.execute(reserve)).scalar()
    if end is None:
        # The migration seeds the row; should it be gone, instances racing to put it back
        # must not collide: the first insert wins, everyone then reserves from it.
        await ensure_send_budget(tx)
        end = (await tx.execute(reserve)).scalar()
    assert end is not None
    return float(end)


async def send_budget_booked_until(tx: AsyncSession) -> float:
    """The epoch time up to which the shared send budget is booked (0 if never)."""
    value = await tx.scalar(select(SendBudget.next_free).where(SendBudget.id == 1))
    return float(value or 0.0)


# --------------------------------------------------------------------------- reminder log


async def reminder_logged(tx: AsyncSession, user_id: int, day: date, kind: str) -> bool:
    """Whether ``reminder_log`` already has this user's ``kind`` for local ``day``."""
    found = await tx.scalar(
        select(ReminderLog.id).where(
            ReminderLog.user_id == user_id, ReminderLog.local_date == day, ReminderLog.kind == kind
        )
    )
    return found is not None


async def days_so_far(
    tx: AsyncSession, asks: Mapping[int, tuple[date, str]]
) -> dict[int, tuple[bool, bool]]:
    """``{user_id: (reminded, checked_in)}`` for ``{user_id: (local day, kind)}``, in one
    statement: whether ``reminder_log`` has that day's ``kind`` already, and whether they
    answered a check-in that day."""
    if not asks:
        return {}
    users, days = list(asks), {day for day, _ in asks.values()}
    logged = select(
        literal("logged").label("what"),
        ReminderLog.user_id,
        ReminderLog.local_date,
        ReminderLog.kind,
    ).where(ReminderLog.user_id.in_(users), ReminderLog.local_date.in_(days))
    answered = select(
        literal("answered"), PainReport.user_id, PainReport.local_date, PainReport.kind
    ).where(
        PainReport.user_id.in_(users), PainReport.kind == "checkin", PainReport.local_date.in_(days)
    )
    found = {user: (False, False) for user in asks}
    for what, user, day, kind in await tx.execute(logged.union_all(answered)):
        reminded, checked_in = found[user]
        if what == "logged" and asks[user] == (day, kind):
            reminded = True
        elif what == "answered" and asks[user][0] == day:
            checked_in = True
        found[user] = reminded, checked_in
    return found


def reminder_row(
    user_id: int,
    *,
    day: date,
    kind: str,
    status: str,
    due_at: datetime,
    at: datetime,
    message_id: int | None = None,
) -> dict[str, Any]:
    """One ``reminder_log`` row: a reminder or summary sent or missed on the user's local day."""
    return {
        "user_id": user_id,
        "local_date": day,
        "kind": kind,
        "status": status,
        "due_at": due_at,
        "at": at,
        "message_id": message_id,
    }


def log_reminder(tx: AsyncSession, row: dict[str, Any]) -> None:
    """Add one :func:`reminder_row` to the session (written with its next flush)."""
    tx.add(ReminderLog(**row))


async def log_reminders(tx: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert many :func:`reminder_row` rows in one statement."""
    await tx.execute(insert(ReminderLog), rows)
