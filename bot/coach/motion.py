"""How an exercise moves: keyframes of joint angles for one jointed figure, and their checks.

An exercise's animation is data in the content file, like its steps, so an operator's own file
animates its own exercises. The figure is built here, from fixed segment lengths, so a pose can
only bend joints: limbs never stretch. What a pose *can* still get wrong (a knee bent the wrong
way, a foot in the air where the exercise says it is on the floor, a hand through the wall) is
refused by :func:`check`, which the catalog runs at load time, so ``backstep check-content``
names the exercise and keyframe. Drawing is elsewhere (bot/media/animation.py): this module is
pure geometry.

Conventions (side view, the figure faces right, lengths in units of the figure's height):

- ``trunk``: the trunk's direction in the world, degrees from upright; positive leans toward
  the face (90 = face down, on hands and knees), negative leans back (-90 = lying on the back).
- ``back``: the upper back against the lower, positive rounds it (toward the face), negative
  arches it.
- ``neck``: the head against the upper back, positive = chin toward chest.
- ``hip``, ``knee``, ``ankle``, ``shoulder``, ``elbow``: joint angles against the segment
  above. Hip flexion is positive (thigh toward the chest), knee and elbow flexion are
  positive, shoulder 0 = arm along the trunk and 180 = overhead, ankle 0 = foot square to the
  shin and positive points the toes. ``near_`` / ``far_`` set one side, the plain name both.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

View = Literal["side"]
Prop = Literal["mat", "wall", "chair", "ball"]
Surface = Literal["floor", "wall", "seat", "chair_back"]
Point = Literal[
    "head",
    "shoulders",
    "pelvis",
    "near_knee",
    "far_knee",
    "near_foot",
    "far_foot",
    "near_hand",
    "far_hand",
    "near_elbow",
    "far_elbow",
]
POINTS: tuple[Point, ...] = get_args(Point)

# Segment lengths, as a fraction of standing height (roughly anthropometric).
LOWER_BACK = 0.14  # pelvis to waist
UPPER_BACK = 0.16  # waist to shoulders
NECK = 0.08  # shoulders to the centre of the head
HEAD_RADIUS = 0.065
THIGH = 0.245
SHIN = 0.245
HEEL = 0.03  # ankle joint to heel, along the sole
TOE = 0.09  # ankle joint to toes, along the sole
ANKLE_HEIGHT = 0.035
UPPER_ARM = 0.17
FOREARM = 0.20
#: Half the thickness drawn for each part: what touches a surface is the part's outline.
TRUNK_RADIUS = 0.045
LIMB_RADIUS = 0.022
#: How far a point said to touch a surface may be from it (about 5 cm on a 170 cm person).
TOUCH = 0.03

WALL_X = 0.0  # the wall's face; the figure is placed beside it
SEAT_HEIGHT = 0.27  # chair seat or the top of a sitting ball
CHAIR_DEPTH = 0.25
CHAIR_BACK = 0.53  # the top of the chair's back, where a hand rests for balance
BALL_RADIUS = 0.19  # a 65 cm ball for a 170 cm person

# Joint ranges a healthy adult reaches, in degrees (beyond them the pose is impossible).
RANGES: dict[str, tuple[float, float]] = {
    "trunk": (-180.0, 180.0),
    "back": (-40.0, 60.0),
    "neck": (-60.0, 70.0),
    "hip": (-35.0, 150.0),
    "knee": (0.0, 160.0),
    "ankle": (-30.0, 90.0),
    "shoulder": (-60.0, 190.0),
    "elbow": (0.0, 155.0),
}
SIDED = ("hip", "knee", "ankle", "shoulder", "elbow")
JOINTS = ("trunk", "back", "neck", *(f"{side}_{j}" for j in SIDED for side in ("near", "far")))


class MotionError(ValueError):
    """An impossible keyframe; the message names the keyframe and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Angle = Annotated[float, Field(ge=-360, le=360)]


class Keyframe(_Strict):
    """One pose the figure passes through, how long it takes to get there and to stay."""

    name: Annotated[str, Field(min_length=1, max_length=40)]
    pose: dict[str, Angle] = Field(default_factory=dict)
    #: Seconds to move here from the keyframe before (the last one moves back to the first).
    move: float = Field(default=1.0, ge=0.2, le=5.0)
    #: Seconds to stay in this pose.
    hold: float = Field(default=0.0, ge=0.0, le=10.0)
    #: What touches what in this pose, added to the animation's own ``contacts``.
    contacts: dict[Point, Surface] = Field(default_factory=dict)

    @field_validator("pose")
    @classmethod
    def _known_joints(cls, value: dict[str, float]) -> dict[str, float]:
        allowed = {*SIDED, *JOINTS}
        for key in value:
            if key not in allowed:
                raise ValueError(f"unknown joint {key!r}; joints: {', '.join(sorted(allowed))}")
        return value


