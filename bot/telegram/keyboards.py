"""Inline keyboards and the callback-data codec.

Callback data is user input: a client can send any bytes. Stateful buttons carry
``flow:version:action`` so a tap on an old message is recognised as stale by comparing the
version with the user's dialog in the database; library buttons carry ``lib:...`` and are
checked against the catalog. Everything fits Telegram's 64-byte limit by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.coach.numbers import parse_int

MAX_CALLBACK_BYTES = 64
MAX_VERSION = 2**31 - 1  # a dialog's version is a 32-bit integer column
LIBRARY = "lib"


@dataclass(frozen=True)
class Tap:
    """A decoded button press of a stateful flow."""

    flow: str
    version: int
    action: str


def encode(flow: str, version: int, action: str) -> str:
    data = f"{flow}:{version}:{action}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str | None) -> Tap | None:
    """The tap, or None when the data is not something this bot could have sent."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":", 2)
    if len(parts) != 3 or not parts[0].isascii() or not parts[0].isalpha():
        return None
    version = parse_int(parts[1], 0, MAX_VERSION)
    if version is None:
        return None
    return Tap(parts[0], version, parts[2])


Button = tuple[str, str]  # (label, action)


def keyboard(flow: str, version: int, rows: Iterable[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=encode(flow, version, action))
                for label, action in row
            ]
            for row in rows
        ]
    )


def scale_rows(prefix: str, low: int = 0, high: int = 10) -> list[list[Button]]:
    """A 0-10 pain scale as two rows of buttons."""
    values = [str(n) for n in range(low, high + 1)]
    middle = (len(values) + 1) // 2
    return [
        [(v, f"{prefix}.{v}") for v in values[:middle]],
        [(v, f"{prefix}.{v}") for v in values[middle:]],
    ]


def library_keyboard(rows: Iterable[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Stateless buttons for browsing the exercise library (``lib:`` data)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=f"{LIBRARY}:{data}") for label, data in row]
            for row in rows
        ]
    )
