"""The real python-telegram-bot Application runs against the stand-in, unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.stub import BotApiStub
from tests.stub.conftest import ALICE, TOKEN, tiny_png


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(
        f"You said: {update.message.text}",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("I agree", callback_data="agree")]]
        ),
    )


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You chose: {query.data}")


@pytest.fixture
async def app(stub: BotApiStub) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = ApplicationBuilder().token(TOKEN).base_url(stub.base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(on_press))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


async def test_a_message_goes_round_trip_and_a_press_is_answered_and_edits(
    stub: BotApiStub,
    app: Application,  # type: ignore[type-arg]
) -> None:
    await stub.send_text(ALICE, "my back hurts", first_name="Alice")
    reply = await stub.next_message(ALICE)

    assert reply.text == "You said: my back hurts"
    assert app.bot.id == 123456  # getMe answered with the id from the token

    await stub.press(ALICE, reply.message_id, reply.button("I agree"))
    answer = await stub.next_answer(ALICE)
    edited = await stub.next_edit(ALICE)

    assert answer.text == "Noted"
    assert edited.message_id == reply.message_id
    assert edited.text == "You chose: agree"
    assert stub.chat(ALICE).last_bot_message == edited
    assert stub.internal_errors == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_raises_its_own_exceptions_for_the_stand_ins_refusals(
    stub: BotApiStub,
    app: Application,  # type: ignore[type-arg]
) -> None:
    await stub.send_text(ALICE, "hi")
    await stub.next_message(ALICE)
    bot = app.bot

    stub.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter, match="7"):
        await bot.send_message(ALICE, "too fast")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    stub.block(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "are you there?")


async def test_ptb_uploads_a_photo_with_its_name_and_bytes(
    stub: BotApiStub,
    app: Application,  # type: ignore[type-arg]
) -> None:
    await stub.send_text(ALICE, "hi")
    await stub.next_message(ALICE)
    png = tiny_png(300, 200)

    sent = await app.bot.send_photo(ALICE, photo=png, filename="week.png", caption="Your week")
    chart = await stub.next_message(ALICE)

    assert sent.photo[-1].width == 300
    assert chart.caption == "Your week"
    assert chart.file is not None and chart.file.data == png
    assert chart.file.filename == "week.png"
