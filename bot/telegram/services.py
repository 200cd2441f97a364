"""What every handler and job needs, built once per Application, and the typed context that
hands it to them.

:class:`BotContext` is the Application's context type (registered with
``ContextTypes(context=BotContext)`` in :func:`bot.app.build_application`, as in
python-telegram-bot's ``contexttypesbot`` example): a handler or job declared as
``async def handler(update: Update, context: BotContext)`` reads ``context.services``, typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.clock import Clock
from bot.coach.catalog import Catalog
from bot.settings import Settings
from storage.db import Database

if TYPE_CHECKING:
    from bot.telegram.reminders import Dispatcher

SERVICES_KEY = "backstep.services"


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    clock: Clock
    # The reminder dispatcher, once its job is installed (bot.telegram.reminders.install); the
    # shutdown closes it and hands its unfinished claims back.
    dispatcher: Dispatcher | None = None
    # Receipts whose replies this instance sent right after their turn, not yet marked sent in
    # the database: the outbox marks them in one statement on its next tick (they are held for
    # outbox.GRACE, so no other instance resends them meanwhile).
    sent_receipts: list[int] = field(default_factory=list)
    # New live cards sent with those receipts, by chat: (the dialog's version, the message id).
    # Recorded with the receipts; a turn of the chat before that takes its card from here.
    new_cards: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Telegram file_ids of uploaded animations, by bot id and media key: all of a bot's rows of
    # media_files, read in one statement the first time that bot sends an animation (a
    # file_id never changes meaning), plus what this process uploaded since.
    file_ids: dict[int, dict[str, str]] = field(default_factory=dict)
    # Uploads not in media_files yet: stored with the receipts, by (bot id, media key).
    new_file_ids: dict[tuple[int, str], str] = field(default_factory=dict)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context, with this bot's :class:`Services`."""

    @property
    def services(self) -> Services:
        found: Services = self.application.bot_data[SERVICES_KEY]
        return found


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The Services of any context (handlers typed with PTB's default context use this)."""
    found: Services = context.application.bot_data[SERVICES_KEY]
    return found
