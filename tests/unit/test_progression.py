"""Progression by the pain-monitoring model, as tables of "this happened -> this changes"."""

from __future__ import annotations

import pytest

from bot.coach.catalog import load_catalog
from bot.coach.program import ExerciseLevel
from bot.coach.progression import Change, ExerciseOutcome, decide, explain

CATALOG = load_catalog()

# How a session went, in the words a user would use.
WENT_WELL = ExerciseOutcome(pain_during=3, too_painful=False, settled_next_morning=True)
AT_THE_LIMIT = ExerciseOutcome(pain_during=5, too_painful=False, settled_next_morning=True)
PAINLESS = ExerciseOutcome(pain_during=0, too_painful=False, settled_next_morning=True)
HURT_SIX = ExerciseOutcome(pain_during=6, too_painful=False, settled_next_morning=True)
TAPPED_TOO_PAINFUL = ExerciseOutcome(pain_during=None, too_painful=True, settled_next_morning=None)
NOT_SETTLED = ExerciseOutcome(pain_during=3, too_painful=False, settled_next_morning=False)
MORNING_UNKNOWN = ExerciseOutcome(pain_during=3, too_painful=False, settled_next_morning=None)
NO_SCORE = ExerciseOutcome(pain_during=None, too_painful=False, settled_next_morning=True)


def at(exercise_id: str, notch: int) -> ExerciseLevel:
    return ExerciseLevel(exercise_id, notch)


@pytest.mark.parametrize(
    ("current", "recent", "after"),
    [
        pytest.param(
            at("wall_sit", 1), [WENT_WELL, WENT_WELL], at("wall_sit", 2), id="two-good-next-notch"
        ),
        pytest.param(
            at("wall_sit", 0), [AT_THE_LIMIT, PAINLESS], at("wall_sit", 1), id="pain-of-5-is-fine"
        ),
        pytest.param(
            at("wall_sit", 2),
            [HURT_SIX, WENT_WELL, WENT_WELL],
            at("wall_sit", 3),
            id="older-bad-session-forgotten",
        ),
        pytest.param(
            at("wall_sit", 5),
            [WENT_WELL, WENT_WELL],
            at("single_leg_wall_sit", 0),
            id="ladder-top-to-harder-variant-start",
        ),
        pytest.param(
            at("knee_to_chest", 2),
            [WENT_WELL, WENT_WELL],
            at("double_knee_to_chest", 0),
            id="stretch-top-to-double",
        ),
        pytest.param(
            at("wall_sit", 42),
            [WENT_WELL, WENT_WELL],
            at("single_leg_wall_sit", 0),
            id="notch-past-ladder-clamped",
        ),
    ],
)
def test_two_good_sessions_in_a_row_move_up_one_notch(
    current: ExerciseLevel, recent: list[ExerciseOutcome], after: ExerciseLevel
) -> None:
    change = decide(CATALOG, current, recent, paused=False)
    assert (change.direction, change.after, change.reason) == ("up", after, "went_well_twice")


@pytest.mark.parametrize(
    ("current", "recent", "paused", "after", "reason"),
    [
        pytest.param(
            at("wall_sit", 3),
            [WENT_WELL, HURT_SIX],
            False,
            at("wall_sit", 2),
            "pain_over_limit",
            id="pain-6-one-notch-down",
        ),
        pytest.param(
            at("clamshell", 2),
            [TAPPED_TOO_PAINFUL],
            False,
            at("clamshell", 1),
            "too_painful",
            id="too-painful-one-notch-down",
        ),
        pytest.param(
            at("single_leg_wall_sit", 0),
            [HURT_SIX],
            False,
            at("wall_sit", 5),
            "pain_over_limit",
            id="bottom-to-easier-variant-top",
        ),
        pytest.param(
            at("double_knee_to_chest", 0),
            [TAPPED_TOO_PAINFUL],
            False,
            at("knee_to_chest", 2),
            "too_painful",
            id="bottom-stretch-to-single-knee",
        ),
        pytest.param(
            at("wall_sit", 3),
            [HURT_SIX],
            True,
            at("wall_sit", 2),
            "pain_over_limit",
            id="paused-user-may-still-go-down",
        ),
    ],
)
def test_a_session_over_the_pain_limit_moves_down_one_notch(
    current: ExerciseLevel,
    recent: list[ExerciseOutcome],
    paused: bool,
    after: ExerciseLevel,
    reason: str,
) -> None:
    change = decide(CATALOG, current, recent, paused=paused)
    assert (change.direction, change.after, change.reason) == ("down", after, reason)