class Animation(_Strict):
    """An exercise's movement: a loop through its keyframes, with the props it needs."""

    view: View = "side"
    props: tuple[Prop, ...] = ()
    #: What touches what in every keyframe (e.g. ``near_foot: floor``).
    contacts: dict[Point, Surface] = Field(default_factory=dict)
    keyframes: Annotated[tuple[Keyframe, ...], Field(min_length=2, max_length=12)]


@dataclass(frozen=True)
class Body:
    """Where every joint of one pose is, in world units (y up, the floor at 0)."""

    joints: dict[str, tuple[float, float]]

    def moved(self, dx: float, dy: float) -> Body:
        return Body({k: (x + dx, y + dy) for k, (x, y) in self.joints.items()})

    def segments(self) -> Iterator[tuple[str, str, float]]:
        """(from joint, to joint, radius) of every drawn part, far side first."""
        for side in ("far", "near"):
            yield f"{side}_hip", f"{side}_knee", LIMB_RADIUS
            yield f"{side}_knee", f"{side}_ankle", LIMB_RADIUS
            yield f"{side}_heel", f"{side}_toe", LIMB_RADIUS * 0.8
            if side == "far":
                yield "far_shoulder", "far_elbow", LIMB_RADIUS
                yield "far_elbow", "far_hand", LIMB_RADIUS
        yield "pelvis", "waist", TRUNK_RADIUS
        yield "waist", "neck", TRUNK_RADIUS
        yield "near_shoulder", "near_elbow", LIMB_RADIUS
        yield "near_elbow", "near_hand", LIMB_RADIUS

    def outline(self) -> Iterator[tuple[float, float, float]]:
        """Circles (x, y, radius) that cover the body: what may touch or not cross a surface."""
        for a, b, radius in self.segments():
            (ax, ay), (bx, by) = self.joints[a], self.joints[b]
            for i in range(5):
                f = i / 4
                yield ax + (bx - ax) * f, ay + (by - ay) * f, radius
        hx, hy = self.joints["head"]
        yield hx, hy, HEAD_RADIUS

    def point(self, name: Point) -> list[tuple[float, float, float]]:
        """The circles of a named contact point."""
        j = self.joints
        if name == "head":
            return [(*j["head"], HEAD_RADIUS)]
        if name == "shoulders":
            return [(*j["neck"], TRUNK_RADIUS)]
        if name == "pelvis":
            return [(*j["pelvis"], TRUNK_RADIUS)]
        side, part = name.split("_")
        if part == "foot":
            return [(*j[f"{side}_heel"], LIMB_RADIUS), (*j[f"{side}_toe"], LIMB_RADIUS)]
        joint = {"knee": "knee", "hand": "hand", "elbow": "elbow"}[part]
        return [(*j[f"{side}_{joint}"], LIMB_RADIUS)]


def _dir(degrees: float) -> tuple[float, float]:
    """A unit vector ``degrees`` clockwise from straight up (so positive turns to the face)."""
    r = math.radians(degrees)
    return math.sin(r), math.cos(r)


def _step(start: tuple[float, float], degrees: float, length: float) -> tuple[float, float]:
    dx, dy = _dir(degrees)
    return start[0] + dx * length, start[1] + dy * length


def angles(pose: Mapping[str, float]) -> dict[str, float]:
    """Every joint angle of a pose, plain names applied to both sides, missing ones 0."""
    out = {name: pose.get(name, 0.0) for name in ("trunk", "back", "neck")}
    for joint in SIDED:
        for side in ("near", "far"):
            out[f"{side}_{joint}"] = pose.get(f"{side}_{joint}", pose.get(joint, 0.0))
    return out


