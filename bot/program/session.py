"""A guided session: its plan, each step taken, the pain around it, and how it went.

The session row holds the plan; each step is a ``session_steps`` row. The plan also rides in
the dialog (the flow keeps it), so a step on the hot path never reads the session row: these
functions take what the flow already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.coach import program
from bot.program import clinic, progression, safety
from bot.program.work import Work
from storage import sessions as store
from storage.models import ExerciseSession

PLAN_KEYS = ("exercise_id", "notch")
ENDINGS = ("done", "skip", "too_painful")  # how an exercise of the plan can end


async def start(work: Work, *, gentle: bool) -> ExerciseSession:
    """A new session: today's plan, or for an extra one the easiest variant of each slot."""
    levels = {
        row.slot: program.ExerciseLevel(row.exercise_id, row.notch)
        for row in await store.levels_of(work.tx, work.user.id)
    }
    plan = program.plan_today(
        work.catalog, levels={} if gentle else levels, too_hard=frozenset(), day=work.today
    )
    left_out = {
        slot for slot, kind in (await clinic.plan_adjustments(work)).items() if kind == "omit"
    }
    plan = [p for p in plan if work.catalog.slot_of(p.exercise_id) not in left_out]
    session = ExerciseSession(
        user_id=work.user.id,
        started_at=work.now,
        local_date=work.today,
        status="in_progress",
        plan=[{"exercise_id": p.exercise_id, "notch": p.notch} for p in plan],
    )
    work.tx.add(session)
    await work.tx.flush()
    return session


async def stop(work: Work, session_id: int) -> None:
    """The user chose not to exercise after all (pain too high): the session ends unfinished."""
    await store.stop_session(work.tx, session_id, work.now)


async def start_gentle_instead(work: Work, session_id: int) -> ExerciseSession:
    """Pain was too high for today's plan: the easiest variants instead, keeping the score
    already given before the session (no second "how bad is it" question)."""
    old = await store.get_session(work.tx, session_id)
    assert old is not None, "a session dialog always points at its session"
    await stop(work, session_id)
    session = await start(work, gentle=True)
    session.pain_before = old.pain_before
    return session


def record_step(
    work: Work, session_id: int, planned: dict[str, Any], pos: int, index: int, action: str
) -> None:
    """One tap of a step: next, done, skip or too_painful."""
    store.add_step(
        work.tx,
        work.now,
        session_id=session_id,
        user_id=work.user.id,
        exercise_id=planned["exercise_id"],
        position=pos,
        step_index=index,
        action=action,
        notch=planned["notch"],
    )


@dataclass(frozen=True)
class Scored:
    session_id: int
    safety: safety.Outcome


async def record_pain(
    work: Work, session_id: int, kind: str, score: int, exercise_id: str | None = None
) -> Scored:
    """A pain score before, during (an exercise too painful) or after the session.

    The session row is written without being read (the dialog has its id): the score before
    or after, and for the score after the end of the session."""
    report = safety.add_report(work, kind, score, exercise_id=exercise_id, session_id=session_id)
    if kind == "before_session":
        await _update(work, session_id, pain_before=score)
    elif kind == "after_session":
        await _update(work, session_id, pain_after=score, status="done", finished_at=work.now)
        work.user.last_session_on = work.today
    outcome = await safety.record_pain(work, report, session_id)
    return Scored(session_id, outcome)


async def _update(work: Work, session_id: int, **values: Any) -> None:
    found = await store.update_session(work.tx, session_id, **values)
    assert found, "a session dialog always points at its session"


@dataclass(frozen=True)
class Finished:
    """How the session went: exercise names per ending, and what progression decided."""

    names: dict[str, list[str]]
    pain_before: int | None
    pain_after: int | None
    progressed: progression.Progressed


async def finish(work: Work, session_id: int, scored: safety.Outcome) -> Finished:
    """The session's outcome per exercise, and progression at the day's highest safety level
    (``scored`` is this turn's safety outcome: its level for the day, and the reports the
    rules read, which progression reuses).

    The session, its steps and the user's other recent sessions with theirs are one read
    (:func:`bot.program.progression.recent`)."""
    recent = await progression.recent(work)
    session = recent.session(session_id)
    if session is None:  # not among the recent ended sessions: read on its own
        session = await store.get_session(work.tx, session_id)
        assert session is not None, "a session dialog always points at its session"
        steps = [(row.position, row.action) for row in await store.steps_of(work.tx, session_id)]
    else:
        steps = recent.steps[session_id]
    outcome: dict[int, str] = {}
    for position, action in steps:
        if action in ENDINGS:
            outcome[position] = action
    names = {
        kind: [
            work.catalog.get(session.plan[pos]["exercise_id"]).name
            for pos, action in sorted(outcome.items())
            if action == kind
        ]
        for kind in ENDINGS
    }
    progressed = await progression.after_session(work, session, scored.today, recent, scored.seen)
    return Finished(names, session.pain_before, session.pain_after, progressed)
