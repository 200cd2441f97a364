"""/delete: erase everything about the user, after one confirmation.

Every per-user table cascades from ``users`` (``ON DELETE CASCADE``; SQLite runs with
``foreign_keys=ON``), so the erasure is one ``DELETE`` in the turn's transaction: all of it
is gone at commit, or nothing is. Afterwards the bot holds no row about the person; their
next /start meets them as a new user.

"No" puts the user back exactly where they were (a session in progress, say), like the
red-flag confirmation does.
"""

from __future__ import annotations

from bot.content.texts import t
from bot.telegram.flows import registry
from bot.telegram.flows.base import Flow
from bot.telegram.turn import Turn
from storage import users

NAME = "delete"


async def begin(turn: Turn) -> None:
    previous = turn.dialog
    stash = {"flow": previous.flow, "step": previous.step, "payload": previous.payload}
    if previous.flow == NAME:
        stash = previous.payload.get("resume", {"flow": "none", "step": "", "payload": {}})
    turn.go(NAME, "confirm", resume=stash)
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    turn.show(
        t("delete_ask"),
        turn.buttons([[(t("delete_yes"), "yes")], [(t("delete_no"), "no")]]),
    )


async def on_tap(turn: Turn, action: str) -> None:
    if action == "yes":
        await erase(turn)
    elif action == "no":
        stash = turn.payload.get("resume") or {"flow": "none", "step": "", "payload": {}}
        turn.go(stash["flow"], stash["step"], **stash["payload"])
        turn.show(t("delete_kept"))
        flow = registry.get(stash["flow"])
        if flow is not None:
            turn.tapped_message_id = None  # the question comes again below
            await flow.prompt(turn)
    else:
        await prompt(turn)


async def erase(turn: Turn) -> None:
    """Delete the user's row (and by cascade every row about them), then confirm."""
    await turn.tx.flush()
    await users.erase_user(turn.tx, turn.user.id)
    # The loaded user and dialog rows no longer exist: detach them so nothing tries to
    # write them back at commit.
    turn.tx.expunge_all()
    turn.show(t("delete_done"))
    # Once committed: push the deleted rows out of SQLite's WAL too (a no-op on PostgreSQL).
    turn.after_commit.append(turn.services.db.scrub)


FLOW = Flow(NAME, prompt, on_tap)