@pytest.mark.parametrize(
    ("current", "recent", "paused", "reason"),
    [
        pytest.param(
            at("wall_sit", 1),
            [WENT_WELL, WENT_WELL],
            True,
            "paused",
            id="paused-user-never-progresses",
        ),
        pytest.param(
            at("wall_sit", 1), [WENT_WELL], False, "one_good_session", id="one-good-session-only"
        ),
        pytest.param(
            at("wall_sit", 1),
            [HURT_SIX, WENT_WELL],
            False,
            "one_good_session",
            id="good-after-painful",
        ),
        pytest.param(
            at("wall_sit", 1),
            [NOT_SETTLED, WENT_WELL],
            False,
            "one_good_session",
            id="older-one-unsettled",
        ),
        pytest.param(
            at("wall_sit", 1),
            [WENT_WELL, NOT_SETTLED],
            False,
            "not_settled",
            id="unsettled-next-morning",
        ),
        pytest.param(
            at("wall_sit", 1),
            [WENT_WELL, MORNING_UNKNOWN],
            False,
            "waiting_for_morning",
            id="next-morning-not-known-yet",
        ),
        pytest.param(
            at("wall_sit", 1), [WENT_WELL, NO_SCORE], False, "no_pain_report", id="no-pain-score"
        ),
        pytest.param(at("wall_sit", 1), [], False, "no_sessions", id="nothing-recorded"),
        pytest.param(
            at("bird_dog", 3),
            [WENT_WELL, WENT_WELL],
            False,
            "at_top",
            id="ladder-top-no-harder-variant",
        ),
        pytest.param(
            at("clamshell", 0),
            [HURT_SIX],
            False,
            "at_easiest",
            id="ladder-bottom-no-easier-variant",
        ),
        pytest.param(
            at("clamshell", 0), [TAPPED_TOO_PAINFUL], True, "at_easiest", id="paused-at-bottom"
        ),
    ],
)
def test_otherwise_the_exercise_stays_where_it_is(
    current: ExerciseLevel, recent: list[ExerciseOutcome], paused: bool, reason: str
) -> None:
    change = decide(CATALOG, current, recent, paused=paused)
    assert (change.direction, change.after, change.reason) == ("stay", current, reason)


def test_sessions_at_an_earlier_level_do_not_count_twice() -> None:
    """Two good sessions move wall sit up once; asking again does not move it again."""
    before = at("wall_sit", 1)
    sessions = [
        ExerciseOutcome(3, False, True, level=before),
        ExerciseOutcome(2, False, True, level=before),
    ]
    first = decide(CATALOG, before, sessions, paused=False)
    assert first.after == at("wall_sit", 2)

    again = decide(CATALOG, first.after, sessions, paused=False)
    assert (again.direction, again.reason) == ("stay", "no_sessions")

    one_more = [*sessions, ExerciseOutcome(2, False, True, level=first.after)]
    assert decide(CATALOG, first.after, one_more, paused=False).reason == "one_good_session"


