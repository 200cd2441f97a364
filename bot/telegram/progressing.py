"""Progression, carried out: after a session and after the next morning's "settled?" answer.

:func:`bot.coach.progression.decide` is pure; this module feeds it each exercise's recent
outcomes from the database and stores the result as the slot's ``exercise_levels`` row, in the
same transaction as the answer that caused it. It runs twice per session:

* when the session ends (:func:`after_session`): a "Too painful" tap or pain above 5/10 steps
  that exercise down at once, so tomorrow's plan is already easier;
* when the next morning's "had the pain settled?" answer arrives (:func:`after_settled`):
  only now is it known whether the session went well, so this is when an exercise goes up.

How one exercise went in one session (an :class:`~bot.coach.progression.ExerciseOutcome`):
a "Too painful" tap gives that exercise's own pain score; otherwise, for an exercise done to
the end in a finished session, the pain right after the session stands in for the pain
during it (Backstep does not ask after every exercise). Skipped exercises and exercises of
unfinished sessions tell nothing and are left out.

Each decision is recorded on the plan entry it was made from (:data:`bot.history.CHANGE_KEY`),
so the weekly summary can say what moved, and an entry never causes a second change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.coach import progression
from bot.coach.catalog import Catalog
from bot.coach.program import ExerciseLevel
from bot.content.texts import t
from bot.history import CHANGE_KEY, change_of
from bot.telegram.turn import Turn
from storage import models, sessions

log = logging.getLogger(__name__)

#: Sessions looked back over per decision; two good ones in a row are all that is needed,
#: a few more let a run at the current level be found past a skipped day.
RECENT_SESSIONS = 8


@dataclass(frozen=True)
class _Done:
    """One exercise of one session that tells something: done to the end, or too painful."""

    session: models.ExerciseSession
    position: int
    exercise_id: str
    notch: int
    outcome: progression.ExerciseOutcome


def _settled(report: models.PainReport | None) -> bool | None:
    if report is None or report.settled is None:
        return None
    return report.settled == "yes"


async def _recent(turn: Turn) -> list[models.ExerciseSession]:
    rows = await turn.tx.scalars(
        select(models.ExerciseSession)
        .where(
            models.ExerciseSession.user_id == turn.user.id,
            models.ExerciseSession.status.in_(("done", "stopped")),
        )
        .order_by(models.ExerciseSession.started_at.desc(), models.ExerciseSession.id.desc())
        .limit(RECENT_SESSIONS)
    )
    return list(reversed(rows.all()))


async def _outcomes(turn: Turn, sessions: Sequence[models.ExerciseSession]) -> list[_Done]:
    """What each session says about each of its exercises, oldest session first."""
    if not sessions:
        return []
    ids = [s.id for s in sessions]
    steps = (
        await turn.tx.scalars(
            select(models.SessionStep).where(
                models.SessionStep.session_id.in_(ids),
                models.SessionStep.action.in_(("done", "too_painful")),
            )
        )
    ).all()
    during = (
        await turn.tx.scalars(
            select(models.PainReport).where(
                models.PainReport.session_id.in_(ids),
                models.PainReport.kind == "during_exercise",
            )
        )
    ).all()
    mornings = (
        await turn.tx.scalars(
            select(models.PainReport)
            .where(
                models.PainReport.user_id == turn.user.id,
                models.PainReport.kind == "next_morning",
                models.PainReport.local_date.in_(
                    {s.local_date + timedelta(days=1) for s in sessions}
                ),
            )
            .order_by(models.PainReport.at, models.PainReport.id)
        )
    ).all()
    morning_of: dict[date, models.PainReport] = {r.local_date: r for r in mornings}
    hurt: dict[tuple[int, str], int] = {}
    for report in during:
        if report.session_id is not None and report.exercise_id:
            key = (report.session_id, report.exercise_id)
            hurt[key] = max(hurt.get(key, 0), report.score)
    actions: dict[tuple[int, int], str] = {}
    for step in steps:
        where = (step.session_id, step.position)
        if actions.get(where) != "too_painful":
            actions[where] = step.action
    found: list[_Done] = []
    for session in sessions:
        settled = _settled(morning_of.get(session.local_date + timedelta(days=1)))
        for position, entry in enumerate(session.plan):
            action = actions.get((session.id, position))
            exercise_id, notch = str(entry["exercise_id"]), int(entry["notch"])
            level = ExerciseLevel(exercise_id, notch)
            if action == "too_painful":
                outcome = progression.ExerciseOutcome(
                    pain_during=hurt.get((session.id, exercise_id)),
                    too_painful=True,
                    settled_next_morning=settled,
                    level=level,
                )
            elif action == "done" and session.status == "done":
                outcome = progression.ExerciseOutcome(
                    pain_during=session.pain_after,
                    settled_next_morning=settled,
                    level=level,
                )
            else:
                continue
            found.append(_Done(session, position, exercise_id, notch, outcome))
    return found


def _current(
    catalog: Catalog,
    done: _Done,
    stored: models.ExerciseLevel | None,
) -> ExerciseLevel:
    """The level a decision about ``done`` starts from.

    Normally the level the exercise was done at. If a decision since the session began has
    already moved the slot (the same session's end, seen again the next morning), the stored
    level: a session's outcome must not move a slot twice.
    """
    chain = {e.id for e in catalog.chain(done.exercise_id)}
    if (
        stored is not None
        and stored.exercise_id in chain
        and stored.updated_at >= done.session.started_at
    ):
        return ExerciseLevel(stored.exercise_id, stored.notch)
    return ExerciseLevel(done.exercise_id, done.notch)


async def _decide(
    turn: Turn,
    decide_for: Iterable[models.ExerciseSession],
    tell_stays: frozenset[progression.Reason] = frozenset(),
) -> list[str]:
    """Apply progression to every exercise of ``decide_for``; the lines to tell the user
    (every change, and the stays whose reason is in ``tell_stays``)."""
    catalog = turn.services.catalog
    targets = {s.id for s in decide_for}
    if not targets:
        return []
    history = await _outcomes(turn, await _recent(turn))
    by_slot: dict[str, list[progression.ExerciseOutcome]] = defaultdict(list)
    slot_of: dict[str, str] = {}
    for done in history:
        if done.exercise_id not in catalog:
            continue
        slot_of[done.exercise_id] = slot = catalog.slot_of(done.exercise_id)
        by_slot[slot].append(done.outcome)
    stored = {row.slot: row for row in await sessions.levels_of(turn.tx, turn.user.id)}
    paused = turn.user.status == "paused"
    lines: list[str] = []
    for done in history:
        if done.session.id not in targets or done.exercise_id not in slot_of:
            continue
        if change_of(done.session.plan[done.position]) is not None:
            continue  # this outcome already moved its slot
        slot = slot_of[done.exercise_id]
        current = _current(catalog, done, stored.get(slot))
        try:
            change = progression.decide(catalog, current, by_slot[slot], paused=paused)
        except (KeyError, ValueError):
            log.warning("progression skipped an exercise it cannot place: %s", done.exercise_id)
            continue
        if change.direction == "stay":
            if change.reason in tell_stays:
                lines.append(progression.explain(catalog, change))
            continue
        stored[slot] = _store(turn, stored.get(slot), slot, change.after)
        _record(turn, done, change)
        lines.append(progression.explain(catalog, change))
    return lines


def _store(
    turn: Turn, row: models.ExerciseLevel | None, slot: str, level: ExerciseLevel
) -> models.ExerciseLevel:
    if row is None:
        row = models.ExerciseLevel(user_id=turn.user.id, slot=slot)
        turn.tx.add(row)
    row.exercise_id = level.exercise_id
    row.notch = level.notch
    row.updated_at = turn.now
    return row


def _record(turn: Turn, done: _Done, change: progression.Change) -> None:
    plan: list[Any] = [dict(entry) for entry in done.session.plan]
    plan[done.position][CHANGE_KEY] = {
        "direction": change.direction,
        "reason": change.reason,
        "from": {"exercise_id": change.before.exercise_id, "notch": change.before.notch},
        "exercise_id": change.after.exercise_id,
        "notch": change.after.notch,
        "on": turn.today.isoformat(),
        "at": turn.now.isoformat(),
    }
    done.session.plan = plan  # a new list, so the JSON column is written


def _tell(turn: Turn, lines: Sequence[str]) -> None:
    if lines:
        turn.say(t("progression_next_time", lines="\n".join(f"• {line}" for line in lines)))


async def after_session(turn: Turn, session: models.ExerciseSession) -> list[str]:
    """Call when a session has ended (status set): eases what hurt, tells the user.

    An exercise that hurt at its easiest step cannot be eased; the user is told so (once,
    here) with the advice that goes with it.
    """
    lines = await _decide(turn, [session], tell_stays=frozenset({"at_easiest"}))
    _tell(turn, lines)
    return lines


async def after_settled(turn: Turn) -> list[str]:
    """Call when the next morning's "settled?" answer is stored: moves up what went well twice
    (never while the program is paused), tells the user."""
    yesterday = turn.today - timedelta(days=1)
    sessions = await turn.tx.scalars(
        select(models.ExerciseSession).where(
            models.ExerciseSession.user_id == turn.user.id,
            models.ExerciseSession.status == "done",
            models.ExerciseSession.local_date == yesterday,
        )
    )
    lines = await _decide(turn, sessions.all())
    _tell(turn, lines)
    return lines
