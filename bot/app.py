"""The one place that builds the Application: handlers, update processor, limits and jobs.

``backstep run``, ``backstep webhook``, the sandbox, the tests and the benchmarks all call
:func:`build_application`, so what is tested is what runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.coach.catalog import Catalog, load_catalog
from bot.content.texts import t
from bot.logs import pseudonym
from bot.settings import Settings
from bot.telegram import flood, outbox, request, timers
from bot.telegram.handlers import chats, commands, dispatch
from bot.telegram.processing import PerChatUpdateProcessor
from bot.telegram.services import SERVICES_KEY, BotContext, Services
from storage.db import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# my_chat_member: a block or unblock is known at once, not at the next failed send.
# edited_message: answered with one line (an edit does not change an answer already taken).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def _update_type(update: Update) -> str:
    if update.callback_query is not None:
        return "callback_query"
    if update.message is not None and update.message.location is not None:
        return "location"
    if update.message is not None and update.message.text and update.message.text.startswith("/"):
        return "command"
    if update.message is not None:
        return "message"
    return "other"


async def _log_update(update: Update, context: BotContext) -> None:
    """One INFO line per update: id, type and a pseudonymous user, never the text."""
    services = context.services
    kind = _update_type(update)
    metrics.UPDATES.labels(type=kind).inc()
    user = update.effective_user
    who = pseudonym(user.id, services.settings.pseudonym_secret) if user else "-"
    log.info(
        "update %s %s from %s",
        update.update_id,
        kind,
        who,
        extra={"update_id": update.update_id, "user": who, "update_type": kind},
    )


async def _on_error(update: object, context: BotContext) -> None:
    if not isinstance(update, Update):
        log.error("background job failed", exc_info=context.error)
        return
    log.error("update failed; nothing of it was committed", exc_info=context.error)
    if update.effective_chat is not None:
        from bot.telegram import delivery

        try:
            await delivery.send_text(context.bot, update.effective_chat.id, t("error"))
        except Exception:
            log.warning("could not tell the user about the failure", exc_info=True)


async def publish_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu; a failure is logged, never fatal."""
    try:
        await app.bot.set_my_commands([BotCommand(c, t(f"menu.{c}")) for c in commands.MENU])
    except Exception as exc:
        log.warning("setMyCommands failed (%s); the menu may be out of date", exc)


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    catalog: Catalog | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    jobs: bool = True,
    rate_limit: bool = True,
    on_handled: Callable[[int], None] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for ``run_polling``/``run_webhook`` or a manual start in tests.

    ``jobs`` runs the periodic jobs (reminders, the reply outbox); tests drive them by hand.
    ``on_handled`` is told each update id once the bot has finished it, replies sent: the
    tests and the sandbox wait on that instead of guessing from silence.
    """
    token = settings.require_token()
    services = Services(
        settings=settings,
        db=db or Database(settings.database_url),
        catalog=catalog or load_catalog(settings.exercises_file),
        clock=clock or SystemClock(),
    )

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if migrate:
            started = time.perf_counter()
            await upgrade(services.db.url)
            log.info("database schema up to date (%.2fs)", time.perf_counter() - started)
        await publish_commands(app)
        await _send_owed_replies(services, app)
        if jobs:
            from bot.telegram import reminders as reminder_jobs

            reminder_jobs.install(app, services)
            outbox.install(app, services)
            timers.install(app, services)

    async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await outbox.mark_sent(services)
        await services.db.close()

    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .request(request.AiohttpRequest(connection_pool_size=request.POOL_SIZE))
        .get_updates_request(request.AiohttpRequest(connection_pool_size=request.POLLING_POOL_SIZE))
        .concurrent_updates(PerChatUpdateProcessor(256, on_handled=on_handled))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        # Handlers and jobs get a BotContext: ``context.services``, typed.
        .context_types(ContextTypes(context=BotContext))
    )
    if rate_limit:
        # Telegram's flood limits, before each message leaves; our senders retry a 429.
        limiter = flood.FloodLimiter.from_settings(settings)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB generics
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE & private

    # Group -2: one log line per update, before anything can stop it.
    app.add_handler(TypeHandler(Update, _log_update), group=-2)
    # Group -1: anything not in a private chat is answered with a pointer to one and stops here.
    app.add_handler(TypeHandler(Update, chats.outside_private_chat), group=-1)
    # Group 0: the user's own private chat. A block or unblock of the bot.
    app.add_handler(ChatMemberHandler(chats.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    # Commands (handlers/commands.py), each to its flow.
    # Getting started and help.
    app.add_handler(CommandHandler("start", commands.start, filters=new_message))
    app.add_handler(CommandHandler("help", commands.help_command, filters=new_message))
    # The day's session and the exercise library.
    app.add_handler(CommandHandler("today", commands.today, filters=new_message))
    app.add_handler(CommandHandler("exercises", commands.exercises, filters=new_message))
    app.add_handler(CommandHandler("exercise", commands.exercise, filters=new_message))
    # Progress and symptoms.
    app.add_handler(CommandHandler("progress", commands.progress, filters=new_message))
    app.add_handler(CommandHandler("learn", commands.learn, filters=new_message))
    app.add_handler(CommandHandler("symptoms", commands.symptoms, filters=new_message))
    # The program: pause, resume, reminders and settings.
    app.add_handler(CommandHandler("pause", commands.pause, filters=new_message))
    app.add_handler(CommandHandler("resume", commands.resume_command, filters=new_message))
    app.add_handler(CommandHandler("remind", commands.remind, filters=new_message))
    app.add_handler(CommandHandler("settings", commands.settings_command, filters=new_message))
    # The user's data.
    app.add_handler(CommandHandler("export", commands.export, filters=new_message))
    app.add_handler(CommandHandler("privacy", commands.privacy, filters=new_message))
    app.add_handler(CommandHandler("delete", commands.delete, filters=new_message))
    # Operators' counts (BACKSTEP_ADMIN_IDS; not in the menu).
    app.add_handler(CommandHandler("stats", commands.stats, filters=new_message))
    # Clinicians' one-time dashboard sign-in link (docs/clinic.md; not in the menu).
    app.add_handler(CommandHandler("dashboard", commands.dashboard, filters=new_message))
    # Button taps, typed answers and shared locations go to the dialog the user is in.
    app.add_handler(CallbackQueryHandler(dispatch.on_callback))
    app.add_handler(MessageHandler(new_message & filters.LOCATION, dispatch.on_location))
    app.add_handler(MessageHandler(new_message & filters.TEXT & ~filters.COMMAND, dispatch.on_text))
    app.add_handler(MessageHandler(new_message & filters.COMMAND, commands.unknown))
    # What the bot cannot read (photos, stickers, voice...), and edits of earlier messages.
    app.add_handler(MessageHandler(new_message, dispatch.on_unreadable))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, dispatch.on_edit))
    app.add_error_handler(_on_error)
    return app


async def _send_owed_replies(
    services: Services, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    """At start-up, send the replies that a stopped instance still owed."""
    try:
        await outbox.flush(services, app.bot)
    except Exception as exc:
        log.warning("owed replies will be sent by the outbox job (%s)", exc)


def on_polling_error(exc: TelegramError) -> None:
    """getUpdates failed; PTB retries it with backoff. A WARNING, never a traceback."""
    log.warning("getUpdates failed (%s); retrying", exc)
