"""One update, start to end: load state, decide, commit, then reply.

A handler body gets a :class:`Turn`: the user's row and dialog (loaded in one query), the open
transaction, "now" from the clock, and an outbox. Replies are queued while the transaction is
open and sent only after it commits, so a crash between the two can lose a reply but never a
record; the user's next tap then shows the current state again.
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

from bot import scheduling
from bot.coach import schedule
from bot.content.texts import t
from bot.telegram import delivery
from bot.telegram.keyboards import Button, keyboard
from bot.telegram.services import Services, services_of
from storage import repositories as repo
from storage.models import Dialog, User

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Outgoing:
    """A message to send (or the tapped message to edit) once the transaction committed."""

    text: str
    markup: Markup | None = None
    edit: bool = False
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None
    chat_id: int | None = None


@dataclass
class Turn:
    services: Services
    tx: AsyncSession
    user: User
    now: datetime
    bot: Bot
    tapped_message_id: int | None = None
    out: list[Outgoing] = field(default_factory=list)
    callback_answer: str | None = None
    after_commit: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    @property
    def zone(self) -> str:
        return self.user.timezone or "UTC"

    @property
    def today(self) -> date:
        """The user's local date now (UTC until they told us their zone)."""
        return schedule.local_date(self.now, self.zone)

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
        message = Outgoing(text, markup)
        if first:
            self.out.insert(0, message)
        else:
            self.out.append(message)

    def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the tapped message in place (once a turn), else send a new message."""
        can_edit = self.tapped_message_id is not None and not any(o.edit for o in self.out)
        self.out.append(Outgoing(text, markup, edit=can_edit))


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
    try:
        async with services.db.transaction() as tx:
            turn = await _handle(services, tx, update, context, body, now)
            # Last, so SQLite takes its write lock as late as possible: a redelivered update
            # (already in handled_updates) rolls the whole turn back.
            if not await repo.first_delivery(tx, update.update_id, now):
                raise _Redelivered
    except _Redelivered:
        log.info("update %s was already handled; ignoring the redelivery", update.update_id)
        return None
    query = update.callback_query
    if turn is None:  # a stranger's button (e.g. erased): keep no row of them
        assert query is not None
        await delivery.answer_stranger(query, t("not_started"))
        return None
    await delivery.deliver_turn(context.bot, chat.id, turn, query=query)
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
    user = await repo.load_user(tx, tg_user.id)
    if user is None and query is not None:
        return None
    if user is None:
        user = repo.new_user(tx, tg_user.id, chat.id, now)
    elif not user.reachable:
        user.reachable = True  # they wrote to us again: the block is over
        scheduling.schedule_next(user, now)
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
