"""Logging that is safe to ship: never the token, never message text at INFO.

httpx logs one line per Bot API request at INFO, and that line contains the URL with the token
in it; :class:`Redact` scrubs every configured secret from every record before any handler
formats it. ``BACKSTEP_LOG_FORMAT=json`` switches to one JSON object per line for log shippers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime


class Redact(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "<redacted>")
        record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("update_id", "user", "update_type")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redact(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(level)
    for noisy in ("httpcore", "apscheduler", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class _HandledRateLimit(logging.Filter):
    """Drops PTB's "Rate limit hit after maximum of 0 retries" ERROR (with a traceback).

    With ``max_retries=0`` the limiter reports every 429 that way, although the sender that
    made the call honours ``retry_after`` and logs the wait as a WARNING itself (the reply
    outbox, ``delivery.call``). Alerting on ERROR must not page on a handled retry.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Rate limit hit after maximum of 0 retries")


def quiet_handled_rate_limits() -> None:
    logger = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, _HandledRateLimit) for f in logger.filters):
        logger.addFilter(_HandledRateLimit())


def pseudonym(user_id: int, secret: str) -> str:
    """A stable id for logs, alerts and exports that does not reveal the Telegram id."""
    digest = hashlib.blake2b(str(user_id).encode(), key=secret.encode()[:64], digest_size=6)
    return "u-" + digest.hexdigest()
