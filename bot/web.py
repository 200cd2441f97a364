"""The HTTP side of a bot instance: Telegram's webhook, ``/healthz`` and ``/metrics``.

The webhook answers Telegram only after the update has been handled, not when it was queued.
Telegram sends a chat's next update only once the previous one was answered with 2xx, so this
keeps one user's updates in order even when consecutive ones land on different instances behind
a load balancer: instance B never reads a dialog that instance A is still about to change. It
also means an instance that dies mid-update gets no 2xx, and Telegram redelivers the update
(to any instance) instead of it being lost in a process's memory.

Everything that is refused is refused before any processing, answered with a 4xx (a 503 while
stopping), counted in ``backstep_webhook_rejected_total`` and logged as a WARNING without a
traceback or any of the client's bytes (at most one line per reason a minute, so refusals
cannot flood the log):

- ``secret`` (403): the ``X-Telegram-Bot-Api-Secret-Token`` header is missing, repeated, not
  1-256 characters of ``A-Z a-z 0-9 _ -`` (all Telegram accepts, so all it can send), or not
  ours; compared as bytes, in constant time.
- ``too_large`` (413): over ``max_body`` bytes.
- ``not_json`` (400): not UTF-8 JSON, or with ``NaN``/``Infinity`` or a number too long to read.
- ``too_deep`` (400): arrays and objects nested deeper than ``MAX_DEPTH``; found by one linear
  scan before parsing, so a deeply nested body never reaches a recursive parser.
- ``not_object``/``not_update`` (400): not a JSON object, or one that is no Telegram update.
- ``bad_id``/``bad_number`` (400): an id, or any integer, outside Telegram's ranges (``MAX_ID``),
  checked before the update is built, so nothing later (a 64-bit database column) ever meets a
  number it cannot hold.
- ``stopping`` (503): this instance is shutting down; Telegram delivers the update again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from itertools import accumulate
from typing import Any, TypeGuard

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from telegram import Update
from telegram.ext import Application

from bot import metrics
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram's updates are a few KiB; 1 MiB is generous
MAX_DEPTH = 64  # Telegram's updates nest about 10 deep (a reply's keyboard's rows' buttons)
HEALTH_TIMEOUT = 3.0  # seconds; a database that takes longer is not healthy
LOG_EVERY = 60.0  # seconds: at most one refusal line per reason in this time

# Telegram: user and chat ids "have at most 52 significant bits, so a 64-bit integer or
# double-precision float type are safe"; so do file sizes, Telegram's biggest numbers. Update
# ids are positive, and every other id it sends as a number (message_id, ...) is smaller still.
MAX_ID = 2**53 - 1

# The secret tokens Telegram accepts in setWebhook, hence the only ones it can send back.
SECRET_FORM = re.compile(rb"[A-Za-z0-9_-]{1,256}")
_SECRET_NAME = SECRET_HEADER.lower().encode()

# A JSON string, escapes included; an unterminated one runs to the end (so matching is linear).
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

DATABASE = web.AppKey("database", Database)
APPLICATION = web.AppKey("application", Application)
SECRET = web.AppKey("secret", bytes)
LIMIT = web.AppKey("max_body", int)


class _RefusalLog:
    """One WARNING per reason at most every ``LOG_EVERY`` seconds, with how many it stands for."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def note(self, reason: str, text: str) -> None:
        now = time.monotonic()
        last = self._last.get(reason)
        if last is not None and now - last < LOG_EVERY:
            self._unlogged[reason] = self._unlogged.get(reason, 0) + 1
            return
        self._last[reason] = now
        also = self._unlogged.pop(reason, 0)
        since = f" (and {also} more since the last such line)" if also else ""
        log.warning("webhook request refused: %s [%s]%s", text, reason, since)


_refusals = _RefusalLog()


def _refuse(reason: str, status: int, text: str) -> web.Response:
    metrics.WEBHOOK_REJECTED.labels(reason=reason).inc()
    _refusals.note(reason, text)
    return web.json_response({"ok": False, "error": text}, status=status)


def _given_secret(request: web.Request) -> bytes | None:
    """The secret header's raw bytes if there is exactly one and Telegram could have sent it."""
    values = [value for name, value in request.raw_headers if name.lower() == _SECRET_NAME]
    if len(values) != 1 or SECRET_FORM.fullmatch(values[0]) is None:
        return None
    return values[0]


