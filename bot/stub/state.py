"""Telegram's side of the conversation: chats, messages, files, button presses, commands.

Everything the bot can observe through the Bot API, and everything a user's device can do,
changes this one object, so that the two sides always agree: a message the bot sends is in
the user's chat view with the same id, a button press carries the message as it looks now,
and a callback query expires on the same clock that stamps message dates (injectable,
because tests fast-forward time).

Chats are private chats with one user, or groups and supergroups with several members.  In
a group the bot sees what Telegram lets it see: nothing while it is not a member, and with
privacy mode on (the default, as getMe's ``can_read_all_group_messages`` says) only
commands for it, replies to its messages and service messages.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.stub.chat import (
    CAPTIONED,
    BotStatus,
    Chat,
    ChatEvent,
    ChatMessage,
    ChatType,
    EventKind,
    MessageKind,
    UserProfile,
    edit_action,
)
from bot.stub.errors import (
    BLOCKED_BY_USER,
    CHAT_NOT_FOUND,
    KICKED_FROM,
    NOT_A_MEMBER,
    BotApiError,
    StubRefusal,
    bad_request,
)
from bot.stub.formatting import command_entities, utf16_len, utf16_slice
from bot.stub.media import FileStore, StoredFile
from bot.stub.updates import UpdateQueue

QUERY_LIFETIME = 15 * 60  # seconds Telegram accepts an answer to a callback query
CAPTION_LIMIT = 1024  # what a client lets a user type under a photo, document or voice note
# Basic group ids lie in (-10**12, 0); supergroup ids are -100 followed by the channel id.
SUPERGROUP_ID_BELOW = -(10**12)
_GROUP_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")


@dataclass
class CallbackQueryRecord:
    """A button press the bot has yet to answer (or has answered)."""

    query_id: str
    user_id: int  # who pressed
    chat_id: int  # where the message is
    message_id: int
    data: str
    created: float
    answered: bool = False


def bot_user_from_token(
    token: str, first_name: str, username: str, *, group_privacy: bool = True
) -> dict[str, Any]:
    """The bot's ``User`` object; its id is the number before ':' in the token."""
    return {
        "id": int(token.split(":", 1)[0]),
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": not group_privacy,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def scope_key(scope: Mapping[str, Any] | None) -> str:
    """A stable key for a BotCommandScope (the default scope when none is given)."""
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)


