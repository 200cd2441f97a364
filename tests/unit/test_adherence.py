"""Counting progress: daily pain, streaks, change since starting, weekly summaries, moves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.coach import adherence
from bot.coach.adherence import LevelChange, PainEntry, Streaks
from bot.coach.catalog import load_catalog
from bot.coach.program import ExerciseLevel
from bot.content.texts import t

MON = date(2026, 3, 2)  # a Monday


def day(n: int) -> date:
    return MON + timedelta(days=n)


# --------------------------------------------------------------------------- daily pain


def test_daily_pain_is_the_mean_of_the_days_at_rest_scores_only() -> None:
    entries = [
        PainEntry(day(0), "onboarding", 6),
        PainEntry(day(0), "before_session", 4),
        PainEntry(day(0), "during_exercise", 9),  # how an exercise felt, not the back
        PainEntry(day(0), "after_session", 8),
        PainEntry(day(1), "checkin", 3),
        PainEntry(day(1), "next_morning", 7),  # repeats the check-in; never counted twice
    ]
    assert adherence.daily_pain(entries) == {day(0): 5.0, day(1): 3.0}


# --------------------------------------------------------------------------- streaks


@pytest.mark.parametrize(
    ("done", "today", "expected"),
    [
        pytest.param([], 10, Streaks(0, 0), id="never"),
        pytest.param([10], 10, Streaks(1, 1), id="today-only"),
        pytest.param([8, 9], 10, Streaks(2, 2), id="not-yet-today-still-counts"),
        pytest.param([7, 8], 10, Streaks(0, 2), id="a-missed-day-ends-it"),
        pytest.param([1, 2, 3, 4, 8, 9, 10], 10, Streaks(3, 4), id="best-was-earlier"),
        pytest.param([5, 5, 6], 6, Streaks(2, 2), id="two-sessions-one-day-count-once"),
    ],
)
def test_streaks(done: list[int], today: int, expected: Streaks) -> None:
    assert adherence.streaks([day(n) for n in done], day(today)) == expected


def test_sessions_this_week_and_per_week() -> None:
    done = [day(n) for n in (0, 1, 3, 7, 8)]  # Mon, Tue, Thu; next Mon, Tue
    assert adherence.sessions_between(done, adherence.week_start(day(9)), day(9)) == 2
    assert adherence.sessions_per_week(done, day(0), day(13)) == pytest.approx(2.5)
    # A first, part week counts as a whole week: 3 sessions in 4 days is 3 a week, not 5.25.
    assert adherence.sessions_per_week(done, day(0), day(3)) == pytest.approx(3.0)


# --------------------------------------------------------------------------- change


@pytest.mark.parametrize(
    ("baseline", "scores", "start", "now", "points", "percent"),
    [
        pytest.param(6, {10: 3, 12: 3}, 6, 3, -3, -50, id="halved"),
        pytest.param(4, {10: 5, 12: 6}, 4, 5.5, 1.5, 37.5, id="worse"),
        pytest.param(0, {12: 2}, 0, 2, 2, None, id="from-zero-no-percent"),
        pytest.param(None, {1: 8, 12: 6}, 8, 6, -2, -25, id="no-baseline-first-day"),
        pytest.param(5, {1: 4}, 5, 4, -1, -20, id="quiet-week-uses-newest"),
    ],
)
def test_change_since_start(
    baseline: int | None,
    scores: dict[int, int],
    start: float,
    now: float,
    points: float,
    percent: float | None,
) -> None:
    daily = {day(n): float(s) for n, s in scores.items()}
    change = adherence.change_since_start(baseline, daily, day(12))
    assert change is not None
    assert (change.start, change.now, change.points) == (start, now, points)
    assert change.percent == (pytest.approx(percent) if percent is not None else None)


def test_no_scores_no_change() -> None:
    assert adherence.change_since_start(5, {}, day(3)) is None


def test_progress_needs_three_days_for_a_chart_and_keeps_eight_weeks() -> None:
    entries = [PainEntry(day(n), "checkin", 4) for n in (0, 60, 61)]
    numbers = adherence.progress(entries, [day(61)], baseline=5, start=day(0), today=day(61))
    assert set(numbers.daily) == {day(60), day(61)}, "day 0 is outside the eight weeks"
    assert numbers.days_reported == 3
    assert not numbers.enough_for_chart, "two days in the chart's window are not a chart"
    entries.append(PainEntry(day(59), "checkin", 4))
    numbers = adherence.progress(entries, [], baseline=5, start=day(0), today=day(61))
    assert numbers.enough_for_chart


@pytest.mark.parametrize(
    ("scored", "first_day"),
    [
        ((59, 60, 61), 55),  # three days: still a week wide
        ((40, 60, 61), 40),  # three weeks: from the first score
        ((0, 5, 6, 30, 61), 6),  # more: the last eight weeks
    ],
)
def test_the_chart_spans_the_users_own_data_a_week_to_eight_weeks(
    scored: tuple[int, ...], first_day: int
) -> None:
    entries = [PainEntry(day(n), "checkin", 4) for n in scored]
    numbers = adherence.progress(entries, [], baseline=5, start=day(0), today=day(61))
    assert numbers.chart_first_day == day(first_day)


# --------------------------------------------------------------------------- weekly summary


def _summary(
    scores: dict[int, int], done: list[int], *, baseline: int | None = 6, start: int = 0
) -> adherence.WeeklySummary:
    summary = adherence.weekly_summary(
        [PainEntry(day(n), "checkin", s) for n, s in scores.items()],
        [day(n) for n in done],
        baseline=baseline,
        start=day(start),
        today=day(13),  # a Sunday: the week is Sun day(6) .. Sat day(12)
    )
    assert summary is not None
    return summary


def test_the_weekly_summary_covers_the_seven_days_before_it_against_the_week_before() -> None:
    summary = _summary({1: 6, 3: 6, 7: 4, 9: 4, 13: 0}, [7, 8, 9, 10])
    assert (summary.first, summary.last) == (day(6), day(12))
    assert (summary.sessions, summary.planned) == (4, 7)
    assert (summary.pain_mean, summary.reference) == (4.0, 6.0)
    assert not summary.reference_is_baseline
    assert summary.trend == "better" and summary.encouragement == "better_active"


def test_a_first_week_is_compared_with_the_baseline_and_counts_days_since_starting() -> None:
    summary = _summary({10: 5, 11: 5}, [10], baseline=5, start=10)
    assert summary.planned == 3 and summary.sessions == 1
    assert summary.reference_is_baseline and summary.trend == "steady"
    assert summary.encouragement == "steady_quiet"


def test_no_summary_on_the_day_the_user_started() -> None:
    assert adherence.weekly_summary([], [], baseline=5, start=day(13), today=day(13)) is None


@pytest.mark.parametrize(
    ("trend", "delta", "sessions", "planned", "expected"),
    [
        pytest.param(None, None, 5, 7, "no_data", id="no-scores"),
        pytest.param("worse", 2.0, 7, 7, "worse", id="worse-even-with-every-session"),
        pytest.param("steady", 0.5, 7, 7, "rising", id="small-rise-no-praise"),
        pytest.param("steady", 0.0, 4, 7, "steady_active", id="steady-and-active"),
        pytest.param("steady", -0.5, 3, 7, "steady_quiet", id="steady-and-quiet"),
        pytest.param("better", -2.0, 4, 7, "better_active", id="better-and-active"),
        pytest.param("better", -2.0, 1, 7, "better_quiet", id="better-and-quiet"),
    ],
)
def test_the_encouraging_line_fits_the_numbers(
    trend: adherence.Trend | None,
    delta: float | None,
    sessions: int,
    planned: int,
    expected: str,
) -> None:
    assert adherence.encouragement(trend, delta, sessions, planned) == expected


@given(
    this_week=st.floats(0, 10),
    last_week=st.floats(0, 10),
    sessions=st.integers(0, 7),
)
def test_a_week_with_more_pain_is_never_praised(
    this_week: float, last_week: float, sessions: int
) -> None:
    delta = this_week - last_week
    choice = adherence.encouragement(adherence.trend(this_week, last_week), delta, sessions, 7)
    if delta > 0:
        assert choice not in adherence.PRAISING


@pytest.mark.parametrize("key", ["worse", "rising", "no_data", "steady_quiet"])
def test_the_lines_that_must_not_praise_do_not(key: str) -> None:
    line = t(f"weekly_enc.{key}").lower()
    assert "well done" not in line and "great" not in line and "progress" not in line


# --------------------------------------------------------------------------- level moves


def test_net_moves_per_slot_up_down_and_back_again() -> None:
    catalog = load_catalog()
    wall = [ExerciseLevel("wall_sit", n) for n in range(6)]
    single = ExerciseLevel("single_leg_wall_sit", 0)
    bridge = [ExerciseLevel("glute_bridge", n) for n in range(3)]
    changes = [
        LevelChange("wall_sit", wall[4], wall[5]),
        LevelChange("glute_bridge", bridge[1], bridge[0]),
        LevelChange("wall_sit", wall[5], single),  # on to the harder variant
        LevelChange("clamshell", ExerciseLevel("clamshell", 1), ExerciseLevel("clamshell", 2)),
        LevelChange("clamshell", ExerciseLevel("clamshell", 2), ExerciseLevel("clamshell", 1)),
    ]
    moves = adherence.net_moves(catalog, changes)
    assert [(m.slot, m.direction, m.after) for m in moves] == [
        ("wall_sit", "up", single),
        ("glute_bridge", "down", bridge[0]),
    ], "clamshell went up and down again: no move"
