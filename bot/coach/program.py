"""Today's session: a short, varied, deterministic pick from the library.

A session people actually do is short (about 10-15 minutes, 4-6 exercises) and shaped like a
physiotherapy session: a gentle mobility or stretch warm-up, strength and stabilisation work
with the two categories alternating, and a stretch to cool down. The pick rotates with the
date, so the same day always gives the same plan (a user who reopens the bot sees the same
session) while the week brings variety.

A *slot* is a chain of variants (``Catalog.slot_of``); the user's progress is stored per slot
as an :class:`ExerciseLevel` (the variant reached and its notch), and the plan uses that
variant instead of the slot's default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date

from bot.coach.catalog import (
    Catalog,
    Category,
    Equipment,
    Exercise,
    amount_at,
    clamp_notch,
)

MIN_EXERCISES = 4
MAX_EXERCISES = 6
#: Aim for at least this much work before stopping to add exercises.
MIN_SECONDS = 10 * 60
#: Never add an exercise that takes the session past this (see :func:`plan_today`).
MAX_SECONDS = 15 * 60
#: Reading the instructions and getting into position, per exercise.
SETUP_SECONDS = 30

WARM_UP_CATEGORIES: tuple[Category, ...] = ("mobility", "stretch")
MAIN_CATEGORIES: tuple[Category, ...] = ("strength", "stabilisation")
COOL_DOWN_CATEGORIES: tuple[Category, ...] = ("stretch", "mobility")

#: What nearly every home has. Exercise-ball work is planned only for users who say they
#: have a ball, so nobody is sent a session they cannot do.
HOUSEHOLD_EQUIPMENT: frozenset[Equipment] = frozenset({"none", "wall", "chair", "mat"})


@dataclass(frozen=True)
class ExerciseLevel:
    """Where a user is in one slot: the variant they do and the notch of its ladder."""

    exercise_id: str
    notch: int


@dataclass(frozen=True)
class PlannedExercise:
    """One exercise of today's session, at the notch to do it at."""

    exercise_id: str
    notch: int


def estimate_seconds(exercise: Exercise, notch: int) -> int:
    """Rough time for one exercise at a notch: setup, work on every set and side, and rests."""
    dosage = exercise.require_dosage()
    amount = amount_at(exercise, notch).typical
    work = amount if dosage.kind == "hold" else amount * dosage.rep_seconds
    bouts = dosage.sets * (2 if dosage.sides == "each_side" else 1)
    return round(SETUP_SECONDS + bouts * work + (bouts - 1) * dosage.rest_seconds)


def estimate_minutes(catalog: Catalog, plan: Iterable[PlannedExercise]) -> float:
    """Rough length of a whole session in minutes."""
    seconds = sum(estimate_seconds(catalog.get(p.exercise_id), p.notch) for p in plan)
    return seconds / 60


def _current_variant(
    catalog: Catalog,
    slot: str,
    levels: Mapping[str, ExerciseLevel],
    too_hard: AbstractSet[str],
    user_level: int,
    equipment: AbstractSet[str],
) -> PlannedExercise | None:
    """The variant and notch this user does in a slot today, or None to leave the slot out.

    Progress the user has earned wins over their starting level. A variant they marked too
    hard is replaced by the next easier one at its start notch (a fresh, gentle start rather
    than the top of its ladder); a chain with nothing easier is left out.
    """
    chain = catalog.chain(slot)
    stored = levels.get(slot)
    index: int
    notch: int | None
    if stored is not None and stored.exercise_id in {ex.id for ex in chain}:
        index = next(i for i, ex in enumerate(chain) if ex.id == stored.exercise_id)
        notch = stored.notch
    else:
        suitable = [i for i, ex in enumerate(chain) if ex.level <= user_level]
        if not suitable:
            return None
        index, notch = suitable[-1], None
    while chain[index].id in too_hard:
        if index == 0:
            return None
        index, notch = index - 1, None
    exercise = chain[index]
    if not set(exercise.equipment) <= set(equipment) and exercise.equipment != ("none",):
        return None
    return PlannedExercise(exercise.id, clamp_notch(exercise, notch))


