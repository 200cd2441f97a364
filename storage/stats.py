"""Read-only queries across aggregates: /stats counts, the /export dump, the cohort CSV, and
the history /progress and the weekly summary count from.

None of these writes, and none runs on a session step or a pain report; they read several
tables at once (or the whole deployment), so they belong to no one aggregate's module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    PER_USER_TABLES,
    Base,
    Escalation,
    ExerciseSession,
    PainReport,
    User,
)

Row = dict[str, Any]

# -- /stats: deployment-wide counts, nothing per user leaves the database -------------------


async def users_by_status(tx: AsyncSession) -> dict[str, int]:
    return {
        status: count
        for status, count in await tx.execute(
            select(User.status, func.count()).group_by(User.status)
        )
    }


async def sessions_finished_since(tx: AsyncSession, since: datetime) -> int:
    found = await tx.scalar(
        select(func.count())
        .select_from(ExerciseSession)
        .where(ExerciseSession.status == "done", ExerciseSession.finished_at >= since)
    )
    return found or 0


async def users_engaged_since(tx: AsyncSession, since: datetime) -> int:
    """Users who reported pain or started a session since ``since``."""
    engaged_ids = (
        select(PainReport.user_id.label("uid"))
        .where(PainReport.at >= since)
        .union(
            select(ExerciseSession.user_id.label("uid")).where(ExerciseSession.started_at >= since)
        )
        .subquery()
    )
    found = await tx.scalar(select(func.count()).select_from(engaged_ids))
    return found or 0


async def active_program_starts(tx: AsyncSession) -> list[date]:
    """The day each active user's program began (users without one are left out)."""
    starts = await tx.scalars(
        select(User.onboarded_on).where(User.status == "active", User.onboarded_on.is_not(None))
    )
    return [start for start in starts.all() if start is not None]


async def users_with_open_escalations(tx: AsyncSession, min_level: int) -> dict[int, int]:
    """Level -> how many users have an unresolved escalation at that level (``min_level`` up)."""
    return {
        level: count
        for level, count in await tx.execute(
            select(Escalation.level, func.count(func.distinct(Escalation.user_id)))
            .where(Escalation.resolved_at.is_(None), Escalation.level >= min_level)
            .group_by(Escalation.level)
        )
    }


# -- /export: every row about one user ------------------------------------------------------


@dataclass
class UserRows:
    """Every row about one user, table name -> rows (column name -> value)."""

    user: Row
    tables: dict[str, list[Row]] = field(default_factory=dict)


def _row(obj: Base) -> Row:
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def _order(model: type[Base]) -> Any:
    table = model.__table__
    for name in ("at", "started_at", "local_date", "id"):
        if name in table.columns:
            return table.columns[name]
    return sa_inspect(model).primary_key[0]


async def rows_about(tx: AsyncSession, user_id: int) -> UserRows | None:
    """Every column of every per-user table (:data:`~storage.models.PER_USER_TABLES`) for the
    user, oldest first; None if there is no such user. Read column by column, so a column or
    table added later is included without anyone remembering to add it."""
    user = await tx.get(User, user_id)
    if user is None:
        return None
    data = UserRows(user=_row(user))
    for model in PER_USER_TABLES:
        column = model.__table__.columns["user_id"]
        rows = await tx.scalars(select(model).where(column == user_id).order_by(_order(model)))
        data.tables[model.__tablename__] = [_row(r) for r in rows.all()]
    return data


# -- history: what /progress, the weekly summary and the cohort count -----------------------


class PainScore(NamedTuple):
    user_id: int
    local_date: date
    kind: str
    score: int


async def pain_scores(
    tx: AsyncSession, user_ids: Sequence[int], kinds: Iterable[str], since: date | None = None
) -> list[PainScore]:
    """The users' pain scores of ``kinds`` (from local day ``since`` on if given), oldest first."""
    query = select(PainReport.user_id, PainReport.local_date, PainReport.kind, PainReport.score)
    if len(user_ids) == 1:
        query = query.where(PainReport.user_id == user_ids[0])
    else:
        query = query.where(PainReport.user_id.in_(user_ids))
    query = query.where(PainReport.kind.in_(sorted(kinds)))
    if since is not None:
        query = query.where(PainReport.local_date >= since)
    rows = (await tx.execute(query.order_by(PainReport.at, PainReport.id))).all()
    return [PainScore(uid, day, kind, score) for uid, day, kind, score in rows]


async def furthest_reach_by_day(tx: AsyncSession, user_id: int, since: date) -> dict[date, int]:
    """Local day -> the furthest the user's pain reached that day (any report that said), from
    ``since`` on."""
    rows = await tx.execute(
        select(PainReport.local_date, func.max(PainReport.reach))
        .where(
            PainReport.user_id == user_id,
            PainReport.local_date >= since,
            PainReport.reach.is_not(None),
        )
        .group_by(PainReport.local_date)
    )
    return {day: reach for day, reach in rows.all() if reach is not None}


async def finished_session_days(tx: AsyncSession, user_id: int) -> list[date]:
    """Local days with a finished session, oldest first (one entry per session)."""
    rows = await tx.scalars(
        select(ExerciseSession.local_date)
        .where(ExerciseSession.user_id == user_id, ExerciseSession.status == "done")
        .order_by(ExerciseSession.local_date)
    )
    return list(rows.all())


async def finished_session_days_of(
    tx: AsyncSession, user_ids: Sequence[int]
) -> list[tuple[int, date]]:
    """``(user_id, local day)`` of every finished session of the users, in no order."""
    rows = await tx.execute(
        select(ExerciseSession.user_id, ExerciseSession.local_date).where(
            ExerciseSession.user_id.in_(user_ids), ExerciseSession.status == "done"
        )
    )
    return [(uid, day) for uid, day in rows.all()]


async def sessions_between(
    tx: AsyncSession, user_id: int, first: date, last: date
) -> Sequence[ExerciseSession]:
    """The user's sessions of local days ``first`` to ``last``, in the order they began."""
    rows = await tx.scalars(
        select(ExerciseSession)
        .where(
            ExerciseSession.user_id == user_id,
            ExerciseSession.local_date >= first,
            ExerciseSession.local_date <= last,
        )
        .order_by(ExerciseSession.started_at, ExerciseSession.id)
    )
    return rows.all()


async def escalations_of(
    tx: AsyncSession, user_ids: Sequence[int]
) -> list[tuple[int, datetime, int]]:
    """``(user_id, at, level)`` of every escalation of the users, in no order."""
    rows = await tx.execute(
        select(Escalation.user_id, Escalation.at, Escalation.level).where(
            Escalation.user_id.in_(user_ids)
        )
    )
    return [(uid, at, level) for uid, at, level in rows.all()]


async def consenting_users(tx: AsyncSession) -> Sequence[User]:
    """Every user who gave consent, by id."""
    rows = await tx.scalars(select(User).where(User.consent_at.is_not(None)).order_by(User.id))
    return rows.all()
