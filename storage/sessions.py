"""Exercise sessions, their steps, and each user's exercise levels."""

from __future__ import annotations

from collections.abc import Sequence
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
