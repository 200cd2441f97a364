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

MessageKind = Literal["text", "photo", "document", "location"]
EventKind = Literal[
    "message",  # the bot sent a message
    "edit",  # the bot edited one of its messages
    "delete",  # the bot deleted a message
    "callback_answer",  # the bot answered a button press
    "chat_action",  # the bot showed "typing..." or similar
    "user_message",  # the user sent text or a location
    "user_press",  # the user pressed an inline button
]
BOT_EVENTS: frozenset[EventKind] = frozenset({"message", "edit", "delete", "callback_answer"})


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
    """A message in the chat, from the bot or from the user, as it looks right now.

    ``text`` is the message text, or the caption of a photo or document.
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

    @property
    def caption(self) -> str:
        return self.text if self.kind in ("photo", "document") else ""

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
    user_id: int
    kind: EventKind
    message: ChatMessage | None = None
    answer: CallbackAnswer | None = None
    action: str | None = None

    def to_json(self, file_url: str | None = None) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "message": self.message.to_json(file_url) if self.message else None,
            "answer": self.answer.to_json() if self.answer else None,
            "action": self.action,
        }


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


@dataclass(eq=False)
class Chat:
    """A private chat between the bot and one user: the live state behind the views."""

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
    _last_message_id: int = 0

    def new_message_id(self) -> int:
        """Message ids of a private chat grow by one for both sides' messages, as on Telegram."""
        self._last_message_id += 1
        return self._last_message_id

    def user_json(self) -> dict[str, Any]:
        """The user as a Bot API ``User`` object."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_json(self) -> dict[str, Any]:
        """The chat as a Bot API ``Chat`` object."""
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
        return ChatView(self.user_id, tuple(self.messages.values()), tuple(self.answers))
