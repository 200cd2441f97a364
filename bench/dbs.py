"""Scratch databases for one benchmark run, on SQLite and PostgreSQL, removed afterwards.

Each benchmark gets a fresh database so no figure depends on what an earlier one left behind.
SQLite files live in a temporary directory; PostgreSQL databases are created on the server
given (``backstep_bench_<run>_<name>``) and dropped with ``FORCE`` when the run ends, even
after a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import upgrade

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url(url: str | None = None) -> str:
    """The server to create scratch databases on (``BACKSTEP_BENCH_POSTGRES_URL`` overrides)."""
    chosen = url or os.environ.get("BACKSTEP_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES
    for plain in ("postgresql://", "postgres://"):
        if chosen.startswith(plain):
            return "postgresql+asyncpg://" + chosen[len(plain) :]
    return chosen


async def _admin(url: str, sql: str) -> str | None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            value = result.scalar() if result.returns_rows else None
            return None if value is None else str(value)
    finally:
        await engine.dispose()


def _forget_sqlite(path: str | Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _sqlite_size(path: str | Path) -> int:
    files = [Path(f"{path}{suffix}") for suffix in ("", "-wal")]
    return sum(f.stat().st_size for f in files if f.exists())


class Scratch:
    """Creates and forgets the databases of one run."""

    def __init__(self, postgres_admin: str | None) -> None:
        self.postgres_admin = postgres_admin
        self.postgres_version: str | None = None
        self.postgres_problem: str | None = None
        self._run = uuid.uuid4().hex[:8]
        self._dir = Path(tempfile.mkdtemp(prefix="backstep-bench-"))
        self._created: list[str] = []

    async def probe(self) -> None:
        """Find out whether PostgreSQL is there; its figures are skipped (and said so) if not."""
        if self.postgres_admin is None:
            self.postgres_problem = "disabled with --no-postgres"
            return
        try:
            version = await _admin(self.postgres_admin, "SHOW server_version")
        except Exception as exc:
            where = make_url(self.postgres_admin).render_as_string()
            self.postgres_problem = f"not reachable at {where}: {exc.__class__.__name__}"
            self.postgres_admin = None
            return
        self.postgres_version = (version or "?").split()[0]

    @property
    def backends(self) -> tuple[str, ...]:
        return BACKENDS if self.postgres_admin is not None else ("sqlite",)

    def sqlite_path(self, name: str) -> Path:
        return self._dir / f"{name}.db"

    async def create(self, backend: str, name: str, *, migrate: bool = True) -> str:
        """An empty database (schema at head unless ``migrate`` is False); returns its URL."""
        if backend == "sqlite":
            path = self.sqlite_path(name)
            _forget_sqlite(path)
            url = f"sqlite+aiosqlite:///{path}"
        else:
            assert self.postgres_admin is not None, "PostgreSQL is not available"
            db_name = f"backstep_bench_{self._run}_{name}"
            await _admin(self.postgres_admin, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            await _admin(self.postgres_admin, f'CREATE DATABASE "{db_name}"')
            self._created.append(db_name)
            url = (
                make_url(self.postgres_admin)
                .set(database=db_name)
                .render_as_string(hide_password=False)
            )
        if migrate:
            await upgrade(url)
        return url

    async def size_bytes(self, backend: str, url: str) -> int:
        """On-disk size of a scratch database (file + WAL on SQLite)."""
        if backend == "sqlite":
            return _sqlite_size(make_url(url).database or "")
        name = make_url(url).database
        value = await _admin(url, f"SELECT pg_database_size('{name}')")
        return int(value or 0)

    async def drop(self, backend: str, url: str) -> None:
        """Forget one database early (the big ones), instead of at the end of the run."""
        if backend == "sqlite":
            _forget_sqlite(make_url(url).database or "")
            return
        name = make_url(url).database
        if self.postgres_admin is not None and name in self._created:
            await _admin(self.postgres_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._created.remove(name)

    async def close(self) -> None:
        if self.postgres_admin is not None:
            for name in self._created:
                await _admin(self.postgres_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
        shutil.rmtree(self._dir, ignore_errors=True)
