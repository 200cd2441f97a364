"""What a simulated user's phone shows: the chat with the bot and everything that happens in it.

Tests and the browser sandbox look at the conversation from the user's side: which messages
the bot sent, what they say now (after edits), which buttons they carry, what the bot
answered to a button press.  These views are immutable snapshots so that an event keeps
showing the message as it was when the event happened, while ``Chat.messages`` always holds
the current state.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.stub.media import StoredFile

MessageKind = Literal[
    "text", "photo", "document", "animation", "location", "sticker", "voice", "service"
]
ChatType = Literal["private", "group", "supergroup"]
# The bot's membership of a group, as ChatMember statuses name it.
BotStatus = Literal["member", "left", "kicked"]
EventKind = Literal[
    "message",  # the bot sent a message
    "edit",  # the bot edited one of its messages
    "delete",  # the bot deleted a message
    "callback_answer",  # the bot answered a button press
    "chat_action",  # the bot showed "typing..." or similar
    "leave",  # the bot left the group (leaveChat)
    "user_message",  # a user sent text, media, a location (or a service message appeared)
    "user_edit",  # a user edited one of their messages
    "user_press",  # a user pressed an inline button
    "bot_added",  # a user added the bot to the group
    "bot_removed",  # a user removed the bot from the group
]
BOT_EVENTS: frozenset[EventKind] = frozenset(
    {"message", "edit", "delete", "callback_answer", "leave"}
)
# Message kinds whose ``text`` is a caption.
CAPTIONED: frozenset[MessageKind] = frozenset({"photo", "document", "animation", "voice"})


@dataclass(frozen=True, slots=True)
class Button:
    """One inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "callback_data": self.callback_data, "url": self.url}


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A message in the chat, from the bot or from a user, as it looks right now.

    ``text`` is the message text, or the caption of a photo, document or voice note.
    ``sender_id`` is the user who wrote it (None for the bot's messages); ``media`` holds
    the extra fields of a sticker or voice object (``duration``, ``emoji``...), and
    ``service`` the top-level fields of a service message (``new_chat_members``...).
    """

    message_id: int
    from_bot: bool
    date: int
    kind: MessageKind
    text: str = ""
    entities: tuple[Mapping[str, Any], ...] = ()
    reply_markup: Mapping[str, Any] | None = None
    file: StoredFile | None = None
    photo_sizes: tuple[StoredFile, ...] = ()
    location: tuple[float, float] | None = None
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    sender_id: int | None = None
    media: Mapping[str, Any] | None = None
    service: Mapping[str, Any] | None = None

    @property
    def caption(self) -> str:
        return self.text if self.kind in CAPTIONED else ""

    @property
    def buttons(self) -> tuple[tuple[Button, ...], ...]:
        """Inline keyboard rows; empty when the message has none."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or ()
        return tuple(
            tuple(Button(b["text"], b.get("callback_data"), b.get("url")) for b in row)
            for row in rows
        )

    @property
    def button_rows(self) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard as rows of (label, callback data)."""
        return [[(b.text, b.callback_data) for b in row] for row in self.buttons]

    @property
    def button_labels(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    @property
    def reply_keyboard(self) -> tuple[tuple[str, ...], ...] | None:
        """Labels of a custom reply keyboard the bot attached, if any."""
        rows = (self.reply_markup or {}).get("keyboard")
        if rows is None:
            return None
        return tuple(tuple(b["text"] for b in row) for row in rows)

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def button(self, label: str) -> str:
        """Callback data of the button whose label is ``label`` or contains it.

        An exact label wins over a partial one; an ambiguous or missing label is a test
        error, reported with the labels that are there.
        """
        candidates = [b for row in self.buttons for b in row if b.callback_data is not None]
        exact = [b for b in candidates if b.text == label]
        partial = [b for b in candidates if label.casefold() in b.text.casefold()]
        found = exact or partial
        if len(found) == 1 and found[0].callback_data is not None:
            return found[0].callback_data
        problem = "is ambiguous" if found else "is not on the keyboard"
        raise LookupError(
            f"button {label!r} {problem} of message {self.message_id}; "
            f"buttons: {self.button_labels!r}"
        )

    def has_button(self, label: str) -> bool:
        return any(label.casefold() in b.text.casefold() for row in self.buttons for b in row)

    def to_json(self, file_url: str | None = None) -> dict[str, Any]:
        """The view the browser sandbox renders."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "sender_id": self.sender_id,
            "date": self.date,
            "kind": self.kind,
            "text": self.text,
            "entities": [dict(e) for e in self.entities],
            "buttons": [[b.to_json() for b in row] for row in self.buttons],
            "reply_keyboard": keyboard_json(self.reply_markup),
            "remove_keyboard": self.removes_keyboard,
            "edit_date": self.edit_date,
            "reply_to_message_id": self.reply_to_message_id,
            "location": (
                {"latitude": self.location[0], "longitude": self.location[1]}
                if self.location
                else None
            ),
            "file": None,
        }
        if self.file is not None:
            data["file"] = {
                "file_id": self.file.file_id,
                "file_name": self.file.filename,
                "mime_type": self.file.mime_type,
                "file_size": self.file.size,
                "width": self.file.width,
                "height": self.file.height,
                "url": file_url,
            }
        return data


