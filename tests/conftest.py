"""Shared fixtures: databases on both backends, the Bot API stand-in, and the real bot.

PostgreSQL is real (127.0.0.1:5432 by default, ``BACKSTEP_TEST_POSTGRES_URL`` to override).
Each test run gets its own database on that server, created here and dropped at the end; each
test starts from an empty, freshly migrated schema. Without a server the PostgreSQL tests skip
locally, and fail when ``CI`` is set: CI must never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import os
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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of our own on the PostgreSQL server, for this test run."""
    admin = _pg_admin_url()
    name = f"backstep_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_create(admin, name))
    except Exception as exc:
        reason = f"PostgreSQL is not reachable at {make_url(admin).render_as_string()}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    yield url
    asyncio.run(_pg_drop(admin, name))


async def _reset(url: str) -> None:
    """Empty schema, then migrate it up with Alembic (what ``backstep migrate`` does)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await engine.dispose()
    await upgrade(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'backstep.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await _reset(database_url)
    db = Database(database_url)
    yield db
    await db.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'backstep.db'}"


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Any]:
    """The real bot on each backend, talking HTTP to the stand-in."""
    from tests.harness import running_bot

    await _reset(database_url)
    async with running_bot(database_url) as running:
        yield running


@pytest.fixture
async def sqlite_bot(sqlite_url: str) -> AsyncIterator[Any]:
    """The real bot on SQLite only (for stories that need not run twice)."""
    from tests.harness import running_bot

    async with running_bot(sqlite_url) as running:
        yield running
