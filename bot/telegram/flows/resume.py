"""/pause and /resume.

A pause the user chose ends when they say so (or on its date). A pause the safety rules imposed
asks what the clinician who checked them said: cleared (then the red-flag screen, and today's
pain becomes the new starting point), keep it paused, or not seen yet (both stay paused). Not in
the hour after the escalation, and for an emergency not before 24 hours have passed
(:mod:`bot.program.pausing` decides all of this). A patient their clinic cleared on the
dashboard skips the question and the wait and goes straight to the red-flag screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.coach.numbers import parse_int
from bot.coach.safety import Level
from bot.content.texts import day_text, moment_text, t
from bot.program import clinic, lifecycle, pausing, profile
from bot.telegram.flows import onboarding, screen
from bot.telegram.flows.answers import PAIN, REACH, TYPED_PAIN, echo_pain, echo_reach, reach_rows
from bot.telegram.flows.graph import END, At, Calls, Goes, Graph, Next, Node, Tap, on
from bot.telegram.keyboards import scale_rows
from bot.telegram.turn import Turn


class Step(StrEnum):
    CLEARED = "cleared"
    SCREEN = "screen"  # the red-flag screen is running; a clear one comes back here
    BASELINE = "baseline"
    REACH = "reach"


@dataclass
class Payload:
    pass


def pause(turn: Turn, argument: str) -> None:
    argument = argument.strip()
    days = (
        parse_int(argument, 1, pausing.MAX_PAUSE_DAYS) if argument else pausing.DEFAULT_PAUSE_DAYS
    )
    if days is None:
        turn.say(t("pause_bad"))
        return
    until = pausing.pause(turn.work, days)
    if isinstance(until, pausing.PauseRefused):
        turn.say(t("pause_while_escalated"))
    else:
        turn.say(t("pause_done", until=day_text(until)))


async def resume(turn: Turn) -> Next | None:
    """Where /resume leads: the clearance question, or None after saying why not (or done)."""
    by_clinician = await clinic.cleared_by_clinician(turn.work)
    decided = pausing.ask_resume(turn.work, cleared_by_clinician=by_clinician)
    if decided is pausing.Resume.NOT_PAUSED:
        turn.say(t("resume_not_paused"))
    elif decided is pausing.Resume.SELF_PAUSE_ENDED:
        turn.say(t("resume_self"))
    elif isinstance(decided, pausing.WaitUntil):
        wait = "resume_wait" if decided.emergency else "resume_wait_review"
        turn.say(t(wait, when=moment_text(decided.local)))
    else:
        return At(GRAPH, Step.CLEARED, Payload())
    return None


async def _ask_cleared(turn: Turn, p: Payload) -> None:
    emergency = lifecycle.safety_level(turn.user) >= Level.EMERGENCY
    turn.show(
        t("resume_emergency_ask" if emergency else "resume_ask_cleared"),
        turn.buttons(
            [
                [(t("resume_emergency_yes" if emergency else "resume_yes"), "yes")],
                [(t("resume_keep"), "keep")],
                [(t("resume_not_yet"), "no")],
            ]
        ),
    )


async def _by_clinician(turn: Turn, p: Payload) -> Next:
    """Their clinician cleared them on the dashboard: no self-declaration, on to the screen."""
    if await clinic.cleared_by_clinician(turn.work):
        return screen.call("screen", then=Step.SCREEN)
    return Step.CLEARED


async def _yes(turn: Turn, p: Payload, _: str) -> Next:
    return screen.call("screen", then=Step.SCREEN)


async def _not_yet(turn: Turn, p: Payload, _: str) -> Next:
    turn.show(t("resume_not_yet_ok"))
    return END


async def _keep(turn: Turn, p: Payload, _: str) -> Next:
    """The clinician said to stay paused: it stays so, gentle check-ins go on."""
    turn.show(t("resume_keep_ok"))
    return END


async def _screened(turn: Turn, p: Payload) -> Next:
    """Cleared and the screen is clear: the new baseline (or onboarding, if unfinished)."""
    if await pausing.cleared(turn.work):
        return onboarding.at_baseline()
    return Step.BASELINE


async def _ask_baseline(turn: Turn, p: Payload) -> None:
    turn.show(t("resume_baseline"), turn.buttons(scale_rows("pain")))


async def _ask_reach(turn: Turn, p: Payload) -> None:
    turn.show(t("reach_ask"), turn.buttons(reach_rows(turn.user.last_reach)))


async def _baseline(turn: Turn, p: Payload, score: int) -> Next:
    """A clinician cleared them: today's pain is the new starting point (re-baseline)."""
    if profile.set_baseline(turn.work, score):
        return Step.REACH
    return _finish(turn)


async def _reach(turn: Turn, p: Payload, reach: int) -> Next:
    await profile.set_baseline_reach(turn.work, reach)
    return _finish(turn)


def _finish(turn: Turn) -> Next:
    pausing.reopen(turn.work)
    turn.say(t("resume_done"))
    return END


GRAPH: Graph[Step, Payload] = Graph("resume", Step, Payload, Step.CLEARED)
GRAPH.nodes = {
    Step.CLEARED: Node(
        _ask_cleared,
        enter=_by_clinician,
        enter_to=(Calls("screen"),),
        edges=(
            on(Tap("yes"), _yes, to=[Calls("screen")], echo=lambda p, _: t("echo.cleared")),
            on(Tap("keep"), _keep, to=[END]),
            on(Tap("no"), _not_yet, to=[END]),
        ),
    ),
    # Only passed through: the screen's RETURN lands here and leads on at once.
    Step.SCREEN: Node(_ask_baseline, enter=_screened, enter_to=(Step.BASELINE, Goes("onboard"))),
    Step.BASELINE: Node(
        _ask_baseline,
        (
            on(PAIN, _baseline, to=[Step.REACH, END], echo=lambda p, v: echo_pain(v)),
            on(TYPED_PAIN, _baseline, to=[Step.REACH, END], echo=lambda p, v: echo_pain(v)),
        ),
    ),
    Step.REACH: Node(_ask_reach, (on(REACH, _reach, to=[END], echo=lambda p, v: echo_reach(v)),)),
}
