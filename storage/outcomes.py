"""Finished questionnaires and lessons given: their SQL (bot/program/outcomes.py uses them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LessonShown, QuestionnaireResult


def add_result(
    tx: AsyncSession,
    user_id: int,
    instrument: str,
    at: datetime,
    local_date: date,
    answers: list[int],
    score: int,
    subscale: int | None = None,
    risk: str | None = None,
) -> QuestionnaireResult:
    result = QuestionnaireResult(
        user_id=user_id,
        instrument=instrument,
        at=at,
        local_date=local_date,
        answers=answers,
        score=score,
        subscale=subscale,
        risk=risk,
    )
    tx.add(result)
    return result


async def results(tx: AsyncSession, user_id: int, instrument: str) -> Sequence[QuestionnaireResult]:
    """The user's finished ``instrument`` questionnaires, oldest first."""
    rows = await tx.scalars(
        select(QuestionnaireResult)
        .where(QuestionnaireResult.user_id == user_id, QuestionnaireResult.instrument == instrument)
        .order_by(QuestionnaireResult.at, QuestionnaireResult.id)
    )
    return rows.all()


async def lessons_shown(tx: AsyncSession, user_id: int) -> set[str]:
    rows = await tx.scalars(select(LessonShown.lesson).where(LessonShown.user_id == user_id))
    return set(rows.all())


async def last_lesson_at(tx: AsyncSession, user_id: int) -> datetime | None:
    rows = await tx.scalars(
        select(LessonShown.at).where(LessonShown.user_id == user_id).order_by(LessonShown.at.desc())
    )
    return rows.first()


def add_lesson(tx: AsyncSession, user_id: int, lesson: str, at: datetime) -> None:
    tx.add(LessonShown(user_id=user_id, lesson=lesson, at=at))
