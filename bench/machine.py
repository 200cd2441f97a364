"""What the figures were measured on: they only mean something next to the machine's description."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
import telegram


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        return None
    return None


def cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def ram() -> str:
    total = _proc_field("/proc/meminfo", "MemTotal")
    if total is None:
        return "unknown"
    kilobytes = int(total.split()[0])
    return f"{kilobytes / 1024 / 1024:.1f} GiB"


def describe(postgres_version: str | None) -> list[tuple[str, str]]:
    """Label/value pairs for the report's "Machine" list."""
    return [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} cores"),
        ("RAM", ram()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres_version or "not reachable (PostgreSQL figures skipped)"),
        (
            "libraries",
            f"python-telegram-bot {telegram.__version__}, SQLAlchemy {sqlalchemy.__version__}",
        ),
    ]
