"""Telegram's side of the conversation: chats, messages, files, button presses, commands.

Everything the bot can observe through the Bot API, and everything a user's device can do,
changes this one object, so that the two sides always agree: a message the bot sends is in
the user's chat view with the same id, a button press carries the message as it looks now,
and a callback query expires on the same clock that stamps message dates (injectable,
because tests fast-forward time).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.stub.chat import Chat, ChatEvent, ChatMessage, EventKind, MessageKind
from bot.stub.errors import (
    BLOCKED_BY_USER,
    CHAT_NOT_FOUND,
    BotApiError,
    StubRefusal,
    bad_request,
)
from bot.stub.formatting import command_entities
from bot.stub.media import FileStore, StoredFile
from bot.stub.updates import UpdateQueue

QUERY_LIFETIME = 15 * 60  # seconds Telegram accepts an answer to a callback query


@dataclass
class CallbackQueryRecord:
    """A button press the bot has yet to answer (or has answered)."""

    query_id: str
    user_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


def bot_user_from_token(token: str, first_name: str, username: str) -> dict[str, Any]:
    """The bot's ``User`` object; its id is the number before ':' in the token."""
    return {
        "id": int(token.split(":", 1)[0]),
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def scope_key(scope: Mapping[str, Any] | None) -> str:
    """A stable key for a BotCommandScope (the default scope when none is given)."""
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)


