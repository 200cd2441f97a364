"""A guided session: pain before, each exercise one step at a time, pain after, a summary.

The session row holds the plan; the dialog payload holds where the user is (exercise position
and step); every tap is a ``session_steps`` row written in the same transaction. A restarted bot
or a second instance therefore resumes at exactly the same step. The exercise card is one card
edited in place: Back, Repeat (the step again, as a fresh card at the bottom of the chat),
Next, Too painful, Skip, and all of the exercise's steps folded into it.

One session a day: the finished session's summary stays the dialog's current card (``done``),
and ``/today`` on the same day says the day's session is done and offers an optional extra,
gentle one (the easiest variants, at their start) instead of silently opening a second.

Safety: a before-session score the rules call too high (``safety.too_high_to_exercise``) does
not start the exercises: the card says so and offers the gentle session or skipping today
(``too_high``). While the program is paused for an emergency, ``/today`` repeats the emergency
advice. Progression after the session runs at the day's highest safety level (no "up" beside a
caution) and a caution about an exercise already at its easiest step says it is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.coach import progression, safety_messages
from bot.coach.catalog import Exercise, hold_seconds, render_full, render_steps
from bot.coach.program import ExerciseLevel
from bot.coach.safety import Level, too_high_to_exercise
from bot.content.lessons import lesson_text
from bot.content.texts import day_text, t
from bot.program import lifecycle, outcomes, safety, scheduling
from bot.program import session as program
from bot.telegram.flows.answers import PAIN, TYPED_PAIN, tell_safety
from bot.telegram.flows.graph import END, At, Graph, Next, Node, Tap, current_step, on
from bot.telegram.keyboards import Button, scale_rows
from bot.telegram.media import animation_key
from bot.telegram.turn import Turn
from storage import timers


class Step(StrEnum):
    PAIN_BEFORE = "pain_before"
    EXERCISE = "exercise"
    HURT = "hurt"
    TOO_HIGH = "too_high"
    PAIN_AFTER = "pain_after"
    DONE = "done"
    ALREADY_DONE = "already_done"


# Steps after the day's session: nothing is half done, the card only shows or offers.
FINISHED = frozenset({Step.DONE, Step.ALREADY_DONE})


@dataclass
class Payload:
    session_id: int = 0
    # The plan rides in the dialog too, so a step (the hot path) never reads the session row.
    plan: list[dict[str, Any]] = field(default_factory=list)
    pos: int = 0  # which exercise of the plan
    step: int = 0  # which step of that exercise
    showing_all: bool = False  # the card shows all of the exercise's steps
    animated: int = -1  # the last exercise (pos) whose animation was sent
    timer_at: list[int] = field(default_factory=list)  # [pos, step] of the hold timer
    timer_ends: float = 0.0  # when that timer ends (UTC timestamp)
    summary: str = ""
    before: int = 0  # the pain before the session


async def today(turn: Turn) -> Next:
    """Today's session: the one in progress, or a new one, or why not."""
    user = turn.user
    if lifecycle.is_safety_paused(user):
        if lifecycle.safety_level(user) >= Level.EMERGENCY:
            tell_safety(turn, await safety.standing(turn.work))  # the advice, again
        else:
            turn.show(t("session_paused"))
        return END
    if lifecycle.is_self_paused(user):
        until = (
            day_text(scheduling.local_datetime(user, user.paused_until))
            if user.paused_until
            else "/resume"
        )
        turn.show(t("session_self_paused", until=until))
        return END
    step = current_step(turn)
    if turn.dialog.flow == GRAPH.name and step is not None and step not in FINISHED:
        return At(GRAPH, step, GRAPH.load(turn.dialog.payload))
    if user.last_session_on == turn.today:
        return At(GRAPH, Step.ALREADY_DONE, Payload())
    return await _start(turn, gentle=False)


async def _start(turn: Turn, *, gentle: bool) -> At:
    session = await program.start(turn.work, gentle=gentle)
    return At(GRAPH, Step.PAIN_BEFORE, Payload(session_id=session.id, plan=session.plan))


def _exercise(turn: Turn, p: Payload) -> tuple[Exercise, list[str]]:
    planned = p.plan[p.pos]
    exercise = turn.services.catalog.get(planned["exercise_id"])
    return exercise, render_steps(exercise, planned["notch"])


