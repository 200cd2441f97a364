"""Telegram file_ids of the media the bot uploaded, so each file is uploaded once per bot.

Telegram keeps a file it was sent and answers with a ``file_id``; sending that id again costs
no upload. A file_id only works for the bot that uploaded it, so the key is the bot's id (the
number before the token's colon) and the media's own key, which changes whenever the drawing
does (bot/media/animation.py ``media_key``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MediaFile


async def file_id(tx: AsyncSession, bot_id: int, key: str) -> str | None:
    """The file_id this bot got for ``key``, if it uploaded it before."""
    found = await tx.scalar(
        select(MediaFile.file_id).where(MediaFile.bot_id == bot_id, MediaFile.key == key)
    )
    return found


async def remember(tx: AsyncSession, bot_id: int, key: str, file_id: str, now: datetime) -> None:
    """Keep the file_id Telegram gave for an upload (the newest wins if two instances raced)."""
    dialect = tx.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(MediaFile).values(bot_id=bot_id, key=key, file_id=file_id, created_at=now)
    await tx.execute(
        statement.on_conflict_do_update(
            index_elements=["bot_id", "key"],
            set_={"file_id": statement.excluded.file_id, "created_at": now},
        )
    )
