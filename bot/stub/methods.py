"""The Bot API methods the stand-in serves, with Telegram's rules for each.

Parameters arrive already checked against the official field list (see ``validation``);
what remains here are the rules that depend on state or on meaning: text limits after
entity parsing, which chat and message an edit may touch, the one-answer, fifteen-minute
life of a callback query, "message is not modified", and so on.  Methods of the API that
are not listed here are refused with a clear 400 rather than faked.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.stub import errors as e
from bot.stub.chat import CallbackAnswer, Chat, ChatMessage
from bot.stub.errors import bad_request
from bot.stub.formatting import FormattedText, check_length, format_text, utf16_len
from bot.stub.media import StoredFile, UploadedFile
from bot.stub.state import QUERY_LIFETIME, StubState, scope_key
from bot.stub.webhook import WebhookDelivery

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_TEXT_LIMIT = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Methods that put a message into a chat: what Telegram's flood limits count.
MESSAGE_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument", "sendanimation"})


class BotMethods:
    """Handlers by lower-case method name, over one :class:`StubState`."""

    def __init__(self, state: StubState, webhook: WebhookDelivery) -> None:
        self.state = state
        self.webhook = webhook
        self.handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "sendanimation": self.send_animation,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "setmycommands": self.set_my_commands,
            "deletemycommands": self.delete_my_commands,
            "getmycommands": self.get_my_commands,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "getfile": self.get_file,
            "leavechat": self.leave_chat,
            "close": self.close,
            "logout": self.close,
        }

    def handler(self, method: str) -> Handler | None:
        return self.handlers.get(method.lower())

    # -- identity and updates ---------------------------------------------------------------

    async def get_me(self, p: Params) -> Any:
        return self.state.bot_user

    async def get_updates(self, p: Params) -> Any:
        return await self.state.updates.get_updates(
            offset=p.get("offset"),
            limit=p.get("limit"),
            timeout=p.get("timeout"),
            allowed_updates=p.get("allowed_updates"),
        )

    async def close(self, p: Params) -> Any:
        return True

    # -- sending ----------------------------------------------------------------------------

    async def send_message(self, p: Params) -> Any:
        chat = self.state.target_chat(p["chat_id"])
        text = _formatted(p.get("text", ""), p.get("parse_mode"), p.get("entities"))
        check_length(text, maximum=TEXT_LIMIT, too_long=e.TEXT_TOO_LONG, empty=e.TEXT_EMPTY)
        msg = self.state.add_message(
            chat,
            from_bot=True,
            kind="text",
            text=text.text,
            entities=text.entities,
            reply_markup=p.get("reply_markup"),
            reply_to_message_id=self._reply_to(chat, p),
        )
        return self.state.message_json(chat, msg)

    async def send_photo(self, p: Params) -> Any:
        return self._send_media(p, kind="photo", field="photo", default_name="photo.jpg")

    async def send_document(self, p: Params) -> Any:
        return self._send_media(p, kind="document", field="document", default_name="document")

    async def send_animation(self, p: Params) -> Any:
        return self._send_media(
            p, kind="animation", field="animation", default_name="animation.gif"
        )

    def _send_media(self, p: Params, *, kind: str, field: str, default_name: str) -> Any:
        chat = self.state.target_chat(p["chat_id"])
        caption = _caption(p)
        value: UploadedFile | str = p[field]
        stored = self.state.files.resolve(value, kind=kind, default_name=default_name)
        sizes: tuple[StoredFile, ...] = ()
        if kind == "photo":
            sizes = tuple(self.state.files.photo_sizes(stored))
        msg = self.state.add_message(
            chat,
            from_bot=True,
            kind="photo" if kind == "photo" else "animation" if kind == "animation" else "document",
            text=caption.text,
            entities=caption.entities,
            reply_markup=p.get("reply_markup"),
            file=stored,
            photo_sizes=sizes,
            reply_to_message_id=self._reply_to(chat, p),
        )
        return self.state.message_json(chat, msg)

    @staticmethod
    def _reply_to(chat: Chat, p: Params) -> int | None:
        params = p.get("reply_parameters")
        if not params:
            return None
        message_id = int(params["message_id"])
        if message_id not in chat.messages:
            if params.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return message_id

    async def send_chat_action(self, p: Params) -> Any:
        chat = self.state.target_chat(p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request(e.WRONG_CHAT_ACTION)
        self.state.record(chat, "chat_action", action=p["action"])
        return True

    # -- editing ----------------------------------------------------------------------------

    def _editable(self, p: Params) -> tuple[Chat, ChatMessage]:
        if "inline_message_id" in p:
            raise bad_request("inline messages are not emulated by the local stand-in")
        if "chat_id" not in p:
            raise bad_request(e.CHAT_ID_EMPTY)
        if "message_id" not in p:
            raise bad_request("message identifier is not specified")
        chat = self.state.target_chat(p["chat_id"])
        msg = chat.messages.get(p["message_id"])
        if msg is None:
            raise bad_request(e.MESSAGE_TO_EDIT_NOT_FOUND)
        if not msg.from_bot:
            raise bad_request(e.MESSAGE_CANT_BE_EDITED)
        return chat, msg

    async def edit_message_text(self, p: Params) -> Any:
        chat, msg = self._editable(p)
        if "rich_message" in p:
            raise bad_request("rich messages are not emulated by the local stand-in")
        text = _formatted(p.get("text", ""), p.get("parse_mode"), p.get("entities"))
        check_length(text, maximum=TEXT_LIMIT, too_long=e.TEXT_TOO_LONG, empty=e.TEXT_EMPTY)
        if msg.kind != "text":
            raise bad_request(e.NO_TEXT_TO_EDIT)
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        markup = p.get("reply_markup")
        return self._apply_edit(chat, msg, text=text, reply_markup=markup)

    async def edit_message_caption(self, p: Params) -> Any:
        chat, msg = self._editable(p)
        if msg.kind not in ("photo", "document", "animation"):
            raise bad_request(e.NO_CAPTION_TO_EDIT)
        return self._apply_edit(chat, msg, text=_caption(p), reply_markup=p.get("reply_markup"))

    async def edit_message_reply_markup(self, p: Params) -> Any:
        chat, msg = self._editable(p)
        current = FormattedText(msg.text, tuple(dict(x) for x in msg.entities))
        return self._apply_edit(chat, msg, text=current, reply_markup=p.get("reply_markup"))

    def _apply_edit(
        self,
        chat: Chat,
        msg: ChatMessage,
        *,
        text: FormattedText,
        reply_markup: Mapping[str, Any] | None,
    ) -> Any:
        same_text = text.text == msg.text and list(text.entities) == [dict(x) for x in msg.entities]
        if same_text and _inline(reply_markup) == _inline(msg.reply_markup):
            raise bad_request(e.NOT_MODIFIED)
        if reply_markup is None and msg.reply_markup and _inline(msg.reply_markup) is None:
            reply_markup = msg.reply_markup  # a custom reply keyboard is not the message's to edit
        edited = self.state.update_message(
            chat, msg, text=text.text, entities=text.entities, reply_markup=reply_markup
        )
        return self.state.message_json(chat, edited)

    async def delete_message(self, p: Params) -> Any:
        chat = self.state.target_chat(p["chat_id"], blocked_check=False)
        msg = chat.messages.get(p["message_id"])
        if msg is None:
            raise bad_request(e.MESSAGE_TO_DELETE_NOT_FOUND)
        if chat.is_group and not msg.from_bot:
            # Only an administrator deletes others' messages in a group; the stand-in's bot
            # is an ordinary member.
            raise bad_request(e.MESSAGE_CANT_BE_DELETED)
        self.state.delete_message(chat, msg)
        return True

    # -- groups -----------------------------------------------------------------------------

    async def leave_chat(self, p: Params) -> Any:
        chat = self.state.target_chat(p["chat_id"], blocked_check=False)
        if not chat.is_group:
            raise bad_request(e.PRIVATE_MEMBER_STATUS)
        self.state.bot_membership(chat, "left", by=None)
        self.state.record(chat, "leave")
        return True

    # -- buttons ----------------------------------------------------------------------------

    async def answer_callback_query(self, p: Params) -> Any:
        record = self.state.queries.get(p["callback_query_id"])
        if (
            record is None
            or record.answered
            or self.state.clock() - record.created > QUERY_LIFETIME
        ):
            raise bad_request(e.QUERY_TOO_OLD)
        text = p.get("text")
        if text is not None and utf16_len(text) > CALLBACK_TEXT_LIMIT:
            raise bad_request(e.MESSAGE_TOO_LONG_UPPER)
        record.answered = True
        answer = CallbackAnswer(
            user_id=record.user_id,
            callback_query_id=record.query_id,
            message_id=record.message_id,
            data=record.data,
            text=text,
            show_alert=bool(p.get("show_alert", False)),
            url=p.get("url"),
            cache_time=p.get("cache_time"),
        )
        chat = self.state.chat(record.chat_id)
        chat.answers.append(answer)
        self.state.record(chat, "callback_answer", answer=answer)
        return True

    # -- commands ---------------------------------------------------------------------------

    async def set_my_commands(self, p: Params) -> Any:
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(command["command"]):
                raise bad_request(e.BOT_COMMAND_INVALID)
            if not 1 <= utf16_len(command["description"]) <= 256:
                raise bad_request(e.BOT_COMMAND_DESCRIPTION_INVALID)
        key = (scope_key(p.get("scope")), p.get("language_code", ""))
        if commands:
            self.state.commands[key] = [dict(c) for c in commands]
        else:
            self.state.commands.pop(key, None)
        return True

    async def delete_my_commands(self, p: Params) -> Any:
        self.state.commands.pop((scope_key(p.get("scope")), p.get("language_code", "")), None)
        return True

    async def get_my_commands(self, p: Params) -> Any:
        key = (scope_key(p.get("scope")), p.get("language_code", ""))
        return self.state.commands.get(key, [])

    # -- webhook ----------------------------------------------------------------------------

    async def set_webhook(self, p: Params) -> Any:
        url: str = p["url"]
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self.state.updates.drop_all()
        allowed = p.get("allowed_updates")
        if allowed is not None:
            self.state.updates.set_allowed(allowed)
        self.webhook.activate(
            url,
            secret_token=secret,
            max_connections=p.get("max_connections"),
            ip_address=p.get("ip_address"),
            allowed_updates=allowed,
        )
        return True

    async def delete_webhook(self, p: Params) -> Any:
        if p.get("drop_pending_updates"):
            self.state.updates.drop_all()
        self.webhook.deactivate()
        return True

    async def get_webhook_info(self, p: Params) -> Any:
        return self.webhook.info()

    # -- files ------------------------------------------------------------------------------

    async def get_file(self, p: Params) -> Any:
        stored = self.state.files.get(p["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request(e.FILE_TOO_BIG)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }


def _formatted(text: str, parse_mode: str | None, entities: Any) -> FormattedText:
    return format_text(text, parse_mode, entities)


def _caption(p: Params) -> FormattedText:
    caption = format_text(p.get("caption", ""), p.get("parse_mode"), p.get("caption_entities"))
    check_length(caption, maximum=CAPTION_LIMIT, too_long=e.CAPTION_TOO_LONG, empty=None)
    return caption


def _inline(markup: Mapping[str, Any] | None) -> Any:
    """The part of a reply markup that belongs to the message (its inline keyboard)."""
    return (markup or {}).get("inline_keyboard")


__all__ = ["MESSAGE_METHODS", "BotMethods"]
