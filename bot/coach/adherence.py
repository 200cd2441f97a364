"""Progress in numbers: daily pain, streaks, sessions per week, change since the start, and the
weekly summary's content.

Pure functions over plain values (dates, scores), so /progress, the weekly summary, /stats and
the cohort export all count the same way, and the counting is tested without a database.

Definitions, in the words the user sees:

* **Daily pain** is the mean of the day's at-rest scores: the onboarding baseline, the daily
  check-in and the score before a session. Scores taken during or right after exercise
  (``during_exercise``, ``after_session``) say how an exercise felt, not how the back is, so
  they are left out; so is ``next_morning``, which repeats that morning's check-in score.
* A **streak** is consecutive local days with a finished session. Today not being done yet
  does not break it: a streak counts while it could still be continued today.
* **Change since starting** compares the baseline (the score given at onboarding) with the
  mean daily pain of the last seven days; a lower number is better.
* A **weekly trend** is "better" or "worse" only when the week's mean moved by at least one
  point (:data:`TREND_POINTS`); smaller moves are "steady". Praise is only ever chosen for a
  week whose pain did not go up (see :func:`encouragement`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Literal

from bot.coach.catalog import Catalog
from bot.coach.program import ExerciseLevel

#: Report kinds that describe the back at rest (see the module docstring).
DAILY_KINDS = frozenset({"onboarding", "checkin", "before_session"})
#: Days of daily pain the /progress chart needs; fewer get a few lines of text instead.
MIN_DAYS_FOR_CHART = 3
#: The most days the /progress chart covers (eight weeks, today included) ...
CHART_DAYS = 56
#: ... and the fewest: it spans the user's own data, but never less than a week.
CHART_MIN_DAYS = 7
#: How far the weekly mean must move (points on 0-10) to count as better or worse.
TREND_POINTS = 1.0

Trend = Literal["better", "steady", "worse"]
Encouragement = Literal[
    "no_data",  # no pain scores this week: invite, don't judge
    "worse",  # pain went up: supportive, never praise
    "rising",  # went up a little (less than a point): neutral, no praise
    "better_active",  # pain down and at least half the sessions done
    "better_quiet",  # pain down with few sessions
    "steady_active",  # pain steady (not up) and at least half the sessions done
    "steady_quiet",  # pain steady (not up) with few sessions
]
#: Encouragements that praise; :func:`encouragement` never picks these when pain went up.
PRAISING: frozenset[Encouragement] = frozenset({"better_active", "better_quiet", "steady_active"})


@dataclass(frozen=True)
class PainEntry:
    """One pain report as the counting needs it."""

    day: date
    kind: str
    score: int


def daily_pain(entries: Iterable[PainEntry]) -> dict[date, float]:
    """Day -> mean at-rest pain that day, for the days with any at-rest report."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for entry in entries:
        if entry.kind in DAILY_KINDS:
            by_day[entry.day].append(entry.score)
    return {day: fmean(scores) for day, scores in sorted(by_day.items())}


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def sessions_between(session_days: Iterable[date], first: date, last: date) -> int:
    """Days from ``first`` to ``last`` (both included) with a finished session."""
    return len({d for d in session_days if first <= d <= last})


@dataclass(frozen=True)
class Streaks:
    current: int
    best: int


def streaks(session_days: Iterable[date], today: date) -> Streaks:
    """Current and best run of consecutive days with a finished session.

    The current streak ends today or yesterday (today may still come); the best streak is
    the longest run ever, the current one included.
    """
    days = sorted(set(session_days))
    best = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    current = run if previous is not None and today - previous <= timedelta(days=1) else 0
    return Streaks(current=current, best=best)


def sessions_per_week(session_days: Iterable[date], start: date, today: date) -> float:
    """Mean finished sessions per seven days since ``start`` (a part week counts as a week)."""
    days = {d for d in session_days if start <= d <= today}
    elapsed = max((today - start).days + 1, 1)
    weeks = max(elapsed / 7, 1.0)
    return len(days) / weeks


@dataclass(frozen=True)
class PainChange:
    """From the start to now; ``points`` < 0 means less pain. ``percent`` is None from 0."""

    start: float
    now: float
    points: float
    percent: float | None


def mean_between(daily: Mapping[date, float], first: date, last: date) -> float | None:
    values = [v for d, v in daily.items() if first <= d <= last]
    return fmean(values) if values else None


def change_since_start(
    baseline: int | None, daily: Mapping[date, float], today: date
) -> PainChange | None:
    """Baseline against the last seven days' mean (or the newest day, if that week is empty)."""
    if not daily:
        return None
    first_day = min(daily)
    start = float(baseline) if baseline is not None else daily[first_day]
    now = mean_between(daily, today - timedelta(days=6), today)
    if now is None:
        now = daily[max(daily)]
    points = now - start
    percent = points / start * 100 if start > 0 else None
    return PainChange(start=start, now=now, points=points, percent=percent)


@dataclass(frozen=True)
class Progress:
    """Everything /progress shows."""

    today: date
    daily: dict[date, float]  # the chart's days only (last CHART_DAYS days)
    session_days: frozenset[date]  # the chart's days only
    baseline: int | None
    streaks: Streaks
    sessions_this_week: int
    per_week: float
    change: PainChange | None
    days_reported: int  # all days with daily pain, ever

    @property
    def enough_for_chart(self) -> bool:
        return len(self.daily) >= MIN_DAYS_FOR_CHART

    @property
    def chart_first_day(self) -> date:
        """The chart starts at the user's first pain score or session in the last
        :data:`CHART_DAYS`, and at least :data:`CHART_MIN_DAYS` before its end (today)."""
        earliest = min([*self.daily, *self.session_days], default=self.today)
        return min(earliest, self.today - timedelta(days=CHART_MIN_DAYS - 1))


