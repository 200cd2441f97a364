"""Getting a message to Telegram despite 429s, 5xx and dropped connections.

Two ways, one per kind of sender. Reminders, summaries and clinician alerts go through
:func:`call`: a 429 waits the ``retry_after`` Telegram asked for, a 5xx or network error backs
off exponentially, each retry is a WARNING. A turn's replies make one attempt each through
:func:`deliver` and leave retries to the outbox (bot/telegram/outbox.py), so no handler sits in
a sleep. Either way a 403 (the user blocked the bot) becomes :class:`Blocked`, so callers mark
the user unreachable instead of retrying forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import metrics

if TYPE_CHECKING:
    from bot.telegram.outbox import Reply

log = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5
BACKOFF_SECONDS = 0.5
MAX_WAIT_SECONDS = 60.0


# How retries wait; a module attribute so a test can observe the waits instead of sitting them.
pause: Callable[[float], Awaitable[None]] = asyncio.sleep


class Blocked(Exception):
    """Telegram refused with 403: the user blocked the bot or deleted their account."""


def retry_after_seconds(exc: RetryAfter) -> float:
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
            wait = min(retry_after_seconds(exc), MAX_WAIT_SECONDS)
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


async def _edit_or_send(bot: Bot, chat_id: int, message_id: int, reply: Reply) -> Message | None:
    markup = reply.markup if isinstance(reply.markup, InlineKeyboardMarkup) else None
    try:
        edited = await bot.edit_message_text(
            reply.text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
        return edited if isinstance(edited, Message) else None
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return None
        log.info("edit failed (%s); sending a new message instead", exc.message)
        return await bot.send_message(chat_id, reply.text, reply_markup=reply.markup)


async def strip_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take the buttons off a card the dialog has left; already bare or gone is fine."""
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except BadRequest as exc:
        log.info("an old card kept its buttons (%s)", exc.message)


async def deliver(bot: Bot, chat_id: int, reply: Reply) -> Message | None:
    """One attempt at one reply; the outbox decides about retries. 403 becomes Blocked.

    Returns the message sent or edited, when Telegram returned one."""
    try:
        if reply.animation_file is not None:
            upload = isinstance(reply.animation_file, bytes)
            return await bot.send_animation(
                chat_id,
                reply.animation_file,
                caption=reply.text or None,
                filename="exercise.gif" if upload else None,
            )
        if reply.photo is not None:
            return await bot.send_photo(chat_id, reply.photo, caption=reply.text or None)
        if reply.document is not None:
            name, content = reply.document
            return await bot.send_document(
                chat_id, content, filename=name, caption=reply.text or None
            )
        if reply.strip and reply.edit_of is not None:
            await strip_buttons(bot, chat_id, reply.edit_of)
            return None
        if reply.edit_of is not None:
            return await _edit_or_send(bot, chat_id, reply.edit_of, reply)
        return await bot.send_message(chat_id, reply.text, reply_markup=reply.markup)
    except Forbidden as exc:
        metrics.TELEGRAM_ERRORS.labels(code="403").inc()
        raise Blocked(str(exc)) from exc
    except RetryAfter:
        metrics.TELEGRAM_ERRORS.labels(code="429").inc()
        raise
    except NetworkError as exc:
        if not isinstance(exc, BadRequest):
            metrics.TELEGRAM_ERRORS.labels(code="5xx/network").inc()
        raise


async def answer(query: CallbackQuery, text: str | None) -> None:
    """Answer a button press, so the client's spinner stops; one attempt, never fatal.

    Telegram drops an unanswered query after a short while anyway, so retrying later would
    only show a stale toast.
    """
    try:
        await query.answer(text)
    except TelegramError as exc:
        log.warning("could not answer a button press: %s", exc.message)
