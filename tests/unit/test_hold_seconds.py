"""Which session step gets a hold timer, and for how long."""

from __future__ import annotations

from bot.coach.catalog import MIN_TIMED_HOLD, hold_seconds, load_catalog, render_steps


def test_the_dose_step_of_a_hold_exercise_is_timed_to_the_low_end_of_its_range() -> None:
    catalog = load_catalog()
    wall_sit = catalog.get("wall_sit")  # ladder 20, 30, 45 ... seconds
    timed = [n for n in range(len(render_steps(wall_sit))) if hold_seconds(wall_sit, 0, n)]
    assert len(timed) == 1 and "{dosage}" in wall_sit.steps[timed[0]]
    assert hold_seconds(wall_sit, 0, timed[0]) == 20 and hold_seconds(wall_sit, 2, timed[0]) == 45
    stretch = catalog.get("knee_to_chest")  # "20-30" at its start notch
    assert [hold_seconds(stretch, None, n) for n in range(len(stretch.steps))].count(20) == 1


def test_reps_and_short_holds_get_no_timer() -> None:
    catalog = load_catalog()
    for exercise in catalog.program_exercises():
        for notch in range(len(exercise.require_dosage().ladder)):
            for step in range(len(render_steps(exercise, notch))):
                seconds = hold_seconds(exercise, notch, step)
                if exercise.require_dosage().kind == "reps":
                    assert seconds is None
                assert seconds is None or seconds >= MIN_TIMED_HOLD
    assert all(hold_seconds(catalog.get("abdominal_bracing"), 0, n) is None for n in range(5))
