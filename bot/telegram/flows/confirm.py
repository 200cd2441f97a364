"""A red-flag phrase typed anywhere: give the emergency advice at once, then confirm.

A scanner cannot tell "I can't pee" from "I can't pee-lates"; asking is safer than ignoring or
pausing on a guess. The advice comes first, before the question. "No" puts the user back
exactly where they were (the interrupted dialog is kept in the payload); "Yes" records the
symptoms and lets the safety rules escalate.
"""

from __future__ import annotations

from collections.abc import Set

from bot.coach import safety, safety_messages
from bot.content.texts import t
from bot.telegram import safety_actions
from bot.telegram.flows import registry
from bot.telegram.flows.base import Flow
from bot.telegram.turn import Turn
from storage import pain

NAME = "confirm"


async def begin(turn: Turn, symptoms: Set[safety.Symptom]) -> None:
    previous = turn.dialog
    stash = {"flow": previous.flow, "step": previous.step, "payload": previous.payload}
    if previous.flow == NAME:
        stash = previous.payload.get("resume", {"flow": "none", "step": "", "payload": {}})
    turn.go(NAME, "ask", symptoms=sorted(s.value for s in symptoms), resume=stash)
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    symptoms = [safety.Symptom(s) for s in turn.payload["symptoms"]]
    turn.say(
        t(
            "redflag_heard",
            symptoms=safety_messages.symptom_list(symptoms),
            call=safety_messages.emergency_call(turn.services.settings.emergency_number),
        ),
        turn.buttons([[(t("redflag_yes"), "yes")], [(t("redflag_no"), "no")]]),
    )


async def on_tap(turn: Turn, action: str) -> None:
    if action == "no":
        stash = turn.payload["resume"]
        turn.go(stash["flow"], stash["step"], **stash["payload"])
        turn.show(t("redflag_no_ok"))
        flow = registry.get(stash["flow"])
        if flow is not None:
            await flow.prompt(turn)
    elif action == "yes":
        symptoms = turn.payload["symptoms"]
        if turn.user.consent_at is None:
            turn.go("none", "")
            turn.show(t("redflag_unconsented"))
            return
        rows = pain.add_symptoms(
            turn.tx, turn.user, turn.now, dict.fromkeys(symptoms, True), "text"
        )
        turn.go("none", "")
        await safety_actions.assess_symptoms(turn, rows)
    else:
        await prompt(turn)


FLOW = Flow(NAME, prompt, on_tap)
