"""Reading what a user sent: a typed 0-10 score, and the value a tapped button carries.

Button data is user input too (a client can send anything), so every number in it goes through
:func:`bot.coach.numbers.parse_int` with its bounds.
"""

from __future__ import annotations

import re
import unicodedata

from bot.coach.numbers import parse_int

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


def tapped_number(action: str, prefix: str, low: int, high: int) -> int | None:
    """``"pick.3"`` -> 3 when within ``low..high``; None for anything else, forged or not."""
    value = tapped_value(action, prefix)
    return None if value is None else parse_int(value, low, high)
