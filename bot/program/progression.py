"""Progression, carried out: after a session and after the next morning's "settled?" answer.

:func:`bot.coach.progression.decide` is pure; this module feeds it each exercise's recent
outcomes from the database and stores the result as the slot's ``exercise_levels`` row, in the
same transaction as the answer that caused it. It runs twice per session:

* when the session ends (:func:`after_session`): a "Too painful" tap or pain above 5/10 steps
  that exercise down at once, so tomorrow's plan is already easier;
* when the next morning's "had the pain settled?" answer arrives (:func:`after_settled`):
  only now is it known whether the session went well, so this is when an exercise goes up.

Both take the highest safety level of the user's day (``bot.program.safety.Outcome.today``):
at a caution or worse nothing goes up (:func:`bot.coach.progression.one_voice`), and what is
held back is said ("stays ... for now").

What a decision reads: the recent sessions with their steps (one statement, :func:`recent`);
the pain reports during them and the mornings after, and the stored levels, come with the
safety rules' read of the same turn (``safety.Seen``; the reports are read again only when
the sessions reach back further than the rules did). The clinician's plan adjustments are
read only when an exercise would go up.

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

from bot.coach import progression as rules
from bot.coach.catalog import Catalog
from bot.coach.program import ExerciseLevel
from bot.coach.safety import Level, PainReport, ReportKind
from bot.content.texts import t
from bot.program import clinic, outcomes, safety
from bot.program.history import CHANGE_KEY, change_of
from bot.program.work import Work
from storage import models, pain, sessions

log = logging.getLogger(__name__)

#: Sessions looked back over per decision; two good ones in a row are all that is needed,
#: a few more let a run at the current level be found past a skipped day.
RECENT_SESSIONS = 8
#: The steps whose action tells how an exercise of a session ended.
ENDINGS = ("done", "skip", "too_painful")
#: How far before a session's start a report about it (during it, or the next morning's) can
#: lie: a change of time zone moves a local day by up to 26 hours.
REPORT_SLACK = timedelta(days=2)


@dataclass(frozen=True)
class Progressed:
    """What one round of progression did.

    ``changes`` are the level changes stored (each also recorded on its plan entry);
    ``lines`` say, one each, every change and every stay worth telling the user about.
    """

    changes: tuple[rules.Change, ...] = ()
    lines: tuple[str, ...] = ()
    at_easiest: tuple[str, ...] = ()  # exercises that hurt at their easiest step

    @property
    def message(self) -> str | None:
        """The one message that tells the user, or None when there is nothing to tell."""
        if not self.lines:
            return None
        return t("progression_next_time", lines="\n".join(f"• {line}" for line in self.lines))


@dataclass(frozen=True)
class _Done:
    """One exercise of one session that tells something: done to the end, or too painful."""

    session: models.ExerciseSession
    position: int
    exercise_id: str
    notch: int
    outcome: rules.ExerciseOutcome


@dataclass(frozen=True)
class Recent:
    """The user's last :data:`RECENT_SESSIONS` ended sessions, oldest first, and the
    ``(position, action)`` of each one's ending steps (:data:`ENDINGS`), in the order taken."""

    sessions: list[models.ExerciseSession]
    steps: dict[int, list[tuple[int, str]]]

    def session(self, session_id: int) -> models.ExerciseSession | None:
        return next((s for s in self.sessions if s.id == session_id), None)


async def recent(work: Work) -> Recent:
    """The recent ended sessions with their ending steps, in one statement."""
    found = await sessions.recent_ended_with_steps(work.tx, work.user.id, RECENT_SESSIONS, ENDINGS)
    return Recent(
        [session for session, _ in found],
        {session.id: [(s.position, s.action) for s in steps] for session, steps in found},
    )


def _settled(report: PainReport | None) -> bool | None:
    if report is None or report.settled is None:
        return None
    return report.settled == "yes"


async def _reports(
    work: Work, recent: Sequence[models.ExerciseSession], seen: safety.Seen | None
) -> tuple[list[PainReport], list[PainReport]]:
    """The reports during the sessions, and the next-morning reports of the days after them
    (oldest first): taken from ``seen`` (what the safety rules read this turn) when it reaches
    back to the oldest session, else read."""
    ids = {s.id for s in recent}
    days = {s.local_date + timedelta(days=1) for s in recent}
    if seen is not None and all(s.started_at - REPORT_SLACK >= seen.since for s in recent):
        during = [
            r for r in seen.reports if r.kind == ReportKind.DURING_EXERCISE and r.session_id in ids
        ]
        mornings = [
            r for r in seen.reports if r.kind == ReportKind.NEXT_MORNING and r.local_date in days
        ]
        return during, mornings
    read_during = await pain.reports_of_sessions(work.tx, ids, "during_exercise")
    read_mornings = await pain.reports_on_days(work.tx, work.user.id, "next_morning", days)
    return (
        [safety.to_report(r) for r in read_during],
        [safety.to_report(r) for r in read_mornings],
    )