def build(pose: Mapping[str, float]) -> Body:
    """The joints of a pose with the pelvis at the origin: limbs have fixed lengths."""
    a = angles(pose)
    trunk = a["trunk"]
    j: dict[str, tuple[float, float]] = {"pelvis": (0.0, 0.0)}
    j["waist"] = _step(j["pelvis"], trunk, LOWER_BACK)
    upper = trunk + a["back"]
    j["neck"] = _step(j["waist"], upper, UPPER_BACK)
    j["head"] = _step(j["neck"], upper + a["neck"], NECK)
    # The trunk "down" direction is trunk + 180; hip flexion turns the thigh toward the face.
    for side in ("near", "far"):
        thigh = trunk + 180 - a[f"{side}_hip"]
        shin = thigh + a[f"{side}_knee"]
        j[f"{side}_hip"] = j["pelvis"]
        j[f"{side}_knee"] = _step(j["pelvis"], thigh, THIGH)
        j[f"{side}_ankle"] = _step(j[f"{side}_knee"], shin, SHIN)
        sole = _step(j[f"{side}_ankle"], shin, ANKLE_HEIGHT)
        foot = shin - 90 + a[f"{side}_ankle"]  # square to the shin, toes to the face
        j[f"{side}_toe"] = _step(sole, foot, TOE)
        j[f"{side}_heel"] = _step(sole, foot, -HEEL)
        arm = upper + 180 - a[f"{side}_shoulder"]
        j[f"{side}_shoulder"] = j["neck"]
        j[f"{side}_elbow"] = _step(j["neck"], arm, UPPER_ARM)
        j[f"{side}_hand"] = _step(j[f"{side}_elbow"], arm - a[f"{side}_elbow"], FOREARM)
    return Body(j)


def _lowest(circles: list[tuple[float, float, float]]) -> float:
    return min(y - r for _, y, r in circles)


def _backmost(circles: list[tuple[float, float, float]]) -> float:
    return min(x - r for x, _, r in circles)


@dataclass(frozen=True)
class Scene:
    """An animation placed in the world: one body per keyframe, and where the props stand."""

    bodies: tuple[Body, ...]
    props: tuple[Prop, ...]
    prop_x: float  # the centre of the chair seat or ball


def _seat_top(animation: Animation) -> float:
    return 2 * BALL_RADIUS if "ball" in animation.props else SEAT_HEIGHT


def place(animation: Animation) -> Scene:
    """Put each keyframe's body in the world, then check every keyframe.

    The body rests on what it touches: on the floor (its lowest point at 0), or, sitting, on
    the seat; a body against the wall has that point at the wall. Horizontally a point on the
    floor in two keyframes in a row stays where it was (a planted foot never slides), else the
    pelvis does. Raises :class:`MotionError` naming the keyframe for an impossible pose.
    """
    contacts = [{**animation.contacts, **k.contacts} for k in animation.keyframes]
    placed: list[Body] = []
    for keyframe, touching in zip(animation.keyframes, contacts, strict=True):
        body = build(keyframe.pose)
        body = body.moved(0.0, _rest_height(body, touching, animation))
        walled = [p for p, s in touching.items() if s == "wall"]
        if walled:
            body = body.moved(WALL_X - _backmost(body.point(walled[0])), 0.0)
        elif placed:
            before = placed[-1]
            kept: str = next(
                (
                    p
                    for p, s in touching.items()
                    if s == "floor" and contacts[len(placed) - 1].get(p) == "floor"
                ),
                "pelvis",
            )
            dx = before.point(kept)[0][0] - body.point(kept)[0][0]  # type: ignore[arg-type]
            body = body.moved(dx, 0.0)
        placed.append(body)
    scene = Scene(tuple(placed), animation.props, _prop_x(animation, placed[0], contacts[0]))
    for index, (body, touching) in enumerate(zip(scene.bodies, contacts, strict=True)):
        _check_pose(animation, index, body, touching)
    return scene


def _rest_height(body: Body, touching: Mapping[Point, Surface], animation: Animation) -> float:
    seated = [p for p, s in touching.items() if s == "seat"]
    if seated and not any(s == "floor" for s in touching.values()):
        return _seat_top(animation) - _lowest(body.point(seated[0]))
    return -_lowest(list(body.outline()))


def _prop_x(animation: Animation, body: Body, touching: Mapping[Point, Surface]) -> float:
    """Where the chair or ball stands: under what sits on it or rests on the chair's back."""
    held = [p for p, s in touching.items() if s in ("seat", "chair_back")]
    if not held:
        return body.joints["pelvis"][0] + 0.45  # in front of the figure
    x, _, _ = body.point(held[0])[0]
    if touching[held[0]] == "chair_back":
        return x - CHAIR_DEPTH / 2
    return x


def _label(point: str) -> str:
    return point.replace("_", " ")


