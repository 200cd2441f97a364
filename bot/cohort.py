"""``backstep export-cohort``: pseudonymous weekly rows per user, for the clinic's own analysis.

One row per user per week (Monday to Sunday, the user's local calendar), from the week they
started to the week of their newest record, empty weeks included so drop-off shows:
mean at-rest pain (as /progress counts it), days with a pain score, finished sessions, and
escalations. Users are named by :func:`bot.logs.pseudonym` (a keyed hash of the Telegram id),
the same code clinician alerts use, so a row can be matched to an alert but not to a person
without the key. Nothing else about the person is written.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach import adherence, schedule
from bot.logs import pseudonym
from storage import stats
from storage.db import Database
from storage.models import User

#: Users read per round of queries, so memory stays flat however large the cohort is.
CHUNK = 500


@dataclass(frozen=True)
class CohortRow:
    participant: str
    week_start: str  # ISO date of the Monday
    week: int  # 1 for the week the user started
    pain_mean: str  # one decimal, empty without a score that week
    pain_days: int
    sessions: int
    escalations: int
    max_escalation_level: int  # 0 none, 1 caution, 2 physician, 3 emergency


HEADER = tuple(f.name for f in fields(CohortRow))


def weekly_rows(
    participant: str,
    start: date,
    entries: Sequence[adherence.PainEntry],
    session_days: Sequence[date],
    escalations: Sequence[tuple[date, int]],
) -> list[CohortRow]:
    """One user's rows (pure: tested without a database)."""
    daily = adherence.daily_pain(entries)
    days = [*daily, *session_days, *(d for d, _ in escalations)]
    if not days:
        return []
    first = adherence.week_start(min([start, *days]))
    last = adherence.week_start(max(days))
    sessions_by_week: dict[date, set[date]] = defaultdict(set)
    for day in session_days:
        sessions_by_week[adherence.week_start(day)].add(day)
    levels_by_week: dict[date, list[int]] = defaultdict(list)
    for day, level in escalations:
        levels_by_week[adherence.week_start(day)].append(level)
    rows = []
    monday, index = first, 1
    while monday <= last:
        mean = adherence.mean_between(daily, monday, monday + timedelta(days=6))
        levels = levels_by_week.get(monday, [])
        rows.append(
            CohortRow(
                participant=participant,
                week_start=monday.isoformat(),
                week=index,
                pain_mean="" if mean is None else f"{mean:.1f}",
                pain_days=sum(1 for d in daily if monday <= d <= monday + timedelta(days=6)),
                sessions=len(sessions_by_week.get(monday, ())),
                escalations=len(levels),
                max_escalation_level=max(levels, default=0),
            )
        )
        monday += timedelta(days=7)
        index += 1
    return rows


async def _chunk_rows(tx: AsyncSession, users: Sequence[User], secret: str) -> list[CohortRow]:
    ids = [u.id for u in users]
    entries: dict[int, list[adherence.PainEntry]] = defaultdict(list)
    for uid, day, kind, score in await stats.pain_scores(tx, ids, adherence.DAILY_KINDS):
        entries[uid].append(adherence.PainEntry(day, kind, score))
    done: dict[int, list[date]] = defaultdict(list)
    for uid, day in await stats.finished_session_days_of(tx, ids):
        done[uid].append(day)
    escalations = await stats.escalations_of(tx, ids)
    zones = {u.id: u.timezone or "UTC" for u in users}
    levels: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for uid, at, level in escalations:
        levels[uid].append((schedule.local_date(at, zones[uid]), level))
    rows: list[CohortRow] = []
    for user in users:
        start = user.onboarded_on or schedule.local_date(
            user.consent_at or user.created_at, zones[user.id]
        )
        rows.extend(
            weekly_rows(
                pseudonym(user.id, secret), start, entries[user.id], done[user.id], levels[user.id]
            )
        )
    return rows


async def cohort_rows(db: Database, secret: str) -> list[CohortRow]:
    """Every consenting user's weekly rows, ordered by participant code and week."""
    rows: list[CohortRow] = []
    async with db.transaction() as tx:
        users = await stats.consenting_users(tx)
        for chunk in _chunks(users, CHUNK):
            rows.extend(await _chunk_rows(tx, chunk, secret))
    rows.sort(key=lambda r: (r.participant, r.week))
    return rows


def _chunks(items: Sequence[User], size: int) -> Iterator[Sequence[User]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def write_csv(rows: Sequence[CohortRow], out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(astuple(r) for r in rows)


async def export_cohort(db: Database, secret: str, out: Path) -> int:
    """Write the cohort CSV to ``out``; returns the number of rows written."""
    rows = await cohort_rows(db, secret)
    write_csv(rows, out)
    return len(rows)
