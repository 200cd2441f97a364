"""A guided session: pain before, each exercise one step at a time, pain after, a summary.

The session row holds the plan; the dialog payload holds where the user is (exercise position
and step); every tap is a ``session_steps`` row written in the same transaction. A restarted bot
or a second instance therefore resumes at exactly the same step.

One session a day: the finished session's summary stays the dialog's current card (``done``),
so any later tap on an old card shows it again, and ``/today`` on the same day says the day's
session is done and offers an optional extra, gentle one (the easiest variants, at their start)
instead of silently opening a second.
"""

from __future__ import annotations

from typing import Any

from bot import scheduling
from bot.coach import program
from bot.coach.catalog import render_full, render_steps
from bot.content.texts import t
from bot.telegram import progressing, safety_actions
from bot.telegram.flows import answers
from bot.telegram.flows.base import Flow, tapped_score
from bot.telegram.keyboards import Button, scale_rows
from bot.telegram.turn import Turn
from storage import pain, sessions
from storage.models import ExerciseSession

NAME = "session"


async def begin(turn: Turn) -> None:
    """Start today's session, or resume the one in progress, or say why not."""
    user = turn.user
    if user.status == "paused":
        turn.go("none", "")
        if user.paused_level:
            turn.show(t("session_paused"))
        else:
            until = user.paused_until.date().isoformat() if user.paused_until else "/resume"
            turn.show(t("session_self_paused", until=until))
        return
    if turn.dialog.flow == NAME and turn.dialog.step not in FINISHED:
        await prompt(turn)
        return
    if user.last_session_on == turn.today:
        turn.go(NAME, "already_done")
        await prompt(turn)
        return
    await _start(turn, gentle=False)


# Steps after the day's session: nothing is half done, the card only shows or offers.
FINISHED = frozenset({"done", "already_done"})


async def _start(turn: Turn, *, gentle: bool) -> None:
    """A new session: today's plan, or for an extra one the easiest variant of each slot."""
    user = turn.user
    levels = {
        row.slot: program.ExerciseLevel(row.exercise_id, row.notch)
        for row in await sessions.levels_of(turn.tx, user.id)
    }
    plan = program.plan_today(
        turn.services.catalog,
        levels={} if gentle else levels,
        too_hard=frozenset(),
        day=turn.today,
    )
    session = ExerciseSession(
        user_id=user.id,
        started_at=turn.now,
        local_date=turn.today,
        status="in_progress",
        plan=[{"exercise_id": p.exercise_id, "notch": p.notch} for p in plan],
    )
    turn.tx.add(session)
    await turn.tx.flush()
    # The plan rides in the dialog too, so a step (the hot path) never reads the session row.
    turn.go(NAME, "pain_before", session_id=session.id, plan=session.plan, pos=0, step=0)
    await prompt(turn)


async def _session(turn: Turn) -> ExerciseSession:
    session = await sessions.get_session(turn.tx, int(turn.payload["session_id"]))
    assert session is not None, "a session dialog always points at its session"
    return session


def _plan(turn: Turn) -> list[dict[str, Any]]:
    plan: list[dict[str, Any]] = turn.payload["plan"]
    return plan


def _exercise_message(turn: Turn) -> tuple[str, list[str]]:
    pos, step = turn.payload["pos"], turn.payload["step"]
    planned = _plan(turn)[pos]
    exercise = turn.services.catalog.get(planned["exercise_id"])
    steps = render_steps(exercise, planned["notch"])
    # The step's own text says "Step 2 of 4: ...", so the card does not say it again.
    text = t(
        "session_step", number=pos + 1, total=len(_plan(turn)), name=exercise.name, text=steps[step]
    )
    return text, steps


async def prompt(turn: Turn) -> None:
    step = turn.dialog.step
    if step == "done":
        turn.show(turn.payload["summary"])
    elif step == "already_done":
        next_time = scheduling.describe_next(turn.user, turn.now) or t("session_next_unknown")
        turn.show(
            t("session_already_done", next=next_time),
            turn.buttons([[(t("btn_extra_session"), "extra")]]),
        )
    elif step == "pain_before":
        turn.show(t("session_pain_before"), turn.buttons(scale_rows("pain")))
    elif step == "pain_after":
        turn.show(t("session_pain_after"), turn.buttons(scale_rows("pain")))
    elif step == "hurt":
        turn.show(t("hurt_ask"), turn.buttons(scale_rows("pain")))
    elif step == "exercise":
        text, _ = _exercise_message(turn)
        turn.show(text, turn.buttons(_step_rows(turn)))


def _at_start(turn: Turn) -> bool:
    return bool(turn.payload["pos"] == 0 and turn.payload["step"] == 0)


def _step_rows(turn: Turn, *, showing_all: bool = False) -> list[list[Button]]:
    """Forward first; Back where there is a step before; the whole exercise or this step."""
    _, steps = _exercise_message(turn)
    last = turn.payload["step"] + 1 >= len(steps)
    forward = (t("btn_done"), "done") if last else (t("btn_next"), "next")
    first_row = [forward] if _at_start(turn) else [(t("btn_back"), "back"), forward]
    view = (t("btn_this_step"), "step") if showing_all else (t("btn_all_steps"), "all")
    return [
        first_row,
        [(t("btn_too_painful"), "hurt"), (t("btn_skip"), "skip")],
        [(t("btn_repeat"), "repeat"), view] if not showing_all else [view],
    ]


