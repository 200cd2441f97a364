"""Every number a user sends, typed or inside button data, is read by :func:`parse_int`.

Callback data and text are user input: a client can send any characters. ``str.isdigit`` says
yes to "²" and "①", which ``int`` then refuses with a traceback, and ``\\d`` takes Arabic-Indic
and other scripts' digits. One parser that takes 1-9 ASCII digits and a range keeps every
number the bot reads bounded and crash-free.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,9}")


def parse_int(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number in ``low..high``; None for anything else."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None
