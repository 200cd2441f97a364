"""A user's history, read from the database in the shapes the pure counting code takes.

/progress, the weekly summary and /stats read the same few things (at-rest pain by day, the
days with a finished session, the level changes progression made); each is one indexed query
here, so they are written once and count the same way everywhere.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach.adherence import DAILY_KINDS, LevelChange, PainEntry
from bot.coach.program import ExerciseLevel
from storage import stats

#: Key of a plan entry (``exercise_sessions.plan[i]``) recording what progression decided
#: after that exercise: ``{"direction", "reason", "exercise_id", "notch", "on"}``.
CHANGE_KEY = "change"


async def pain_entries(
    tx: AsyncSession, user_id: int, since: date | None = None
) -> list[PainEntry]:
    """The user's at-rest pain reports (optionally from ``since`` on), oldest first."""
    rows = await stats.pain_scores(tx, [user_id], DAILY_KINDS, since)
    return [PainEntry(row.local_date, row.kind, row.score) for row in rows]


async def session_days(tx: AsyncSession, user_id: int) -> list[date]:
    """Local days with a finished session, oldest first (one entry per session)."""
    return await stats.finished_session_days(tx, user_id)


async def furthest_reach(tx: AsyncSession, user_id: int, since: date) -> dict[date, int]:
    """Local day -> how far down the leg the pain reached that day (``Reach``), from ``since``."""
    return await stats.furthest_reach_by_day(tx, user_id, since)


def change_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The progression change recorded on a plan entry, if any."""
    change = entry.get(CHANGE_KEY)
    return change if isinstance(change, dict) else None


async def level_changes(
    tx: AsyncSession, user_id: int, first: date, last: date, slot_of: Any
) -> list[LevelChange]:
    """Changes progression decided from ``first`` to ``last`` (local days), oldest first.

    Changes are recorded on the plan entry of the session they were decided from, up to a
    day after it (the next morning's answer), so sessions from the day before ``first`` are
    read too. ``slot_of`` maps an exercise id to its slot (``Catalog.slot_of``).
    """
    sessions = await stats.sessions_between(tx, user_id, first - timedelta(days=1), last)
    found: list[tuple[str, LevelChange]] = []
    for session in sessions:
        for entry in session.plan:
            change = change_of(entry)
            if change is None or not first.isoformat() <= str(change.get("on")) <= last.isoformat():
                continue
            try:
                slot = slot_of(entry["exercise_id"])
            except KeyError:
                continue  # no longer in the catalog
            origin = change.get("from") or entry
            before = ExerciseLevel(str(origin["exercise_id"]), int(origin["notch"]))
            after = ExerciseLevel(str(change["exercise_id"]), int(change["notch"]))
            found.append((str(change.get("at", "")), LevelChange(slot, before, after)))
    found.sort(key=lambda item: item[0])
    return [change for _, change in found]
