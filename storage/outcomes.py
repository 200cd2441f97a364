"""Finished questionnaires and lessons given: their SQL (bot/program/outcomes.py uses them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ScalarSelect, String, cast, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LessonShown, QuestionnaireResult, UTCDateTime


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


@dataclass(frozen=True)
class LessonState:
    """What choosing the next lesson needs: the risk group of the user's latest STarT Back
    (None: none, or none scored) and the lessons already given, with when."""

    risk: str | None
    shown: dict[str, datetime]


def latest_risk(user_id: int, startback: str) -> ScalarSelect[Any]:
    """The risk group of the user's latest ``startback`` result, as a subquery."""
    return (
        select(QuestionnaireResult.risk)
        .where(QuestionnaireResult.user_id == user_id, QuestionnaireResult.instrument == startback)
        .order_by(QuestionnaireResult.at.desc(), QuestionnaireResult.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def lesson_state(tx: AsyncSession, user_id: int, startback: str) -> LessonState:
    """:class:`LessonState` in one statement: the lessons given, and one more row whose
    ``risk`` is the latest ``startback`` result's."""
    given = select(LessonShown.lesson, LessonShown.at, cast(null(), String(8)).label("risk")).where(
        LessonShown.user_id == user_id
    )
    risk = select(
        cast(null(), String(40)), cast(null(), UTCDateTime()), latest_risk(user_id, startback)
    )
    rows = (await tx.execute(union_all(given, risk))).all()
    return LessonState(
        risk=next((row.risk for row in rows if row.lesson is None), None),
        shown={row.lesson: row.at for row in rows if row.lesson is not None},
    )


def add_lesson(tx: AsyncSession, user_id: int, lesson: str, at: datetime) -> None:
    tx.add(LessonShown(user_id=user_id, lesson=lesson, at=at))
