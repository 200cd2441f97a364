"""A unit of work: the open transaction, the user it is about, ``now``, and the content.

Every use case in :mod:`bot.program` takes one. A Telegram turn builds it from its update
(:attr:`bot.telegram.turn.Turn.work`); the reminder dispatcher and the tests build it directly,
so the program layer never sees Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach import schedule
from bot.coach.catalog import Catalog
from bot.settings import Settings
from storage.models import User


@dataclass
class Work:
    tx: AsyncSession
    user: User
    now: datetime
    catalog: Catalog
    settings: Settings

    @property
    def zone(self) -> str:
        return self.user.timezone or "UTC"

    @property
    def today(self) -> date:
        """The user's local date now (UTC until they told us their zone)."""
        return schedule.local_date(self.now, self.zone)
