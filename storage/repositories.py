"""The queries the bot runs, named for what they mean to the coach.

Handlers call these instead of writing SQL, so each query is written once, can be counted by
the benchmarks, and uses an index (``users.id``, ``(user_id, at)`` on reports, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import (
    Dialog,
    Escalation,
    ExerciseLevel,
    ExerciseSession,
    PainReport,
    ReminderLog,
    SendBudget,
    SessionStep,
    SymptomAnswer,
    User,
)
from storage.outbox import drop_owed


async def load_user(tx: AsyncSession, user_id: int) -> User | None:
    """The user with their dialog, in one query."""
    result = await tx.execute(
        select(User).options(joinedload(User.dialog)).where(User.id == user_id)
    )
    return result.scalars().first()


def new_user(tx: AsyncSession, user_id: int, chat_id: int, now: datetime) -> User:
    user = User(
        id=user_id,
        chat_id=chat_id,
        created_at=now,
        status="onboarding",
        reachable=True,
        weekly_summary_day=6,
    )
    user.dialog = Dialog(flow="none", step="", payload={}, version=0, updated_at=now)
    tx.add(user)
    return user


async def mark_unreachable(tx: AsyncSession, user_id: int) -> None:
    await tx.execute(update(User).where(User.id == user_id).values(reachable=False))


async def erase_user(tx: AsyncSession, user_id: int) -> None:
    """Delete every row about the user (all per-user tables cascade from ``users``), and the
    replies still owed to their chat (an export or a chart may be among them)."""
    await tx.execute(delete(User).where(User.id == user_id))
    await drop_owed(tx, user_id)  # a private chat's id is the user's id


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


async def symptoms_since(
    tx: AsyncSession, user_id: int, since: datetime
) -> Sequence[SymptomAnswer]:
    result = await tx.execute(
        select(SymptomAnswer)
        .where(SymptomAnswer.user_id == user_id, SymptomAnswer.at >= since)
        .order_by(SymptomAnswer.at, SymptomAnswer.id)
    )
    return result.scalars().all()


async def escalations_since(
    tx: AsyncSession, user_id: int, since: datetime
) -> Sequence[Escalation]:
    result = await tx.execute(
        select(Escalation)
        .where(Escalation.user_id == user_id, Escalation.at >= since)
        .order_by(Escalation.at)
    )
    return result.scalars().all()


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


async def has_report_on(tx: AsyncSession, user_id: int, kind: str, day: date) -> bool:
    found = await tx.scalar(
        select(PainReport.id)
        .where(PainReport.user_id == user_id, PainReport.kind == kind, PainReport.local_date == day)
        .limit(1)
    )
    return found is not None


async def stop_session(tx: AsyncSession, session_id: int, now: datetime) -> None:
    """Mark a session that was left unfinished as stopped."""
    await tx.execute(
        update(ExerciseSession)
        .where(ExerciseSession.id == session_id, ExerciseSession.status == "in_progress")
        .values(status="stopped", finished_at=now)
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
