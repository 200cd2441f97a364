"""Failures the stand-in answers with, shaped exactly like Telegram's.

Telegram answers every failure as ``{"ok": false, "error_code": N, "description": "..."}``
(plus ``parameters`` for flood waits).  python-telegram-bot turns the code and the wording
into its exception classes (``BadRequest``, ``Forbidden``, ``RetryAfter``, ``Conflict``...),
so keeping both faithful is what lets the real library run unchanged against the stand-in and
lets our tests see the same exceptions production would.  Wording copied from Telegram is
kept in one place so it can be compared with real answers.
"""

from __future__ import annotations

from typing import Any

# Descriptions as Telegram words them (after the "Bad Request: " prefix where it applies).
TEXT_EMPTY = "message text is empty"
TEXT_TOO_LONG = "message is too long"
CAPTION_TOO_LONG = "message caption is too long"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
MESSAGE_TO_EDIT_NOT_FOUND = "message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "message to delete not found"
MESSAGE_CANT_BE_EDITED = "message can't be edited"
NO_TEXT_TO_EDIT = "there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "there is no caption in the message to edit"
CHAT_NOT_FOUND = "chat not found"
CHAT_ID_EMPTY = "chat_id is empty"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
IMAGE_PROCESS_FAILED = "IMAGE_PROCESS_FAILED"
WRONG_CHAT_ACTION = "wrong parameter action in request"
BOT_COMMAND_INVALID = "BOT_COMMAND_INVALID"
BOT_COMMAND_DESCRIPTION_INVALID = "BOT_COMMAND_DESCRIPTION_INVALID"
MESSAGE_TOO_LONG_UPPER = "MESSAGE_TOO_LONG"
BLOCKED_BY_USER = "Forbidden: bot was blocked by the user"
# Groups the bot is not in (it left, or never joined) or was removed from, by chat type.
NOT_A_MEMBER = "Forbidden: bot is not a member of the {} chat"
KICKED_FROM = "Forbidden: bot was kicked from the {} chat"
PRIVATE_MEMBER_STATUS = "chat member status can't be changed in private chats"
MESSAGE_CANT_BE_DELETED = "message can't be deleted"
FILE_TOO_BIG = "file is too big"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

# What Telegram (or the nginx in front of it) says for a bare status code.
STATUS_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class BotApiError(Exception):
    """A Bot API call that Telegram would refuse; becomes the JSON error answer."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The answer body, exactly as Telegram would send it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> BotApiError:
    """A 400 answer; ``detail`` is what follows Telegram's ``"Bad Request: "`` prefix."""
    return BotApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    """A flood-wait answer; PTB reads ``parameters.retry_after`` into ``RetryAfter``."""
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def status_error(status: int, description: str | None = None) -> BotApiError:
    """An answer for an arbitrary status, worded as Telegram words it unless told otherwise."""
    return BotApiError(status, description or STATUS_DESCRIPTIONS.get(status, "Error"))


NOT_FOUND = BotApiError(404, "Not Found")
UNAUTHORIZED = BotApiError(401, "Unauthorized")


class StubRefusal(Exception):
    """A user-side action no real Telegram client could perform.

    Raised, for example, when a test presses a button the message does not have: a real
    user can only send the callback data that is on the keyboard, so a test that needs
    forged data must say so explicitly with ``inject_callback``.
    """
