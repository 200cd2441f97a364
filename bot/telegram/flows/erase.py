"""/delete: erase everything about the user, after one confirmation.

Every per-user table cascades from ``users`` (``ON DELETE CASCADE``; SQLite runs with
``foreign_keys=ON``), so the erasure is one ``DELETE`` in the turn's transaction: all of it
is gone at commit, or nothing is. Afterwards the bot holds no row about the person; their
next /start meets them as a new user.

The question interrupts whatever the user was doing; "No" RETURNs them exactly there, the
same way the red-flag confirmation does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.content.texts import t
from bot.telegram.flows.graph import END, RETURN, Call, Graph, Next, Node, Tap, current_step, on
from bot.telegram.turn import Turn
from storage import users


class Step(StrEnum):
    CONFIRM = "confirm"


@dataclass
class Payload:
    pass


def call(turn: Turn) -> Call:
    return Call(GRAPH, Step.CONFIRM, Payload(), current_step(turn))


async def _ask(turn: Turn, p: Payload) -> None:
    turn.show(
        t("delete_ask"),
        turn.buttons([[(t("delete_yes"), "yes")], [(t("delete_no"), "no")]]),
    )


async def _no(turn: Turn, p: Payload, _: str) -> Next:
    turn.say(t("delete_kept"))
    return RETURN


async def _yes(turn: Turn, p: Payload, _: str) -> Next:
    await erase(turn)
    return END


async def erase(turn: Turn) -> None:
    """Delete the user's row (and by cascade every row about them), then confirm."""
    await turn.tx.flush()
    await users.erase_user(turn.tx, turn.user.id)
    # The loaded user and dialog rows no longer exist: detach them so nothing tries to
    # write them back at commit.
    turn.tx.expunge_all()
    turn.erased = True
    turn.show(t("delete_done"))
    # Once committed: push the deleted rows out of SQLite's WAL too (a no-op on PostgreSQL).
    turn.after_commit.append(turn.services.db.scrub)


GRAPH: Graph[Step, Payload] = Graph("delete", Step, Payload, Step.CONFIRM)
GRAPH.nodes = {
    Step.CONFIRM: Node(
        _ask,
        (
            on(Tap("yes"), _yes, to=[END]),
            on(Tap("no"), _no, to=[RETURN], echo=lambda p, _: t("echo.delete_no")),
        ),
    ),
}
