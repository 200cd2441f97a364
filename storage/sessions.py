"""Exercise sessions, their steps, and each user's exercise levels."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ExerciseLevel,
    ExerciseSession,
    SessionStep,
)


async def get_session(tx: AsyncSession, session_id: int) -> ExerciseSession | None:
    return await tx.get(ExerciseSession, session_id)


def add_step(tx: AsyncSession, at: datetime, **fields: Any) -> None:
    tx.add(SessionStep(at=at, **fields))


async def steps_of(tx: AsyncSession, session_id: int) -> Sequence[SessionStep]:
    result = await tx.execute(
        select(SessionStep).where(SessionStep.session_id == session_id).order_by(SessionStep.id)
    )
    return result.scalars().all()


async def levels_of(tx: AsyncSession, user_id: int) -> Sequence[ExerciseLevel]:
    result = await tx.execute(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id))
    return result.scalars().all()


async def stop_session(tx: AsyncSession, session_id: int, now: datetime) -> None:
    """Mark a session that was left unfinished as stopped."""
    await tx.execute(
        update(ExerciseSession)
        .where(ExerciseSession.id == session_id, ExerciseSession.status == "in_progress")
        .values(status="stopped", finished_at=now)
    )


# -- what progression reads and writes ------------------------------------------------------


async def recent_ended_sessions(
    tx: AsyncSession, user_id: int, limit: int
) -> list[ExerciseSession]:
    """The user's last ``limit`` sessions that ended (done or stopped), oldest first."""
    rows = await tx.scalars(
        select(ExerciseSession)
        .where(
            ExerciseSession.user_id == user_id,
            ExerciseSession.status.in_(("done", "stopped")),
        )
        .order_by(ExerciseSession.started_at.desc(), ExerciseSession.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


async def finished_sessions_on(
    tx: AsyncSession, user_id: int, day: date
) -> Sequence[ExerciseSession]:
    """The user's sessions finished (status done) on local day ``day``."""
    rows = await tx.scalars(
        select(ExerciseSession).where(
            ExerciseSession.user_id == user_id,
            ExerciseSession.status == "done",
            ExerciseSession.local_date == day,
        )
    )
    return rows.all()


async def steps_with_actions(
    tx: AsyncSession, session_ids: Collection[int], actions: Collection[str]
) -> Sequence[SessionStep]:
    """The steps of the sessions whose action is one of ``actions``, in no order."""
    rows = await tx.scalars(
        select(SessionStep).where(
            SessionStep.session_id.in_(session_ids),
            SessionStep.action.in_(actions),
        )
    )
    return rows.all()


def set_level(
    tx: AsyncSession,
    row: ExerciseLevel | None,
    *,
    user_id: int,
    slot: str,
    exercise_id: str,
    notch: int,
    at: datetime,
) -> ExerciseLevel:
    """Store the slot's new level in ``row`` (its current ``exercise_levels`` row, None if it
    has none yet: then a row is added); the row."""
    if row is None:
        row = ExerciseLevel(user_id=user_id, slot=slot)
        tx.add(row)
    row.exercise_id = exercise_id
    row.notch = notch
    row.updated_at = at
    return row
