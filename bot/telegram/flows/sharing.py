"""/privacy for a patient who shares with a clinic: what is shared, and a button to stop.

Like /delete it interrupts whatever the user was doing; the answer RETURNs them there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.content.texts import t
from bot.program import clinic
from bot.telegram.flows.graph import RETURN, Call, Graph, Next, Node, Tap, current_step, on
from bot.telegram.turn import Turn


class Step(StrEnum):
    SHARING = "sharing"


@dataclass
class Payload:
    clinic: str = ""


def call(turn: Turn, clinic_name: str) -> Call:
    return Call(GRAPH, Step.SHARING, Payload(clinic_name), current_step(turn))


async def _ask(turn: Turn, p: Payload) -> None:
    turn.show(
        t("privacy_sharing", clinic=p.clinic),
        turn.buttons([[(t("privacy_stop"), "stop")]]),
    )


async def _stop(turn: Turn, p: Payload, _: str) -> Next:
    await clinic.stop_sharing(turn.work)
    return RETURN


GRAPH: Graph[Step, Payload] = Graph("sharing", Step, Payload, Step.SHARING)
GRAPH.nodes = {
    Step.SHARING: Node(
        _ask,
        (
            on(
                Tap("stop"),
                _stop,
                to=[RETURN],
                echo=lambda p, _: t("privacy_stopped", clinic=p.clinic),
            ),
        ),
    ),
}
