"""Routes taps, text and locations to the dialog the user is in.

Handlers stay thin: each PTB callback runs one :func:`run_turn` whose body hands the answer to
the dialog's graph (:mod:`bot.telegram.flows.graph`). A tap whose flow or version is not the
dialog's current one is from a card the dialog has left: its buttons are taken off and nothing
else happens. A typed red-flag phrase interrupts any dialog (the confirmation RETURNs to it).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.coach import redflags
from bot.content.texts import t
from bot.telegram.flows import confirm, graph
from bot.telegram.handlers import library
from bot.telegram.keyboards import LIBRARY, decode
from bot.telegram.turn import Turn, run_turn


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_turn(update, context, _tap)


async def _tap(turn: Turn, update: Update) -> None:
    assert update.callback_query is not None
    data = update.callback_query.data or ""
    if data.startswith(f"{LIBRARY}:"):
        library.on_tap(turn, data.removeprefix(f"{LIBRARY}:"))
        return
    tap = decode(data)
    dialog = turn.dialog
    if tap is None:  # not something this bot sent
        turn.callback_answer = t("unknown_button")
        return
    if tap.flow != dialog.flow or tap.version != dialog.version:
        turn.callback_answer = t("stale_short")
        turn.tapped_old_card()
        return
    turn.tapped_live_card()
    await graph.answer(turn, tap.action)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_turn(update, context, _text)


async def _text(turn: Turn, update: Update) -> None:
    assert update.message is not None
    text = update.message.text or ""
    hits = redflags.scan(text)
    if hits:
        await graph.begin(turn, confirm.call(turn, hits))
        return
    if await graph.answer(turn, graph.TypedText(text)):
        return
    if graph.expects_answer(turn):
        turn.say(t("button_expected"))
        await graph.enter(turn)
    else:
        turn.say(t("didnt_get"))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_turn(update, context, _location)


async def _location(turn: Turn, update: Update) -> None:
    assert update.message is not None and update.message.location is not None
    if not await graph.answer(turn, update.message.location):
        turn.say(t("didnt_get"))


async def on_unreadable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo, sticker, voice note, file...: say what the bot can read; the dialog stays."""
    await run_turn(update, context, _unreadable)


async def _unreadable(turn: Turn, update: Update) -> None:
    turn.say(t("media_unreadable"))


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message changes nothing already noted: say so, once per edit."""
    await run_turn(update, context, _edited)


async def _edited(turn: Turn, update: Update) -> None:
    turn.say(t("edit_ignored"))
