"""Per-exercise progression by the pain-monitoring model.

The pain-monitoring model (Thomeé 1997; Silbernagel et al. 2007) lets people keep exercising
with some pain, as long as it stays moderate and settles: pain during the exercise of at most
5 on a 0-10 scale, gone back to the usual level by the next morning. Backstep applies it one
exercise at a time, one notch at a time:

* **down** one notch when the newest session hurt more than 5/10 or the user tapped
  "Too painful" (allowed even while the program is paused, because easing off is always safe);
* **up** one notch after two sessions in a row at this level that stayed within 5/10 and had
  settled by the next morning, unless the user is paused (escalated to a physician);
* otherwise **stay**.

Past the top of a ladder the user moves on to the harder variant at its start notch. Below
the bottom they step back to the easier variant at its *top* notch: that is the rung just
below where they are (they progressed from it), so every regression is exactly one step and
they do not lose more ground than the pain asked for. Without a variant at either end they
stay, with a reason that says so.

The functions are pure: the caller stores outcomes and levels and calls :func:`decide` once
per new piece of information; stamping each outcome with the level it was done at (see
:class:`ExerciseOutcome`) makes repeated calls harmless.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from bot.coach.catalog import Catalog, Exercise, amount_at, clamp_notch, placeholders
from bot.coach.program import ExerciseLevel
from bot.coach.safety import Level

#: Highest pain (0-10) during an exercise that still counts as acceptable.
PAIN_LIMIT = 5
#: Good sessions in a row, at the current level, needed to go up one notch.
GOOD_SESSIONS_TO_PROGRESS = 2

TEXTS_FILE = Path(__file__).resolve().parent.parent / "content" / "progression_texts.yaml"

Direction = Literal["up", "down", "stay"]
Reason = Literal[
    "went_well_twice",  # up
    "pain_over_limit",  # down
    "too_painful",  # down
    "no_sessions",  # stay: nothing recorded at this level yet
    "paused",  # stay: never progress a paused (escalated) user
    "at_top",  # stay: top of the ladder and no harder variant
    "at_easiest",  # stay: it hurt, but there is nothing easier
    "one_good_session",  # stay: the newest went well, the one before did not (or is missing)
    "not_settled",  # stay: the pain had not settled by the next morning
    "waiting_for_morning",  # stay: the newest session's next morning is not known yet
    "no_pain_report",  # stay: the newest session has no pain score
    "held_back",  # stay: it would have gone up, but the turn (or day) had a safety caution
]


@dataclass(frozen=True)
class ExerciseOutcome:
    """How one session of one exercise went.

    ``level`` is the variant and notch it was done at. When given, only the newest run of
    outcomes at the user's current level counts, so a change is never made twice for the
    same sessions. ``None`` means "at the current level".
    """

    pain_during: int | None
    too_painful: bool = False
    settled_next_morning: bool | None = None
    level: ExerciseLevel | None = None

    def __post_init__(self) -> None:
        if self.pain_during is not None and not 0 <= self.pain_during <= 10:
            raise ValueError(f"pain_during must be 0-10, not {self.pain_during}")

    @property
    def hurt_too_much(self) -> bool:
        return self.too_painful or (self.pain_during is not None and self.pain_during > PAIN_LIMIT)

    @property
    def went_well(self) -> bool:
        return (
            not self.too_painful
            and self.pain_during is not None
            and self.pain_during <= PAIN_LIMIT
            and self.settled_next_morning is True
        )


@dataclass(frozen=True)
class Change:
    """What :func:`decide` concluded for one exercise, and why (a ``Reason`` code)."""

    direction: Direction
    before: ExerciseLevel
    after: ExerciseLevel
    reason: Reason


def _normalised(catalog: Catalog, level: ExerciseLevel) -> ExerciseLevel:
    exercise = catalog.get(level.exercise_id)
    return ExerciseLevel(exercise.id, clamp_notch(exercise, level.notch))


def _current_run(
    catalog: Catalog, current: ExerciseLevel, recent: Sequence[ExerciseOutcome]
) -> list[ExerciseOutcome]:
    """The newest outcomes, newest last, back to the first one done at another level."""
    run: list[ExerciseOutcome] = []
    for outcome in reversed(recent):
        if outcome.level is not None:
            known = outcome.level.exercise_id in catalog
            if not known or _normalised(catalog, outcome.level) != current:
                break
        run.append(outcome)
    run.reverse()
    return run


def is_easiest(catalog: Catalog, level: ExerciseLevel) -> bool:
    """Nothing easier to step down to: the first notch of the easiest variant (a "too
    painful" there cannot be eased; the exercise is left out instead)."""
    exercise = catalog.get(level.exercise_id)
    return level.notch <= 0 and catalog.easier(exercise) is None


def _step_down(catalog: Catalog, exercise: Exercise, current: ExerciseLevel, why: Reason) -> Change:
    if is_easiest(catalog, current):
        return Change("stay", current, current, "at_easiest")
    if current.notch > 0:
        return Change("down", current, ExerciseLevel(exercise.id, current.notch - 1), why)
    easier = catalog.easier(exercise)
    assert easier is not None, "is_easiest says there is an easier variant"
    return Change("down", current, ExerciseLevel(easier.id, easier.require_dosage().top), why)


def _step_up(catalog: Catalog, exercise: Exercise, current: ExerciseLevel) -> Change:
    if current.notch < exercise.require_dosage().top:
        after = ExerciseLevel(exercise.id, current.notch + 1)
        return Change("up", current, after, "went_well_twice")
    harder = catalog.harder(exercise)
    if harder is None:
        return Change("stay", current, current, "at_top")
    after = ExerciseLevel(harder.id, harder.require_dosage().start)
    return Change("up", current, after, "went_well_twice")


def _why_stay(run: Sequence[ExerciseOutcome]) -> Reason:
    newest = run[-1]
    if newest.pain_during is None:
        return "no_pain_report"
    if newest.settled_next_morning is False:
        return "not_settled"
    if newest.settled_next_morning is None:
        return "waiting_for_morning"
    return "one_good_session"


def decide(
    catalog: Catalog,
    current: ExerciseLevel,
    recent: Sequence[ExerciseOutcome],
    paused: bool,
) -> Change:
    """Up, down or stay for one exercise, from its recent outcomes (newest last).

    Raises ``KeyError`` for an exercise id the catalog does not know and ``ValueError`` for
    a therapist-only entry (those are never in a program).
    """
    exercise = catalog.get(current.exercise_id)
    exercise.require_dosage()
    current = _normalised(catalog, current)
    run = _current_run(catalog, current, recent)
    if not run:
        return Change("stay", current, current, "no_sessions")
    newest = run[-1]
    if newest.hurt_too_much:
        why: Reason = "too_painful" if newest.too_painful else "pain_over_limit"
        return _step_down(catalog, exercise, current, why)
    if paused:
        return Change("stay", current, current, "paused")
    window = run[-GOOD_SESSIONS_TO_PROGRESS:]
    if len(window) == GOOD_SESSIONS_TO_PROGRESS and all(o.went_well for o in window):
        return _step_up(catalog, exercise, current)
    return Change("stay", current, current, _why_stay(run))


def one_voice(level: Level, changes: Sequence[Change]) -> tuple[Change, ...]:
    """The changes a turn may make and say, given the highest safety level of that turn.

    One voice per reply: at ``Level.CAUTION`` or worse nothing goes up. Each "up" becomes a
    "stay" at the level it started from: ``"held_back"`` after a caution, ``"paused"`` at
    PHYSICIAN or EMERGENCY. "down" and "stay" pass unchanged (easing off is always safe).
    Callers pass the highest level decided in the turn, or that day if a caution was already
    recorded earlier the same day, and store only what this returns.
    """
    if level < Level.CAUTION:
        return tuple(changes)
    why: Reason = "held_back" if level is Level.CAUTION else "paused"
    return tuple(
        Change("stay", c.before, c.before, why) if c.direction == "up" else c for c in changes
    )


# --------------------------------------------------------------------------- wording


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


_Sentence = Annotated[str, placeholders("name", "new_name", "new_name_mid", "amount", "limit")]


class _AmountTexts(_Strict):
    hold: Annotated[str, placeholders("amount")]
    reps: Annotated[str, placeholders("amount")]
    one_rep: Annotated[str, placeholders()]


class _DownTexts(_Strict):
    pain_over_limit: _Sentence
    too_painful: _Sentence


class _StayTexts(_Strict):
    no_sessions: _Sentence
    paused: _Sentence
    at_top: _Sentence
    at_easiest: _Sentence
    one_good_session: _Sentence
    not_settled: _Sentence
    waiting_for_morning: _Sentence
    no_pain_report: _Sentence
    held_back: _Sentence


class ProgressionTexts(_Strict):
    """The sentences of :func:`explain`, from ``bot/content/progression_texts.yaml``."""

    amount: _AmountTexts
    up: _Sentence
    up_variant: _Sentence
    down: _DownTexts
    down_variant: _DownTexts
    stay: _StayTexts


@functools.cache
def load_progression_texts(path: Path = TEXTS_FILE) -> ProgressionTexts:
    """The progression sentences, validated (a typo in a placeholder fails at start-up)."""
    return ProgressionTexts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _mid_sentence(name: str) -> str:
    """ "Single-leg wall sit" -> "single-leg wall sit"; leaves acronyms like "TA" alone."""
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def amount_label(
    catalog: Catalog, level: ExerciseLevel, texts: ProgressionTexts | None = None
) -> str:
    """The dose at a level in a few characters: "45 s", "20-30 s", "8 reps"."""
    words = (texts or load_progression_texts()).amount
    exercise = catalog.get(level.exercise_id)
    amount = amount_at(exercise, level.notch)
    if exercise.require_dosage().kind == "hold":
        return words.hold.format(amount=amount)
    if amount.low == amount.high == 1:
        return words.one_rep
    return words.reps.format(amount=amount)


def explain(catalog: Catalog, change: Change, texts: ProgressionTexts | None = None) -> str:
    """One line telling the user what changes next time and why."""
    words = texts or load_progression_texts()
    before = catalog.get(change.before.exercise_id)
    after = catalog.get(change.after.exercise_id)
    values = {
        "name": before.name,
        "new_name": after.name,
        "new_name_mid": _mid_sentence(after.name),
        "amount": amount_label(catalog, change.after, words),
        "limit": PAIN_LIMIT,
    }
    moved = before.id != after.id
    if change.direction == "up":
        template = words.up_variant if moved else words.up
    elif change.direction == "down":
        down = words.down_variant if moved else words.down
        template = down.too_painful if change.reason == "too_painful" else down.pain_over_limit
    else:
        template = getattr(words.stay, change.reason, words.stay.no_sessions)
    return " ".join(template.format(**values).split())