def _nesting(body: bytes) -> int:
    """How deep the arrays and objects of this UTF-8 JSON nest, without parsing it.

    Linear in the body: strings (where brackets mean nothing) are cut out, the brackets that
    are left are summed up as +1/-1. For a body that is not JSON the number means nothing, but
    then the parser refuses it anyway.
    """
    opening = body.count(b"[") + body.count(b"{")
    if opening <= MAX_DEPTH:
        return opening  # an upper bound, and the usual case: no scan at all
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _out_of_range(data: dict[str, Any]) -> str | None:
    """Why the numbers of this update are none Telegram sends (a refusal reason), or None.

    ``not_update``: there is no ``update_id``. ``bad_id``: it is not an integer from 1 to
    ``MAX_ID``, or a number under a key ``id`` or ``*_id`` is not an integer within ``MAX_ID``
    (ids that Telegram sends as strings, a callback query's ``id`` or a ``file_id``, are left
    alone). ``bad_number``: any other integer beyond ``MAX_ID``.
    """
    update_id = data.get("update_id")
    if update_id is None:
        return "not_update"
    if not _is_int(update_id) or not 0 < update_id <= MAX_ID:
        return "bad_id"
    stack: list[dict[str, Any] | list[Any]] = [data]
    while stack:  # iterative, though the nesting is bounded already
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else ((None, item) for item in node)
        for key, value in pairs:
            if isinstance(value, dict | list):
                stack.append(value)
            elif key is not None and (key == "id" or key.endswith("_id")):
                if isinstance(value, int | float) and not _fits(value):
                    return "bad_id"
            elif _is_int(value) and not -MAX_ID <= value <= MAX_ID:
                return "bad_number"
    return None


def _fits(value: int | float) -> bool:
    return _is_int(value) and -MAX_ID <= value <= MAX_ID


def _user_and_chat_ids_are_numbers(update: Update) -> bool:
    """The ids the bot keys on and stores are integers (de_json takes whatever it is given)."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    ids = [
        user.id if user else 0,
        chat.id if chat else 0,
        message.message_id if message else 0,
    ]
    return all(_is_int(value) for value in ids)


async def _webhook(request: web.Request) -> web.Response:
    """One update from Telegram: authenticate, parse, check, handle, then answer."""
    given = _given_secret(request)
    if given is None or not hmac.compare_digest(given, request.app[SECRET]):
        return _refuse("secret", 403, "forbidden")
    limit = request.app[LIMIT]
    if request.content_length is not None and request.content_length > limit:
        return _refuse("too_large", 413, "body too large")
    try:
        body = await request.read()  # enforces client_max_size for chunked bodies too
    except web.HTTPRequestEntityTooLarge:
        return _refuse("too_large", 413, "body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse("not_json", 400, "body is not JSON")
    if _nesting(body) > MAX_DEPTH:
        return _refuse("too_deep", 400, "body nests too deep")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, or an over-long integer
        return _refuse("not_json", 400, "body is not JSON")
    if not isinstance(data, dict):
        return _refuse("not_object", 400, "body is not a JSON object")
    if (wrong := _out_of_range(data)) is not None:
        return _refuse(wrong, 400, "body is not a Telegram update")
    application = request.app[APPLICATION]
    try:
        update = Update.de_json(data, application.bot)
    except Exception:  # whatever PTB makes of a malformed field: the client's fault, no traceback
        return _refuse("not_update", 400, "body is not a Telegram update")
    if not _user_and_chat_ids_are_numbers(update):
        return _refuse("bad_id", 400, "an id is not a number")
    if not application.running:
        # Shutting down: no 2xx, so Telegram delivers it again (to another instance).
        return _refuse("stopping", 503, "shutting down")
    await application.update_processor.process_update(update, application.process_update(update))
    return web.Response(status=200)


async def _healthz(request: web.Request) -> web.Response:
    """200 while this process runs and its database answers, 503 otherwise."""
    try:
        alive = await asyncio.wait_for(request.app[DATABASE].ping(), HEALTH_TIMEOUT)
    except TimeoutError:
        alive = False
    if alive:
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def health_app(db: Database) -> web.Application:
    """Only ``/healthz`` and ``/metrics``: the optional side port, in either running mode."""
    app = web.Application()
    app[DATABASE] = db
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    return app


def webhook_app(
    application: AnyApplication,
    db: Database,
    *,
    secret: str,
    path: str = "/",
    max_body: int = MAX_BODY,
) -> web.Application:
    """The webhook at ``path`` (POST) plus ``/healthz`` and ``/metrics`` (GET).

    ``application`` must be initialized and started: the handler runs updates through its
    update processor, the same per-chat ordering and concurrency cap as in polling mode.
    """
    if not secret:
        raise ValueError("a webhook without a secret token would accept anyone's updates")
    if not secret.isascii() or SECRET_FORM.fullmatch(secret.encode()) is None:
        raise ValueError("the secret token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    if path in ("/healthz", "/metrics") or not path.startswith("/"):
        raise ValueError(f"the webhook path {path!r} must start with / and not be a probe's")
    app = web.Application(client_max_size=max_body)
    app[DATABASE] = db
    app[APPLICATION] = application
    app[SECRET] = secret.encode()
    app[LIMIT] = max_body
    app.router.add_post(path, _webhook)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    return app


__all__ = [
    "MAX_BODY",
    "MAX_DEPTH",
    "MAX_ID",
    "SECRET_HEADER",
    "health_app",
    "webhook_app",
]
