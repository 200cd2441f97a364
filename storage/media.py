"""Telegram file_ids of the media the bot uploaded, so each file is uploaded once per bot.

Telegram keeps a file it was sent and answers with a ``file_id``; sending that id again costs
no upload. A file_id only works for the bot that uploaded it, so the key is the bot's id (the
number before the token's colon) and the media's own key, which changes whenever the drawing
does (bot/media/animation.py ``media_key``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MediaFile


async def file_ids(tx: AsyncSession, bot_id: int) -> dict[str, str]:
    """Every file_id this bot got, by media key."""
    rows = await tx.execute(
        select(MediaFile.key, MediaFile.file_id).where(MediaFile.bot_id == bot_id)
    )
    return {key: file_id for key, file_id in rows}


async def remember(tx: AsyncSession, files: Mapping[tuple[int, str], str], now: datetime) -> None:
    """Keep the file_ids Telegram gave for uploads, ``{(bot id, media key): file_id}``, in one
    statement (the newest wins if two instances raced)."""
    dialect = tx.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_(MediaFile)
    await tx.execute(
        statement.on_conflict_do_update(
            index_elements=["bot_id", "key"],
            set_={"file_id": statement.excluded.file_id, "created_at": now},
        ),
        [
            {"bot_id": bot_id, "key": key, "file_id": file_id, "created_at": now}
            for (bot_id, key), file_id in files.items()
        ],
    )