def _step_text(turn: Turn, p: Payload) -> str:
    exercise, steps = _exercise(turn, p)
    # The step's own text says "Step 2 of 4: ...", so the card does not say it again.
    return t(
        "session_step", number=p.pos + 1, total=len(p.plan), name=exercise.name, text=steps[p.step]
    )


def _step_rows(turn: Turn, p: Payload) -> list[list[Button]]:
    """Forward first; Back where there is a step before; the whole exercise or this step."""
    _, steps = _exercise(turn, p)
    last = p.step + 1 >= len(steps)
    forward = (t("btn_done"), "done") if last else (t("btn_next"), "next")
    at_start = p.pos == 0 and p.step == 0
    first_row = [forward] if at_start else [(t("btn_back"), "back"), forward]
    view = (t("btn_this_step"), "step") if p.showing_all else (t("btn_all_steps"), "all")
    seconds = _hold(turn, p)
    timer = (
        []
        if seconds is None or _timer_left(turn, p)
        else [[(t("btn_timer", seconds=seconds), "timer")]]
    )
    return [
        first_row,
        *timer,
        [(t("btn_too_painful"), "hurt"), (t("btn_skip"), "skip")],
        [view] if p.showing_all else [(t("btn_repeat"), "repeat"), view],
    ]


async def _ask_exercise(turn: Turn, p: Payload) -> None:
    if p.step == 0 and not p.showing_all and p.animated != p.pos:
        # An exercise's first step comes with its animation (once, not on Back or Repeat).
        key = animation_key(_exercise(turn, p)[0])
        if key is not None:
            turn.animate(key)
        turn.update_payload(animated=p.pos)
    if p.timer_at and p.timer_at != [p.pos, p.step]:
        turn.update_payload(timer_at=[], timer_ends=0.0)  # the user moved on: it stopped
        p.timer_at = []
    if p.showing_all:
        exercise, _ = _exercise(turn, p)
        text = render_full(exercise, p.plan[p.pos]["notch"])
    else:
        text = _step_text(turn, p) + _timer_text(turn, p)
    turn.show(text, turn.buttons(_step_rows(turn, p)))


def _hold(turn: Turn, p: Payload) -> int | None:
    """Seconds the current step holds for, when it gets a timer button."""
    exercise, _ = _exercise(turn, p)
    return hold_seconds(exercise, p.plan[p.pos]["notch"], p.step)


def _timer_left(turn: Turn, p: Payload) -> int | None:
    """Whole seconds left on this step's timer; 0 once it ended; None if it has none."""
    if p.timer_at != [p.pos, p.step]:
        return None
    return max(0, math.ceil(p.timer_ends - turn.now.timestamp()))


def _timer_text(turn: Turn, p: Payload) -> str:
    left = _timer_left(turn, p)
    if left is None:
        return ""
    return "\n\n" + (t("timer_left", seconds=left) if left else t("timer_done"))


#: A running timer's card is edited at most this often (Telegram's per-chat limits).
TIMER_EDIT_EVERY = timedelta(seconds=5)


async def _start_timer(turn: Turn, p: Payload, _: str) -> Next:
    """Count the hold down on this card (bot/telegram/timers.py edits it as time passes)."""
    seconds = _hold(turn, p)
    if seconds is None or turn.tapped_message_id is None:
        return Step.EXERCISE
    ends = turn.now + timedelta(seconds=seconds)
    p.timer_at, p.timer_ends, p.showing_all = [p.pos, p.step], ends.timestamp(), False
    await timers.start(
        turn.tx,
        user_id=turn.user.id,
        chat_id=turn.user.chat_id,
        message_id=turn.tapped_message_id,  # the card is edited in place
        session_id=p.session_id,
        pos=p.pos,
        step=p.step,
        ends_at=ends,
        next_tick_at=min(turn.now + TIMER_EDIT_EVERY, ends),
    )
    return Step.EXERCISE


