"""Shared fixtures: databases on both backends, the Bot API stand-in, and the real bot.

PostgreSQL is real (127.0.0.1:5432 by default, ``BACKSTEP_TEST_POSTGRES_URL`` to override).
Each test run gets databases of its own on that server, created here and dropped at the end.
The schema is migrated with Alembic once per run and per backend (what ``backstep migrate``
does); between tests the tables are emptied (TRUNCATE on PostgreSQL) or, on SQLite, each test
gets a copy of the migrated file. Without a server the PostgreSQL tests skip locally, and fail
when ``CI`` is set: CI must never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    url = os.environ.get("BACKSTEP_TEST_POSTGRES_URL", DEFAULT_PG)
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _pg_create(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def _pg_drop(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


class PostgresServer:
    """The test server: databases named for this run, dropped when it ends."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.run = uuid.uuid4().hex[:10]
        self.created: list[str] = []

    def database(self, purpose: str) -> str:
        """Create ``backstep_test_<run>_<purpose>`` and return its URL."""
        name = f"backstep_test_{self.run}_{purpose}"
        asyncio.run(_pg_create(self.admin_url, name))
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(_pg_drop(self.admin_url, name))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    admin = _pg_admin_url()
    server = PostgresServer(admin)
    try:
        asyncio.run(_pg_ping(admin))
    except Exception as exc:
        reason = f"PostgreSQL is not reachable at {make_url(admin).render_as_string()}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    yield server
    server.drop_all()


async def _pg_ping(admin_url: str) -> None:
    engine = create_async_engine(admin_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> str:
    """This run's PostgreSQL database, migrated once."""
    url = postgres_server.database("main")
    asyncio.run(upgrade(url))
    return url


# Rows the migrations seed: kept, and reset to the value the migration gave them.
SEEDED = {"send_budget": "UPDATE send_budget SET next_free = 0"}


async def _empty_tables(url: str) -> None:
    """Every table as ``backstep migrate`` leaves it: empty but for the seeded rows."""
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in SEEDED]
    tables = ", ".join(f'"{name}"' for name in names)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            for reset in SEEDED.values():
                await conn.execute(text(reset))
    finally:
        await engine.dispose()


@pytest.fixture
async def postgres_url(migrated_postgres: str) -> str:
    """The migrated PostgreSQL database with every table empty."""
    await _empty_tables(migrated_postgres)
    return migrated_postgres


@pytest.fixture(scope="session")
def scratch_postgres(postgres_server: PostgresServer) -> str:
    """A second PostgreSQL database, for tests that need it without any tables."""
    return postgres_server.database("scratch")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("template") / "backstep.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of this test's own."""
    path = tmp_path / "backstep.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty, migrated database on each backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.close()


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Any]:
    """The real bot on each backend, talking HTTP to the stand-in."""
    from tests.harness import running_bot

    async with running_bot(database_url) as running:
        yield running


@pytest.fixture
async def sqlite_bot(sqlite_url: str) -> AsyncIterator[Any]:
    """The real bot on SQLite only (for stories that need not run twice)."""
    from tests.harness import running_bot

    async with running_bot(sqlite_url) as running:
        yield running


class _Records(logging.Handler):
    """Keeps the WARNING-and-above records of one test."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _describe(record: logging.LogRecord) -> str:
    kind = "traceback" if record.exc_info else record.levelname
    return f"{kind} from {record.name}: {record.getMessage()[:200]}"


@pytest.fixture(autouse=True)
def no_error_in_the_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test's logs go through this check: a fault the bot handles (a 429, a 5xx, a
    dropped connection, a forged button, a hostile webhook request) is at most a WARNING and
    never a traceback. A test that simulates a real failure says so with
    ``@pytest.mark.logs_errors("why")``."""
    handler = _Records()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous, logging.WARNING))
    yield
    root.removeHandler(handler)
    root.setLevel(previous)
    if request.node.get_closest_marker("logs_errors") is not None:
        return
    bad = [r for r in handler.records if r.levelno >= logging.ERROR or r.exc_info]
    if bad:
        pytest.fail("the logs show a fault as an error:\n" + "\n".join(map(_describe, bad)))
