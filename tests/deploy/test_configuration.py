"""An operator's configuration mistakes stop ``backstep webhook`` before it listens, in one line."""

from __future__ import annotations

import pytest

from bot.serve import parse_listen, serve_webhook, webhook_target
from bot.settings import Settings, SettingsError

TOKEN = "123456:TEST-config-token"


def settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "telegram_token": TOKEN,
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_secret": "s3cret_token",
        "listen": "0.0.0.0:8080",
    }
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mistake", "named"),
    [
        ({"webhook_secret": None}, "BACKSTEP_WEBHOOK_SECRET is not set"),
        ({"webhook_url": None}, "BACKSTEP_WEBHOOK_URL is not set"),
        ({"webhook_url": "bot.example.org/telegram"}, "BACKSTEP_WEBHOOK_URL is invalid"),
        ({"listen": "8080"}, "BACKSTEP_LISTEN is invalid"),
        ({"listen": "0.0.0.0:99999"}, "BACKSTEP_LISTEN is invalid"),
        ({"telegram_token": None}, "BACKSTEP_TELEGRAM_TOKEN is not set"),
    ],
)
def test_webhook_mode_will_not_start_half_configured(mistake: dict[str, object], named: str):
    with pytest.raises(SettingsError, match=named):
        serve_webhook(settings(**mistake))


def test_the_route_is_the_path_of_the_public_url():
    assert webhook_target(settings())[1] == "/telegram"
    assert webhook_target(settings(webhook_url="https://bot.example.org"))[1] == "/"


@pytest.mark.parametrize(
    ("listen", "address"),
    [
        ("127.0.0.1:8443", ("127.0.0.1", 8443)),
        ("0.0.0.0:8080", ("0.0.0.0", 8080)),
        (":8080", ("0.0.0.0", 8080)),
        ("[::]:8443", ("::", 8443)),
    ],
)
def test_listen_addresses_an_operator_would_write(listen: str, address: tuple[str, int]):
    assert parse_listen(listen) == address