def test_a_painful_session_is_not_punished_twice() -> None:
    before = at("clamshell", 3)
    painful = [ExerciseOutcome(8, False, None, level=before)]
    first = decide(CATALOG, before, painful, paused=False)
    assert first.after == at("clamshell", 2)
    # The morning answer arrives and the caller asks again with the same painful session.
    settled = [ExerciseOutcome(8, False, True, level=before)]
    assert decide(CATALOG, first.after, settled, paused=False).direction == "stay"


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        pytest.param(
            Change("up", at("wall_sit", 1), at("wall_sit", 2), "went_well_twice"),
            "Wall sit goes up to 45 s next time: it went well twice.",
            id="up",
        ),
        pytest.param(
            Change("down", at("clamshell", 1), at("clamshell", 0), "pain_over_limit"),
            "Clamshell goes down to 8 reps: it hurt more than 5/10.",
            id="down-pain",
        ),
        pytest.param(
            Change("down", at("clamshell", 1), at("clamshell", 0), "too_painful"),
            "Clamshell goes down to 8 reps: you said it was too painful.",
            id="down-too-painful",
        ),
        pytest.param(
            Change("up", at("wall_sit", 5), at("single_leg_wall_sit", 0), "went_well_twice"),
            "Wall sit moves on to single-leg wall sit at 10 s next time: it went well twice.",
            id="up-to-harder-variant",
        ),
        pytest.param(
            Change("down", at("single_leg_wall_sit", 0), at("wall_sit", 5), "pain_over_limit"),
            "Single-leg wall sit steps back to wall sit at 120 s: it hurt more than 5/10.",
            id="down-to-easier-variant",
        ),
        pytest.param(
            Change("up", at("knee_to_chest", 1), at("knee_to_chest", 2), "went_well_twice"),
            "Knee-to-chest stretch goes up to 30-45 s next time: it went well twice.",
            id="up-range",
        ),
        pytest.param(
            Change("stay", at("wall_sit", 1), at("wall_sit", 1), "paused"),
            "Wall sit stays at 30 s while your program is paused.",
            id="stay-paused",
        ),
        pytest.param(
            Change("stay", at("wall_sit", 1), at("wall_sit", 1), "one_good_session"),
            "Wall sit stays at 30 s: one more good session and it goes up.",
            id="stay-one-good",
        ),
    ],
)
def test_each_change_is_explained_in_one_line(change: Change, sentence: str) -> None:
    assert explain(CATALOG, change) == sentence


@pytest.mark.parametrize(
    "reason",
    [
        "no_sessions",
        "paused",
        "at_top",
        "at_easiest",
        "one_good_session",
        "not_settled",
        "waiting_for_morning",
        "no_pain_report",
        "held_back",
    ],
)
def test_every_reason_to_stay_has_its_own_line(reason: str) -> None:
    line = explain(CATALOG, Change("stay", at("bird_dog", 0), at("bird_dog", 0), reason))  # type: ignore[arg-type]
    assert line.startswith("Bird-dog stays at 4 reps")
    assert "\n" not in line and "{" not in line


def test_a_pain_score_outside_zero_to_ten_is_refused() -> None:
    with pytest.raises(ValueError, match="0-10"):
        ExerciseOutcome(pain_during=11)


def test_a_therapist_only_technique_has_no_progression() -> None:
    with pytest.raises(ValueError, match="therapist"):
        decide(CATALOG, at("long_axis_distraction", 0), [WENT_WELL, WENT_WELL], paused=False)


def test_an_unknown_exercise_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        decide(CATALOG, at("moon_walk", 0), [], paused=False)


# ---- one voice per reply -----------------------------------------------------------------------


def test_one_voice_holds_every_up_back_at_a_caution_or_worse() -> None:
    from bot.coach.progression import one_voice
    from bot.coach.safety import Level

    up = Change("up", at("bird_dog", 0), at("bird_dog", 1), "went_well_twice")
    down = Change("down", at("wall_sit", 1), at("wall_sit", 0), "pain_over_limit")
    stay = Change("stay", at("clamshell", 0), at("clamshell", 0), "one_good_session")

    assert one_voice(Level.NONE, [up, down, stay]) == (up, down, stay)
    held = one_voice(Level.CAUTION, [up, down, stay])
    assert held == (Change("stay", up.before, up.before, "held_back"), down, stay)
    assert "goes up" not in explain(CATALOG, held[0]).replace("goes up again", "")
    for level in (Level.PHYSICIAN, Level.EMERGENCY):
        assert one_voice(level, [up])[0].reason == "paused"
