"""/stats for operators (``BACKSTEP_ADMIN_IDS``): how the deployment is doing, in counts only.

No names, ids or scores of anyone: only totals an operator needs to see the service works
(people in the program, sessions, adherence, open escalations). Everyone else gets exactly
the answer to an unknown command, so the command's existence is not advertised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.coach.safety import Level
from bot.content.texts import t
from bot.telegram.turn import Turn
from storage import stats as queries

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
    by_status = await queries.users_by_status(tx)
    sessions = await queries.sessions_finished_since(tx, since)
    engaged = await queries.users_engaged_since(tx, since)
    starts = await queries.active_program_starts(tx)
    open_levels = await queries.users_with_open_escalations(tx, int(Level.PHYSICIAN))
    return Stats(
        in_program=by_status.get("active", 0) + by_status.get("paused", 0),
        active=by_status.get("active", 0),
        paused=by_status.get("paused", 0),
        engaged=engaged,
        sessions=sessions,
        planned=sum(_planned_days(start, now.date()) for start in starts),
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
