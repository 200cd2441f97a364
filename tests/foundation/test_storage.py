"""Storage on both backends: the migrated schema matches the models, SQLite runs in WAL mode
with foreign keys, and a failed unit of work leaves nothing behind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select, text

from storage import pain, users
from storage.db import Database
from storage.models import Base, PainReport, User

NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)


async def test_migrations_create_every_table_of_the_models(database: Database) -> None:
    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await db.close()


async def test_a_failed_unit_of_work_leaves_no_half_written_state(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as tx:
            user = users.new_user(tx, 1, 1, NOW)
            await tx.flush()
            pain.add_report(tx, user, at=NOW, local_date=NOW.date(), kind="checkin", score=4)
            await tx.flush()
            raise RuntimeError("the handler crashed half way")
    async with database.transaction() as tx:
        assert (await tx.execute(select(User))).first() is None
        assert (await tx.execute(select(PainReport))).first() is None


async def test_times_come_back_as_aware_utc_on_both_backends(database: Database) -> None:
    async with database.transaction() as tx:
        users.new_user(tx, 7, 7, NOW)
    async with database.transaction() as tx:
        user = await tx.get(User, 7)
        assert user is not None and user.created_at == NOW and user.created_at.tzinfo is not None


async def test_erasing_a_user_cascades_to_every_per_user_table(database: Database) -> None:
    async with database.transaction() as tx:
        user = users.new_user(tx, 9, 9, NOW)
        await tx.flush()
        pain.add_report(tx, user, at=NOW, local_date=NOW.date(), kind="checkin", score=4)
    async with database.transaction() as tx:
        await users.erase_user(tx, 9)
    async with database.transaction() as tx:
        assert (await tx.execute(select(PainReport))).first() is None
