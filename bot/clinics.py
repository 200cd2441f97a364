"""The operator's clinic commands: ``backstep clinic add`` and ``backstep clinician add``.

``clinic add`` prints the invite link a clinic hands its patients and writes it as a QR code
PNG (segno) to print for the waiting room; ``clinician add`` lets a Telegram user sign in to
that clinic's dashboard with /dashboard.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import segno
from telegram import Bot

from bot.clock import SystemClock
from bot.program import clinic
from bot.settings import Settings, SettingsError
from bot.telegram.request import AiohttpRequest
from storage.db import Database
from storage.migrate import upgrade


async def _bot_username(settings: Settings) -> str:
    client = AiohttpRequest(connection_pool_size=1)
    async with Bot(
        settings.require_token(), base_url=settings.telegram_api_url, request=client
    ) as bot:
        return str(bot.username)


def add_clinic(
    settings: Settings,
    name: str,
    *,
    chat_id: int | None,
    bot_username: str | None,
    qr: str | None,
) -> int:
    name = " ".join(name.split())
    if not name:
        raise SettingsError("the clinic needs a name")

    async def run() -> tuple[int, str]:
        username = bot_username or await _bot_username(settings)
        await upgrade(settings.database_url)
        db = Database(settings.database_url)
        try:
            async with db.transaction() as tx:
                if await clinic.find_clinic(tx, name) is not None:
                    raise SettingsError(f"a clinic called {name!r} exists already")
                made = await clinic.create_clinic(tx, name, SystemClock().now(), chat_id)
                return made.id, clinic.invite_link(username.lstrip("@"), made)
        finally:
            await db.close()

    clinic_id, link = asyncio.run(run())
    path = Path(qr or f"clinic-{clinic_id}.png")
    segno.make(link, error="m").save(str(path), scale=10, border=4)
    print(f"clinic {clinic_id}: {name}")
    print(f"invite link: {link}")
    print(f"QR code: {path}")
    return 0


def add_clinician(settings: Settings, clinic_key: str, telegram_id: int) -> int:
    async def run() -> str | None:
        await upgrade(settings.database_url)
        db = Database(settings.database_url)
        try:
            async with db.transaction() as tx:
                found = await clinic.add_clinician(tx, clinic_key, telegram_id, SystemClock().now())
                return found.name if found else None
        finally:
            await db.close()

    name = asyncio.run(run())
    if name is None:
        raise SettingsError(f"no clinic is called or numbered {clinic_key!r}")
    print(f"{telegram_id} is a clinician of {name}: they send /dashboard to the bot to sign in")
    return 0
