"""Where Backstep talks: a user's private chat, and nowhere else.

Health answers must never land in a group. Anything from a group, supergroup or channel stops
here, before any handler can store or say something: a command addressed to the bot gets one
line and a button that opens the private chat; a tap is answered the same way; when someone
adds the bot to a group, it says that line once and leaves. Nothing about the sender is kept.
The one group the bot stays in is the operator's clinician chat, where alerts go.

In a private chat, ``my_chat_member`` tells at once when the user blocks or unblocks the bot.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.content.texts import t
from bot.program import scheduling
from bot.telegram.services import services_of
from storage import outbox as store
from storage import users

log = logging.getLogger(__name__)

JOINED = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR})


def _private_chat_button(username: str) -> InlineKeyboardMarkup:
    url = f"https://t.me/{username}?start=from_group"
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("private_only_button"), url=url)]])


def _addressed_to_us(text: str, username: str) -> bool:
    """``/cmd`` or ``/cmd@ourbot`` (not a command for another bot in the group)."""
    if not text.startswith("/"):
        return False
    command = text.split(maxsplit=1)[0]
    _, at, name = command.partition("@")
    return not at or name.casefold() == username.casefold()


async def _point_to_private(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    bot = context.bot
    try:
        await bot.send_message(
            chat_id, t("private_only"), reply_markup=_private_chat_button(bot.username)
        )
    except TelegramError as exc:
        log.warning("could not point a group to the private chat: %s", exc.message)


async def outside_private_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let private chats through; answer or ignore everything else, and stop it here."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if chat.id == services_of(context).settings.clinician_chat_id:
        pass  # the clinicians' own chat: alerts go there; nothing from it is acted on
    elif update.my_chat_member is not None:
        joined = update.my_chat_member.new_chat_member.status in JOINED
        if joined and chat.type != ChatType.CHANNEL:
            await _point_to_private(context, chat.id)
        if joined:
            try:
                await context.bot.leave_chat(chat.id)
            except TelegramError as exc:
                log.warning("could not leave a group: %s", exc.message)
    elif update.callback_query is not None:
        try:
            await update.callback_query.answer(t("private_only"))
        except TelegramError as exc:
            log.warning("could not answer a tap in a group: %s", exc.message)
    elif update.message is not None and _addressed_to_us(
        update.message.text or "", context.bot.username
    ):
        await _point_to_private(context, chat.id)
    raise ApplicationHandlerStop


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user blocked the bot (stop sending) or unblocked it (reminders resume)."""
    member, user = update.my_chat_member, update.effective_user
    if member is None or user is None:
        return
    services = services_of(context)
    blocked = member.new_chat_member.status == ChatMember.BANNED
    now = services.clock.now()
    async with services.db.transaction() as tx:
        found = await users.load_user(tx, user.id)
        if found is None:
            return  # a stranger: keep no row of them
        if blocked:
            found.reachable = False
            found.replies_pending = False
            await store.drop_owed(tx, found.chat_id)
        elif not found.reachable:
            found.reachable = True
            scheduling.schedule_next(found, now)
    log.info("the user %s the bot", "blocked" if blocked else "unblocked")
