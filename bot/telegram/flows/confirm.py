"""A red-flag phrase typed anywhere: give the emergency advice at once, then confirm.

A scanner cannot tell "I can't pee" from "I can't pee-lates"; asking is safer than ignoring or
pausing on a guess. The advice comes first, before the question. It interrupts whatever the
user was doing (a :class:`~bot.telegram.flows.graph.Call`): "No" RETURNs them exactly there;
"Yes" records the symptoms and lets the safety rules escalate.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from enum import StrEnum

from bot.coach import safety, safety_messages
from bot.content.texts import t
from bot.program import safety as program_safety
from bot.telegram.flows.answers import tell_safety
from bot.telegram.flows.graph import END, RETURN, Call, Graph, Next, Node, Tap, current_step, on
from bot.telegram.turn import Turn


class Step(StrEnum):
    ASK = "ask"


@dataclass
class Payload:
    symptoms: list[str] = field(default_factory=list)


def call(turn: Turn, symptoms: Set[safety.Symptom]) -> Call:
    """Interrupt the current dialog (kept, unless it is this confirmation itself)."""
    return Call(GRAPH, Step.ASK, Payload(sorted(s.value for s in symptoms)), current_step(turn))


async def _ask(turn: Turn, p: Payload) -> None:
    symptoms = [safety.Symptom(s) for s in p.symptoms]
    turn.show(
        t(
            "redflag_heard",
            symptoms=safety_messages.symptom_list(symptoms),
            call=safety_messages.emergency_call(turn.services.settings.emergency_number),
        ),
        turn.buttons([[(t("redflag_yes"), "yes")], [(t("redflag_no"), "no")]]),
    )


async def _no(turn: Turn, p: Payload, _: str) -> Next:
    turn.say(t("redflag_no_ok"))
    return RETURN


async def _yes(turn: Turn, p: Payload, _: str) -> Next:
    if turn.user.consent_at is None:
        turn.say(t("redflag_unconsented"))
        return END
    outcome = await program_safety.record_symptoms(
        turn.work, dict.fromkeys(p.symptoms, True), "text"
    )
    tell_safety(turn, outcome)
    return END


GRAPH: Graph[Step, Payload] = Graph("confirm", Step, Payload, Step.ASK)
GRAPH.nodes = {
    Step.ASK: Node(
        _ask,
        (
            on(Tap("yes"), _yes, to=[END], echo=lambda p, _: t("echo.redflag_yes")),
            on(Tap("no"), _no, to=[RETURN], echo=lambda p, _: t("echo.redflag_no")),
        ),
    ),
}
