"""The exercise library: a YAML content file, validated once at start-up, and how it is shown.

Exercises are data, not code, so a physiotherapist (or an operator with their own file, via
``BACKSTEP_EXERCISES_FILE``) can change the program without touching Python. Because the
file is edited by hand and read by people in pain, it is validated strictly before the bot
starts: a bad file stops start-up with :class:`CatalogError`, one line naming the file, the
exercise and the field at fault, rather than failing in the middle of someone's session.

Dosage is a *ladder*: each rung ("notch") is a hold time in seconds or a number of reps, and
progression (``bot.coach.progression``) moves a user one notch at a time. Variants are linked
through ``easier`` / ``harder`` into linear chains; a chain is one *slot* in the daily program,
named after its easiest member (see :meth:`Catalog.slot_of`).

All user-facing wording used here lives in the ``texts`` section of the content file, so a
translated file carries its own labels.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from rapidfuzz import fuzz

from bot.coach.motion import Animation, MotionError, check_motion

Category = Literal["stretch", "strength", "stabilisation", "mobility"]
Equipment = Literal["none", "wall", "chair", "mat", "exercise_ball"]
DosageKind = Literal["hold", "reps"]
Sides = Literal["both", "each_side"]

CATEGORIES: tuple[Category, ...] = get_args(Category)
EQUIPMENT: tuple[Equipment, ...] = get_args(Equipment)

SHIPPED_FILE = Path(__file__).resolve().parent.parent / "content" / "exercises.yaml"
TELEGRAM_MESSAGE_LIMIT = 4096
MAX_STEP_CHARS = 500
#: Holds shorter than this get no timer button: counting them needs no help.
MIN_TIMED_HOLD = 10
#: Below this rapidfuzz score (0-100) a library entry is not a plausible match for a query.
FIND_THRESHOLD = 80.0
_ID_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"


class CatalogError(Exception):
    """The exercise file is unusable; ``str()`` is one line an operator can act on."""


# --------------------------------------------------------------------------- templates


def placeholders(*allowed: str) -> AfterValidator:
    """A validator refusing a template that uses a ``{name}`` the renderer will not supply.

    Caught at load time, a typo like ``{dosge}`` is a start-up error instead of a KeyError
    in the middle of a user's session.
    """
    allowed_set = frozenset(allowed)

    def check(value: str) -> str:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(
                f"bad braces in text ({exc}); write {{{{ and }}}} for literal ones"
            ) from None
        unknown = sorted(n for n in names if n not in allowed_set)
        if unknown:
            offer = ", ".join("{" + a + "}" for a in sorted(allowed_set)) or "none"
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; allowed here: {offer}")
        return value

    return AfterValidator(check)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DosageTexts(_Strict):
    hold: Annotated[str, placeholders("amount", "times")]
    hold_each_side: Annotated[str, placeholders("amount", "switch", "times")]
    reps: Annotated[str, placeholders("amount", "sets")]
    reps_each_side: Annotated[str, placeholders("amount", "sets")]
    once: Annotated[str, placeholders()]
    times: Annotated[str, placeholders("n")]
    one_set: Annotated[str, placeholders()]
    sets: Annotated[str, placeholders("n")]
    switch_legs: Annotated[str, placeholders()]
    switch_sides: Annotated[str, placeholders()]


class RenderTexts(_Strict):
    step: Annotated[str, placeholders("n", "total", "text")]
    dosage_step: Annotated[str, placeholders("dosage")]
    header: Annotated[str, placeholders("name", "category", "level")]
    equipment: Annotated[str, placeholders("equipment")]
    today: Annotated[str, placeholders("dosage")]
    full_step: Annotated[str, placeholders("n", "total", "text")]
    cues: Annotated[str, placeholders()]
    cautions: Annotated[str, placeholders()]
    stop_rules: Annotated[str, placeholders()]
    bullet: Annotated[str, placeholders("text")]
    source: Annotated[str, placeholders("source")]
    therapist_only: Annotated[str, placeholders("name")]


class CategoryTexts(_Strict):
    stretch: Text
    strength: Text
    stabilisation: Text
    mobility: Text


class EquipmentTexts(_Strict):
    none: Text
    wall: Text
    chair: Text
    mat: Text
    exercise_ball: Text


class CatalogTexts(_Strict):
    """Labels and sentence templates for rendering exercises (the file's ``texts`` section)."""

    dosage: DosageTexts
    render: RenderTexts
    categories: CategoryTexts
    equipment: EquipmentTexts


# --------------------------------------------------------------------------- exercise model


class Amount(_Strict):
    """One rung of a ladder: seconds to hold or reps to do, either exact or a range.

    Written in the file as ``30`` or ``"20-30"``; a range reads naturally for stretches
    ("hold 20-30 seconds") where an exact second count would be false precision.
    """

    low: int = Field(ge=1, le=3600)
    high: int = Field(ge=1, le=3600)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError('must be a number like 30 or a range like "20-30"')
        if isinstance(value, int):
            return {"low": value, "high": value}
        if isinstance(value, str):
            match = re.fullmatch(r"\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?", value)
            if not match:
                raise ValueError(f'{value!r} must be a number like 30 or a range like "20-30"')
            low = int(match.group(1))
            return {"low": low, "high": int(match.group(2) or low)}
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"low": value[0], "high": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Amount:
        if self.low > self.high:
            raise ValueError(f"range {self.low}-{self.high} runs backwards")
        return self

    @property
    def typical(self) -> float:
        """The middle of the range, for time estimates."""
        return (self.low + self.high) / 2

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def _strictly_increasing(ladder: tuple[Amount, ...]) -> tuple[Amount, ...]:
    for before, after in itertools.pairwise(ladder):
        if after.low <= before.low or after.high <= before.high:
            raise ValueError(f"must be strictly increasing, but {after} follows {before}")
    return ladder


class Dosage(_Strict):
    """How much of an exercise to do at each notch of its ladder."""

    kind: DosageKind
    ladder: Annotated[tuple[Amount, ...], Field(min_length=1), AfterValidator(_strictly_increasing)]
    start: int = Field(default=0, ge=0)
    sets: int = Field(ge=1, le=10)
    sides: Sides = "both"
    switch: Literal["legs", "sides"] = "sides"
    #: How long one rep takes, holds included; only used to estimate session length.
    rep_seconds: int = Field(default=4, ge=1, le=60)
    #: Rest or change-over between sets and sides; only used to estimate session length.
    rest_seconds: int = Field(default=20, ge=0, le=300)

    @property
    def top(self) -> int:
        """The highest notch."""
        return len(self.ladder) - 1


def _unique_equipment(value: tuple[Equipment, ...]) -> tuple[Equipment, ...]:
    if len(set(value)) != len(value):
        raise ValueError("lists the same item twice")
    if "none" in value and len(value) > 1:
        raise ValueError("'none' cannot be combined with other equipment")
    return value


Step = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_STEP_CHARS),
    placeholders("dosage"),
]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Exercise(_Strict):
    """One entry of the library, exactly as validated from the content file."""

    id: Annotated[str, StringConstraints(max_length=60)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    aliases: tuple[Annotated[str, StringConstraints(min_length=1, max_length=60)], ...] = ()
    category: Category
    level: int = Field(ge=1, le=3)
    equipment: Annotated[
        tuple[Equipment, ...], Field(min_length=1), AfterValidator(_unique_equipment)
    ] = ("none",)
    dosage: Dosage | None = None
    steps: tuple[Step, ...] = ()
    cues: tuple[Line, ...] = ()
    cautions: tuple[Line, ...] = ()
    stop_rules: tuple[Line, ...] = ()
    easier: str | None = None
    harder: str | None = None
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    therapist_only: bool = False
    #: How the exercise moves, drawn as a short loop (bot/coach/motion.py, docs/exercises.md).
    animation: Animation | None = None

    # Set by the catalog that loaded this exercise, so rendering uses the same file's wording.
    _texts: CatalogTexts | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not re.fullmatch(_ID_PATTERN, value):
            raise ValueError(
                f"{value!r} must be snake_case: lower-case letters, digits and underscores, "
                "like wall_sit"
            )
        return value

    @field_validator("source", "summary", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        """YAML folded blocks end with a newline and may wrap; show them as one line."""
        return " ".join(value.split()) if isinstance(value, str) else value

    def require_dosage(self) -> Dosage:
        """The dosage of a program exercise; therapist-only entries have none."""
        if self.dosage is None:
            raise ValueError(f"exercise {self.id!r} is for a therapist only and has no dosage")
        return self.dosage


class _CatalogFile(_Strict):
    version: Literal[1]
    texts: CatalogTexts
    exercises: Annotated[list[Exercise], Field(min_length=1)]


# --------------------------------------------------------------------------- the catalog


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


class Catalog:
    """The validated library, with look-ups by id, category, variant chain and fuzzy name."""

    def __init__(self, exercises: Sequence[Exercise], texts: CatalogTexts, source: Path) -> None:
        self.source = source
        self.texts = texts
        self._by_id: dict[str, Exercise] = {}
        for exercise in exercises:
            exercise._texts = texts
            self._by_id[exercise.id] = exercise
        self._search_keys: list[tuple[Exercise, tuple[str, ...]]] = [
            (ex, tuple({_normalise(k) for k in (ex.id, ex.name, *ex.aliases)} - {""}))
            for ex in exercises
        ]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id; raises ``KeyError`` for an unknown id."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise KeyError(exercise_id) from None

    def all(self) -> tuple[Exercise, ...]:
        """Every entry, in file order, therapist-only ones included."""
        return tuple(self._by_id.values())

    def by_category(self, category: Category) -> tuple[Exercise, ...]:
        return tuple(ex for ex in self._by_id.values() if ex.category == category)

    def categories(self) -> tuple[Category, ...]:
        """Categories that have at least one entry, in a fixed order."""
        present = {ex.category for ex in self._by_id.values()}
        return tuple(c for c in CATEGORIES if c in present)

    def program_exercises(self) -> tuple[Exercise, ...]:
        """Entries Backstep may prescribe: everything but therapist-only ones."""
        return tuple(ex for ex in self._by_id.values() if not ex.therapist_only)

    def easier(self, exercise: Exercise) -> Exercise | None:
        return self.get(exercise.easier) if exercise.easier else None

    def harder(self, exercise: Exercise) -> Exercise | None:
        return self.get(exercise.harder) if exercise.harder else None

    def chain(self, exercise_id: str) -> tuple[Exercise, ...]:
        """The variant chain this exercise belongs to, easiest first."""
        exercise = self.get(exercise_id)
        while (easier := self.easier(exercise)) is not None:
            exercise = easier
        members = [exercise]
        while (harder := self.harder(members[-1])) is not None:
            members.append(harder)
        return tuple(members)

    def slot_of(self, exercise_id: str) -> str:
        """The program slot of an exercise: the id of the easiest variant in its chain.

        A user's progress is stored per slot, so moving from wall sit to single-leg wall sit
        replaces the slot's current variant instead of adding a second exercise.
        """
        return self.chain(exercise_id)[0].id

    def slots(self) -> tuple[str, ...]:
        """Every program slot, in file order of its easiest variant."""
        return tuple(ex.id for ex in self.program_exercises() if ex.easier is None)

    def exact(self, query: str) -> Exercise | None:
        """The entry whose id, name or alias is ``query`` (ignoring case and punctuation)."""
        wanted = _normalise(query)
        return next((ex for ex, keys in self._search_keys if wanted in keys), None)

    def find(self, query: str, limit: int = 5) -> list[Exercise]:
        """Entries whose id, name or alias resembles ``query``, best first; [] for junk.

        Every word of the query has to resemble a word of the same name or alias (so "neck
        stretch" does not find "knee-to-chest stretch"), a word may be a prefix ("clam"), and
        names are also compared without spaces so "wallsit" finds "wall sit".
        """
        words = [w for w in _normalise(query).split() if w not in _FILLER_WORDS] or _normalise(
            query
        ).split()
        if not words or limit <= 0:
            return []
        scored: list[tuple[float, int, Exercise]] = []
        for order, (exercise, keys) in enumerate(self._search_keys):
            best = max(_match_score(words, key) for key in keys)
            if best >= FIND_THRESHOLD:
                scored.append((best, order, exercise))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [exercise for _, _, exercise in scored[:limit]]


_FILLER_WORDS = frozenset({"a", "an", "and", "the", "to", "of", "on", "with", "my"})


def _word_score(word: str, key_word: str) -> float:
    if word == key_word:
        return 100.0
    if len(word) < 3:
        return 0.0
    if key_word.startswith(word):
        return 95.0
    return float(fuzz.ratio(word, key_word))


def _match_score(words: Sequence[str], key: str) -> float:
    """How well query words match one name or alias (0-101; 101 is an exact match)."""
    key_words = key.split()
    compact, key_compact = "".join(words), key.replace(" ", "")
    if compact == key_compact:
        return 101.0
    whole = float(fuzz.ratio(compact, key_compact)) if len(compact) >= 5 else 0.0
    per_word = [max(_word_score(w, k) for k in key_words) for w in words]
    if min(per_word) < FIND_THRESHOLD:
        return whole
    # A key with words the query didn't mention is a slightly worse match.
    extra = max(len(key_words) - len(words), 0)
    return max(whole, sum(per_word) / len(per_word) - 2.0 * extra)


# --------------------------------------------------------------------------- rendering


@functools.cache
def _shipped_raw() -> Mapping[str, Any]:
    data = yaml.safe_load(SHIPPED_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CatalogError(f"bad exercise file {SHIPPED_FILE}: the top level must be a mapping")
    return data


@functools.cache
def _shipped_texts() -> CatalogTexts:
    return CatalogTexts.model_validate(_shipped_raw().get("texts"))


def _texts_of(exercise: Exercise) -> CatalogTexts:
    return exercise._texts if exercise._texts is not None else _shipped_texts()


def clamp_notch(exercise: Exercise, notch: int | None) -> int:
    """A valid notch for this exercise: its start for ``None``, else within the ladder.

    Stored notches can outlive a ladder an operator has since shortened; clamping keeps
    the user on the nearest rung instead of crashing their session.
    """
    dosage = exercise.require_dosage()
    if notch is None:
        return dosage.start
    return min(max(notch, 0), dosage.top)


def amount_at(exercise: Exercise, notch: int | None) -> Amount:
    """The ladder value (seconds or reps) at a notch."""
    return exercise.require_dosage().ladder[clamp_notch(exercise, notch)]


def dosage_text(exercise: Exercise, notch: int | None = None) -> str:
    """The dose at a notch in plain words, e.g. "hold 20-30 seconds, then switch legs, 3 times
    each side" or "10 slow reps, 2 sets". ``None`` means the exercise's start notch."""
    dosage = exercise.require_dosage()
    texts = _texts_of(exercise).dosage
    amount = str(amount_at(exercise, notch))
    switch = texts.switch_legs if dosage.switch == "legs" else texts.switch_sides
    if dosage.kind == "hold":
        times = texts.once if dosage.sets == 1 else texts.times.format(n=dosage.sets)
        template = texts.hold_each_side if dosage.sides == "each_side" else texts.hold
        return template.format(amount=amount, times=times, switch=switch)
    sets = texts.one_set if dosage.sets == 1 else texts.sets.format(n=dosage.sets)
    template = texts.reps_each_side if dosage.sides == "each_side" else texts.reps
    return template.format(amount=amount, sets=sets)


def _step_bodies(exercise: Exercise, notch: int | None) -> list[str]:
    """Steps with ``{dosage}`` filled in; if no step mentions the dose, it becomes a last step."""
    texts = _texts_of(exercise).render
    dose = dosage_text(exercise, notch)
    bodies = [step.format(dosage=dose) for step in exercise.steps]
    if not any("{dosage}" in step for step in exercise.steps):
        bodies.append(texts.dosage_step.format(dosage=dose))
    return bodies


def hold_seconds(exercise: Exercise, notch: int | None, step: int) -> int | None:
    """Seconds to hold at step ``step`` (0-based) when that is the step where the dose's hold
    happens and it is long enough to time (:data:`MIN_TIMED_HOLD`); else None.

    A range ("hold 20-30 seconds") is timed to its low end: the dose is reached there.
    """
    dosage = exercise.dosage
    if exercise.therapist_only or dosage is None or dosage.kind != "hold":
        return None
    templates = [*exercise.steps]
    if not any("{dosage}" in text for text in templates):
        templates.append("{dosage}")  # the "Your dose: ..." step _step_bodies adds
    if not 0 <= step < len(templates) or "{dosage}" not in templates[step]:
        return None
    seconds = amount_at(exercise, notch).low
    return seconds if seconds >= MIN_TIMED_HOLD else None


def therapist_only_text(exercise: Exercise) -> str:
    """What Backstep says instead of guiding someone through a therapist-only technique."""
    return _texts_of(exercise).render.therapist_only.format(name=exercise.name)


def render_steps(exercise: Exercise, notch: int | None = None) -> list[str]:
    """One chat message per step, numbered, with the dose at ``notch`` where it applies.

    A therapist-only entry yields only the "for a therapist only" message.
    """
    if exercise.therapist_only:
        return [therapist_only_text(exercise)]
    texts = _texts_of(exercise).render
    bodies = _step_bodies(exercise, notch)
    return [
        texts.step.format(n=n, total=len(bodies), text=body) for n, body in enumerate(bodies, 1)
    ]


def render_full(exercise: Exercise, notch: int | None = None) -> str:
    """Everything about an exercise in one message: steps, cues, cautions, stop rules, source.

    In a session (``notch`` given) the card also says today's dose up front; a library card
    (``None``) has no "today": its steps say the starting dose."""
    texts = _texts_of(exercise)
    render = texts.render
    header = render.header.format(
        name=exercise.name,
        category=getattr(texts.categories, exercise.category),
        level=exercise.level,
    )
    intro = [header]
    if exercise.summary:
        intro.append(exercise.summary)
    blocks: list[list[str]] = [intro]
    if exercise.therapist_only:
        blocks.append([therapist_only_text(exercise)])
    else:
        equipment = ", ".join(getattr(texts.equipment, item) for item in exercise.equipment)
        intro.append(render.equipment.format(equipment=equipment))
        if notch is not None:
            intro.append(render.today.format(dosage=dosage_text(exercise, notch)))
        bodies = _step_bodies(exercise, notch)
        blocks.append(
            [
                render.full_step.format(n=n, total=len(bodies), text=body)
                for n, body in enumerate(bodies, 1)
            ]
        )
    for heading, lines in (
        (render.cues, exercise.cues),
        (render.cautions, exercise.cautions),
        (render.stop_rules, exercise.stop_rules),
    ):
        if lines:
            blocks.append([heading, *(render.bullet.format(text=line) for line in lines)])
    blocks.append([render.source.format(source=exercise.source)])
    return "\n\n".join("\n".join(block) for block in blocks)


# --------------------------------------------------------------------------- loading


class _Problem(Exception):
    """A cross-reference problem found after field validation, located like pydantic's."""

    def __init__(self, exercise_id: str, field: str, message: str) -> None:
        super().__init__(message)
        self.exercise_id = exercise_id
        self.field = field
        self.message = message


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _format_loc(parts: Sequence[int | str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _locate(raw: Mapping[str, Any], loc: Sequence[int | str]) -> str:
    """Turn a pydantic error location into "exercise 'x', field 'y'" (or "field 'y'")."""
    if len(loc) >= 2 and loc[0] == "exercises" and isinstance(loc[1], int):
        index = loc[1]
        entries = raw.get("exercises")
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        ident = entry.get("id") if isinstance(entry, dict) else None
        name = f"exercise {ident!r}" if isinstance(ident, str) else f"exercise #{index + 1}"
        rest = loc[2:]
        return f"{name}, field {_format_loc(rest)!r}" if rest else name
    return f"field {_format_loc(loc)!r}" if loc else "file"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _check_references(exercises: Sequence[Exercise]) -> None:
    """Checks that need the whole library: ids, variant links, dosage start, message size."""
    seen_ids: set[str] = set()
    seen_names: dict[str, str] = {}
    for ex in exercises:
        if ex.id in seen_ids:
            raise _Problem(ex.id, "id", "the same id is used by another exercise")
        seen_ids.add(ex.id)
        folded = ex.name.casefold()
        if folded in seen_names:
            raise _Problem(ex.id, "name", f"the same name is used by {seen_names[folded]!r}")
        seen_names[folded] = ex.id

    by_id = {ex.id: ex for ex in exercises}
    for ex in exercises:
        if not ex.therapist_only:
            if ex.dosage is None:
                raise _Problem(ex.id, "dosage", "is required unless therapist_only is true")
            if not ex.steps:
                raise _Problem(ex.id, "steps", "needs at least one step")
            if not ex.stop_rules:
                raise _Problem(ex.id, "stop_rules", "needs at least one stop rule")
            if ex.dosage.start > ex.dosage.top:
                raise _Problem(
                    ex.id,
                    "dosage.start",
                    f"notch {ex.dosage.start} is past the end of the ladder "
                    f"(notches 0-{ex.dosage.top})",
                )
        for field, opposite in (("easier", "harder"), ("harder", "easier")):
            other_id = getattr(ex, field)
            if other_id is None:
                continue
            if ex.therapist_only:
                raise _Problem(ex.id, field, "a therapist-only entry cannot have variants")
            if other_id == ex.id:
                raise _Problem(ex.id, field, "an exercise cannot be its own variant")
            other = by_id.get(other_id)
            if other is None:
                raise _Problem(ex.id, field, f"no exercise has the id {other_id!r}")
            if other.therapist_only:
                raise _Problem(ex.id, field, f"{other_id!r} is therapist-only")
            if getattr(other, opposite) != ex.id:
                raise _Problem(
                    ex.id, field, f"{other_id!r} must name {ex.id!r} as its {opposite} variant"
                )
            if field == "harder" and other.level < ex.level:
                raise _Problem(
                    ex.id, field, f"{other_id!r} has a lower level ({other.level}) than this one"
                )
    for ex in exercises:
        visited = {ex.id}
        current = ex
        while current.harder is not None:
            if current.harder in visited:
                raise _Problem(ex.id, "harder", "the harder variants loop back on themselves")
            visited.add(current.harder)
            current = by_id[current.harder]
    for ex in exercises:
        if ex.animation is not None:
            try:
                check_motion(ex.animation)
            except MotionError as exc:
                raise _Problem(ex.id, "animation", str(exc)) from None
        if ex.dosage is None:
            continue
        for notch in range(len(ex.dosage.ladder)):
            size = len(render_full(ex, notch))
            if size > TELEGRAM_MESSAGE_LIMIT:
                # Point at the list that contributes most, the likeliest one to shorten.
                longest = max(
                    ("steps", "cues", "cautions", "stop_rules"),
                    key=lambda name: sum(len(line) for line in getattr(ex, name)),
                )
                raise _Problem(
                    ex.id,
                    longest,
                    f"the whole exercise would be a {size}-character message; Telegram "
                    f"allows {TELEGRAM_MESSAGE_LIMIT}, so shorten the texts",
                )


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate an exercise file; ``None`` means the file shipped with Backstep.

    Raises :class:`CatalogError` (one line: file, exercise, field, problem) for anything
    unusable, so a deployment with a broken file refuses to start.
    """
    file = Path(path) if path is not None else SHIPPED_FILE
    prefix = f"bad exercise file {file}"
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{prefix}: cannot read it: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError(f"{prefix}: not valid YAML{where}: {_one_line(problem)}") from None
    if not isinstance(raw, dict):
        raise CatalogError(f"{prefix}: the top level must be a mapping with 'exercises'")

    data = dict(raw)
    if file.resolve() != SHIPPED_FILE:
        texts = raw.get("texts") or {}
        if isinstance(texts, Mapping):
            data["texts"] = _deep_merge(_shipped_raw().get("texts") or {}, texts)
    try:
        parsed = _CatalogFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        message = _one_line(str(first["msg"])).removeprefix("Value error, ")
        others = len(errors) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise CatalogError(f"{prefix}: {_locate(raw, first['loc'])}: {message}{more}") from None
    try:
        for exercise in parsed.exercises:
            exercise._texts = parsed.texts
        _check_references(parsed.exercises)
    except _Problem as problem:
        raise CatalogError(
            f"{prefix}: exercise {problem.exercise_id!r}, field {problem.field!r}: "
            f"{problem.message}"
        ) from None
    return Catalog(parsed.exercises, parsed.texts, file)
