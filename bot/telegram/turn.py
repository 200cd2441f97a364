"""One update, start to end: load state, decide, commit, then reply.

A handler body gets a :class:`Turn`: the user's row and dialog (loaded in one query), the open
transaction, "now" from the clock, and the list of its replies. The replies are written to the
outbox in the same transaction as everything else the turn did, and sent after it commits
(bot/telegram/outbox.py): a crash can delay a reply, never lose it or the record it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ContextTypes

from bot.content.texts import t
from bot.program import scheduling
from bot.program.work import Work
from bot.telegram import delivery, outbox
from bot.telegram.keyboards import Button, keyboard
from bot.telegram.outbox import Reply
from bot.telegram.services import Services, services_of
from storage import outbox as store
from storage import users
from storage.models import Dialog, User

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Turn:
    services: Services
    tx: AsyncSession
    user: User
    now: datetime
    bot: Bot
    tapped_message_id: int | None = None
    out: list[Reply] = field(default_factory=list)
    callback_answer: str | None = None
    after_commit: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    erased: bool = False  # the user's rows are gone (/delete): nothing of theirs to update
    trailing: list[Reply] = field(default_factory=list)  # said after the turn's card
    # The live card at the start of the turn, and the message show() may still edit in place.
    _start_card: int | None = None
    _start_version: int = 0
    _editable: int | None = None

    def __post_init__(self) -> None:
        dialog = self.user.dialog
        self._start_card = dialog.card_message_id if dialog else None
        self._start_version = dialog.version if dialog else 0
        self._editable = self.tapped_message_id

    def tapped_live_card(self) -> None:
        """The tap was on the dialog's current card: it is the live one."""
        self._start_card = self.tapped_message_id

    def tapped_old_card(self) -> None:
        """The tap was on a card the dialog has left: its buttons go, nothing else changes."""
        self._editable = None
        if self.tapped_message_id is not None:
            self.out.append(Reply.stripping(self.tapped_message_id))

    @property
    def today(self) -> date:
        """The user's local date now (UTC until they told us their zone)."""
        return self.work.today

    @property
    def work(self) -> Work:
        """The unit of work the program layer's use cases take."""
        s = self.services
        return Work(self.tx, self.user, self.now, s.catalog, s.settings)

    @property
    def dialog(self) -> Dialog:
        assert self.user.dialog is not None
        return self.user.dialog

    @property
    def payload(self) -> dict[str, Any]:
        return self.dialog.payload

    def go(self, flow: str, step: str, /, **payload: Any) -> None:
        """Move the dialog on; buttons made before this are stale from now."""
        self.dialog.flow = flow
        self.dialog.step = step
        self.dialog.payload = payload
        self.dialog.version += 1
        self.dialog.updated_at = self.now

    def update_payload(self, **changes: Any) -> None:
        self.dialog.payload = {**self.dialog.payload, **changes}
        self.dialog.version += 1
        self.dialog.updated_at = self.now

    def buttons(self, rows: list[list[Button]]) -> InlineKeyboardMarkup:
        """Buttons of the current flow and version."""
        return keyboard(self.dialog.flow, self.dialog.version, rows)

    def say(self, text: str, markup: Markup | None = None, *, first: bool = False) -> None:
        message = Reply(text, markup)
        if first:
            self.out.insert(0, message)
        else:
            self.out.append(message)

    def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """The dialog's card: the tapped card edited in place (once a turn), else a new one."""
        self.out.append(Reply(text, markup, edit_of=self._editable))
        self._editable = None

    def animate(self, key: str) -> None:
        """Show an exercise's animation (by its media key) below what was said so far, and
        the dialog's next card below it."""
        self.out.append(Reply("", animation=key))
        self._editable = None

    def close_card(self, answer: str) -> None:
        """The question is answered: its card now reads as the answer, without buttons, and
        the next question comes as a new card below it."""
        card = self._editable if self._editable is not None else self._start_card
        if card is not None and not any(r.edit_of == card for r in self.out):
            self.out.append(Reply(answer, edit_of=card))
        self._editable = None

    def after_card(self, text: str) -> None:
        """Say ``text`` after everything else of the turn (below the card it leads to)."""
        self.trailing.append(Reply(text))

    def settle_cards(self) -> None:
        """Leave at most one card with live buttons: the card the turn began with loses its
        buttons when the dialog moved on or a new card was sent, and the dialog row says
        which card is live now (the outbox records a new card's id once it is sent)."""
        self.out.extend(self.trailing)
        self.trailing.clear()
        if self.erased or self.user.dialog is None:
            return
        start = self._start_card
        new_card = any(r.is_card and r.edit_of is None for r in self.out)
        edits = [r for r in self.out if r.edit_of is not None and r.edit_of == start]
        moved = self.dialog.version != self._start_version
        if start is not None and not edits and (new_card or moved):
            self.out.insert(0, Reply.stripping(start))
        if new_card:
            live = None
        elif edits:
            live = start if edits[-1].is_card else None
        else:
            live = None if moved else start
        if self.dialog.card_message_id != live:
            self.dialog.card_message_id = live


