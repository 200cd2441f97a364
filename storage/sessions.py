"""Exercise sessions, their steps, and each user's exercise levels."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
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


async def update_session(tx: AsyncSession, session_id: int, **values: Any) -> bool:
    """Write ``values`` into the session row without reading it first; False if it is gone."""
    result = await tx.execute(
        update(ExerciseSession)
        .where(ExerciseSession.id == session_id)
        .values(**values)
        .execution_options(synchronize_session="evaluate")
    )
    return bool(getattr(result, "rowcount", 0))


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


async def recent_ended_with_steps(
    tx: AsyncSession, user_id: int, limit: int, actions: Collection[str]
) -> list[tuple[ExerciseSession, list[SessionStep]]]:
    """The user's last ``limit`` sessions that ended (done or stopped), oldest first, each with
    its steps whose action is one of ``actions`` (in the order taken): one statement, the
    sessions joined to their steps."""
    recent = (
        select(ExerciseSession.id)
        .where(
            ExerciseSession.user_id == user_id,
            ExerciseSession.status.in_(("done", "stopped")),
        )
        .order_by(ExerciseSession.started_at.desc(), ExerciseSession.id.desc())
        .limit(limit)
        .subquery()
    )
    rows = await tx.execute(
        select(ExerciseSession, SessionStep)
        .join(recent, recent.c.id == ExerciseSession.id)
        .outerjoin(
            SessionStep,
            (SessionStep.session_id == ExerciseSession.id) & SessionStep.action.in_(actions),
        )
        .order_by(ExerciseSession.started_at, ExerciseSession.id, SessionStep.id)
    )
    found: dict[int, tuple[ExerciseSession, list[SessionStep]]] = {}
    for session, step in rows.all():
        steps = found.setdefault(session.id, (session, []))[1]
        if step is not None:
            steps.append(step)
    return list(found.values())


@dataclass(frozen=True)
class StoredLevel:
    """A slot's stored level, as read (``exercise_levels``)."""

    slot: str
    exercise_id: str
    notch: int
    updated_at: datetime

    @classmethod
    def of(cls, row: ExerciseLevel) -> StoredLevel:
        return cls(row.slot, row.exercise_id, row.notch, row.updated_at)


async def set_level(
    tx: AsyncSession,
    stored: StoredLevel | None,
    *,
    user_id: int,
    slot: str,
    exercise_id: str,
    notch: int,
    at: datetime,
) -> StoredLevel:
    """Store the slot's new level over ``stored`` (its current level as read, None if it has
    none yet: then a row is added); the level now stored."""
    if stored is None:
        tx.add(
            ExerciseLevel(
                user_id=user_id, slot=slot, exercise_id=exercise_id, notch=notch, updated_at=at
            )
        )
    else:
        await tx.execute(
            update(ExerciseLevel)
            .where(ExerciseLevel.user_id == user_id, ExerciseLevel.slot == slot)
            .values(exercise_id=exercise_id, notch=notch, updated_at=at)
            .execution_options(synchronize_session="evaluate")
        )
    return StoredLevel(slot, exercise_id, notch, at)
