"""A validated questionnaire, one item a card: STarT Back and Roland-Morris at onboarding,
Roland-Morris again every four weeks with the check-in.

Called (``Call``) by onboarding and the check-in with the instruments to ask in turn; the last
answer RETURNs to the caller. Each answered item stays in the chat as its answer
("Question 3 of 9: Agree"); the items, their answer labels and the copyright line come from
``bot/content/questionnaires.yaml`` word for word. Answers ride in the dialog payload until an
instrument is complete, then are scored and stored together (:mod:`bot.program.outcomes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.coach import outcomes as scoring
from bot.content.lessons import Instrument, instruments
from bot.content.texts import t
from bot.program import clinic, outcomes
from bot.telegram.flows.graph import RETURN, Call, Graph, Next, Node, TapNumber, on
from bot.telegram.keyboards import Button
from bot.telegram.turn import Turn


class Step(StrEnum):
    ITEM = "item"


@dataclass
class Payload:
    queue: list[str] = field(default_factory=list)  # instruments still to ask, current first
    answers: list[int] = field(default_factory=list)  # of the current instrument


def call(queue: list[str], then: StrEnum) -> Call:
    """Ask ``queue``'s instruments in turn, then come back to ``then`` of the calling flow."""
    return Call(GRAPH, Step.ITEM, Payload(queue=list(queue)), then)


def _current(p: Payload) -> tuple[Instrument, int]:
    return instruments()[p.queue[0]], len(p.answers)


async def _ask(turn: Turn, p: Payload) -> None:
    instrument, index = _current(p)
    labels = instrument.choices_for(index)
    buttons: list[Button] = [(label, f"answer.{value}") for value, label in enumerate(labels)]
    rows = [buttons] if len(buttons) <= 2 else [buttons[:3], buttons[3:]]
    turn.show(
        t(
            "questionnaire_item",
            title=instrument.title,
            number=index + 1,
            count=len(instrument.items),
            intro=instrument.intro + "\n\n" if index == 0 else "",
            item=instrument.items[index],
            copyright=instrument.copyright,
        ),
        turn.buttons(rows),
    )


async def _answer(turn: Turn, p: Payload, value: int) -> Next:
    instrument, index = _current(p)
    labels = instrument.choices_for(index)
    if value >= len(labels):
        turn.callback_answer = t("unknown_button")
        return Step.ITEM
    # The same step asks the next item: close this one as its answer here.
    turn.close_card(
        t("echo.questionnaire", number=index + 1, count=len(instrument.items), answer=labels[value])
    )
    p.answers = [*p.answers, value]
    if len(p.answers) < len(instrument.items):
        return Step.ITEM
    recorded = await outcomes.record(turn.work, instrument.key, p.answers)
    await _tell(turn, recorded)
    p.queue, p.answers = p.queue[1:], []
    return Step.ITEM if p.queue else RETURN


async def _tell(turn: Turn, recorded: outcomes.Recorded) -> None:
    if recorded.risk is not None:
        turn.say(t(f"risk.{recorded.risk.value}"))
        if recorded.risk is not scoring.Risk.LOW:
            shared = await clinic.sharing_with(turn.work)
            turn.say(t("risk_clinic", clinic=shared) if shared else t("risk_no_clinic"))
        return
    found = await outcomes.disability(turn.work)
    assert found is not None, "a Roland-Morris was just stored"
    turn.say(disability_line(found))
    if found.change is not None and found.change.clearly_worse:
        turn.say(t("disability_see_clinician"))


def disability_line(found: outcomes.Disability) -> str:
    """The latest Roland-Morris score, and against the first when there are two."""
    if found.change is None:
        return t("disability_baseline", score=found.scores[-1])
    change = found.change
    return t(
        f"disability.{change.direction.value}",
        score=change.now,
        start=change.start,
        points=abs(change.points),
    )


GRAPH: Graph[Step, Payload] = Graph("questionnaire", Step, Payload, Step.ITEM)
GRAPH.nodes = {
    Step.ITEM: Node(_ask, (on(TapNumber("answer", 0, 4), _answer, to=[Step.ITEM, RETURN]),)),
}