def _check_pose(
    animation: Animation,
    index: int,
    body: Body,
    touching: Mapping[Point, Surface],
) -> None:
    keyframe = animation.keyframes[index]
    where = f"keyframe {index + 1} ({keyframe.name!r})"
    for joint, value in angles(keyframe.pose).items():
        low, high = RANGES[joint.removeprefix("near_").removeprefix("far_")]
        if not low <= value <= high:
            raise MotionError(
                f"{where}: {_label(joint)} at {value:g} degrees is impossible "
                f"(a body reaches {low:g} to {high:g})"
            )
    outline = list(body.outline())
    if _lowest(outline) < -TOUCH:
        raise MotionError(f"{where}: the body goes through the floor")
    if "wall" in animation.props and _backmost(outline) < WALL_X - TOUCH:
        raise MotionError(f"{where}: the body goes through the wall")
    seat_top = _seat_top(animation)
    for point, surface in touching.items():
        if surface == "wall" and "wall" not in animation.props:
            raise MotionError(f"{where}: {_label(point)} touches a wall, but props has no wall")
        if surface == "seat" and not {"chair", "ball"} & set(animation.props):
            raise MotionError(f"{where}: {_label(point)} sits, but props has no chair or ball")
        if surface == "chair_back" and "chair" not in animation.props:
            raise MotionError(f"{where}: {_label(point)} holds a chair, but props has no chair")
        circles = body.point(point)
        if surface == "floor":
            gap = _lowest(circles)
            what = "on the floor"
        elif surface == "wall":
            gap = _backmost(circles) - WALL_X
            what = "against the wall"
        elif surface == "chair_back":
            gap = _lowest(circles) - CHAIR_BACK
            what = "on the chair's back"
        else:
            gap = _lowest(circles) - seat_top
            what = "on the seat"
        if abs(gap) > TOUCH:
            cm = round(abs(gap) * 170)
            side = "away from" if gap > 0 else "into"
            raise MotionError(
                f"{where}: the {_label(point)} should be {what} but is {cm} cm {side} it"
            )


def check_motion(animation: Animation) -> None:
    """Refuse an impossible animation (:class:`MotionError` names the keyframe)."""
    place(animation)


def frames(animation: Animation, fps: float) -> Iterator[tuple[Body, float]]:
    """The loop as (body, seconds shown): eased moves between keyframes, then each hold."""
    scene = place(animation)
    bodies = scene.bodies
    count = len(bodies)
    for i in range(count):
        target = animation.keyframes[i]
        before = bodies[i - 1]
        steps = max(2, round(target.move * fps))
        for s in range(1, steps):
            f = (1 - math.cos(math.pi * s / steps)) / 2
            yield _blend(before, bodies[i], f), 1 / fps
        yield bodies[i], 1 / fps + target.hold


def _blend(a: Body, b: Body, f: float) -> Body:
    """Between two placed poses: the pelvis glides, every segment turns, lengths stay exact."""
    (ax, ay), (bx, by) = a.joints["pelvis"], b.joints["pelvis"]
    j = {"pelvis": (ax + (bx - ax) * f, ay + (by - ay) * f)}
    for parent, child in _CHAIN:
        dx, dy = _offset(a, parent, child)
        length = math.hypot(dx, dy)
        angle = _blend_angle(_angle_of(a, parent, child), _angle_of(b, parent, child), f)
        j[child] = _step(j[parent], angle, length)
    return Body(j)


_CHAIN: tuple[tuple[str, str], ...] = (
    ("pelvis", "waist"),
    ("waist", "neck"),
    ("neck", "head"),
    *(
        (parent.format(s=s), child.format(s=s))
        for s in ("near", "far")
        for parent, child in (
            ("pelvis", "{s}_hip"),
            ("pelvis", "{s}_knee"),
            ("{s}_knee", "{s}_ankle"),
            ("{s}_ankle", "{s}_heel"),
            ("{s}_ankle", "{s}_toe"),
            ("neck", "{s}_shoulder"),
            ("neck", "{s}_elbow"),
            ("{s}_elbow", "{s}_hand"),
        )
    ),
)


def _offset(body: Body, a: str, b: str) -> tuple[float, float]:
    (ax, ay), (bx, by) = body.joints[a], body.joints[b]
    return bx - ax, by - ay


def _angle_of(body: Body, a: str, b: str) -> float:
    dx, dy = _offset(body, a, b)
    return math.degrees(math.atan2(dx, dy))


def _blend_angle(a: float, b: float, f: float) -> float:
    delta = (b - a + 180) % 360 - 180
    return a + delta * f