def keyboard_json(markup: Mapping[str, Any] | None) -> list[list[dict[str, Any]]] | None:
    """A custom reply keyboard's buttons (text, request_location...), or None."""
    rows = (markup or {}).get("keyboard")
    if rows is None:
        return None
    return [[dict(button) for button in row] for row in rows]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered to a button press (the toast or alert the user sees)."""

    callback_query_id: str
    message_id: int
    data: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None
    user_id: int | None = None  # who pressed (and sees the answer); matters in groups

    def to_json(self) -> dict[str, Any]:
        return {
            "callback_query_id": self.callback_query_id,
            "message_id": self.message_id,
            "data": self.data,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One thing that happened in a chat, numbered by a sequence shared by all chats."""

    seq: int
    user_id: int  # the chat: the user's id, or a group's negative id
    kind: EventKind
    message: ChatMessage | None = None
    answer: CallbackAnswer | None = None
    action: str | None = None
    actor_id: int | None = None  # the user who acted, for user events

    def to_json(self, file_url: str | None = None) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "message": self.message.to_json(file_url) if self.message else None,
            "answer": self.answer.to_json() if self.answer else None,
            "action": self.action,
        }


def has_live_buttons(message: ChatMessage) -> bool:
    """Whether the message has inline buttons (a card that still takes taps)."""
    markup = message.reply_markup or {}
    return bool(markup.get("inline_keyboard"))


def edit_action(before: ChatMessage, after: ChatMessage) -> str | None:
    """How an edit changed a card: "stripped" (only its buttons went), "closed" (new words and
    no buttons: an answered question), or None (anything else)."""
    if not has_live_buttons(before) or has_live_buttons(after):
        return None
    return "stripped" if before.text == after.text else "closed"


def _hides(message: ChatMessage, keyboard: ChatMessage | None) -> bool:
    """Whether ``message`` takes away the custom keyboard of ``keyboard``."""
    if message.from_bot:
        return bool((message.reply_markup or {}).get("remove_keyboard"))
    return keyboard is not None and bool((keyboard.reply_markup or {}).get("one_time_keyboard"))


def _seq(event: ChatEvent) -> int:
    return event.seq


