"""What every handler needs, built once per Application and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.coach.catalog import Catalog
from bot.settings import Settings
from storage.db import Database

SERVICES_KEY = "backstep.services"


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    clock: Clock
    extras: dict[str, Any] = field(default_factory=dict)


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found: Services = context.application.bot_data[SERVICES_KEY]
    return found
