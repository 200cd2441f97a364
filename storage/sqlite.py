"""SQLite connections that run each statement on the event loop's own thread.

aiosqlite hands every statement to a thread of its own and wakes the event loop when it is
done: two thread switches and a wake-up per statement, for work that takes microseconds on a
local file. In the profile that hand-off cost more CPU than the statements themselves
(docs/benchmarks.md). Here a statement runs where it is awaited. It never waits for another
of this process's connections, because :class:`storage.db.WriterQueue` lets one transaction
at a time through; another process (a CLI command) holding the write lock for a moment is
waited out by SQLite's busy handler, as before.

The class is aiosqlite's own connection (SQLAlchemy's aiosqlite dialect drives it unchanged);
only where a statement runs differs. Its worker thread still opens and closes the connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

#: rows fetched per step when iterating a cursor (aiosqlite's default)
ITER_CHUNK_SIZE = 64


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run inline instead of on its thread."""

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def connector(database: str) -> Callable[[], LoopConnection]:
    """SQLAlchemy's ``async_creator`` for the SQLite file ``database``."""

    def connect() -> LoopConnection:
        # Opened on the connection's thread, used on the loop's: the two never overlap.
        opener = partial(sqlite3.connect, database, check_same_thread=False)
        return LoopConnection(opener, ITER_CHUNK_SIZE)

    return connect