async def _outcomes(work: Work, recent: Recent, seen: safety.Seen | None) -> list[_Done]:
    """What each session says about each of its exercises, oldest session first."""
    if not recent.sessions:
        return []
    during, mornings = await _reports(work, recent.sessions, seen)
    morning_of: dict[date | None, PainReport] = {r.local_date: r for r in mornings}
    hurt: dict[tuple[int, str], int] = {}
    for report in during:
        if report.session_id is not None and report.exercise_id:
            key = (report.session_id, report.exercise_id)
            hurt[key] = max(hurt.get(key, 0), report.score)
    actions: dict[tuple[int, int], str] = {}
    for session_id, steps in recent.steps.items():
        for position, ending in steps:
            if ending not in ("done", "too_painful"):
                continue
            where = (session_id, position)
            if actions.get(where) != "too_painful":
                actions[where] = ending
    found: list[_Done] = []
    for session in recent.sessions:
        settled = _settled(morning_of.get(session.local_date + timedelta(days=1)))
        for position, entry in enumerate(session.plan):
            action = actions.get((session.id, position))
            exercise_id, notch = str(entry["exercise_id"]), int(entry["notch"])
            level = ExerciseLevel(exercise_id, notch)
            if action == "too_painful":
                outcome = rules.ExerciseOutcome(
                    pain_during=hurt.get((session.id, exercise_id)),
                    too_painful=True,
                    settled_next_morning=settled,
                    level=level,
                )
            elif action == "done" and session.status == "done":
                outcome = rules.ExerciseOutcome(
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
    stored: sessions.StoredLevel | None,
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
    work: Work,
    decide_for: Iterable[models.ExerciseSession],
    level: Level,
    recent: Recent,
    seen: safety.Seen | None,
    tell_stays: frozenset[rules.Reason] = frozenset(),
) -> Progressed:
    """Apply progression to every exercise of ``decide_for`` at the safety ``level`` of the
    turn (``one_voice``); tell every change, every "up" held back, and the stays whose reason
    is in ``tell_stays``. ``recent`` and ``seen`` are what the turn read already."""
    catalog = work.catalog
    targets = {s.id for s in decide_for}
    if not targets:
        return Progressed()
    history = await _outcomes(work, recent, seen)
    by_slot: dict[str, list[rules.ExerciseOutcome]] = defaultdict(list)
    slot_of: dict[str, str] = {}
    for done in history:
        if done.exercise_id not in catalog:
            continue
        slot_of[done.exercise_id] = slot = catalog.slot_of(done.exercise_id)
        by_slot[slot].append(done.outcome)
    if seen is not None:
        levels = list(seen.levels)
    else:
        levels = [
            sessions.StoredLevel.of(row) for row in await sessions.levels_of(work.tx, work.user.id)
        ]
    stored = {level.slot: level for level in levels}
    paused = work.user.status == "paused"
    held: dict[str, str] | None = None  # the clinician's adjustments, read when first needed
    changes: list[rules.Change] = []
    lines: list[str] = []
    at_easiest: list[str] = []
    tell = tell_stays | {"held_back"}
    for done in history:
        if done.session.id not in targets or done.exercise_id not in slot_of:
            continue
        if change_of(done.session.plan[done.position]) is not None:
            continue  # this outcome already moved its slot
        slot = slot_of[done.exercise_id]
        current = _current(catalog, done, stored.get(slot))
        try:
            proposed = rules.decide(catalog, current, by_slot[slot], paused=paused)
        except (KeyError, ValueError):
            log.warning("progression skipped an exercise it cannot place: %s", done.exercise_id)
            continue
        (change,) = rules.one_voice(level, [proposed])
        if change.direction == "up":
            if held is None:
                held = await clinic.plan_adjustments(work)
            if held.get(slot) == "hold":
                continue  # the clinician holds this exercise at its level
        if change.direction == "stay":
            if change.reason == "at_easiest":
                at_easiest.append(change.before.exercise_id)
            if change.reason in tell:
                lines.append(rules.explain(catalog, change))
            continue
        stored[slot] = await sessions.set_level(
            work.tx,
            stored.get(slot),
            user_id=work.user.id,
            slot=slot,
            exercise_id=change.after.exercise_id,
            notch=change.after.notch,
            at=work.now,
        )
        _record(work, done, change)
        changes.append(change)
        lines.append(rules.explain(catalog, change))
    return Progressed(tuple(changes), tuple(lines), tuple(at_easiest))


def _record(work: Work, done: _Done, change: rules.Change) -> None:
    plan: list[Any] = [dict(entry) for entry in done.session.plan]
    plan[done.position][CHANGE_KEY] = {
        "direction": change.direction,
        "reason": change.reason,
        "from": {"exercise_id": change.before.exercise_id, "notch": change.before.notch},
        "exercise_id": change.after.exercise_id,
        "notch": change.after.notch,
        "on": work.today.isoformat(),
        "at": work.now.isoformat(),
    }
    done.session.plan = plan  # a new list, so the JSON column is written


async def after_session(
    work: Work,
    session: models.ExerciseSession,
    level: Level,
    recent: Recent,
    seen: safety.Seen | None,
) -> Progressed:
    """Call when a session has ended (status set), with the recent sessions read since (the
    session among them) and the reports the safety rules read this turn: eases what hurt.

    An exercise that hurt at its easiest step cannot be eased; that is told too (once, here),
    with the advice that goes with it, and listed in ``at_easiest`` for the safety message.
    """
    return await _decide(work, [session], level, recent, seen, tell_stays=frozenset({"at_easiest"}))


async def after_settled(work: Work, scored: safety.Outcome) -> Progressed:
    """Call when the next morning's "settled?" answer is stored, with the safety outcome of
    that answer: moves up what went well twice (never while the program is paused, nor on a
    day with a caution or worse: ``scored.today``)."""
    if await outcomes.gentle_start(work):
        return Progressed()  # medium/high risk: no step up in the first two weeks
    yesterday = work.today - timedelta(days=1)
    found = await recent(work)
    # Only the recent sessions' outcomes are decided on: yesterday's finished ones among them.
    finished = [s for s in found.sessions if s.status == "done" and s.local_date == yesterday]
    return await _decide(work, finished, scored.today, found, scored.seen)
