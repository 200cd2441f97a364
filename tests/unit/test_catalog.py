"""The exercise library: the shipped content, how it reads in chat, and what a bad file says."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.coach.catalog import (
    MAX_STEP_CHARS,
    SHIPPED_FILE,
    TELEGRAM_MESSAGE_LIMIT,
    CatalogError,
    dosage_text,
    load_catalog,
    render_full,
    render_steps,
)

CATALOG = load_catalog()
PROGRAM = CATALOG.program_exercises()
EVERY_NOTCH = [
    pytest.param(ex, notch, id=f"{ex.id}@{notch}")
    for ex in PROGRAM
    for notch in range(len(ex.require_dosage().ladder))
]


# --------------------------------------------------------------------------- shipped content


def test_the_shipped_library_has_a_full_session_worth_of_exercises() -> None:
    assert 18 <= len(CATALOG) <= 22
    assert set(CATALOG.categories()) == {"stretch", "strength", "stabilisation", "mobility"}


@pytest.mark.parametrize(
    "exercise_id",
    [
        "knee_to_chest",
        "double_knee_to_chest",
        "wall_sit",
        "single_leg_wall_sit",
        "half_kneeling_hip_flexor_stretch",
        "standing_hip_flexor_stretch",
        "static_split_squat",
        "reverse_lunge",
        "clamshell",
        "abdominal_bracing",
        "partial_curl_up",
        "dead_bug",
        "prone_back_extension",
        "prone_on_elbows",
        "good_morning",
        "bird_dog",
        "seated_ball_march",
        "ball_bridge",
        "pelvic_tilt",
        "glute_bridge",
        "long_axis_distraction",
    ],
)
def test_every_exercise_the_program_relies_on_is_in_the_library(exercise_id: str) -> None:
    exercise = CATALOG.get(exercise_id)
    assert exercise.steps or exercise.therapist_only
    assert exercise.source


def test_wall_sit_builds_toward_two_minutes_then_moves_to_one_leg() -> None:
    wall_sit = CATALOG.get("wall_sit")
    assert [str(a) for a in wall_sit.require_dosage().ladder] == [
        "20",
        "30",
        "45",
        "60",
        "90",
        "120",
    ]
    assert wall_sit.harder == "single_leg_wall_sit"
    assert any("knee" in caution.lower() for caution in wall_sit.cautions)
    assert CATALOG.chain("single_leg_wall_sit") == (wall_sit, CATALOG.get("single_leg_wall_sit"))
    assert CATALOG.slot_of("single_leg_wall_sit") == "wall_sit"


@pytest.mark.parametrize("exercise", CATALOG.by_category("stretch"), ids=lambda ex: ex.id)
def test_every_stretch_tells_you_to_go_slowly_and_never_bounce(exercise: Any) -> None:
    assert any("slow" in cue.lower() and "bounce" in cue.lower() for cue in exercise.cues)


@pytest.mark.parametrize(("exercise", "notch"), EVERY_NOTCH)
def test_every_exercise_fits_in_telegram_messages_at_every_notch(exercise: Any, notch: int) -> None:
    full = render_full(exercise, notch)
    steps = render_steps(exercise, notch)
    assert len(full) <= TELEGRAM_MESSAGE_LIMIT
    assert all(len(step) <= MAX_STEP_CHARS + 150 for step in steps)
    assert all(len(step) <= TELEGRAM_MESSAGE_LIMIT for step in steps)
    assert dosage_text(exercise, notch) in full
    assert sum(dosage_text(exercise, notch) in step for step in steps) == 1
    assert "{" not in full


def test_the_therapist_only_technique_is_never_offered_as_an_exercise() -> None:
    distraction = CATALOG.get("long_axis_distraction")
    assert distraction.therapist_only
    assert distraction not in CATALOG.program_exercises()
    assert "long_axis_distraction" not in CATALOG.slots()
    (message,) = render_steps(distraction)
    assert "for a therapist only" in message
    assert "Backstep won't guide you through this" in message
    assert "for a therapist only" in render_full(distraction)
    with pytest.raises(ValueError, match="therapist"):
        dosage_text(distraction)


# --------------------------------------------------------------------------- how doses read


@pytest.mark.parametrize(
    ("exercise_id", "notch", "expected"),
    [
        pytest.param(
            "knee_to_chest",
            None,
            "hold 20-30 seconds, then switch legs, 3 times each side",
            id="stretch-each-side-at-start",
        ),
        pytest.param("wall_sit", 0, "hold 20 seconds, 3 times", id="hold-both"),
        pytest.param("wall_sit", 5, "hold 120 seconds, 3 times", id="hold-top"),
        pytest.param("glute_bridge", 1, "10 slow reps, 2 sets", id="reps-both"),
        pytest.param("clamshell", 1, "10 slow reps each side, 2 sets", id="reps-each-side"),
        pytest.param("cat_cow", 0, "5 slow reps, 1 set", id="one-set"),
        pytest.param("wall_sit", 99, "hold 120 seconds, 3 times", id="notch-past-top-clamped"),
    ],
)
def test_doses_are_stated_plainly(exercise_id: str, notch: int | None, expected: str) -> None:
    assert dosage_text(CATALOG.get(exercise_id), notch) == expected


def test_a_user_reads_the_knee_to_chest_stretch_one_step_at_a_time() -> None:
    steps = render_steps(CATALOG.get("knee_to_chest"))
    assert steps[0].startswith("Step 1 of 6: Lie on your back")
    assert steps[3].endswith("then lower the leg slowly."), "lowered before switching legs"
    assert "hold 20-30 seconds, then switch legs, 3 times each side" in steps[4]
    assert "roll onto your side" in steps[5]


def test_the_full_wall_sit_card_has_everything_in_one_message() -> None:
    card = render_full(CATALOG.get("wall_sit"), 2)
    for part in ("Wall sit", "Today: hold 45 seconds, 3 times.", "1. Stand with your back"):
        assert part in card
    for heading in ("Do it well:", "Take care:", "Stop and rest if:", "Source: "):
        assert heading in card


def test_a_library_card_has_no_today_and_its_steps_give_the_starting_dose() -> None:
    card = render_full(CATALOG.get("wall_sit"))
    assert "Today:" not in card
    assert "hold 20 seconds, 3 times" in card


@pytest.mark.parametrize("typed", ["Knee-to-chest stretch", "knee hug", "KNEE_TO_CHEST"])
def test_an_exact_name_alias_or_id_is_exact(typed: str) -> None:
    exercise = CATALOG.exact(typed)
    assert exercise is not None and exercise.id == "knee_to_chest"


def test_a_near_name_is_not_exact() -> None:
    assert CATALOG.exact("kne to chest") is None


# --------------------------------------------------------------------------- finding


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("wall squat", "wall_sit"),
        ("wallsit", "wall_sit"),
        ("Wall-Sit", "wall_sit"),
        ("knee to chest", "knee_to_chest"),
        ("kne to chest", "knee_to_chest"),
        ("clam", "clamshell"),
        ("bird dog", "bird_dog"),
        ("birddog", "bird_dog"),
        ("good mornings", "good_morning"),
        ("brige", "glute_bridge"),
        ("traction", "long_axis_distraction"),
        ("dead_bug", "dead_bug"),
    ],
)
def test_a_user_finds_an_exercise_by_what_they_call_it(query: str, first: str) -> None:
    assert CATALOG.find(query)[0].id == first


@pytest.mark.parametrize(
    "query", ["pizza", "asdf", "hello", "qwerty zxcv", "", "  ", "a", "neck stretch", "sit ups"]
)
def test_junk_finds_nothing(query: str) -> None:
    assert CATALOG.find(query) == []


def test_find_respects_its_limit_and_lists_variants_too() -> None:
    assert [ex.id for ex in CATALOG.find("hip flexor")] == [
        "standing_hip_flexor_stretch",
        "half_kneeling_hip_flexor_stretch",
    ]
    assert len(CATALOG.find("stretch", limit=2)) == 2


def test_looking_up_an_unknown_id_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        CATALOG.get("handstand")


# --------------------------------------------------------------------------- operator files


def _tiny_library() -> dict[str, Any]:
    """A valid two-exercise file, the base every bad-file case below breaks in one place."""
    return {
        "version": 1,
        "exercises": [
            {
                "id": "wall_sit",
                "name": "Wall sit",
                "aliases": ["wall squat"],
                "category": "strength",
                "level": 1,
                "equipment": ["wall"],
                "dosage": {"kind": "hold", "ladder": [20, 30, 45], "sets": 3},
                "steps": ["Lean on the wall.", "Slide down and {dosage}."],
                "stop_rules": ["Your knees hurt."],
                "harder": "single_leg_wall_sit",
                "source": "Kisner & Colby, Therapeutic Exercise",
            },
            {
                "id": "single_leg_wall_sit",
                "name": "Single-leg wall sit",
                "category": "strength",
                "level": 3,
                "equipment": ["wall"],
                "dosage": {"kind": "hold", "ladder": [10, 20], "sets": 2, "sides": "each_side"},
                "steps": ["Lift one foot."],
                "stop_rules": ["Your knee hurts."],
                "easier": "wall_sit",
                "source": "Kisner & Colby, Therapeutic Exercise",
            },
        ],
    }


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "ex.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_an_operator_file_loads_and_borrows_missing_texts_from_the_shipped_one(
    tmp_path: Path,
) -> None:
    data = _tiny_library()
    data["texts"] = {"render": {"step": "Schritt {n}/{total}: {text}"}}
    catalog = load_catalog(_write(tmp_path, data))
    wall_sit = catalog.get("wall_sit")
    assert render_steps(wall_sit) == [
        "Schritt 1/2: Lean on the wall.",
        "Schritt 2/2: Slide down and hold 20 seconds, 3 times.",
    ]
    single = catalog.get("single_leg_wall_sit")
    assert render_steps(single)[-1] == (
        "Schritt 2/2: Your dose: hold 10 seconds, then switch sides, 2 times each side."
    )
    assert catalog.source == tmp_path / "ex.yaml"


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Set a value by a dotted path such as "exercises.0.dosage.ladder"."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _duplicate_first(data: dict[str, Any]) -> None:
    clone = copy.deepcopy(data["exercises"][0])
    clone["name"] = "Another wall sit"
    clone.pop("harder")
    data["exercises"].append(clone)


def _bloat(data: dict[str, Any]) -> None:
    data["exercises"][0]["cues"] = ["Keep going. " * 24] * 20


@pytest.mark.parametrize(
    ("mutation", "where", "problem"),
    [
        pytest.param(
            _set("exercises.0.dosage.ladder", [20, 30, 30]),
            "exercise 'wall_sit', field 'dosage.ladder'",
            "strictly increasing",
            id="ladder-not-increasing",
        ),
        pytest.param(
            _set("exercises.0.dosage.ladder", [20, "lots"]),
            "exercise 'wall_sit', field 'dosage.ladder[1]'",
            "a number like 30",
            id="ladder-value-not-a-number",
        ),
        pytest.param(
            _set("exercises.0.dosage.start", 3),
            "exercise 'wall_sit', field 'dosage.start'",
            "past the end of the ladder",
            id="start-notch-past-ladder",
        ),
        pytest.param(
            _set("exercises.0.harder", "handstand"),
            "exercise 'wall_sit', field 'harder'",
            "no exercise has the id 'handstand'",
            id="unknown-harder-variant",
        ),
        pytest.param(
            _drop("exercises.1.easier"),
            "exercise 'wall_sit', field 'harder'",
            "must name 'wall_sit' as its easier variant",
            id="one-way-variant-link",
        ),
        pytest.param(
            _duplicate_first,
            "exercise 'wall_sit', field 'id'",
            "used by another exercise",
            id="duplicate-id",
        ),
        pytest.param(
            _set("exercises.0.category", "cardio"),
            "exercise 'wall_sit', field 'category'",
            "'stretch'",
            id="unknown-category",
        ),
        pytest.param(
            _set("exercises.0.level", 4),
            "exercise 'wall_sit', field 'level'",
            "less than or equal to 3",
            id="level-out-of-range",
        ),
        pytest.param(
            _set("exercises.0.equipment", ["treadmill"]),
            "exercise 'wall_sit', field 'equipment[0]'",
            "'exercise_ball'",
            id="unknown-equipment",
        ),
        pytest.param(
            _set("exercises.0.steps.0", "x" * 501),
            "exercise 'wall_sit', field 'steps[0]'",
            "at most 500 characters",
            id="step-too-long",
        ),
        pytest.param(
            _set("exercises.0.steps.1", "Slide down and {dose}."),
            "exercise 'wall_sit', field 'steps[1]'",
            "unknown placeholder {dose}",
            id="step-placeholder-typo",
        ),
        pytest.param(
            _drop("exercises.0.dosage"),
            "exercise 'wall_sit', field 'dosage'",
            "required unless therapist_only",
            id="program-exercise-without-dosage",
        ),
        pytest.param(
            _set("exercises.0.id", "Wall Sit"),
            "exercise 'Wall Sit', field 'id'",
            "must be snake_case",
            id="id-not-snake-case",
        ),
        pytest.param(
            _set("exercises.0.cuess", ["typo"]),
            "exercise 'wall_sit', field 'cuess'",
            "Extra inputs are not permitted",
            id="misspelt-field",
        ),
        pytest.param(
            _set("exercises.1.therapist_only", True),
            "exercise 'wall_sit', field 'harder'",
            "therapist-only",
            id="variant-is-therapist-only",
        ),
        pytest.param(
            _set("texts", {"render": {"step": "{n}. {txt}"}}),
            "field 'texts.render.step'",
            "unknown placeholder {txt}",
            id="text-template-typo",
        ),
        pytest.param(
            _bloat,
            "exercise 'wall_sit', field 'cues'",
            "Telegram allows 4096",
            id="too-long-for-one-message",
        ),
        pytest.param(
            _set("version", 2),
            "field 'version'",
            "Input should be 1",
            id="unknown-format-version",
        ),
    ],
)
def test_a_bad_file_is_refused_with_one_line_naming_exercise_and_field(
    tmp_path: Path, mutation: Mutation, where: str, problem: str
) -> None:
    data = _tiny_library()
    mutation(data)
    path = _write(tmp_path, data)
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"bad exercise file {path}: {where}: ")
    assert problem in message


def test_a_file_that_is_not_yaml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "ex.yaml"
    path.write_text("version: 1\nexercises: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^bad exercise file .*: not valid YAML \(line \d+"):
        load_catalog(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read it"):
        load_catalog(tmp_path / "nope.yaml")


def test_the_shipped_file_is_the_default() -> None:
    assert CATALOG.source == SHIPPED_FILE


def test_the_operator_docs_list_every_shipped_exercise() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "exercises.md").read_text("utf-8")
    missing = [ex.id for ex in CATALOG.all() if f"`{ex.id}`" not in docs]
    assert missing == []
