"""Configuration from the environment, so one image serves every deployment.

Every setting is read from ``BACKSTEP_*`` variables (or an optional ``.env``). A bad value must
stop the process with one line an operator can act on, so :func:`load_settings` turns pydantic's
validation report into a :class:`SettingsError` naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "BACKSTEP_"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
# Telegram's limit for messages sent with ``allow_paid_broadcast`` (0.1 Stars each).
PAID_BROADCAST_PER_SECOND = 1000.0


class SettingsError(Exception):
    """A setting is missing or invalid; ``str()`` is one line naming the variable."""


class Settings(BaseSettings):
    """All of Backstep's settings; names are fixed because deployments rely on them."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    telegram_token: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///backstep.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    clinician_chat_id: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    exercises_file: Path | None = None
    emergency_number: str | None = None
    reminder_tick_seconds: float = Field(default=20.0, gt=0, le=300)
    # The most messages in any one second, as Telegram counts them (its limit is 30). The
    # margin stretches that second (30 in any 1.05 s: 28.6/s) for what one process cannot
    # see, such as other instances on the same token (bot/telegram/flood.py).
    send_rate_per_second: float = Field(default=30.0, gt=0)
    send_margin_seconds: float = 0.05
    # Reminders and weekly summaries with allow_paid_broadcast: up to 1,000/s, 0.1 Stars each.
    paid_broadcast: bool = False
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,256}$")
    listen: str = "127.0.0.1:8443"
    health_port: int | None = Field(default=None, ge=1, le=65535)
    pseudonym_key: str | None = None
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    # Public base URL of the clinicians' dashboard (/dashboard links point here; docs/clinic.md).
    dashboard_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    # Ask the Keele STarT Back tool at onboarding (free for non-commercial use only: a
    # commercial operator needs Keele University's permission or turns it off; docs/outcomes.md).
    startback: bool = True

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        bot_id, _, secret = value.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("must look like 123456:ABC... (the token BotFather gave you)")
        return value

    @field_validator("send_margin_seconds")
    @classmethod
    def _margin(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError("must be 0 to 1 seconds (added to Telegram's one-second window)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "must be comma-separated Telegram user ids, like 123,456"
                ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the URLs operators know and pick the async driver ourselves."""
        for plain, async_ in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if value.startswith(plain):
                return async_ + value[len(plain) :]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @property
    def pseudonym_secret(self) -> str:
        """Key for pseudonymous ids: set one to keep ids stable across token changes."""
        return self.pseudonym_key or self.telegram_token or "backstep"

    def require_token(self) -> str:
        """The token, or a :class:`SettingsError` for commands that must talk to Telegram."""
        if not self.telegram_token:
            raise SettingsError(
                f"{ENV_PREFIX}TELEGRAM_TOKEN is not set: give the bot token from BotFather "
                "(or run `backstep sandbox` to try Backstep without one)"
            )
        return self.telegram_token


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one actionable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{ENV_PREFIX}{field.upper()} is invalid: {message}") from None