class StubState:
    """The world behind the Bot API: a private chat per simulated user, and groups."""

    def __init__(
        self,
        *,
        token: str,
        bot_first_name: str,
        bot_username: str,
        clock: Callable[[], float],
        group_privacy: bool = True,
    ) -> None:
        self.bot_user = bot_user_from_token(
            token, bot_first_name, bot_username, group_privacy=group_privacy
        )
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
        """The private chat with ``user_id``, created on first contact ("User", language "en").

        Profile details given for an existing chat replace the old ones (in the groups the
        user is in, too); details left out stay as they were.
        """
        chat = self.chats.get(user_id)
        if chat is not None and chat.is_group:
            raise StubRefusal(f"{user_id} is a group; a member acts in it with chat_id={user_id}")
        if chat is None:
            if user_id <= 0:
                raise StubRefusal(f"user ids are positive; {user_id} is not a user")
            chat = Chat(user_id, first_name or "User", last_name, username, language_code or "en")
            self.chats[user_id] = chat
            self.notify()
            return chat
        self.update_profile(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        return chat

    def update_profile(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        """Change how ``user_id`` appears, in their private chat and in every group."""
        changes = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
        }
        given = {k: v for k, v in changes.items() if v is not None}
        if not given:
            return
        private = self.chats.get(user_id)
        targets: list[Chat | UserProfile] = [private] if private and not private.is_group else []
        targets += [g.members[user_id] for g in self.chats.values() if user_id in g.members]
        for target in targets:
            for name, value in given.items():
                setattr(target, name, value)

    def chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            raise LookupError(f"user {user_id} has no chat with the bot yet")
        return chat

    # -- groups -----------------------------------------------------------------------------

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        chat_type: ChatType = "group",
        username: str | None = None,
        with_bot: bool = False,
    ) -> Chat:
        """A new group (or supergroup) with no members yet; the bot is in it if ``with_bot``."""
        if chat_id in self.chats:
            raise StubRefusal(f"chat {chat_id} already exists")
        if chat_type not in ("group", "supergroup"):
            raise StubRefusal(f"chat type {chat_type!r} is not a group")
        if chat_type == "group" and not SUPERGROUP_ID_BELOW < chat_id < 0:
            raise StubRefusal(f"a basic group's id is negative, above -10**12; not {chat_id}")
        if chat_type == "supergroup" and not chat_id < SUPERGROUP_ID_BELOW:
            raise StubRefusal(
                f"a supergroup's id is -100 followed by the channel id (below -10**12); "
                f"not {chat_id}"
            )
        if not title.strip():
            raise StubRefusal("a group needs a title")
        if username is not None and (
            chat_type != "supergroup" or not _GROUP_USERNAME.fullmatch(username)
        ):
            raise StubRefusal(
                f"only a supergroup has a public username, 5-32 characters: {username!r}"
            )
        status: BotStatus = "member" if with_bot else "left"
        group = Chat(chat_id, "", type=chat_type, title=title, bot_status=status)
        group.username = username
        group.bot_was_member = with_bot
        self.chats[chat_id] = group
        self.notify()
        return group

    def group(self, chat_id: int) -> Chat:
        group = self.chats.get(chat_id)
        if group is None or not group.is_group:
            raise LookupError(f"no group {chat_id}; add_group() first")
        return group

    def join_group(
        self,
        group: Chat,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        """``user_id`` becomes a member (as they appear in their private chat, if any)."""
        if user_id <= 0:
            raise StubRefusal(f"user ids are positive; {user_id} is not a user")
        if user_id not in group.members:
            private = self.chats.get(user_id)
            known = private is not None and not private.is_group
            group.members[user_id] = private.profile() if private and known else UserProfile()
        self.update_profile(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    @staticmethod
    def member_of(group: Chat, user_id: int) -> int:
        if user_id not in group.members:
            raise StubRefusal(
                f"user {user_id} is not a member of group {group.user_id}; add_group_member() first"
            )
        return user_id

    def bot_membership(self, group: Chat, status: BotStatus, *, by: int | None) -> dict[str, Any]:
        """The bot's status in ``group`` changes; it gets a ``my_chat_member`` update.

        ``by`` is the member who added or removed the bot (None: the bot itself, leaveChat).
        """
        old = group.bot_status
        group.bot_status = status
        if status == "member":
            group.bot_was_member = True
        return self.updates.push(
            "my_chat_member",
            {
                "chat": group.chat_json(),
                "from": self.bot_sender if by is None else group.sender_json(by),
                "date": self.now(),
                "old_chat_member": self._bot_member(group, old),
                "new_chat_member": self._bot_member(group, status),
            },
            group.user_id,
        )

    def _bot_member(self, chat: Chat, status: BotStatus) -> dict[str, Any]:
        """The bot as a ``ChatMember``; a basic group has no ban list, so removal is "left"."""
        if status == "kicked" and chat.type != "group":
            return {"user": self.bot_sender, "status": "kicked", "until_date": 0}
        return {"user": self.bot_sender, "status": "member" if status == "member" else "left"}

    def service_message(
        self, group: Chat, by: int, fields: dict[str, Any], *, deliver: bool | None = None
    ) -> dict[str, Any]:
        """A service message (``new_chat_members``...) by member ``by``, as the bot gets it."""
        msg = self.add_message(group, from_bot=False, kind="service", sender_id=by, service=fields)
        return self._deliver(group, msg, force=deliver)

    # -- the chat a bot call addresses -------------------------------------------------------

    def target_chat(self, chat_id: int | str, *, blocked_check: bool = True) -> Chat:
        """The chat a bot call addresses, refused as Telegram refuses it."""
        chat: Chat | None
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                chat = self._public_group(chat_id[1:])
            elif chat_id.lstrip("-").isdigit():
                chat = self.chats.get(int(chat_id))
            else:
                raise bad_request(CHAT_NOT_FOUND)
        else:
            chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if chat.is_group:
            self._check_bot_in(chat)
        elif blocked_check and chat.blocked:
            raise BotApiError(403, BLOCKED_BY_USER)
        return chat

    def _public_group(self, username: str) -> Chat | None:
        wanted = username.casefold()
        return next(
            (
                c
                for c in self.chats.values()
                if c.username and c.is_group and c.username.casefold() == wanted
            ),
            None,
        )

    @staticmethod
    def _check_bot_in(group: Chat) -> None:
        if group.bot_status == "member":
            return
        if not group.bot_was_member and not group.username:
            raise bad_request(CHAT_NOT_FOUND)  # a private group the bot has never seen
        wording = KICKED_FROM if group.bot_status == "kicked" else NOT_A_MEMBER
        raise BotApiError(403, wording.format(group.type))

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
            "from": self.bot_sender if msg.from_bot else chat.sender_json(msg.sender_id),
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
        if msg.kind in CAPTIONED:
            text_key, entities_key = "caption", "caption_entities"
        if msg.kind == "photo":
            data["photo"] = [_photo_size(f) for f in msg.photo_sizes]
        elif msg.kind == "document" and msg.file is not None:
            data["document"] = _document(msg.file)
        elif msg.kind == "animation" and msg.file is not None:
            # Like Telegram: an animation is also given as a document, for older clients.
            data["animation"] = _animation(msg.file)
            data["document"] = _document(msg.file)
        elif msg.kind == "voice" and msg.file is not None:
            data["voice"] = _voice(msg.file, msg.media or {})
        elif msg.kind == "sticker" and msg.file is not None:
            data["sticker"] = _sticker(msg.file, msg.media or {})
        elif msg.kind == "location" and msg.location is not None:
            data["location"] = {"latitude": msg.location[0], "longitude": msg.location[1]}
        elif msg.kind == "service" and msg.service:
            data.update(msg.service)
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
        """A new message in ``chat`` with the next message id, recorded as an event.

        A user's message names its sender (``sender_id``; in a private chat, the chat's user).
        """
        if not from_bot and fields.get("sender_id") is None:
            fields["sender_id"] = chat.user_id
        msg = ChatMessage(
            message_id=chat.new_message_id(),
            from_bot=from_bot,
            date=self.now(),
            kind=kind,
            **fields,
        )
        chat.messages[msg.message_id] = msg
        self.record(
            chat,
            "message" if from_bot else "user_message",
            message=msg,
            actor_id=msg.sender_id,
        )
        return msg

    def update_message(self, chat: Chat, msg: ChatMessage, **changes: Any) -> ChatMessage:
        """Apply a bot edit: the message changes in place and gets an ``edit_date``."""
        edited = replace(msg, edit_date=self.now(), **changes)
        chat.messages[msg.message_id] = edited
        self.record(chat, "edit", message=edited, action=edit_action(msg, edited))
        return edited

    def delete_message(self, chat: Chat, msg: ChatMessage) -> None:
        del chat.messages[msg.message_id]
        self.record(chat, "delete", message=msg)

    # -- what the bot may see -----------------------------------------------------------------

    def bot_sees(self, chat: Chat, msg: ChatMessage) -> bool:
        """Whether Telegram hands the bot this user message (privacy mode, membership).

        In a private chat, always.  In a group, never while the bot is not a member;
        otherwise service messages always, and everything else only without privacy mode
        or when it is a command for this bot (``/cmd`` or ``/cmd@this_bot``, not
        ``/cmd@other_bot``) or a reply to one of the bot's messages.
        """
        if not chat.is_group:
            return True
        if chat.bot_status != "member":
            return False
        if msg.kind == "service" or self.bot_user["can_read_all_group_messages"]:
            return True
        if msg.reply_to_message_id is not None:
            original = chat.messages.get(msg.reply_to_message_id)
            if original is not None and original.from_bot:
                return True
        return any(
            self._for_this_bot(utf16_slice(msg.text, e["offset"], e["length"]))
            for e in msg.entities
            if e.get("type") == "bot_command"
        )

    def _for_this_bot(self, command: str) -> bool:
        _, _, addressee = command.partition("@")
        return not addressee or addressee.casefold() == str(self.bot_user["username"]).casefold()

    def _deliver(
        self, chat: Chat, msg: ChatMessage, *, force: bool | None = None
    ) -> dict[str, Any]:
        """Queue ``msg`` as a ``message`` update if the bot may see it; return the update."""
        seen = self.bot_sees(chat, msg) if force is None else force
        if seen:
            chat.bot_known.add(msg.message_id)
        return self.updates.push(
            "message", self.message_json(chat, msg), chat.user_id, deliver=seen
        )

    # -- the user's device --------------------------------------------------------------------

    def _reply_target(self, chat: Chat, reply_to: int | None) -> int | None:
        if reply_to is not None and reply_to not in chat.messages:
            raise StubRefusal(f"message {reply_to} is not in chat {chat.user_id}")
        return reply_to

    def user_text(
        self,
        chat: Chat,
        text: str,
        *,
        reply_to: int | None = None,
        sender_id: int | None = None,
    ) -> dict[str, Any]:
        """A user sends ``text``; Telegram marks commands with ``bot_command`` entities.

        ``sender_id`` names the member in a group (a private chat's user sends by default).
        """
        if not text.strip():
            raise StubRefusal("a Telegram client cannot send an empty message")
        msg = self.add_message(
            chat,
            from_bot=False,
            kind="text",
            text=text,
            entities=command_entities(text),
            reply_to_message_id=self._reply_target(chat, reply_to),
            sender_id=sender_id,
        )
        return self._deliver(chat, msg)

    def user_location(
        self, chat: Chat, latitude: float, longitude: float, *, sender_id: int | None = None
    ) -> dict[str, Any]:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise StubRefusal(f"({latitude}, {longitude}) is not a place on Earth")
        msg = self.add_message(
            chat,
            from_bot=False,
            kind="location",
            location=(float(latitude), float(longitude)),
            sender_id=sender_id,
        )
        return self._deliver(chat, msg)

    def user_media(
        self,
        chat: Chat,
        kind: MessageKind,
        file: StoredFile,
        *,
        caption: str = "",
        photo_sizes: tuple[StoredFile, ...] = (),
        media: dict[str, Any] | None = None,
        reply_to: int | None = None,
        sender_id: int | None = None,
    ) -> dict[str, Any]:
        """A user sends a photo, document, voice note or sticker already in the file store."""
        caption = caption.strip()
        if caption and kind not in CAPTIONED:
            raise StubRefusal(f"a {kind} has no caption")
        if utf16_len(caption) > CAPTION_LIMIT:
            raise StubRefusal(f"a caption is at most {CAPTION_LIMIT} characters")
        msg = self.add_message(
            chat,
            from_bot=False,
            kind=kind,
            text=caption,
            entities=command_entities(caption),
            file=file,
            photo_sizes=photo_sizes,
            media=media,
            reply_to_message_id=self._reply_target(chat, reply_to),
            sender_id=sender_id,
        )
        return self._deliver(chat, msg)

    def user_edit(
        self, chat: Chat, message_id: int, text: str, *, sender_id: int | None = None
    ) -> dict[str, Any]:
        """A user edits the text (or caption) of their own message ``message_id``.

        The bot gets an ``edited_message`` update, the message with its new text and an
        ``edit_date``, if it received the message in the first place.
        """
        author = chat.user_id if sender_id is None else sender_id
        msg = chat.messages.get(message_id)
        if msg is None or msg.from_bot or msg.sender_id != author:
            raise StubRefusal(
                f"user {author} has no message {message_id} of their own in chat "
                f"{chat.user_id} to edit"
            )
        if msg.kind == "text":
            text = text.strip()
            if not text:
                raise StubRefusal("a Telegram client cannot save an empty message")
        elif msg.kind in CAPTIONED:
            text = text.strip()
            if utf16_len(text) > CAPTION_LIMIT:
                raise StubRefusal(f"a caption is at most {CAPTION_LIMIT} characters")
        else:
            raise StubRefusal(f"a {msg.kind} message has no text to edit")
        if text == msg.text:
            raise StubRefusal("the text is unchanged; a Telegram client saves no edit then")
        edited = replace(msg, text=text, entities=command_entities(text), edit_date=self.now())
        chat.messages[message_id] = edited
        self.record(chat, "user_edit", message=edited, actor_id=author)
        known = message_id in chat.bot_known and (not chat.is_group or chat.bot_status == "member")
        return self.updates.push(
            "edited_message", self.message_json(chat, edited), chat.user_id, deliver=known
        )

    def user_press(
        self,
        chat: Chat,
        message_id: int,
        data: str,
        *,
        check: bool = True,
        sender_id: int | None = None,
    ) -> dict[str, Any]:
        """A user presses the button carrying ``data`` under bot message ``message_id``.

        With ``check`` the press must be possible on a real client: the message exists, is
        the bot's, and has a button with exactly this callback data.  ``sender_id`` names
        the member who presses in a group.
        """
        presser = chat.user_id if sender_id is None else sender_id
        msg = chat.messages.get(message_id)
        if check:
            if msg is None or not msg.from_bot:
                raise StubRefusal(
                    f"user {presser} sees no bot message {message_id} in chat {chat.user_id} "
                    "to press a button on"
                )
            offered = [b.callback_data for row in msg.buttons for b in row]
            if data not in offered:
                raise StubRefusal(
                    f"message {message_id} has no button with callback data {data!r}; "
                    f"buttons: {[(b.text, b.callback_data) for row in msg.buttons for b in row]}"
                )
        query_id = str(next(self._query_ids))
        self.queries[query_id] = CallbackQueryRecord(
            query_id, presser, chat.user_id, message_id, data, self.clock()
        )
        query: dict[str, Any] = {
            "id": query_id,
            "from": chat.sender_json(presser),
            "chat_instance": str(-(abs(chat.user_id) * 7919 + 13)),
            "data": data,
        }
        if msg is not None:
            query["message"] = self.message_json(chat, msg)
        else:  # a forged press on a message the user cannot see
            query["message"] = {"chat": chat.chat_json(), "message_id": message_id, "date": 0}
        self.record(chat, "user_press", action=data, actor_id=presser)
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


def _animation(f: StoredFile) -> dict[str, Any]:
    return {
        **_document(f),
        "width": f.width or 1,
        "height": f.height or 1,
        "duration": 0,
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


def _voice(f: StoredFile, media: Mapping[str, Any]) -> dict[str, Any]:
    voice: dict[str, Any] = {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "duration": int(media.get("duration", 1)),
    }
    if f.mime_type:
        voice["mime_type"] = f.mime_type
    voice["file_size"] = f.size
    return voice


def _sticker(f: StoredFile, media: Mapping[str, Any]) -> dict[str, Any]:
    sticker: dict[str, Any] = {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "type": media.get("type", "regular"),
        "width": f.width or 512,
        "height": f.height or 512,
        "is_animated": bool(media.get("is_animated", False)),
        "is_video": bool(media.get("is_video", False)),
    }
    for optional in ("emoji", "set_name"):
        if media.get(optional):
            sticker[optional] = media[optional]
    sticker["file_size"] = f.size
    return sticker
