"""Exercise animations as small looping GIFs, and a contact sheet of every key pose.

Drawn with Pillow from the keyframes in the content file (bot/coach/motion.py), so every
exercise has the same figure, the same colours and the same scale, and an operator's own file
gets animations without anyone making media. The figure is drawn at twice the size and scaled
down (smooth edges), then all frames share one small palette: a loop stays well under
:data:`MAX_BYTES`. Holds are one frame shown for the hold's length, which costs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterable, Sequence

from PIL import Image, ImageDraw, ImageFont

from bot.coach.catalog import Exercise
from bot.coach.motion import (
    BALL_RADIUS,
    CHAIR_BACK,
    CHAIR_DEPTH,
    HEAD_RADIUS,
    SEAT_HEIGHT,
    WALL_X,
    Animation,
    Body,
    Scene,
    frames,
    place,
)

WIDTH, HEIGHT = 360, 240
SUPER = 2  # drawn at this multiple, then scaled down
FPS = 10
MAX_BYTES = 300_000
#: Pixels per unit of the figure's height: one scale for every exercise, so they match.
SCALE = 190
FLOOR_Y = HEIGHT - 22
MIME_TYPE = "image/gif"

BACKGROUND = (248, 246, 241)
FLOOR = (120, 116, 108)
MAT = (150, 196, 186)
WALL = (214, 208, 196)
PROP = (160, 124, 92)
BALL = (232, 150, 90)
NEAR = (34, 74, 110)
FAR = (128, 160, 190)
SKIN = (34, 74, 110)


@functools.cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=13)


class _Canvas:
    """World units to pixels for one animation: fixed scale, centred on its own extent."""

    def __init__(self, scene: Scene, scale: float, width: int, height: int, floor: int) -> None:
        xs = [x for body in scene.bodies for x, _ in body.joints.values()]
        if "wall" in scene.props:
            xs.append(WALL_X - 0.12)
        if {"chair", "ball"} & set(scene.props):
            xs += [scene.prop_x - 0.2, scene.prop_x + 0.2]
        span = max(xs) - min(xs) + 2 * HEAD_RADIUS
        self.scale = min(scale, (width - 24) / span) * SUPER
        centre = (max(xs) + min(xs)) / 2
        self.x0 = width * SUPER / 2 - centre * self.scale
        self.floor = floor * SUPER

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.x0 + x * self.scale, self.floor - y * self.scale

    def length(self, units: float) -> float:
        return units * self.scale


def _scene_background(draw: ImageDraw.ImageDraw, c: _Canvas, scene: Scene, width: int) -> None:
    s = SUPER
    if "wall" in scene.props:
        x, _ = c.at(WALL_X, 0)
        draw.rectangle((0, 0, x, c.floor), fill=WALL)
    if "mat" in scene.props:
        left, _ = c.at(min(x for b in scene.bodies for x, _ in b.joints.values()) - 0.08, 0)
        right, _ = c.at(max(x for b in scene.bodies for x, _ in b.joints.values()) + 0.08, 0)
        draw.rounded_rectangle((left, c.floor - 4 * s, right, c.floor + 2 * s), 3 * s, fill=MAT)
    if "chair" in scene.props:
        _chair(draw, c, scene.prop_x)
    if "ball" in scene.props:
        cx, cy = c.at(scene.prop_x, BALL_RADIUS)
        r = c.length(BALL_RADIUS)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=BALL)
    draw.line((0, c.floor, width * s, c.floor), fill=FLOOR, width=2 * s)


def _chair(draw: ImageDraw.ImageDraw, c: _Canvas, x: float) -> None:
    """A plain side-view chair: seat, legs, and a back on the far side from the figure."""
    w = round(c.length(0.018))
    half = CHAIR_DEPTH / 2
    seat_left, seat_y = c.at(x - half, SEAT_HEIGHT)
    seat_right, _ = c.at(x + half, SEAT_HEIGHT)
    draw.line((seat_left, seat_y, seat_right, seat_y), fill=PROP, width=w * 2)
    for leg in (x - half + 0.02, x + half - 0.02):
        draw.line((*c.at(leg, SEAT_HEIGHT), *c.at(leg, 0)), fill=PROP, width=w)
    draw.line(
        (*c.at(x + half - 0.02, SEAT_HEIGHT), *c.at(x + half, CHAIR_BACK)), fill=PROP, width=w
    )


def _limb(
    draw: ImageDraw.ImageDraw,
    a: tuple[float, float],
    b: tuple[float, float],
    width: float,
    colour: tuple[int, int, int],
) -> None:
    draw.line((*a, *b), fill=colour, width=round(width))
    r = width / 2
    for x, y in (a, b):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _figure(draw: ImageDraw.ImageDraw, c: _Canvas, body: Body) -> None:
    at = {name: c.at(x, y) for name, (x, y) in body.joints.items()}
    for start, end, radius in body.segments():
        colour = FAR if start.startswith("far_") else NEAR
        _limb(draw, at[start], at[end], c.length(2 * radius), colour)
    hx, hy = at["head"]
    r = c.length(HEAD_RADIUS)
    draw.ellipse((hx - r, hy - r, hx + r, hy + r), fill=SKIN)


def _frame(scene: Scene, body: Body, c: _Canvas, hold: bool) -> Image.Image:
    image = Image.new("RGB", (WIDTH * SUPER, HEIGHT * SUPER), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _scene_background(draw, c, scene, WIDTH)
    _figure(draw, c, body)
    small = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    if hold:
        ImageDraw.Draw(small).text((WIDTH - 12, 10), "hold", fill=NEAR, font=_font(), anchor="ra")
    return small


@functools.cache
def _palette() -> Image.Image:
    """One palette for every frame of every animation: shades of the few colours used."""
    colours = [BACKGROUND, FLOOR, MAT, WALL, PROP, BALL, NEAR, FAR]
    entries: list[int] = []
    for colour in colours:
        for shade in range(8):
            f = shade / 7
            entries += [round(c * f + b * (1 - f)) for c, b in zip(colour, BACKGROUND, strict=True)]
    for a, b in ((NEAR, WALL), (NEAR, MAT), (FAR, WALL), (NEAR, BALL), (NEAR, PROP), (FAR, MAT)):
        for shade in range(1, 4):
            f = shade / 4
            entries += [round(x * f + y * (1 - f)) for x, y in zip(a, b, strict=True)]
    entries += [0] * (768 - len(entries))
    image = Image.new("P", (1, 1))
    image.putpalette(entries[:768])
    return image


def _quantised(frames_: Iterable[Image.Image]) -> list[Image.Image]:
    return [f.quantize(palette=_palette(), dither=Image.Dither.NONE) for f in frames_]


def render_gif(animation: Animation) -> bytes:
    """The animation as a looping GIF (bytes), every hold held."""
    scene = place(animation)
    canvas = _Canvas(scene, SCALE, WIDTH, HEIGHT, FLOOR_Y)
    images: list[Image.Image] = []
    durations: list[int] = []
    for body, seconds in frames(animation, FPS):
        images.append(_frame(scene, body, canvas, seconds > 1.5 / FPS))
        durations.append(round(seconds * 1000))
    out = io.BytesIO()
    first, *rest = _quantised(images)
    first.save(
        out,
        format="GIF",
        save_all=True,
        append_images=rest,
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return out.getvalue()


_rendered: dict[str, bytes] = {}  # by media key: each drawing is rendered once a process


def exercise_gif(exercise: Exercise) -> bytes | None:
    """The exercise's animation as a GIF, or None if it has none."""
    key = media_key(exercise)
    if key is None or exercise.animation is None:
        return None
    if key not in _rendered:
        _rendered[key] = render_gif(exercise.animation)
    return _rendered[key]


