"""Logging that is safe to ship: never the token, never message text at INFO.

httpx logs one line per Bot API request (shown at DEBUG only), and that line contains the URL
with the token in it; :class:`Redact` scrubs every configured secret from every record before
any handler formats it. ``BACKSTEP_LOG_FORMAT=json`` switches to one JSON object per line for
log shippers.
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
    # httpx says every Bot API request at INFO: a line per call, the largest share of
    # logging's cost per update. Those lines are DEBUG's; httpx's warnings are always logged.
    numeric = logging.getLevelName(level)
    logging.getLogger("httpx").setLevel(
        numeric if numeric <= logging.DEBUG else max(logging.WARNING, numeric)
    )
    for noisy in ("httpcore", "apscheduler", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def pseudonym(user_id: int, secret: str) -> str:
    """A stable id for logs, alerts and exports that does not reveal the Telegram id."""
    digest = hashlib.blake2b(str(user_id).encode(), key=secret.encode()[:64], digest_size=6)
    return "u-" + digest.hexdigest()
