"""Every sentence the bot says to a user, looked up by key from ``texts.yaml``.

Handlers never assemble user-facing prose; they name a text and fill its placeholders, so the
wording can be reviewed (and translated) in one file without touching code.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yaml")


@cache
def _texts() -> dict[str, str]:
    with TEXTS_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {str(k): str(v).strip() for k, v in data.items()}


def t(key: str, **values: Any) -> str:
    """The text called ``key`` with its ``{placeholders}`` filled in."""
    return _texts()[key].format(**values)


def day_text(day: date) -> str:
    """A day as every text writes it: "Wed 2 Dec" (no year, no leading zero)."""
    return f"{day:%a} {day.day} {day:%b}"


def moment_text(when: datetime) -> str:
    """A wall-clock time as every text writes it: "Wed 2 Dec at 07:30" (``when`` is local)."""
    return t("moment", day=day_text(when), time=f"{when:%H:%M}")


def keys() -> frozenset[str]:
    return frozenset(_texts())


def template(key: str) -> str:
    """The text called ``key`` with its placeholders still in (for checks and translators)."""
    return _texts()[key]


# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters.
_UNSHOWABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def quoted(user_text: str, limit: int = 40) -> str:
    """A user's own words, safe to show back inside a sentence.

    Only printable characters stay (a bidi override would reverse the rest of the bot's
    sentence on the user's screen; a NUL or a lone surrogate is refused by Telegram), runs of
    whitespace become one space, and anything past ``limit`` characters becomes "...".
    """
    kept = "".join(c for c in user_text if unicodedata.category(c) not in _UNSHOWABLE)
    words = " ".join(kept.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
