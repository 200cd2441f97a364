"""Routes taps, text and locations to the flow the user is in, and commands to their flows.

Handlers stay thin: each PTB callback runs one :func:`run_turn` whose body asks the user's
current flow what to do. A tap whose flow or version is not the dialog's current one is stale:
it is answered "this has moved on" and the current question is shown again, never acted on.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.coach import redflags
from bot.content.texts import t
from bot.telegram.flows import confirm, registry
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
    if tap is None:  # not something this bot sent: answer it and show where the user is
        turn.callback_answer = t("unknown_button")
        current = registry.get(dialog.flow)
        if current is not None:
            await current.prompt(turn)
        return
    if tap.flow != dialog.flow or tap.version != dialog.version:
        turn.callback_answer = t("stale_short")
        flow = registry.get(dialog.flow)
        if flow is not None:
            turn.tapped_message_id = None
            turn.say(t("stale"))
            await flow.prompt(turn)
        return
    flow = registry.get(tap.flow)
    if flow is None:
        turn.callback_answer = t("unknown_button")
        return
    await flow.on_tap(turn, tap.action)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_turn(update, context, _text)


async def _text(turn: Turn, update: Update) -> None:
    assert update.message is not None
    text = update.message.text or ""
    hits = redflags.scan(text)
    if hits:
        await confirm.begin(turn, hits)
        return
    flow = registry.get(turn.dialog.flow)
    if flow is not None and await flow.on_text(turn, text):
        return
    if flow is not None:
        turn.say(t("button_expected"))
        await flow.prompt(turn)
    else:
        turn.say(t("didnt_get"))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_turn(update, context, _location)


async def _location(turn: Turn, update: Update) -> None:
    assert update.message is not None and update.message.location is not None
    flow = registry.get(turn.dialog.flow)
    if flow is None or not await flow.on_location(turn, update.message.location):
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
