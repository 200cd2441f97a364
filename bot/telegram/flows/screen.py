"""The red-flag screen: asked at onboarding, weekly in the check-in, at /resume and /symptoms.

People rarely volunteer saddle numbness or bladder trouble unless asked, so every symptom is
asked explicitly. "None of these" at the screen (onboarding, the weekly check-in, /resume)
records a deliberate "no" for each; otherwise the user ticks what applies and only the ticked
items are stored, as present (an unticked item is "not reported now", never "absent", so it
cannot clear an earlier "yes"). The safety rules then decide (any of them stops the program).
/symptoms is a checklist: its "None of these" stores nothing. A clear screen RETURNs to the
flow that called it (onboarding, the check-in, /resume); /symptoms calls it with nobody to
return to, so it ends there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.coach import safety, safety_messages
from bot.content.texts import t
from bot.program import safety as program_safety
from bot.telegram.flows.answers import tell_safety
from bot.telegram.flows.graph import (
    END,
    RETURN,
    Call,
    Graph,
    Next,
    Node,
    Tap,
    TapNumber,
    on,
)
from bot.telegram.keyboards import Button
from bot.telegram.turn import Turn


class Step(StrEnum):
    ASK = "ask"
    PICK = "pick"


@dataclass
class Payload:
    source: str = "screen"  # "screen" (a flow asked), "symptoms" (/symptoms), "resume"
    picked: list[str] = field(default_factory=list)


def _symptoms() -> list[safety.Symptom]:
    return [question.symptom for question in safety.SCREEN_QUESTIONS]


def _items(picked: list[str]) -> str:
    lines = []
    for number, symptom in enumerate(_symptoms(), start=1):
        mark = "☑ " if symptom.value in picked else ""
        lines.append(f"{mark}{number}. {safety_messages.screen_question(symptom)}")
    return "\n".join(lines)


def call(source: str, then: StrEnum | None) -> Call:
    """Ask the screen; a clear one comes back to ``then`` of the calling flow."""
    return Call(GRAPH, Step.ASK, Payload(source=source), then)


async def _ask(turn: Turn, p: Payload) -> None:
    intro = "screen_intro.symptoms" if p.source == "symptoms" else "screen_intro"
    turn.show(
        t(intro, items=_items([])),
        turn.buttons([[(t("screen_none"), "none")], [(t("screen_some"), "some")]]),
    )


async def _pick_prompt(turn: Turn, p: Payload) -> None:
    rows: list[list[Button]] = []
    for number, symptom in enumerate(_symptoms(), start=1):
        mark = "☑ " if symptom.value in p.picked else ""
        label = f"{mark}{number}. {safety_messages.symptom_phrase(symptom)}"
        rows.append([(label, f"pick.{number}")])
    rows.append([(t("screen_done"), "done"), (t("screen_back"), "none")])
    turn.show(t("screen_pick", items=_items(p.picked)), turn.buttons(rows))


async def _none(turn: Turn, p: Payload, _: str) -> Next:
    """Nothing present: at the screen a "no" for each, and back to whoever asked. /symptoms
    stores nothing, and while an escalation is open says its advice again."""
    if p.source != "symptoms":
        answers = {s.value: False for s in _symptoms()}
        await program_safety.record_symptoms(turn.work, answers, p.source)
    elif tell_safety(turn, await program_safety.standing(turn.work)) is safety.Level.NONE:
        turn.say(t("symptoms_none"))
    return RETURN


async def _some(turn: Turn, p: Payload, _: str) -> Next:
    p.picked = []
    return Step.PICK


async def _toggle(turn: Turn, p: Payload, number: int) -> Next:
    value = _symptoms()[number - 1].value
    p.picked = [v for v in p.picked if v != value] if value in p.picked else [*p.picked, value]
    return Step.PICK


async def _done(turn: Turn, p: Payload, _: str) -> Next:
    if not p.picked:
        turn.callback_answer = t("screen_pick_one")
        return Step.PICK
    ticked = safety.checklist_answers(turn.now, [safety.Symptom(v) for v in p.picked])
    answers = {a.symptom.value: a.present for a in ticked}
    outcome = await program_safety.record_symptoms(turn.work, answers, p.source)
    tell_safety(turn, outcome)
    return END if outcome.paused else RETURN


def _echo_none(p: Payload, _: str) -> str:
    return t("echo.screen_none")


def _echo_picked(p: Payload, _: str) -> str:
    picked = [s for s in _symptoms() if s.value in p.picked]
    return t("echo.screen_some", symptoms=safety_messages.symptom_list(picked))


GRAPH: Graph[Step, Payload] = Graph("screen", Step, Payload, Step.ASK)
GRAPH.nodes = {
    Step.ASK: Node(
        _ask,
        (
            on(Tap("none"), _none, to=[RETURN], echo=_echo_none),
            on(Tap("some"), _some, to=[Step.PICK]),
        ),
    ),
    Step.PICK: Node(
        _pick_prompt,
        (
            on(TapNumber("pick", 1, len(_symptoms())), _toggle, to=[Step.PICK]),
            on(Tap("done"), _done, to=[Step.PICK, END, RETURN], echo=_echo_picked),
            on(Tap("none"), _none, to=[RETURN], echo=_echo_none),
        ),
    ),
}