@dataclass(frozen=True, slots=True)
class ChatView:
    """The chat as the user sees it: every message in order, and the bot's button answers."""

    user_id: int
    messages: tuple[ChatMessage, ...]
    callback_answers: tuple[CallbackAnswer, ...]

    @property
    def chat_id(self) -> int:
        return self.user_id

    @property
    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.from_bot]

    @property
    def user_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if not m.from_bot]

    @property
    def last_bot_message(self) -> ChatMessage | None:
        bot = self.bot_messages
        return bot[-1] if bot else None

    @property
    def reply_keyboard_message(self) -> ChatMessage | None:
        """The bot message whose custom reply keyboard the user currently has, if any.

        A keyboard stays until another replaces it or one with ``remove_keyboard`` comes; a
        ``one_time_keyboard`` hides after the user's next message.
        """
        current: ChatMessage | None = None
        for message in self.messages:
            markup = message.reply_markup or {}
            if message.from_bot and "keyboard" in markup:
                current = message
            elif _hides(message, current):
                current = None
        return current

    @property
    def reply_keyboard(self) -> tuple[tuple[str, ...], ...] | None:
        """Labels of the custom keyboard shown instead of the phone's keyboard, if any."""
        message = self.reply_keyboard_message
        return message.reply_keyboard if message else None

    @property
    def texts(self) -> list[str]:
        """Texts (or captions) of the bot's messages, oldest first."""
        return [m.text for m in self.bot_messages]


@dataclass(frozen=True, slots=True)
class GroupView(ChatView):
    """A group or supergroup as its members see it, plus who is in it.

    ``user_id`` (also ``chat_id``) is the group's negative id; each message's
    ``sender_id`` tells which member wrote it.
    """

    type: ChatType
    title: str
    username: str | None
    member_ids: tuple[int, ...]
    bot_status: BotStatus

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status == "member"

    def messages_from(self, user_id: int) -> list[ChatMessage]:
        """What member ``user_id`` wrote, oldest first."""
        return [m for m in self.messages if m.sender_id == user_id]


@dataclass
class UserProfile:
    """How a user appears to the bot: the fields of a Bot API ``User``."""

    first_name: str = "User"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def user_json(self, user_id: int) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass(eq=False)
class Chat:
    """A chat the bot is (or was) in: the live state behind the views.

    A private chat with one user (``user_id`` is the user's id and the chat's), or a group
    or supergroup (``user_id`` is the group's negative id, ``members`` its users).
    """

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    answers: list[CallbackAnswer] = field(default_factory=list)
    read_upto: int = 0  # index in ``events`` up to which next_event() has read
    type: ChatType = "private"
    title: str = ""
    members: dict[int, UserProfile] = field(default_factory=dict)
    bot_status: BotStatus = "member"
    bot_was_member: bool = False  # a group the bot has been in (else it is "not found")
    bot_known: set[int] = field(default_factory=set)  # user messages the bot received
    _last_message_id: int = 0

    @property
    def chat_id(self) -> int:
        return self.user_id

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def new_message_id(self) -> int:
        """Message ids of a chat grow by one for both sides' messages."""
        self._last_message_id += 1
        return self._last_message_id

    def profile(self) -> UserProfile:
        """The private chat's user as a profile (to seed their membership of a group)."""
        return UserProfile(self.first_name, self.last_name, self.username, self.language_code)

    def user_json(self) -> dict[str, Any]:
        """The private chat's user as a Bot API ``User`` object."""
        return self.profile().user_json(self.user_id)

    def sender_json(self, user_id: int | None) -> dict[str, Any]:
        """User ``user_id`` of this chat as a Bot API ``User`` (the chat's user if None)."""
        if not self.is_group or user_id is None:
            return self.user_json()
        return self.members.get(user_id, UserProfile()).user_json(user_id)

    def chat_json(self) -> dict[str, Any]:
        """The chat as a Bot API ``Chat`` object."""
        if self.is_group:
            group: dict[str, Any] = {"id": self.user_id, "type": self.type, "title": self.title}
            if self.username:
                group["username"] = self.username
            return group
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def record(self, event: ChatEvent) -> ChatEvent:
        self.events.append(event)
        return event

    def events_after(self, seq: int) -> list[ChatEvent]:
        return self.events[bisect.bisect_right(self.events, seq, key=_seq) :]

    def view(self) -> ChatView:
        messages, answers = tuple(self.messages.values()), tuple(self.answers)
        if self.is_group:
            return GroupView(
                self.user_id,
                messages,
                answers,
                type=self.type,
                title=self.title,
                username=self.username,
                member_ids=tuple(self.members),
                bot_status=self.bot_status,
            )
        return ChatView(self.user_id, messages, answers)