def timer_card(turn: Turn, pos: int, step: int) -> tuple[str, Any] | None:
    """The card of the timer started at exercise ``pos``, step ``step``, as it reads now; None
    when the dialog has left that step (the timer then just stops)."""
    if turn.dialog.flow != GRAPH.name or turn.dialog.step != Step.EXERCISE:
        return None
    p = GRAPH.load(turn.dialog.payload)
    if p.timer_at != [pos, step] or [p.pos, p.step] != [pos, step] or p.showing_all:
        return None
    return _step_text(turn, p) + _timer_text(turn, p), turn.buttons(_step_rows(turn, p))


async def _ask_pain_before(turn: Turn, p: Payload) -> None:
    turn.show(t("session_pain_before"), turn.buttons(scale_rows("pain")))


async def _ask_pain_after(turn: Turn, p: Payload) -> None:
    turn.show(t("session_pain_after"), turn.buttons(scale_rows("pain")))


async def _ask_hurt(turn: Turn, p: Payload) -> None:
    turn.show(t("hurt_ask"), turn.buttons(scale_rows("pain")))


async def _ask_too_high(turn: Turn, p: Payload) -> None:
    turn.show(
        safety_messages.too_high_to_exercise(p.before),
        turn.buttons([[(t("btn_gentle_session"), "gentle")], [(t("btn_skip_today"), "skip")]]),
    )


async def _gentle_instead(turn: Turn, p: Payload, _: str) -> Next:
    session = await program.start_gentle_instead(turn.work, p.session_id)
    p.session_id, p.plan, p.pos, p.step = session.id, session.plan, 0, 0
    return Step.EXERCISE


async def _skip_too_high(turn: Turn, p: Payload, _: str) -> Next:
    await program.stop(turn.work, p.session_id)
    turn.show(t("too_high_skipped", time=turn.user.reminder_time))
    return END


async def _show_done(turn: Turn, p: Payload) -> None:
    turn.show(p.summary)


async def _offer_extra(turn: Turn, p: Payload) -> None:
    next_time = scheduling.describe_next(turn.user, turn.now) or t("session_next_unknown")
    turn.show(
        t("session_already_done", next=next_time),
        turn.buttons([[(t("btn_extra_session"), "extra")]]),
    )


async def _extra(turn: Turn, p: Payload, _: str) -> Next:
    return await _start(turn, gentle=True)


async def _view(turn: Turn, p: Payload, action: str) -> Next:
    """All steps folded into the card, or back to this one step."""
    p.showing_all = action == "all"
    return Step.EXERCISE


async def _back(turn: Turn, p: Payload, _: str) -> Next:
    """One step back: the previous step of this exercise, or the last of the one before."""
    p.showing_all = False
    if p.step > 0:
        p.step -= 1
    elif p.pos > 0:
        p.pos -= 1
        p.step = len(_exercise(turn, p)[1]) - 1
    return Step.EXERCISE


async def _repeat(turn: Turn, p: Payload, _: str) -> Next:
    """This step again, as a fresh card at the bottom; the old card keeps its words."""
    turn.close_card(_step_text(turn, p))
    return Step.EXERCISE


def _record(turn: Turn, p: Payload, action: str) -> None:
    program.record_step(turn.work, p.session_id, p.plan[p.pos], p.pos, p.step, action)


async def _next(turn: Turn, p: Payload, _: str) -> Next:
    _record(turn, p, "next")
    p.step = min(p.step + 1, len(_exercise(turn, p)[1]) - 1)
    p.showing_all = False
    return Step.EXERCISE


async def _ended(turn: Turn, p: Payload, action: str) -> Next:
    """Done or skipped: on to the next exercise, or to the pain after the last."""
    _record(turn, p, action)
    return _next_exercise(p)


def _next_exercise(p: Payload) -> Step:
    p.pos, p.step, p.showing_all = p.pos + 1, 0, False
    if p.pos >= len(p.plan):
        return Step.PAIN_AFTER
    return Step.EXERCISE


async def _hurt(turn: Turn, p: Payload, _: str) -> Next:
    _record(turn, p, "too_painful")
    return Step.HURT


async def _pain_before(turn: Turn, p: Payload, score: int) -> Next:
    scored = await program.record_pain(turn.work, p.session_id, "before_session", score)
    tell_safety(turn, scored.safety)
    if scored.safety.paused:
        return END
    if too_high_to_exercise(score):
        p.before = score
        return Step.TOO_HIGH
    return Step.EXERCISE