def _back(turn: Turn) -> None:
    """One step back: the previous step of this exercise, or the last of the one before."""
    pos, index = turn.payload["pos"], turn.payload["step"]
    if index > 0:
        turn.update_payload(step=index - 1)
        return
    if pos > 0:
        previous = _plan(turn)[pos - 1]
        exercise = turn.services.catalog.get(previous["exercise_id"])
        turn.update_payload(pos=pos - 1, step=len(render_steps(exercise, previous["notch"])) - 1)


async def on_tap(turn: Turn, action: str) -> None:
    step = turn.dialog.step
    if step == "already_done" and action == "extra":
        await _start(turn, gentle=True)
        return
    if step in FINISHED:
        await prompt(turn)
        return
    if step in ("pain_before", "pain_after", "hurt"):
        score = tapped_score(action, "pain")
        if score is None:
            await prompt(turn)
        else:
            await _score(turn, score)
        return
    if step != "exercise":
        await prompt(turn)
        return
    pos, index = turn.payload["pos"], turn.payload["step"]
    planned = _plan(turn)[pos]
    if action == "all":  # the whole exercise, in the same card
        exercise = turn.services.catalog.get(planned["exercise_id"])
        turn.update_payload()  # the card changed: its old buttons are stale
        turn.show(
            render_full(exercise, planned["notch"]),
            turn.buttons(_step_rows(turn, showing_all=True)),
        )
        return
    if action in ("back", "step"):  # one step back, or from all steps back to this one
        if action == "back":
            _back(turn)
        else:
            turn.update_payload()
        await prompt(turn)
        return
    if action == "repeat":  # this step again, as a fresh card at the bottom of the chat
        text, _ = _exercise_message(turn)
        turn.update_payload()
        turn.show(text)  # the old card keeps its words and loses its buttons
        turn.tapped_message_id = None
        await prompt(turn)
        return
    if action not in ("next", "done", "skip", "hurt"):
        await prompt(turn)
        return
    sessions.add_step(
        turn.tx,
        turn.now,
        session_id=int(turn.payload["session_id"]),
        user_id=turn.user.id,
        exercise_id=planned["exercise_id"],
        position=pos,
        step_index=index,
        action="too_painful" if action == "hurt" else action,
        notch=planned["notch"],
    )
    if action == "next":
        _, steps = _exercise_message(turn)
        turn.update_payload(step=min(index + 1, len(steps) - 1))
        await prompt(turn)
    elif action == "hurt":
        turn.go(NAME, "hurt", **turn.payload)
        await prompt(turn)
    else:
        await _next_exercise(turn)


async def _next_exercise(turn: Turn) -> None:
    pos = turn.payload["pos"] + 1
    if pos >= len(_plan(turn)):
        turn.go(NAME, "pain_after", **{**turn.payload, "pos": pos, "step": 0})
    else:
        turn.go(NAME, "exercise", **{**turn.payload, "pos": pos, "step": 0})
    await prompt(turn)


async def _score(turn: Turn, score: int) -> None:
    step = turn.dialog.step
    session = await _session(turn)
    kinds = {"pain_before": "before_session", "hurt": "during_exercise"}
    kind = kinds.get(step, "after_session")
    exercise_id = session.plan[turn.payload["pos"]]["exercise_id"] if step == "hurt" else None
    report = pain.add_report(
        turn.tx,
        turn.user,
        at=turn.now,
        local_date=turn.today,
        kind=kind,
        score=score,
        exercise_id=exercise_id,
        session_id=session.id,
    )
    if step == "pain_before":
        session.pain_before = score
    elif step == "pain_after":
        session.pain_after = score
        session.status = "done"
        session.finished_at = turn.now
        turn.user.last_session_on = turn.today
    await safety_actions.assess_report(turn, report)
    if turn.dialog.flow != NAME:
        return  # the safety rules paused the program and ended the session
    if step == "pain_before":
        turn.go(NAME, "exercise", **{**turn.payload, "step": 0})
        await prompt(turn)
    elif step == "hurt":
        name = turn.services.catalog.get(exercise_id or "").name
        turn.show(t("hurt_noted", name=name))
        await _next_exercise(turn)
    else:
        await _finish(turn, session)


async def _finish(turn: Turn, session: ExerciseSession) -> None:
    steps = await sessions.steps_of(turn.tx, session.id)
    outcome: dict[int, str] = {}
    for row in steps:
        if row.action in ("done", "skip", "too_painful"):
            outcome[row.position] = row.action
    names = {
        kind: [
            turn.services.catalog.get(session.plan[pos]["exercise_id"]).name
            for pos, action in sorted(outcome.items())
            if action == kind
        ]
        for kind in ("done", "skip", "too_painful")
    }
    none = t("session_summary_none")
    summary = t(
        "session_summary",
        done=", ".join(names["done"]) or none,
        skipped=", ".join(names["skip"]) or none,
        painful=", ".join(names["too_painful"]) or none,
        before=session.pain_before,
        after=session.pain_after,
        next=scheduling.describe_next(turn.user, turn.now) or t("session_next_unknown"),
    )
    turn.go(NAME, "done", summary=summary)
    turn.show(summary)
    await progressing.after_session(turn, session)


async def on_text(turn: Turn, text: str) -> bool:
    if turn.dialog.step in FINISHED:
        turn.say(t("didnt_get"))
        return True
    if turn.dialog.step not in ("pain_before", "pain_after", "hurt"):
        return False
    await answers.typed_score(turn, text, _score, prompt)
    return True


FLOW = Flow(NAME, prompt, on_tap, on_text)
