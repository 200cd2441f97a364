"""Replies are owed until Telegram has them: sent right after the turn commits, else retried.

A turn's replies are written in its own transaction, with the receipt of its update
(``storage.outbox.record_turn``). After the commit the instance that handled the turn sends them
at once, one attempt each. If Telegram says "later" (429 with ``retry_after``, a 5xx, a dropped
connection), the row keeps what is left and when to try again, and the outbox job of any
instance sends it from there, oldest first per chat, until it is sent or, after
:data:`EXPIRES`, given up with one ERROR line. A restart finds the rows in the database, so
nothing a user was told depends on a process staying alive. A reply that Telegram accepted
just before a crash, before the row said so, may be sent twice; nothing is ever lost.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot import metrics
from bot.telegram import delivery, media
from bot.telegram.services import Services
from storage import media as media_store
from storage import outbox as store
from storage import users
from storage.models import Dialog

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=60)  # the handling instance sends its own replies within this
LEASE = timedelta(seconds=60)  # a claimed row is another instance's again after this
EXPIRES = timedelta(hours=24)  # as long as Telegram keeps an unanswered update
MAX_BACKOFF_SECONDS = 600.0
FIRST_BACKOFF_SECONDS = 1.0
TICK_SECONDS = 2.0
CHATS_PER_TICK = 100

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Reply:
    """One message to send, or one edit of a message, as kept in the outbox."""

    text: str
    markup: Markup | None = None
    edit_of: int | None = None  # the message id to edit in place
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None
    strip: bool = False  # only take the buttons off ``edit_of`` (a card the dialog has left)
    #: An exercise animation by its media key (bot/media/animation.py); it is sent as the
    #: file_id this bot got for it, or uploaded once (bot/telegram/media.py).
    animation: str | None = None
    #: What sendAnimation sends (a file_id or the GIF's bytes), found just before sending.
    animation_file: bytes | str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def stripping(cls, message_id: int) -> Reply:
        return cls("", edit_of=message_id, strip=True)

    @property
    def is_card(self) -> bool:
        """A message with the dialog's buttons: the live card once sent."""
        return isinstance(self.markup, InlineKeyboardMarkup)

    def encode(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.strip:
            data["strip"] = True
        if self.markup is not None:
            data["markup"] = self.markup.to_dict()
        if self.edit_of is not None:
            data["edit_of"] = self.edit_of
        if self.photo is not None:
            data["photo"] = base64.b64encode(self.photo).decode()
        if self.document is not None:
            name, content = self.document
            data["document"] = {"name": name, "data": base64.b64encode(content).decode()}
        if self.animation is not None:
            data["animation"] = self.animation
        return data

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Reply:
        document = data.get("document")
        return cls(
            text=data["text"],
            markup=_markup(data.get("markup")),
            edit_of=data.get("edit_of"),
            strip=bool(data.get("strip")),
            photo=base64.b64decode(data["photo"]) if "photo" in data else None,
            document=(document["name"], base64.b64decode(document["data"])) if document else None,
            animation=data.get("animation"),
        )

    def changes(self, message: MaybeInaccessibleMessage | None) -> bool:
        """False for an edit that would leave ``message`` exactly as it is."""
        if self.edit_of is None or not isinstance(message, Message):
            return True
        if message.message_id != self.edit_of:
            return True
        if self.strip:
            return bool(message.reply_markup and message.reply_markup.inline_keyboard)
        return not (message.text == self.text and message.reply_markup == self.markup)


def _markup(data: dict[str, Any] | None) -> Markup | None:
    if data is None:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardRemove.de_json(data, None)


class _Later(Exception):
    """Telegram cannot take this now; try again after ``wait`` seconds."""

    def __init__(self, wait: float, why: str) -> None:
        super().__init__(why)
        self.wait = wait


async def _send_one(services: Services, bot: Bot, chat_id: int, reply: Reply) -> int | None:
    """One attempt; the id of a new live card, if this sent one. Raises :class:`_Later`, or
    :class:`delivery.Blocked`."""
    if reply.animation is not None:
        found = await media.animation_file(services, bot, reply.animation)
        if found is None:
            return None  # the exercise left the library since: nothing to show
        reply = replace(reply, animation=found.key, animation_file=found.file)
    try:
        message = await delivery.deliver(bot, chat_id, reply)
    except RetryAfter as exc:
        raise _Later(delivery.retry_after_seconds(exc), "Telegram asked to wait") from exc
    except BadRequest as exc:
        # Telegram will refuse it again however often we ask: say so, and go on.
        metrics.TELEGRAM_ERRORS.labels(code="400").inc()
        log.warning("a reply was refused (%s); skipping it", exc.message)
        return None
    except TelegramError as exc:  # 5xx, timeouts, dropped connections
        raise _Later(0.0, f"{exc.__class__.__name__}: {exc}") from exc
    if isinstance(reply.animation_file, bytes) and reply.animation is not None:
        media.uploaded(services, bot, reply.animation, message)
    if reply.is_card and message is not None and message.message_id != reply.edit_of:
        return message.message_id
    return None


def _backoff(attempts: int, asked: float) -> float:
    """Telegram's ``retry_after`` when it gave one, else 1, 2, 4 ... seconds, capped."""
    wait = asked if asked > 0 else FIRST_BACKOFF_SECONDS * 2 ** (attempts - 1)
    return min(wait, MAX_BACKOFF_SECONDS)


async def send_owed(
    services: Services,
    bot: Bot,
    owed: store.Owed,
    *,
    mark_later: bool = False,
    dialog_version: int | None = None,
) -> bool:
    """Send what ``owed`` has left, in order; True when all of it is with Telegram.

    ``mark_later`` (a turn's own replies, sent within :data:`GRACE`, the turn's dialog at
    ``dialog_version``): the receipt is marked sent, and a new card recorded as the dialog's
    live one, by the next :func:`mark_sent`, one statement each for all of them, instead of a
    transaction now."""
    sent = owed.sent
    card: int | None = None
    try:
        for data in owed.replies[owed.sent :]:
            card = await _send_one(services, bot, owed.chat_id, Reply.decode(data)) or card
            sent += 1
    except delivery.Blocked:
        log.info("the user blocked the bot; their owed replies are dropped")
        async with services.db.transaction() as tx:
            await users.mark_unreachable(tx, owed.chat_id)  # a private chat's id is the user's
            await store.drop_owed(tx, owed.chat_id)
            await store.set_pending(tx, owed.chat_id, False)
        return False
    except _Later as later:
        await _defer(services, owed, sent, later, card)
        return False
    if mark_later and (card is None or dialog_version is not None):
        services.sent_receipts.append(owed.update_id)
        if card is not None and dialog_version is not None:
            services.new_cards[owed.chat_id] = (dialog_version, card)
        return True
    async with services.db.transaction() as tx:
        await store.replies_sent(tx, owed.update_id)
        if card is not None:
            await users.set_card(tx, owed.chat_id, card)  # a private chat's id is the user's
    return True


async def mark_sent(services: Services) -> None:
    """Mark the receipts sent since the last call, and record their new cards and uploads' file_ids,
    one statement each (every outbox tick, and at shutdown). A crash before it costs at most a
    resend of those replies after GRACE; a card not recorded keeps its buttons, which a tap
    finds stale by the dialog's version; a file_id not stored, one more upload."""
    done, services.sent_receipts = services.sent_receipts, []
    cards, services.new_cards = services.new_cards, {}
    files, services.new_file_ids = services.new_file_ids, {}
    if done or cards or files:
        async with services.db.transaction() as tx:
            if done:
                await store.replies_sent_many(tx, done)
            if cards:
                await users.set_cards(tx, cards)
            if files:
                await media_store.remember(tx, files, services.clock.now())


def take_new_card(services: Services, dialog: Dialog) -> None:
    """Give ``dialog`` the live card its chat's last turn sent, if it is not recorded yet and
    the dialog has not moved since (the turn saves it with the rest)."""
    found = services.new_cards.get(dialog.user_id)  # a private chat's id is the user's
    if found is not None and dialog.card_message_id is None and dialog.version == found[0]:
        dialog.card_message_id = found[1]


async def _defer(
    services: Services, owed: store.Owed, sent: int, later: _Later, card: int | None
) -> None:
    now = services.clock.now()
    attempts = owed.attempts + 1
    async with services.db.transaction() as tx:
        if card is not None:
            await users.set_card(tx, owed.chat_id, card)
        if now - owed.at >= EXPIRES:
            log.error(
                "a reply to update %s expired unsent after %d attempts (%s)",
                owed.update_id,
                attempts,
                later,
            )
            metrics.REPLIES_EXPIRED.inc()
            await store.replies_sent(tx, owed.update_id)
            return
        wait = _backoff(attempts, later.wait)
        log.warning(
            "a reply to update %s waits %.1fs before attempt %d (%s)",
            owed.update_id,
            wait,
            attempts + 1,
            later,
        )
        await store.replies_deferred(
            tx,
            owed.update_id,
            sent=sent,
            attempts=attempts,
            retry_at=now + timedelta(seconds=wait),
        )
        await store.set_pending(tx, owed.chat_id, True)


async def drain_chat(services: Services, bot: Bot, chat_id: int) -> int:
    """Send the chat's owed replies that are due, oldest first; returns the rows finished."""
    finished = 0
    while True:
        now = services.clock.now()
        async with services.db.transaction() as tx:
            owed = await store.claim_oldest(tx, chat_id, now, now + LEASE)
        if owed is None:
            break
        if not await send_owed(services, bot, owed):
            return finished
        finished += 1
    async with services.db.transaction() as tx:
        if not await store.chat_has_owed(tx, chat_id):
            await store.set_pending(tx, chat_id, False)
    return finished


async def flush(services: Services, bot: Bot) -> int:
    """One pass over every chat with due replies (the job, and once at start-up)."""
    await mark_sent(services)
    async with services.db.transaction() as tx:
        chats = await store.due_chats(tx, services.clock.now(), CHATS_PER_TICK)
    finished = 0
    for chat_id in chats:
        finished += await drain_chat(services, bot, chat_id)
    return finished


def hold_until(now: datetime, queued_behind: bool) -> datetime:
    """When the outbox job may take a new turn's replies: at once if they queue behind older
    ones (the job sends the chat in order), else after the handling instance had its go."""
    return now if queued_behind else now + GRACE


def install(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Run :func:`flush` every :data:`TICK_SECONDS` on PTB's JobQueue."""

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await flush(services, app.bot)

    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(job, interval=TICK_SECONDS, first=TICK_SECONDS, name="outbox")