def media_key(exercise: Exercise) -> str | None:
    """A name for the exercise's animation that changes whenever its drawing would:
    Telegram's file_id for an old drawing is never reused for a changed one."""
    if exercise.animation is None:
        return None
    drawing = exercise.animation.model_dump_json() + f"|{WIDTH}x{HEIGHT}@{FPS}|{SCALE}"
    return f"animation:{exercise.id}:{hashlib.sha256(drawing.encode()).hexdigest()[:12]}"


# -- the gallery --------------------------------------------------------------------------

CELL_W, CELL_H, LABEL_H = 180, 130, 18
SHEET_MARGIN = 8
SHEET_COLUMNS = 4


def contact_sheet(exercises: Sequence[Exercise]) -> bytes:
    """A PNG of every animated exercise's key poses in order, under its name, several
    exercises to a row (at most :data:`SHEET_COLUMNS` poses wide)."""
    blocks = [(e, place(e.animation)) for e in exercises if e.animation is not None]
    placed: list[tuple[int, int, Exercise, Scene]] = []  # (row, first column, ...)
    row = column = 0
    for exercise, scene in blocks:
        width = len(scene.bodies)
        if column and column + width > SHEET_COLUMNS:
            row, column = row + 1, 0
        placed.append((row, column, exercise, scene))
        column += width
    row_h = CELL_H + LABEL_H
    sheet = Image.new(
        "RGB",
        (SHEET_COLUMNS * CELL_W + 2 * SHEET_MARGIN, (row + 1) * row_h + 2 * SHEET_MARGIN),
        (255, 255, 255),
    )
    draw = ImageDraw.Draw(sheet)
    for row, column, exercise, scene in placed:
        assert exercise.animation is not None
        canvas = _Canvas(scene, SCALE / 2, CELL_W, CELL_H, CELL_H - 8)
        left, top = SHEET_MARGIN + column * CELL_W, SHEET_MARGIN + row * row_h
        draw.text((left + 2, top + 2), exercise.name, fill=NEAR, font=_font())
        poses = zip(exercise.animation.keyframes, scene.bodies, strict=True)
        for n, (keyframe, body) in enumerate(poses, 1):
            cell = Image.new("RGB", (CELL_W * SUPER, CELL_H * SUPER), BACKGROUND)
            cell_draw = ImageDraw.Draw(cell)
            _scene_background(cell_draw, canvas, scene, CELL_W)
            _figure(cell_draw, canvas, body)
            small = cell.resize((CELL_W, CELL_H), Image.Resampling.LANCZOS)
            hold = f" ({keyframe.hold:g} s)" if keyframe.hold else ""
            ImageDraw.Draw(small).text(
                (6, 4), f"{n}. {keyframe.name}{hold}", fill=FLOOR, font=_font()
            )
            sheet.paste(small, (left + (n - 1) * CELL_W + 1, top + LABEL_H))
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()
