"""The async engine and the unit of work every handler writes through.

One :class:`Database` per process. SQLite gets WAL mode (readers never block the writer),
foreign keys (so erasure cascades) and secure_delete (deleted content is overwritten with zeros,
not left in free space); PostgreSQL gets a pool sized for one bot process.
:meth:`Database.transaction` commits everything a handler wrote at once or nothing at all.
On SQLite the process's transactions take turns (:class:`WriterQueue`): SQLite has one write
lock for the whole database, and turns that fought for it through its busy handler slept in
steps of up to 100 ms, were overtaken, and now and then gave up ("database is locked").
:meth:`Database.scrub` clears SQLite's WAL after an erasure (see docs/privacy.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite

log = logging.getLogger(__name__)

#: How many times :meth:`Database.scrub` tries a checkpoint that other connections kept busy;
#: each try already waits up to the busy timeout for them.
SCRUB_ATTEMPTS = 3


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted rows (and the old versions of updated ones) are overwritten with zeros in the
    # pages written, instead of lingering in free space until it is reused.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


POOL_SIZE = 10
MAX_OVERFLOW = 10


def display_url(url: str) -> str:
    """The database URL with its password masked, for printing."""
    return make_url(url).render_as_string()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine with Backstep's per-backend settings applied."""
    parsed = make_url(url)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("async_creator", sqlite.connector(parsed.database or ":memory:"))
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class WriterQueue:
    """One SQLite transaction of this process at a time, in the order they asked (FIFO).

    One queue per database file in the process, shared by every :class:`Database` on it (the
    tests and the sandbox open several). A transaction opened inside another one of the same
    task (or of a task it started) does not queue behind itself. Another process writing the
    same file (a CLI command) still meets SQLite's busy handler, as before.
    """

    _by_file: ClassVar[dict[str, WriterQueue]] = {}

    @classmethod
    def of(cls, database: str) -> WriterQueue:
        key = database if database in ("", ":memory:") else str(Path(database).resolve())
        return cls._by_file.setdefault(key, cls())

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holding: ContextVar[bool] = ContextVar(f"writer-{id(self)}", default=False)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._holding.get():
            yield
            return
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:  # a new loop (tests run several)
            self._lock, self._loop = asyncio.Lock(), loop
        async with self._lock:
            token = self._holding.set(True)
            try:
                yield
            finally:
                self._holding.reset(token)


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        # Tasks beyond this many wait for the pool, and time out there after 30 s: work that
        # fans out (the reminder dispatcher) keeps its concurrency within it.
        self.connection_limit: int = engine_kwargs.get("pool_size", POOL_SIZE) + engine_kwargs.get(
            "max_overflow", MAX_OVERFLOW
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        parsed = make_url(url)
        self._writers = (
            WriterQueue.of(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None
        )

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _queue(self) -> AbstractAsyncContextManager[None]:
        return self._writers.turn() if self._writers is not None else nullcontext()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose writes commit together on exit, or roll back on any error."""
        async with self._queue(), self.sessions() as session, session.begin():
            yield session

    async def scrub(self) -> bool:
        """After an erasure has committed: leave no old copy of the deleted rows on disk.

        On SQLite, every page written since the last checkpoint is still in the -wal file as
        it was, including pages written before the erasure. ``wal_checkpoint(TRUNCATE)`` copies
        the newest version of each page (with secure_delete, the deleted rows zeroed) into the
        database file and truncates the WAL to zero bytes. It needs a moment when no other
        connection of the pool is inside a transaction; it waits for that (busy_timeout), and
        reports "busy" when the moment did not come, then it is tried again. Runs outside any
        transaction (a checkpoint cannot run inside one). True when the WAL was emptied.

        A no-op on PostgreSQL, whose WAL, dead tuples and backups the server and its operator
        manage (docs/privacy.md).
        """
        if self.engine.dialect.name != "sqlite":
            return True
        for attempt in range(1, SCRUB_ATTEMPTS + 1):
            async with self._queue(), self.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                result = await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, wal_frames, checkpointed = (int(value) for value in result.one())
            if not busy:
                return True
            log.info(
                "WAL checkpoint busy (attempt %d of %d): %s of %s frames copied",
                attempt,
                SCRUB_ATTEMPTS,
                checkpointed,
                wal_frames,
            )
        log.warning(
            "WAL not truncated after an erasure: other connections stayed busy; the erased "
            "rows may stay in the -wal file until a later checkpoint truncates it"
        )
        return False

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()