Body = Callable[[Turn, Update], Awaitable[None]]


async def run_turn(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    body: Body,
) -> Turn | None:
    """Run ``body`` for the update's user inside one transaction, then deliver its replies."""
    services = services_of(context)
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or chat is None:
        return None
    now = services.clock.now()
    query = update.callback_query
    tapped = query.message if query is not None else None
    try:
        async with services.db.transaction() as tx:
            turn = await _handle(services, tx, update, context, body, now)
            if turn is not None:
                turn.settle_cards()
            replies = [r.encode() for r in turn.out if r.changes(tapped)] if turn else []
            queued_behind = turn is not None and turn.user.replies_pending
            # Last, so SQLite takes its write lock as late as possible: a redelivered update
            # (already in handled_updates) rolls the whole turn back.
            recorded = await store.record_turn(
                tx,
                update.update_id,
                now,
                chat_id=chat.id,
                replies=replies,
                hold_until=outbox.hold_until(now, queued_behind),
            )
            if not recorded:
                raise _Redelivered
    except _Redelivered:
        log.info("update %s was already handled; ignoring the redelivery", update.update_id)
        return None
    if turn is None:  # a stranger's button (e.g. erased): keep no row of them
        assert query is not None
        await delivery.answer(query, t("not_started"))
        return None
    if query is not None:
        await delivery.answer(query, turn.callback_answer)  # always: the spinner stops
    if queued_behind:
        await outbox.drain_chat(services, context.bot, chat.id)
    elif replies:
        owed = store.Owed(update.update_id, chat.id, now, replies, sent=0, attempts=0)
        dialog = None if turn.erased else turn.user.dialog
        version = dialog.version if dialog is not None else None
        await outbox.send_owed(services, context.bot, owed, mark_later=True, dialog_version=version)
    for job in turn.after_commit:
        await job()
    return turn


class _Redelivered(Exception):
    """The update was handled before; its transaction must not commit."""


async def _handle(
    services: Services,
    tx: AsyncSession,
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    body: Body,
    now: datetime,
) -> Turn | None:
    tg_user, chat, query = update.effective_user, update.effective_chat, update.callback_query
    assert tg_user is not None and chat is not None
    user = await users.load_user(tx, tg_user.id)
    if user is None and query is not None:
        return None
    if user is None:
        user = users.new_user(tx, tg_user.id, chat.id, now)
    elif not user.reachable:
        user.reachable = True  # they wrote to us again: the block is over
        scheduling.schedule_next(user, now)
    if user.dialog is not None:
        outbox.take_new_card(services, user.dialog)
    turn = Turn(
        services,
        tx,
        user,
        now,
        context.bot,
        tapped_message_id=query.message.message_id if query and query.message else None,
    )
    await body(turn, update)
    return turn