async def _pain_during(turn: Turn, p: Payload, score: int) -> Next:
    exercise_id = p.plan[p.pos]["exercise_id"]
    scored = await program.record_pain(
        turn.work, p.session_id, "during_exercise", score, exercise_id
    )
    planned = p.plan[p.pos]
    easiest = progression.is_easiest(
        turn.services.catalog, ExerciseLevel(exercise_id, planned["notch"])
    )
    tell_safety(turn, scored.safety, at_easiest=[exercise_id] if easiest else [])
    if scored.safety.paused:
        return END
    noted = "hurt_noted_easiest" if easiest else "hurt_noted"
    turn.say(t(noted, name=turn.services.catalog.get(exercise_id).name))
    return _next_exercise(p)


async def _pain_after(turn: Turn, p: Payload, score: int) -> Next:
    scored = await program.record_pain(turn.work, p.session_id, "after_session", score)
    if scored.safety.paused:
        tell_safety(turn, scored.safety)
        return END
    finished = await program.finish(turn.work, p.session_id, scored.safety)
    tell_safety(turn, scored.safety, at_easiest=finished.progressed.at_easiest)
    lines = [
        t(f"session_summary.{action}", names=", ".join(finished.names[action]))
        for action in ("done", "skip", "too_painful")
        if finished.names[action]
    ]
    p.summary = t(
        "session_summary",
        lines="\n".join(lines),
        before=finished.pain_before,
        after=finished.pain_after,
        next=scheduling.describe_next(turn.user, turn.now) or t("session_next_unknown"),
    )
    if finished.progressed.message is not None:
        turn.after_card(finished.progressed.message)
    # By risk group (docs/outcomes.md), from what the safety rules' read brought.
    seen = scored.safety.seen
    lesson = await outcomes.next_lesson(turn.work, seen.lessons if seen else None)
    if lesson is not None:
        turn.after_card(lesson_text(lesson))
    return Step.DONE


def _scored(run: Any, to: list[Any], echo_key: str) -> tuple[Any, ...]:
    """A 0-10 question: tapped or typed, closed as "<what>: N/10"."""
    return (
        on(PAIN, run, to=to, echo=lambda p, v: t(echo_key, score=v)),
        on(TYPED_PAIN, run, to=to, echo=lambda p, v: t(echo_key, score=v)),
    )


GRAPH: Graph[Step, Payload] = Graph("session", Step, Payload, Step.PAIN_BEFORE)
GRAPH.nodes = {
    Step.PAIN_BEFORE: Node(
        _ask_pain_before,
        _scored(_pain_before, [Step.EXERCISE, Step.TOO_HIGH, END], "echo.pain_before"),
    ),
    Step.TOO_HIGH: Node(
        _ask_too_high,
        (
            on(Tap("gentle"), _gentle_instead, to=[Step.EXERCISE]),
            on(Tap("skip"), _skip_too_high, to=[END]),
        ),
    ),
    Step.EXERCISE: Node(
        _ask_exercise,
        (
            on(Tap("next"), _next, to=[Step.EXERCISE]),
            on(Tap("back"), _back, to=[Step.EXERCISE]),
            on(Tap("repeat"), _repeat, to=[Step.EXERCISE]),
            on(Tap("all"), _view, to=[Step.EXERCISE]),
            on(Tap("step"), _view, to=[Step.EXERCISE]),
            on(Tap("done"), _ended, to=[Step.EXERCISE, Step.PAIN_AFTER]),
            on(Tap("skip"), _ended, to=[Step.EXERCISE, Step.PAIN_AFTER]),
            on(Tap("hurt"), _hurt, to=[Step.HURT]),
            on(Tap("timer"), _start_timer, to=[Step.EXERCISE]),
        ),
    ),
    Step.HURT: Node(
        _ask_hurt,
        _scored(_pain_during, [Step.EXERCISE, Step.PAIN_AFTER, END], "echo.pain_hurt"),
    ),
    Step.PAIN_AFTER: Node(
        _ask_pain_after,
        _scored(_pain_after, [Step.DONE, END], "echo.pain_after"),
    ),
    Step.DONE: Node(_show_done),
    Step.ALREADY_DONE: Node(_offer_extra, (on(Tap("extra"), _extra, to=[Step.PAIN_BEFORE]),)),
}
