"""Bulk-loading many onboarded users, as fast as each backend allows.

Rows go in through the driver's bulk path (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
after SQLAlchemy's own bind processors, so what is stored is byte for byte what the bot would
have written. Columns the loader does not set get their model default (or NULL), so a column
added later does not break the benchmark.

The schedule: it is ``NOW`` (30 s past a minute); 10% of the users are due at that minute,
the others' next reminders are spread over the rest of the day, minute by minute, in a handful
of time zones with the matching local reminder time. Nobody's weekly summary is due.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.engine import Dialect, make_url

from storage.models import Dialog, User

BASE_ID = 1_000_000_000
DUE_EVERY = 10  # every 10th user is due now
MINUTE = datetime(2026, 1, 12, 6, 30, tzinfo=UTC)
NOW = MINUTE + timedelta(seconds=30)
ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
)
CHUNK = 20_000


def user_id(n: int) -> int:
    return BASE_ID + n


def due_ids(count: int) -> list[int]:
    return [user_id(n) for n in range(0, count, DUE_EVERY)]


def _local_hhmm(instant: datetime, zone: str, cache: dict[tuple[datetime, str], str]) -> str:
    key = (instant, zone)
    found = cache.get(key)
    if found is None:
        found = instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")
        cache[key] = found
    return found


def _user_values(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    cache: dict[tuple[datetime, str], str] = {}
    joined = NOW - timedelta(days=30)
    yesterday = NOW.date() - timedelta(days=1)
    for n in range(count):
        zone = ZONES[n % len(ZONES)]
        if n % DUE_EVERY == 0:
            due = MINUTE
        else:
            due = MINUTE + timedelta(minutes=rng.randrange(1, 24 * 60))
        weekly = MINUTE + timedelta(days=1, minutes=rng.randrange(0, 6 * 24 * 60))
        yield {
            "id": user_id(n),
            "chat_id": user_id(n),
            "created_at": joined,
            "consent_at": joined,
            "status": "active",
            "reachable": True,
            "baseline_pain": 3,
            "baseline_reach": 1,
            "last_reach": 1,
            "timezone": zone,
            "reminder_time": _local_hhmm(due, zone, cache),
            "weekly_summary_day": 6,
            "next_reminder_at": due,
            "next_weekly_at": weekly,
            "last_session_on": yesterday,
            "onboarded_on": joined.date(),
            "redflag_screen_at": NOW - timedelta(days=1),
        }


def _dialog_values(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {
            "user_id": user_id(n),
            "flow": "none",
            "step": "",
            "payload": {},
            "version": 0,
            "message_id": None,
            "updated_at": NOW - timedelta(days=1),
        }


def _default(column: Any) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg
    return None


def _rows(
    table: Table, dialect: Dialect, values: Iterator[dict[str, Any]]
) -> Iterator[tuple[Any, ...]]:
    """Tuples in column order, through each column's bind processor for ``dialect``."""
    columns = list(table.columns)
    processors = [c.type.bind_processor(dialect) for c in columns]
    defaults = [_default(c) for c in columns]
    names = [c.name for c in columns]
    for row in values:
        out = []
        for name, default, process in zip(names, defaults, processors, strict=True):
            value = row.get(name, default)
            out.append(process(value) if process is not None and value is not None else value)
        yield tuple(out)


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load_sqlite(url: str, count: int) -> None:
    from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect

    dialect = aiosqlite_dialect()
    path = Path(make_url(url).database or "")
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        for model, values in ((User, _user_values(count)), (Dialog, _dialog_values(count))):
            table: Table = model.__table__  # type: ignore[assignment]
            names = ", ".join(c.name for c in table.columns)
            marks = ", ".join("?" for _ in table.columns)
            sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
            for chunk in _chunks(_rows(table, dialect, values)):
                connection.executemany(sql, chunk)
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


async def load_postgres(url: str, count: int) -> None:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        for model, values in ((User, _user_values(count)), (Dialog, _dialog_values(count))):
            table: Table = model.__table__  # type: ignore[assignment]
            columns = [c.name for c in table.columns]
            for chunk in _chunks(_rows(table, dialect, values)):
                await connection.copy_records_to_table(table.name, records=chunk, columns=columns)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def load(backend: str, url: str, count: int) -> None:
    if backend == "sqlite":
        load_sqlite(url, count)
    else:
        await load_postgres(url, count)
