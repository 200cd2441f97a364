"""Pain reports and symptom answers: what the safety rules and the charts read.

Queries are ordered by ``(user_id, at)``, the index both tables have. What the rules read on
every report (with the escalations and the program's state) is one statement of its own:
:mod:`storage.record`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    PainReport,
    SymptomAnswer,
    User,
)


def add_report(
    tx: AsyncSession,
    user: User,
    *,
    at: datetime,
    local_date: date,
    kind: str,
    score: int,
    reach: int | None = None,
    settled: str | None = None,
    exercise_id: str | None = None,
    session_id: int | None = None,
) -> PainReport:
    report = PainReport(
        user_id=user.id,
        at=at,
        local_date=local_date,
        kind=kind,
        score=score,
        reach=reach,
        settled=settled,
        exercise_id=exercise_id,
        session_id=session_id,
    )
    tx.add(report)
    return report


def add_symptoms(
    tx: AsyncSession, user: User, at: datetime, answers: dict[str, bool], source: str
) -> list[SymptomAnswer]:
    rows = [
        SymptomAnswer(user_id=user.id, at=at, symptom=s, present=p, source=source)
        for s, p in answers.items()
    ]
    tx.add_all(rows)
    return rows


async def get_report(tx: AsyncSession, report_id: int) -> PainReport | None:
    return await tx.get(PainReport, report_id)


async def latest_report(tx: AsyncSession, user_id: int, kind: str) -> PainReport | None:
    result = await tx.execute(
        select(PainReport)
        .where(PainReport.user_id == user_id, PainReport.kind == kind)
        .order_by(PainReport.at.desc(), PainReport.id.desc())
        .limit(1)
    )
    return result.scalars().first()


async def reports_since(tx: AsyncSession, user_id: int, since: datetime) -> Sequence[PainReport]:
    result = await tx.execute(
        select(PainReport)
        .where(PainReport.user_id == user_id, PainReport.at >= since)
        .order_by(PainReport.at, PainReport.id)
    )
    return result.scalars().all()


async def reports_of_sessions(
    tx: AsyncSession, session_ids: Collection[int], kind: str
) -> Sequence[PainReport]:
    """The reports of ``kind`` given during the sessions, in no order."""
    rows = await tx.scalars(
        select(PainReport).where(PainReport.session_id.in_(session_ids), PainReport.kind == kind)
    )
    return rows.all()


async def reports_on_days(
    tx: AsyncSession, user_id: int, kind: str, days: Collection[date]
) -> Sequence[PainReport]:
    """The user's reports of ``kind`` on the local ``days``, oldest first."""
    rows = await tx.scalars(
        select(PainReport)
        .where(
            PainReport.user_id == user_id,
            PainReport.kind == kind,
            PainReport.local_date.in_(days),
        )
        .order_by(PainReport.at, PainReport.id)
    )
    return rows.all()