class StubState:
    """The world behind the Bot API: one private chat per simulated user."""

    def __init__(
        self,
        *,
        token: str,
        bot_first_name: str,
        bot_username: str,
        clock: Callable[[], float],
    ) -> None:
        self.bot_user = bot_user_from_token(token, bot_first_name, bot_username)
        # Messages name their sender with the basic User fields only, as Telegram does.
        self.bot_sender = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        self.clock = clock
        self.chats: dict[int, Chat] = {}
        self.files = FileStore()
        self.queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.updates = UpdateQueue()
        self._seq = itertools.count(1)
        self.last_seq = 0
        self._news = asyncio.Event()
        self._query_ids = itertools.count(random.randrange(10**17, 9 * 10**17))

    def now(self) -> int:
        return int(self.clock())

    # -- chats ------------------------------------------------------------------------------

    def open_chat(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Chat:
        """The chat with ``user_id``, created on first contact ("User", language "en").

        Profile details given for an existing chat replace the old ones; details left out
        stay as they were.
        """
        chat = self.chats.get(user_id)
        if chat is None:
            chat = Chat(user_id, first_name or "User", last_name, username, language_code or "en")
            self.chats[user_id] = chat
            self.notify()
            return chat
        if first_name is not None:
            chat.first_name = first_name
        if last_name is not None:
            chat.last_name = last_name
        if username is not None:
            chat.username = username
        if language_code is not None:
            chat.language_code = language_code
        return chat

    def chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            raise LookupError(f"user {user_id} has no chat with the bot yet")
        return chat

    def target_chat(self, chat_id: int | str, *, blocked_check: bool = True) -> Chat:
        """The chat a bot call addresses, refused as Telegram refuses it."""
        if isinstance(chat_id, str):
            if not chat_id.lstrip("-").isdigit():
                raise bad_request(CHAT_NOT_FOUND)
            chat_id = int(chat_id)
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if blocked_check and chat.blocked:
            raise BotApiError(403, BLOCKED_BY_USER)
        return chat

    def record(self, chat: Chat, kind: EventKind, **details: Any) -> ChatEvent:
        """Log an event in ``chat`` under the next global sequence number."""
        seq = next(self._seq)
        self.last_seq = seq
        event = chat.record(ChatEvent(seq=seq, user_id=chat.user_id, kind=kind, **details))
        self.notify()
        return event

    def notify(self) -> None:
        news, self._news = self._news, asyncio.Event()
        news.set()

    async def wait_news(self, seconds: float) -> bool:
        """Wait until anything happens in any chat; False after ``seconds`` of silence."""
        news = self._news
        try:
            await asyncio.wait_for(news.wait(), seconds)
        except TimeoutError:
            return False
        return True

    # -- messages ---------------------------------------------------------------------------

    def message_json(self, chat: Chat, msg: ChatMessage, *, nested: bool = True) -> dict[str, Any]:
        """``msg`` as a Bot API ``Message`` object."""
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self.bot_sender if msg.from_bot else chat.user_json(),
            "chat": chat.chat_json(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if nested and msg.reply_to_message_id is not None:
            original = chat.messages.get(msg.reply_to_message_id)
            if original is not None:
                data["reply_to_message"] = self.message_json(chat, original, nested=False)
        text_key, entities_key = "text", "entities"
        if msg.kind == "photo":
            data["photo"] = [_photo_size(f) for f in msg.photo_sizes]
            text_key, entities_key = "caption", "caption_entities"
        elif msg.kind == "document" and msg.file is not None:
            data["document"] = _document(msg.file)
            text_key, entities_key = "caption", "caption_entities"
        elif msg.kind == "location" and msg.location is not None:
            data["location"] = {"latitude": msg.location[0], "longitude": msg.location[1]}
        if msg.text:
            data[text_key] = msg.text
            if msg.entities:
                data[entities_key] = [dict(e) for e in msg.entities]
        markup = msg.reply_markup
        if markup and "inline_keyboard" in markup:
            data["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return data

    def add_message(
        self, chat: Chat, *, from_bot: bool, kind: MessageKind, **fields: Any
    ) -> ChatMessage:
        """A new message in ``chat`` with the next message id, recorded as an event."""
        msg = ChatMessage(
            message_id=chat.new_message_id(),
            from_bot=from_bot,
            date=self.now(),
            kind=kind,
            **fields,
        )
        chat.messages[msg.message_id] = msg
        self.record(chat, "message" if from_bot else "user_message", message=msg)
        return msg

    def update_message(self, chat: Chat, msg: ChatMessage, **changes: Any) -> ChatMessage:
        """Apply a bot edit: the message changes in place and gets an ``edit_date``."""
        edited = replace(msg, edit_date=self.now(), **changes)
        chat.messages[msg.message_id] = edited
        self.record(chat, "edit", message=edited)
        return edited

    def delete_message(self, chat: Chat, msg: ChatMessage) -> None:
        del chat.messages[msg.message_id]
        self.record(chat, "delete", message=msg)

    # -- the user's device --------------------------------------------------------------------

    def user_text(self, chat: Chat, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """The user sends ``text``; Telegram marks commands with ``bot_command`` entities."""
        if not text.strip():
            raise StubRefusal("a Telegram client cannot send an empty message")
        if reply_to is not None and reply_to not in chat.messages:
            raise StubRefusal(f"message {reply_to} is not in the chat with user {chat.user_id}")
        msg = self.add_message(
            chat,
            from_bot=False,
            kind="text",
            text=text,
            entities=command_entities(text),
            reply_to_message_id=reply_to,
        )
        return self.updates.push("message", self.message_json(chat, msg), chat.user_id)

    def user_location(self, chat: Chat, latitude: float, longitude: float) -> dict[str, Any]:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise StubRefusal(f"({latitude}, {longitude}) is not a place on Earth")
        msg = self.add_message(
            chat, from_bot=False, kind="location", location=(float(latitude), float(longitude))
        )
        return self.updates.push("message", self.message_json(chat, msg), chat.user_id)

    def user_press(
        self, chat: Chat, message_id: int, data: str, *, check: bool = True
    ) -> dict[str, Any]:
        """The user presses the button carrying ``data`` under bot message ``message_id``.

        With ``check`` the press must be possible on a real client: the message exists, is
        the bot's, and has a button with exactly this callback data.
        """
        msg = chat.messages.get(message_id)
        if check:
            if msg is None or not msg.from_bot:
                raise StubRefusal(
                    f"user {chat.user_id} sees no bot message {message_id} to press a button on"
                )
            offered = [b.callback_data for row in msg.buttons for b in row]
            if data not in offered:
                raise StubRefusal(
                    f"message {message_id} has no button with callback data {data!r}; "
                    f"buttons: {[(b.text, b.callback_data) for row in msg.buttons for b in row]}"
                )
        query_id = str(next(self._query_ids))
        self.queries[query_id] = CallbackQueryRecord(
            query_id, chat.user_id, message_id, data, self.clock()
        )
        query: dict[str, Any] = {
            "id": query_id,
            "from": chat.user_json(),
            "chat_instance": str(-(abs(chat.user_id) * 7919 + 13)),
            "data": data,
        }
        if msg is not None:
            query["message"] = self.message_json(chat, msg)
        else:  # a forged press on a message the user cannot see
            query["message"] = {"chat": chat.chat_json(), "message_id": message_id, "date": 0}
        self.record(chat, "user_press", action=data)
        return self.updates.push("callback_query", query, chat.user_id)

    # -- files -------------------------------------------------------------------------------

    def file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise LookupError(f"no file {file_id!r}")
        return stored


def _photo_size(f: StoredFile) -> dict[str, Any]:
    return {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "file_size": f.size,
        "width": f.width or 1,
        "height": f.height or 1,
    }


def _document(f: StoredFile) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "file_size": f.size,
    }
    if f.filename:
        doc["file_name"] = f.filename
    if f.mime_type:
        doc["mime_type"] = f.mime_type
    return doc
