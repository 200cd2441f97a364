"""``backstep dashboard``: the dashboard in a process of its own, on the shared database.

Behind the same HTTPS proxy as the webhook (or not); any number of these may run side by side
with the bot instances, since all state is in the database.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.clock import SystemClock
from bot.coach.catalog import load_catalog
from bot.dashboard.routes import dashboard_app
from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)


def secure_cookies(settings: Settings) -> bool:
    """Cookies are ``Secure`` when the dashboard is reached over https."""
    return (settings.dashboard_url or "").startswith("https://")


def serve_dashboard(settings: Settings, *, host: str, port: int) -> int:
    db = Database(settings.database_url)
    app = dashboard_app(
        db, load_catalog(settings.exercises_file), SystemClock(), secure=secure_cookies(settings)
    )

    async def close(_: web.Application) -> None:
        await db.close()

    app.on_cleanup.append(close)
    log.info("dashboard on http://%s:%d/dashboard/", host, port)
    web.run_app(
        app, host=host, port=port, print=None, access_log=None, loop=asyncio.new_event_loop()
    )
    return 0
