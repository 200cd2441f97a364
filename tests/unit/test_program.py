"""Today's session: short, shaped like a physio session, varied by day, and the user's own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.coach.catalog import EQUIPMENT, load_catalog
from bot.coach.program import (
    MAX_SECONDS,
    ExerciseLevel,
    PlannedExercise,
    estimate_minutes,
    estimate_seconds,
    plan_today,
)

CATALOG = load_catalog()
NOBODY_HAS_PROGRESSED: dict[str, ExerciseLevel] = {}
NOTHING_TOO_HARD: frozenset[str] = frozenset()
SPRING = [date(2025, 3, 1) + timedelta(days=i) for i in range(60)]
EVERYTHING = frozenset(EQUIPMENT)


def categories(plan: list[PlannedExercise]) -> list[str]:
    return [CATALOG.get(p.exercise_id).category for p in plan]


def days_including(slot_member: str, plans: dict[date, list[PlannedExercise]]) -> list[date]:
    return [d for d, plan in plans.items() if any(p.exercise_id == slot_member for p in plan)]


def top_of_every_chain() -> dict[str, ExerciseLevel]:
    levels = {}
    for slot in CATALOG.slots():
        hardest = CATALOG.chain(slot)[-1]
        levels[slot] = ExerciseLevel(hardest.id, hardest.require_dosage().top)
    return levels


@pytest.mark.parametrize("user_level", [1, 2, 3])
def test_a_new_user_gets_a_short_session_of_four_to_six_exercises(user_level: int) -> None:
    for day in SPRING:
        plan = plan_today(CATALOG, NOBODY_HAS_PROGRESSED, NOTHING_TOO_HARD, user_level, day=day)
        assert 4 <= len(plan) <= 6, day
        assert 10 <= estimate_minutes(CATALOG, plan) <= 15, day


@pytest.mark.parametrize("user_level", [1, 2, 3])
def test_a_session_warms_up_works_then_cools_down_with_a_stretch(user_level: int) -> None:
    for day in SPRING:
        plan = plan_today(CATALOG, NOBODY_HAS_PROGRESSED, NOTHING_TOO_HARD, user_level, day=day)
        kinds = categories(plan)
        assert kinds[0] in {"mobility", "stretch"}
        assert kinds[-1] == "stretch"
        middle = kinds[1:-1]
        assert {"strength", "stabilisation"} & set(middle)
        if len([k for k in middle if k in {"strength", "stabilisation"}]) >= 2:
            assert {"strength", "stabilisation"} <= set(middle), (day, kinds)


def test_the_same_day_gives_the_same_plan_and_the_week_brings_variety() -> None:
    day = date(2025, 6, 2)
    first = plan_today(CATALOG, NOBODY_HAS_PROGRESSED, NOTHING_TOO_HARD, day=day)
    again = plan_today(CATALOG, {}, frozenset(), 1, day=day)
    assert first == again
    week = {
        tuple(plan_today(CATALOG, {}, frozenset(), day=day + timedelta(days=i))) for i in range(7)
    }
    assert len(week) >= 4
    seen = {p.exercise_id for plan in week for p in plan}
    assert len(seen) >= 10


def test_a_beginner_only_gets_level_one_exercises_and_never_a_therapist_technique() -> None:
    for day in SPRING:
        for planned in plan_today(CATALOG, {}, frozenset(), 1, day=day, equipment=EVERYTHING):
            exercise = CATALOG.get(planned.exercise_id)
            assert exercise.level == 1
            assert not exercise.therapist_only
            assert planned.notch == exercise.require_dosage().start


def test_exercise_ball_work_is_planned_only_for_someone_with_a_ball() -> None:
    ball_work = {"seated_ball_march", "ball_bridge"}
    without = [p.exercise_id for d in SPRING for p in plan_today(CATALOG, {}, set(), 2, day=d)]
    assert not ball_work & set(without)
    with_ball = [
        p.exercise_id
        for d in SPRING
        for p in plan_today(CATALOG, {}, set(), 2, day=d, equipment=EVERYTHING)
    ]
    assert ball_work & set(with_ball)


def test_a_user_who_progressed_does_their_own_variant_and_notch() -> None:
    levels = {"wall_sit": ExerciseLevel("single_leg_wall_sit", 2)}
    plans = {d: plan_today(CATALOG, levels, frozenset(), 1, day=d) for d in SPRING}
    assert days_including("single_leg_wall_sit", plans)
    assert not days_including("wall_sit", plans)
    for plan in plans.values():
        for planned in plan:
            if planned.exercise_id == "single_leg_wall_sit":
                assert planned.notch == 2


def test_a_variant_marked_too_hard_is_replaced_by_the_easier_one_from_its_start() -> None:
    levels = {"wall_sit": ExerciseLevel("single_leg_wall_sit", 2)}
    too_hard = frozenset({"single_leg_wall_sit"})
    plans = {d: plan_today(CATALOG, levels, too_hard, 1, day=d) for d in SPRING}
    assert not days_including("single_leg_wall_sit", plans)
    assert days_including("wall_sit", plans)
    for plan in plans.values():
        assert all(p.notch == 0 for p in plan if p.exercise_id == "wall_sit")


def test_an_exercise_marked_too_hard_with_nothing_easier_is_left_out() -> None:
    plans = {d: plan_today(CATALOG, {}, frozenset({"wall_sit"}), 1, day=d) for d in SPRING}
    assert not days_including("wall_sit", plans)


def test_a_stored_notch_past_a_shortened_ladder_is_clamped_to_the_top() -> None:
    levels = {"wall_sit": ExerciseLevel("wall_sit", 99)}
    plans = {d: plan_today(CATALOG, levels, frozenset(), 1, day=d) for d in SPRING}
    notches = {p.notch for plan in plans.values() for p in plan if p.exercise_id == "wall_sit"}
    assert notches == {5}


def test_a_stored_level_for_an_exercise_that_no_longer_exists_falls_back_to_the_default() -> None:
    levels = {"wall_sit": ExerciseLevel("moon_walk", 3)}
    plans = {d: plan_today(CATALOG, levels, frozenset(), 1, day=d) for d in SPRING}
    assert days_including("wall_sit", plans)


def test_an_advanced_user_with_long_holds_still_gets_a_session_within_fifteen_minutes() -> None:
    levels = top_of_every_chain()
    for day in SPRING:
        plan = plan_today(CATALOG, levels, frozenset(), 3, day=day, equipment=EVERYTHING)
        seconds = sum(estimate_seconds(CATALOG.get(p.exercise_id), p.notch) for p in plan)
        assert seconds <= MAX_SECONDS
        assert {"strength", "stabilisation"} & set(categories(plan))
        assert len(plan) >= 3


@pytest.mark.parametrize(
    ("exercise_id", "notch", "seconds"),
    [
        # setup 30 + 3 holds of 20 s + 2 rests of 45 s
        pytest.param("wall_sit", 0, 30 + 3 * 20 + 2 * 45, id="holds"),
        # setup 30 + 2 sets x 2 sides x 8 reps x 4 s + 3 change-overs of 20 s
        pytest.param("clamshell", 0, 30 + 4 * 8 * 4 + 3 * 20, id="reps-each-side"),
        # setup 30 + 3 holds x 2 sides of 25 s (middle of 20-30) + 5 change-overs of 10 s
        pytest.param("knee_to_chest", 1, 30 + 6 * 25 + 5 * 10, id="range-each-side"),
    ],
)
def test_session_length_is_estimated_from_the_dose(
    exercise_id: str, notch: int, seconds: int
) -> None:
    assert estimate_seconds(CATALOG.get(exercise_id), notch) == seconds


def test_an_impossible_user_level_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="user_level"):
        plan_today(CATALOG, {}, frozenset(), 4, day=date(2025, 1, 1))