def _rotate(items: Sequence[PlannedExercise], by: int) -> list[PlannedExercise]:
    if not items:
        return []
    k = by % len(items)
    return [*items[k:], *items[:k]]


def plan_today(
    catalog: Catalog,
    levels: Mapping[str, ExerciseLevel],
    too_hard: AbstractSet[str],
    user_level: int = 1,
    *,
    day: date,
    equipment: AbstractSet[str] = HOUSEHOLD_EQUIPMENT,
) -> list[PlannedExercise]:
    """Today's session, in the order to do it: warm-up, main work, cool-down.

    ``levels`` maps a slot id (``Catalog.slot_of``) to the user's current variant and notch;
    slots without an entry start at the hardest variant at or below ``user_level`` (1-3),
    at its start notch. ``too_hard`` holds exercise ids the user marked too hard. Only
    exercises whose equipment is in ``equipment`` are planned.

    Exercises are added while the estimate stays within :data:`MAX_SECONDS`, until there are
    at least :data:`MIN_EXERCISES` and :data:`MIN_SECONDS` of work, up to
    :data:`MAX_EXERCISES`. At high notches the holds get long, so a session may have fewer
    exercises; it always has one strength or stabilisation exercise if any is available,
    even when that takes it past 15 minutes.
    """
    if not 1 <= user_level <= 3:
        raise ValueError(f"user_level must be 1, 2 or 3, not {user_level}")
    planned = [
        variant
        for slot in catalog.slots()
        if (variant := _current_variant(catalog, slot, levels, too_hard, user_level, equipment))
    ]

    def category(item: PlannedExercise) -> Category:
        return catalog.get(item.exercise_id).category

    def seconds(item: PlannedExercise) -> int:
        return estimate_seconds(catalog.get(item.exercise_id), item.notch)

    def pick(
        cats: Sequence[Category], by: int, skip: PlannedExercise | None
    ) -> PlannedExercise | None:
        """Today's pick from the first of ``cats`` that has anything to offer."""
        for cat in cats:
            pool = _rotate([p for p in planned if category(p) == cat and p != skip], by)
            if pool:
                return pool[0]
        return None

    turn = day.toordinal()
    warm_up = pick(WARM_UP_CATEGORIES, turn, skip=None)
    cool_down = pick(COOL_DOWN_CATEGORIES, turn + 1, skip=warm_up)
    ends = [item for item in (warm_up, cool_down) if item is not None]

    # Main work alternates strength and stabilisation; which goes first changes daily.
    queues = [
        _rotate([p for p in planned if category(p) == "strength"], 2 * turn),
        _rotate([p for p in planned if category(p) == "stabilisation"], turn),
    ]
    if turn % 2:
        queues.reverse()
    extra_pool = [p for p in planned if category(p) not in MAIN_CATEGORIES and p not in ends]

    total = sum(seconds(item) for item in ends)
    main: list[PlannedExercise] = []
    extras: list[PlannedExercise] = []

    def room_for_more() -> bool:
        count = len(ends) + len(main) + len(extras)
        return count < MAX_EXERCISES and (count < MIN_EXERCISES or total < MIN_SECONDS)

    def take(item: PlannedExercise, into: list[PlannedExercise]) -> None:
        nonlocal total
        into.append(item)
        total += seconds(item)

    turn_of_queue = 0
    while room_for_more():
        fitting = [
            next((p for p in queue if total + seconds(p) <= MAX_SECONDS), None)
            for queue in (queues[turn_of_queue % 2], queues[(turn_of_queue + 1) % 2])
        ]
        choice = next((p for p in fitting if p is not None), None)
        if choice is None:
            break
        for queue in queues:
            if choice in queue:
                queue.remove(choice)
        take(choice, main)
        turn_of_queue = 1 - turn_of_queue if choice is fitting[0] else turn_of_queue
    if not main and any(queues):
        take(min((p for queue in queues for p in queue), key=seconds), main)
    if len(ends) + len(main) < MIN_EXERCISES:
        for item in extra_pool:
            if not room_for_more():
                break
            if total + seconds(item) <= MAX_SECONDS:
                take(item, extras)

    head = [warm_up] if warm_up is not None else []
    tail = [cool_down] if cool_down is not None else []
    return [*head, *main, *extras, *tail]
