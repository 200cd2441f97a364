"""A local stand-in for the Telegram Bot API, and a remote control for simulated users.

The real python-telegram-bot runs against it unchanged (``base_url(stub.base_url)``), so
tests, the browser sandbox and benchmarks exercise the bot exactly as production does, with
every request checked against the official Bot API description (``api.json``: Telegram Bot
API 10.1 as data, from PaulSonOfLars/telegram-bot-api-spec, MIT licence, copyright 2020
Paul Larsen; see ``bot.stub.spec``).  See docs/stub.md.
"""

from bot.stub.chat import Button, CallbackAnswer, ChatEvent, ChatMessage, ChatView, GroupView
from bot.stub.errors import BotApiError, StubRefusal
from bot.stub.faults import RateLimits, Stats
from bot.stub.media import StoredFile
from bot.stub.server import DEFAULT_TOKEN, BotApiStub, NoEventError, run_stub
from bot.stub.validation import check_shape

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiError",
    "BotApiStub",
    "Button",
    "CallbackAnswer",
    "ChatEvent",
    "ChatMessage",
    "ChatView",
    "GroupView",
    "NoEventError",
    "RateLimits",
    "Stats",
    "StoredFile",
    "StubRefusal",
    "check_shape",
    "run_stub",
]
