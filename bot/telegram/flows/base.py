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


_PAIN = re.compile(r"^\s*(\d{1,3})\s*(?:/\s*10)?\s*$")


def parse_pain(text: str) -> int | None:
    """A 0-10 score typed as "7" or "7/10"; None for anything else (words, 11, junk)."""
    normalised = unicodedata.normalize("NFKC", text)[:32]
    match = _PAIN.match(normalised)
    if match is None:
        return None
    value = int(match.group(1))
    return value if 0 <= value <= 10 else None


def tapped_value(action: str, prefix: str) -> str | None:
    """``"pain.7"`` with prefix ``"pain"`` -> ``"7"``; None when the action is something else."""
    head, _, value = action.partition(".")
    return value if head == prefix and value else None


def tapped_score(action: str, prefix: str) -> int | None:
    value = tapped_value(action, prefix)
    if value is None or not value.isdigit():
        return None
    score = int(value)
    return score if 0 <= score <= 10 else None
