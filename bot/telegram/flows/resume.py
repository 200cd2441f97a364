"""/pause and /resume.

A pause the user chose ends when they say so (or on its date). A pause the safety rules imposed
ends only after the user confirms a clinician has cleared them (for an emergency, not before 24
hours have passed) and the red-flag screen comes back clear.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot import scheduling
from bot.coach.numbers import parse_int
from bot.coach.safety import Level
from bot.content.texts import t
from bot.telegram.flows import answers, onboarding, screen
from bot.telegram.flows.base import Flow, tapped_score
from bot.telegram.flows.onboarding import reach_rows
from bot.telegram.keyboards import scale_rows
from bot.telegram.turn import Turn
from storage.models import Escalation

NAME = "resume"
DEFAULT_PAUSE_DAYS = 7
MAX_PAUSE_DAYS = 90
EMERGENCY_WAIT = timedelta(hours=24)


async def pause(turn: Turn, argument: str) -> None:
    user = turn.user
    if user.status == "paused" and user.paused_level:
        turn.say(t("pause_while_escalated"))
        return
    argument = argument.strip()
    days = parse_int(argument, 1, MAX_PAUSE_DAYS) if argument else DEFAULT_PAUSE_DAYS
    if days is None:
        turn.say(t("pause_bad"))
        return
    user.status = "paused"
    user.paused_level = None
    user.paused_at = turn.now
    user.paused_until = turn.now + timedelta(days=days)
    until = scheduling.local_datetime(user, user.paused_until).strftime("%a %d %b")
    turn.say(t("pause_done", until=until))


async def begin(turn: Turn) -> None:
    user = turn.user
    if user.status != "paused":
        turn.say(t("resume_not_paused"))
        return
    if not user.paused_level:
        _reactivate(turn)
        turn.say(t("resume_self"))
        return
    if user.paused_level >= Level.EMERGENCY and user.paused_at is not None:
        allowed = user.paused_at + EMERGENCY_WAIT
        if turn.now < allowed:
            when = scheduling.local_datetime(user, allowed).strftime("%a %d %b at %H:%M")
            turn.say(t("resume_wait", when=when))
            return
    turn.go(NAME, "cleared")
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    if turn.dialog.step == "baseline":
        turn.show(t("resume_baseline"), turn.buttons(scale_rows("pain")))
        return
    if turn.dialog.step == "reach":
        turn.show(t("reach_ask"), turn.buttons(reach_rows(turn.user.last_reach)))
        return
    emergency = (turn.user.paused_level or 0) >= Level.EMERGENCY
    turn.show(
        t("resume_emergency_ask" if emergency else "resume_ask_cleared"),
        turn.buttons(
            [
                [(t("resume_emergency_yes" if emergency else "resume_yes"), "yes")],
                [(t("resume_not_yet"), "no")],
            ]
        ),
    )


async def on_tap(turn: Turn, action: str) -> None:
    step = turn.dialog.step
    if step == "baseline" and (score := tapped_score(action, "pain")) is not None:
        await _baseline(turn, score)
    elif step == "reach" and (reach := tapped_score(action, "reach")) is not None and reach < 5:
        await _reach(turn, reach)
    elif step != "cleared":
        await prompt(turn)
    elif action == "yes":
        await screen.begin(turn, then=NAME, source="screen")
    elif action == "no":
        turn.go("none", "")
        turn.show(t("resume_not_yet_ok"))
    else:
        await prompt(turn)


@screen.on_clear(NAME)
async def after_screen(turn: Turn) -> None:
    """Cleared and the screen is clear: the program goes on (or onboarding, if unfinished)."""
    await turn.tx.execute(
        update(Escalation)
        .where(Escalation.user_id == turn.user.id, Escalation.resolved_at.is_(None))
        .values(resolved_at=turn.now)
    )
    if turn.user.onboarded_on is None:
        _reactivate(turn)
        turn.user.status = "onboarding"
        await onboarding.after_screen(turn)
        return
    turn.go(NAME, "baseline")
    await prompt(turn)


async def _baseline(turn: Turn, score: int) -> None:
    """A clinician cleared them: today's pain is the new starting point (re-baseline)."""
    if answers.set_baseline(turn, score):
        turn.go(NAME, "reach")
        await prompt(turn)
    else:
        _finish(turn)


async def _reach(turn: Turn, reach: int) -> None:
    await answers.set_baseline_reach(turn, reach)
    _finish(turn)


def _finish(turn: Turn) -> None:
    _reactivate(turn)
    turn.go("none", "")
    turn.show(t("resume_done"))


async def on_text(turn: Turn, text: str) -> bool:
    if turn.dialog.step != "baseline":
        return False
    await answers.typed_score(turn, text, _baseline, prompt)
    return True


def _reactivate(turn: Turn) -> None:
    user = turn.user
    user.status = "active"
    user.paused_level = None
    user.paused_at = None
    user.paused_until = None
    scheduling.schedule_next(user, turn.now)


FLOW = Flow(NAME, prompt, on_tap, on_text)
