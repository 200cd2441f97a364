"""The reminder log (one row per user, local day and kind) and the shared send budget."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ReminderLog,
    SendBudget,
)


async def reminder_logged(tx: AsyncSession, user_id: int, day: date, kind: str) -> bool:
    """Whether ``reminder_log`` already has this user's ``kind`` for local ``day``."""
    found = await tx.scalar(
        select(ReminderLog.id).where(
            ReminderLog.user_id == user_id, ReminderLog.local_date == day, ReminderLog.kind == kind
        )
    )
    return found is not None


def log_reminder(
    tx: AsyncSession,
    user_id: int,
    *,
    day: date,
    kind: str,
    status: str,
    due_at: datetime,
    at: datetime,
    message_id: int | None = None,
) -> None:
    """One ``reminder_log`` row: a reminder or summary sent or missed on the user's local day."""
    tx.add(
        ReminderLog(
            user_id=user_id,
            local_date=day,
            kind=kind,
            status=status,
            due_at=due_at,
            at=at,
            message_id=message_id,
        )
    )


async def ensure_send_budget(tx: AsyncSession) -> None:
    """Put back the shared send budget's row if it is missing (two instances may race)."""
    dialect = tx.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await tx.execute(
        insert_(SendBudget)
        .values(id=1, next_free=0.0)
        .on_conflict_do_nothing(index_elements=["id"])
    )
