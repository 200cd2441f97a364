"""The red-flag screen: asked at onboarding, weekly in the check-in, at /resume and /symptoms.

People rarely volunteer saddle numbness or bladder trouble unless asked, so every symptom is
asked explicitly. "None of these" records a "no" for each; otherwise the user ticks what applies
and the safety rules decide (any of them stops the program). The screen then hands back to the
flow that asked for it (``then``), so each caller only says what happens after a clear screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.coach import safety, safety_messages
from bot.content.texts import t
from bot.telegram import safety_actions
from bot.telegram.flows.base import Flow, tapped_number
from bot.telegram.keyboards import Button
from bot.telegram.turn import Turn
from storage import pain

NAME = "screen"
Continuation = Callable[[Turn], Awaitable[None]]
_CONTINUATIONS: dict[str, Continuation] = {}


def on_clear(flow: str) -> Callable[[Continuation], Continuation]:
    """Register what ``flow`` does after a screen with nothing present."""

    def register(continuation: Continuation) -> Continuation:
        _CONTINUATIONS[flow] = continuation
        return continuation

    return register


def _symptoms() -> list[safety.Symptom]:
    return [question.symptom for question in safety.SCREEN_QUESTIONS]


def _items(picked: list[str] | None = None) -> str:
    picked = picked or []
    lines = []
    for number, symptom in enumerate(_symptoms(), start=1):
        mark = "☑" if symptom.value in picked else f"{number}."
        lines.append(f"{mark} {safety_messages.screen_question(symptom)}")
    return "\n".join(lines)


async def begin(turn: Turn, *, then: str, source: str) -> None:
    turn.go(NAME, "ask", then=then, source=source, picked=[])
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    picked: list[str] = turn.payload.get("picked", [])
    if turn.dialog.step == "ask":
        turn.show(
            t("screen_intro", items=_items()),
            turn.buttons([[(t("screen_none"), "none")], [(t("screen_some"), "some")]]),
        )
        return
    rows: list[list[Button]] = []
    for number, symptom in enumerate(_symptoms(), start=1):
        mark = "☑ " if symptom.value in picked else ""
        label = f"{mark}{number}. {safety_messages.symptom_phrase(symptom)}"
        rows.append([(label, f"pick.{number}")])
    rows.append([(t("screen_done"), "done"), (t("screen_back"), "none")])
    turn.show(t("screen_pick", items=_items(picked)), turn.buttons(rows))


async def on_tap(turn: Turn, action: str) -> None:
    symptoms = _symptoms()
    if action == "none":
        await _clear(turn, symptoms)
    elif action == "some" and turn.dialog.step == "ask":
        turn.go(NAME, "pick", **{**turn.payload, "picked": []})
        await prompt(turn)
    elif action.startswith("pick.") and turn.dialog.step == "pick":
        number = tapped_number(action, "pick", 1, len(symptoms))
        if number is not None:
            index = number - 1
            picked = list(turn.payload.get("picked", []))
            value = symptoms[index].value
            picked = [p for p in picked if p != value] if value in picked else [*picked, value]
            turn.update_payload(picked=picked)
        await prompt(turn)
    elif action == "done" and turn.dialog.step == "pick":
        picked = turn.payload.get("picked", [])
        if not picked:
            turn.callback_answer = t("screen_pick_one")
            await prompt(turn)
            return
        answers = {s.value: s.value in picked for s in symptoms}
        rows = pain.add_symptoms(turn.tx, turn.user, turn.now, answers, turn.payload["source"])
        turn.user.redflag_screen_at = turn.now
        await safety_actions.assess_symptoms(turn, [r for r in rows if r.present])
    else:
        await prompt(turn)


async def _clear(turn: Turn, symptoms: list[safety.Symptom]) -> None:
    pain.add_symptoms(
        turn.tx, turn.user, turn.now, {s.value: False for s in symptoms}, turn.payload["source"]
    )
    turn.user.redflag_screen_at = turn.now
    then = turn.payload.get("then", "none")
    turn.show(t("screen_clear"))
    await _CONTINUATIONS[then](turn)


FLOW = Flow(NAME, prompt, on_tap)
