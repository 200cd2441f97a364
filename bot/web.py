"""The HTTP side of a bot instance: Telegram's webhook, ``/healthz`` and ``/metrics``.

The webhook answers Telegram only after the update has been handled, not when it was queued.
Telegram sends a chat's next update only once the previous one was answered with 2xx, so this
keeps one user's updates in order even when consecutive ones land on different instances behind
a load balancer: instance B never reads a dialog that instance A is still about to change. It
also means an instance that dies mid-update gets no 2xx, and Telegram redelivers the update
(to any instance) instead of it being lost in a process's memory.

Everything that is refused (no or wrong secret, too big, not a JSON object) is refused before
any processing and counted in ``backstep_webhook_rejected_total``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from telegram import Update
from telegram.ext import Application

from bot import metrics
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # Telegram's updates are a few KiB; 1 MiB is generous
HEALTH_TIMEOUT = 3.0  # seconds; a database that takes longer is not healthy

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

DATABASE = web.AppKey("database", Database)
APPLICATION = web.AppKey("application", Application)
SECRET = web.AppKey("secret", str)
LIMIT = web.AppKey("max_body", int)


def _refuse(reason: str, status: int, text: str) -> web.Response:
    metrics.WEBHOOK_REJECTED.labels(reason=reason).inc()
    return web.json_response({"ok": False, "error": text}, status=status)


async def _webhook(request: web.Request) -> web.Response:
    """One update from Telegram: authenticate, parse, handle, then answer."""
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), request.app[SECRET].encode()):
        log.warning("webhook request refused: missing or wrong secret token")
        return _refuse("secret", 403, "forbidden")
    limit = request.app[LIMIT]
    if request.content_length is not None and request.content_length > limit:
        return _refuse("too_large", 413, "body too large")
    try:
        body = await request.read()  # enforces client_max_size for chunked bodies too
    except web.HTTPRequestEntityTooLarge:
        return _refuse("too_large", 413, "body too large")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _refuse("not_json", 400, "body is not JSON")
    if not isinstance(data, dict):
        return _refuse("not_object", 400, "body is not a JSON object")
    application = request.app[APPLICATION]
    try:
        update = Update.de_json(data, application.bot)
    except Exception:
        return _refuse("not_update", 400, "body is not a Telegram update")
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
    if path in ("/healthz", "/metrics") or not path.startswith("/"):
        raise ValueError(f"the webhook path {path!r} must start with / and not be a probe's")
    app = web.Application(client_max_size=max_body)
    app[DATABASE] = db
    app[APPLICATION] = application
    app[SECRET] = secret
    app[LIMIT] = max_body
    app.router.add_post(path, _webhook)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    return app


__all__ = ["MAX_BODY", "SECRET_HEADER", "health_app", "webhook_app"]
