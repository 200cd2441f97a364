"""/export and /privacy: the user's data is theirs to see, take away and understand.

/export works for anyone the bot has a row for, onboarded or not: the right to see one's
data does not depend on finishing a setup. The zip is built in a worker thread (CPU work)
and sent as a document after the transaction has committed, like every reply.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import export
from bot.content.texts import t
from bot.program import clinic
from bot.telegram.flows import graph, sharing
from bot.telegram.outbox import Reply
from bot.telegram.turn import Turn


async def export_data(turn: Turn, update: Update) -> None:
    await turn.tx.flush()  # a brand-new user's row is exported too
    data = await export.collect(turn.tx, turn.user.id)
    if data is None:  # pragma: no cover - the turn always has the user's row
        turn.say(t("export_nothing"))
        return
    blob = await asyncio.to_thread(export.build_zip, data, turn.services.catalog, turn.now)
    turn.out.append(Reply(t("export_caption"), document=(export.file_name(turn.today), blob)))


async def privacy(turn: Turn, update: Update) -> None:
    turn.say(t("privacy"))
    shared_with = await clinic.sharing_with(turn.work)
    if shared_with is not None:  # what is shared, and a button to stop
        await graph.begin(turn, sharing.call(turn, shared_with))
