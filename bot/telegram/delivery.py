"""Getting a message to Telegram despite 429s, 5xx and dropped connections.

Every outgoing call goes through :func:`call`: a 429 waits the ``retry_after`` Telegram asked
for, a 5xx or network error backs off exponentially, each retry is logged, and a 403 (the user
blocked the bot) becomes :class:`Blocked` so callers can mark the user unreachable instead of
retrying forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot import metrics
from storage.repositories import mark_unreachable

if TYPE_CHECKING:
    from bot.telegram.turn import Outgoing, Turn

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = 60.0


# How retries wait; a module attribute so a test can observe the waits instead of sitting them.
pause: Callable[[float], Awaitable[None]] = asyncio.sleep


class Blocked(Exception):
    """Telegram refused with 403: the user blocked the bot or deleted their account."""


def _retry_after_seconds(exc: RetryAfter) -> float:
    value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def call(
    make: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """Run one Bot API call with Telegram-aware retries."""
    sleep = sleep or pause
    for attempt in range(1, attempts + 1):
        try:
            return await make()
        except Forbidden as exc:
            metrics.TELEGRAM_ERRORS.labels(code="403").inc()
            raise Blocked(str(exc)) from exc
        except RetryAfter as exc:
            metrics.TELEGRAM_ERRORS.labels(code="429").inc()
            if attempt == attempts:
                raise
            wait = min(_retry_after_seconds(exc), MAX_WAIT_SECONDS)
            log.warning("%s: Telegram asked to retry after %.0fs (attempt %d)", what, wait, attempt)
            await sleep(wait)
        except BadRequest:
            metrics.TELEGRAM_ERRORS.labels(code="400").inc()
            raise
        except NetworkError as exc:
            metrics.TELEGRAM_ERRORS.labels(code="5xx/network").inc()
            if attempt == attempts:
                raise
            wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
            log.warning("%s: %s; retrying in %.1fs (attempt %d)", what, exc, wait, attempt)
            await sleep(wait)
    raise AssertionError("unreachable")


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: Any = None, **kwargs: Any
) -> Message:
    return await call(
        lambda: bot.send_message(chat_id, text, reply_markup=markup, **kwargs),
        what="sendMessage",
    )


async def _edit_or_send(bot: Bot, chat_id: int, message_id: int, item: Outgoing) -> None:
    markup = item.markup if isinstance(item.markup, InlineKeyboardMarkup) else None
    try:
        await call(
            lambda: bot.edit_message_text(
                item.text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            ),
            what="editMessageText",
        )
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        log.info("edit failed (%s); sending a new message instead", exc)
        await send_text(bot, chat_id, item.text, item.markup)


async def deliver(bot: Bot, chat_id: int, item: Outgoing, tapped: int | None) -> None:
    target = item.chat_id or chat_id
    if item.photo is not None:
        photo = item.photo
        await call(
            lambda: bot.send_photo(target, photo, caption=item.text or None),
            what="sendPhoto",
        )
    elif item.document is not None:
        name, content = item.document
        await call(
            lambda: bot.send_document(target, content, filename=name, caption=item.text or None),
            what="sendDocument",
        )
    elif item.edit and tapped is not None:
        await _edit_or_send(bot, target, tapped, item)
    else:
        await send_text(bot, target, item.text, item.markup)


async def answer_stranger(query: CallbackQuery, text: str) -> None:
    """Answer a button press of someone the bot keeps no record of."""
    try:
        await call(lambda: query.answer(text), what="answerCallbackQuery")
    except BadRequest as exc:
        log.info("callback answer refused: %s", exc)


async def deliver_turn(
    bot: Bot, chat_id: int, turn: Turn, query: CallbackQuery | None = None
) -> None:
    """Answer the button press (always, so the client's spinner stops), then send replies."""
    if query is not None:
        try:
            await call(lambda: query.answer(turn.callback_answer), what="answerCallbackQuery")
        except BadRequest as exc:
            log.info("callback answer refused: %s", exc)
    try:
        for item in turn.out:
            await deliver(bot, chat_id, item, turn.tapped_message_id)
    except Blocked:
        log.info("user blocked the bot; marking them unreachable")
        async with turn.services.db.transaction() as tx:
            await mark_unreachable(tx, turn.user.id)
