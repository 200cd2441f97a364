"""What a flow is: how to ask its current question, and how to take an answer to it.

Every flow keeps its place in the user's ``dialogs`` row (flow, step, payload, version), so
re-asking the current question after a restart, a stale button or an odd message is always
possible: :attr:`Flow.prompt` renders it from the database alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Location

from bot.coach.numbers import parse_int
from bot.telegram.turn import Turn

Prompt = Callable[[Turn], Awaitable[None]]
TapHandler = Callable[[Turn, str], Awaitable[None]]
TextHandler = Callable[[Turn, str], Awaitable[bool]]
LocationHandler = Callable[[Turn, Location], Awaitable[bool]]


async def _no_text(turn: Turn, text: str) -> bool:
    return False


async def _no_location(turn: Turn, location: Location) -> bool:
    return False


@dataclass(frozen=True)
class Flow:
    name: str
    prompt: Prompt
    on_tap: TapHandler
    on_text: TextHandler = _no_text
    on_location: LocationHandler = _no_location


_PAIN = re.compile(r"\s*([0-9]{1,3})\s*(?:/\s*10)?\s*")


def parse_pain(text: str) -> int | None:
    """A 0-10 score typed as "7" or "7/10"; None for anything else (words, 11, junk)."""
    normalised = unicodedata.normalize("NFKC", text)[:32]
    match = _PAIN.fullmatch(normalised)
    return None if match is None else parse_int(match.group(1), 0, 10)


def tapped_value(action: str, prefix: str) -> str | None:
    """``"pain.7"`` with prefix ``"pain"`` -> ``"7"``; None when the action is something else."""
    head, _, value = action.partition(".")
    return value if head == prefix and value else None


def tapped_score(action: str, prefix: str) -> int | None:
    return tapped_number(action, prefix, 0, 10)


def tapped_number(action: str, prefix: str, low: int, high: int) -> int | None:
    """``"pick.3"`` -> 3 when within ``low..high``; None for anything else, forged or not."""
    value = tapped_value(action, prefix)
    return None if value is None else parse_int(value, low, high)
