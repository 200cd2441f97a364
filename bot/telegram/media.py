"""Exercise animations on Telegram: uploaded once per bot, then sent by file_id.

A reply names an animation by its media key (``animation:<exercise>:<drawing hash>``). Just
before sending, :func:`animation_file` looks for the file_id this bot got for that key (in
memory; the bot's stored ones, storage/media.py, are read once per process); without one it
draws the GIF (in a thread: drawing takes a moment) and the reply uploads it, after which
:func:`uploaded` keeps Telegram's file_id. Another instance that uploaded the same drawing
since this one read its file_ids costs one more upload, never a wrong file. A
changed drawing has a new key, so an old file_id is never sent for a new drawing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Bot, Message

from bot.coach.catalog import Exercise
from bot.media.animation import exercise_gif, media_key
from bot.telegram.services import Services
from storage import media as store


@dataclass(frozen=True)
class AnimationFile:
    key: str
    file: bytes | str  # the GIF to upload, or Telegram's file_id for it


def animation_key(exercise: Exercise) -> str | None:
    """The media key a reply names to show this exercise's animation (None: it has none)."""
    return media_key(exercise)


async def animation_file(services: Services, bot: Bot, key: str) -> AnimationFile | None:
    """The file_id to send for ``key``, else the GIF to upload; None if the exercise is gone.

    The key's exercise is drawn as the library has it now (it may have changed since the
    reply was written)."""
    exercise_id = key.split(":")[1]
    if exercise_id not in services.catalog:
        return None
    exercise = services.catalog.get(exercise_id)
    current = media_key(exercise)
    if current is None:
        return None
    known = await _known_files(services, bot.id)
    if current in known:
        return AnimationFile(current, known[current])
    gif = await asyncio.to_thread(exercise_gif, exercise)
    assert gif is not None
    return AnimationFile(current, gif)


async def _known_files(services: Services, bot_id: int) -> dict[str, str]:
    """The bot's file_ids by media key: from the database once per process, then in memory."""
    known = services.file_ids.get(bot_id)
    if known is None:
        async with services.db.transaction() as tx:
            known = services.file_ids[bot_id] = await store.file_ids(tx, bot_id)
    return known


def uploaded(services: Services, bot: Bot, key: str, message: Message | None) -> None:
    """Keep the file_id Telegram gave the uploaded animation, for every later send; it is
    stored with the next receipts (bot/telegram/outbox.py ``mark_sent``). Should the process
    die before that, the next one uploads the animation once more."""
    if message is None or message.animation is None:
        return
    services.file_ids.setdefault(bot.id, {})[key] = message.animation.file_id
    services.new_file_ids[(bot.id, key)] = message.animation.file_id
