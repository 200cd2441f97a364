"""/stats for operators (``BACKSTEP_ADMIN_IDS``): how the deployment is doing, in counts only.

No names, ids or scores of anyone: only totals an operator needs to see the service works
(people in the program, sessions, adherence, open escalations). Everyone else gets exactly
the answer to an unknown command, so the command's existence is not advertised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.coach.safety import Level
from bot.content.texts import t
from bot.telegram.turn import Turn
from storage.models import Escalation, ExerciseSession, PainReport, User

WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Stats:
    in_program: int  # onboarded: active or paused
    active: int
    paused: int
    engaged: int  # reported pain or finished a session in the last 7 days
    sessions: int  # finished in the last 7 days
    planned: int  # one a day per active user over the last 7 days (today included)
    open_physician: int
    open_emergency: int

    @property
    def adherence_percent(self) -> int | None:
        return round(self.sessions / self.planned * 100) if self.planned else None


async def collect(tx: AsyncSession, now: datetime) -> Stats:
    """The counts, in a handful of aggregate queries (nothing per user leaves the database)."""
    since = now - WINDOW
    by_status: dict[str, int] = {
        status: count
        for status, count in await tx.execute(
            select(User.status, func.count()).group_by(User.status)
        )
    }
    sessions = await tx.scalar(
        select(func.count())
        .select_from(ExerciseSession)
        .where(ExerciseSession.status == "done", ExerciseSession.finished_at >= since)
    )
    engaged_ids = (
        select(PainReport.user_id.label("uid"))
        .where(PainReport.at >= since)
        .union(
            select(ExerciseSession.user_id.label("uid")).where(ExerciseSession.started_at >= since)
        )
        .subquery()
    )
    engaged = await tx.scalar(select(func.count()).select_from(engaged_ids))
    starts = (
        await tx.scalars(
            select(User.onboarded_on).where(User.status == "active", User.onboarded_on.is_not(None))
        )
    ).all()
    open_levels: dict[int, int] = {
        level: count
        for level, count in await tx.execute(
            select(Escalation.level, func.count(func.distinct(Escalation.user_id)))
            .where(Escalation.resolved_at.is_(None), Escalation.level >= int(Level.PHYSICIAN))
            .group_by(Escalation.level)
        )
    }
    return Stats(
        in_program=by_status.get("active", 0) + by_status.get("paused", 0),
        active=by_status.get("active", 0),
        paused=by_status.get("paused", 0),
        engaged=engaged or 0,
        sessions=sessions or 0,
        planned=sum(_planned_days(start, now.date()) for start in starts if start is not None),
        open_physician=open_levels.get(int(Level.PHYSICIAN), 0),
        open_emergency=open_levels.get(int(Level.EMERGENCY), 0),
    )


def _planned_days(start: date, today: date) -> int:
    """Days of the last seven (today included) the user was in the program: one session each."""
    first = today - timedelta(days=6)
    return max(0, (today - max(first, start)).days + 1)


def render(stats: Stats) -> str:
    adherence = (
        t("stats_adherence", percent=stats.adherence_percent, planned=stats.planned)
        if stats.adherence_percent is not None
        else t("stats_adherence_none")
    )
    return t(
        "stats",
        in_program=stats.in_program,
        active=stats.active,
        paused=stats.paused,
        engaged=stats.engaged,
        sessions=stats.sessions,
        adherence=adherence,
        physician=stats.open_physician,
        emergency=stats.open_emergency,
    )


async def stats(turn: Turn, update: Update) -> None:
    if turn.user.id not in turn.services.settings.admin_ids:
        turn.say(t("unknown_command"))
        return
    turn.say(render(await collect(turn.tx, turn.now)))
