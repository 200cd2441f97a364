"""Exercise animations: poses are checked, limbs keep their lengths, every GIF is small."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.coach.catalog import CatalogError, load_catalog
from bot.coach.motion import (
    FOREARM,
    JOINTS,
    RANGES,
    SHIN,
    THIGH,
    UPPER_ARM,
    Animation,
    MotionError,
    build,
    check_motion,
    frames,
)
from bot.media.animation import MAX_BYTES, contact_sheet, exercise_gif, media_key

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "bot/content/exercises.yaml"


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _limbs(joints: dict[str, tuple[float, float]]) -> list[float]:
    return [
        _distance(joints[f"{s}_{a}"], joints[f"{s}_{b}"]) / length
        for s in ("near", "far")
        for a, b, length in (
            ("hip", "knee", THIGH),
            ("knee", "ankle", SHIN),
            ("shoulder", "elbow", UPPER_ARM),
            ("elbow", "hand", FOREARM),
        )
    ]


def _range(joint: str) -> tuple[float, float]:
    return RANGES[joint.removeprefix("near_").removeprefix("far_")]


poses = st.fixed_dictionaries(
    {joint: st.floats(*_range(joint), allow_nan=False) for joint in JOINTS}
)


@given(poses)
def test_limbs_have_fixed_lengths_in_any_pose(pose: dict[str, float]) -> None:
    assert _limbs(build(pose).joints) == pytest.approx([1.0] * 8)


def test_limbs_keep_their_lengths_between_keyframes() -> None:
    catalog = load_catalog()
    animation = catalog.get("bird_dog").animation
    assert animation is not None
    for body, _ in frames(animation, fps=10):
        assert _limbs(body.joints) == pytest.approx([1.0] * 8)


def test_every_program_exercise_is_animated_in_a_small_gif() -> None:
    catalog = load_catalog()
    for exercise in catalog.program_exercises():
        gif = exercise_gif(exercise)
        assert gif is not None and gif.startswith(b"GIF89a"), exercise.id
        assert len(gif) < MAX_BYTES, exercise.id
    assert contact_sheet(catalog.all()).startswith(b"\x89PNG")


def test_a_changed_drawing_gets_a_new_media_key() -> None:
    exercise = load_catalog().get("wall_sit")
    assert exercise.animation is not None
    frames_ = list(exercise.animation.keyframes)
    frames_[1] = frames_[1].model_copy(update={"hold": 1.0})
    changed = exercise.model_copy(
        update={"animation": exercise.animation.model_copy(update={"keyframes": tuple(frames_)})}
    )
    assert media_key(changed) != media_key(exercise)


def _wall_sit(**changes: object) -> Animation:
    animation = {
        "props": ["wall"],
        "contacts": {"shoulders": "wall", "pelvis": "wall", "near_foot": "floor"},
        "keyframes": [
            {"name": "lean", "pose": {"hip": 30, "ankle": 30}},
            {"name": "down", "pose": {"hip": 80, "knee": 80}, **changes},
        ],
    }
    return Animation.model_validate(animation)


def test_a_knee_bent_backwards_is_refused() -> None:
    with pytest.raises(MotionError, match=r"keyframe 2 \('down'\): near knee at -20 degrees"):
        check_motion(_wall_sit(pose={"hip": 80, "near_knee": -20, "far_knee": 80}))


def test_a_foot_off_the_floor_is_refused_where_the_exercise_says_it_is_on_it() -> None:
    with pytest.raises(MotionError, match=r"keyframe 2 \('down'\): the near foot should be on"):
        check_motion(_wall_sit(pose={"hip": 80, "knee": 80, "near_hip": 120}))


def test_touching_a_prop_the_animation_does_not_have_is_refused() -> None:
    animation = Animation.model_validate(
        {
            "contacts": {"pelvis": "wall"},
            "keyframes": [{"name": "a", "pose": {}}, {"name": "b", "pose": {}}],
        }
    )
    with pytest.raises(MotionError, match="props has no wall"):
        check_motion(animation)


def _operator_file(tmp_path: Path, exercise_id: str, keyframe: int, pose: dict[str, float]) -> Path:
    data = yaml.safe_load(SHIPPED.read_text())
    entry = next(e for e in data["exercises"] if e["id"] == exercise_id)
    entry["animation"]["keyframes"][keyframe]["pose"] = pose
    path = tmp_path / "exercises.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_an_impossible_pose_stops_the_file_naming_exercise_and_keyframe(tmp_path: Path) -> None:
    path = _operator_file(tmp_path, "glute_bridge", 1, {"trunk": -90, "hip": 50, "knee": 170})
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    message = str(error.value)
    assert "exercise 'glute_bridge', field 'animation'" in message
    assert "keyframe 2 ('hips up')" in message and "knee at 170 degrees" in message