def progress(
    entries: Iterable[PainEntry],
    session_days: Iterable[date],
    *,
    baseline: int | None,
    start: date,
    today: date,
) -> Progress:
    """What /progress shows for a user who started on ``start``, seen on ``today``."""
    daily = daily_pain(entries)
    done = frozenset(session_days)
    first = today - timedelta(days=CHART_DAYS - 1)
    return Progress(
        today=today,
        daily={d: v for d, v in daily.items() if first <= d <= today},
        session_days=frozenset(d for d in done if first <= d <= today),
        baseline=baseline,
        streaks=streaks(done, today),
        sessions_this_week=sessions_between(done, week_start(today), today),
        per_week=sessions_per_week(done, min(start, today), today),
        change=change_since_start(baseline, daily, today),
        days_reported=len(daily),
    )


# --------------------------------------------------------------------------- level moves


@dataclass(frozen=True)
class LevelChange:
    """One change progression made: a slot went from ``before`` to ``after``."""

    slot: str
    before: ExerciseLevel
    after: ExerciseLevel


@dataclass(frozen=True)
class Move:
    """A slot's net move over a period: where it ended up, and which way it went."""

    slot: str
    direction: Literal["up", "down"]
    after: ExerciseLevel


def _rank(catalog: Catalog, level: ExerciseLevel) -> tuple[int, int]:
    chain = [e.id for e in catalog.chain(level.exercise_id)]
    return chain.index(level.exercise_id), level.notch


def net_moves(catalog: Catalog, changes: Sequence[LevelChange]) -> list[Move]:
    """Each slot's first level against its last, in the order slots first changed.

    Up then down again is no move at all; exercises the catalog no longer knows are left out.
    """
    first: dict[str, ExerciseLevel] = {}
    last: dict[str, ExerciseLevel] = {}
    for change in changes:
        if change.before.exercise_id not in catalog or change.after.exercise_id not in catalog:
            continue
        first.setdefault(change.slot, change.before)
        last[change.slot] = change.after
    moves: list[Move] = []
    for slot, before in first.items():
        after = last[slot]
        a, b = _rank(catalog, before), _rank(catalog, after)
        if b != a:
            moves.append(Move(slot, "up" if b > a else "down", after))
    return moves


# --------------------------------------------------------------------------- weekly summary


def trend(this_week: float | None, reference: float | None) -> Trend | None:
    """Better, steady or worse; None without a score this week. No reference: steady."""
    if this_week is None:
        return None
    if reference is None:
        return "steady"
    delta = this_week - reference
    if delta <= -TREND_POINTS:
        return "better"
    if delta >= TREND_POINTS:
        return "worse"
    return "steady"


def encouragement(
    pain_trend: Trend | None, delta: float | None, sessions: int, planned: int
) -> Encouragement:
    """The one encouraging line's key, chosen to fit the numbers.

    A week with pain up never gets praise: "worse" for a rise of a point or more, "rising"
    (neutral) for a smaller rise. Praise for effort needs at least half the planned sessions.
    """
    if pain_trend is None:
        return "no_data"
    if pain_trend == "worse":
        return "worse"
    if delta is not None and delta > 0 and pain_trend == "steady":
        return "rising"
    active = planned > 0 and sessions * 2 >= planned
    if pain_trend == "better":
        return "better_active" if active else "better_quiet"
    return "steady_active" if active else "steady_quiet"


@dataclass(frozen=True)
class WeeklySummary:
    """The numbers of one weekly summary; rendering them into words is the bot's job."""

    first: date
    last: date
    sessions: int
    planned: int
    pain_mean: float | None
    reference: float | None  # the previous week's mean, or the baseline
    reference_is_baseline: bool
    trend: Trend | None
    moves: tuple[Move, ...]
    encouragement: Encouragement

    @property
    def delta(self) -> float | None:
        if self.pain_mean is None or self.reference is None:
            return None
        return self.pain_mean - self.reference


def weekly_summary(
    entries: Iterable[PainEntry],
    session_days: Iterable[date],
    *,
    baseline: int | None,
    start: date,
    today: date,
    moves: Sequence[Move] = (),
) -> WeeklySummary | None:
    """The summary sent on ``today`` about the seven days before it.

    Planned sessions are one a day (the program is daily) from the day the user started;
    None when there is no planned day to speak of yet (they started today).
    """
    last = today - timedelta(days=1)
    first = today - timedelta(days=7)
    planned = (last - max(first, start)).days + 1
    if planned <= 0:
        return None
    daily = daily_pain(entries)
    this_week = mean_between(daily, first, last)
    previous = mean_between(daily, first - timedelta(days=7), first - timedelta(days=1))
    reference_is_baseline = previous is None and baseline is not None
    reference = previous if previous is not None else baseline
    reference_value = float(reference) if reference is not None else None
    pain_trend = trend(this_week, reference_value)
    sessions = sessions_between(session_days, first, last)
    delta = (
        this_week - reference_value
        if this_week is not None and reference_value is not None
        else None
    )
    return WeeklySummary(
        first=first,
        last=last,
        sessions=sessions,
        planned=planned,
        pain_mean=this_week,
        reference=reference_value,
        reference_is_baseline=reference_is_baseline,
        trend=pain_trend,
        moves=tuple(moves),
        encouragement=encouragement(pain_trend, delta, sessions, planned),
    )
