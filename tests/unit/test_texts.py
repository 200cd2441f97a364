"""Every text the code asks for exists, and every text fits one Telegram message."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content.texts import keys, t, template

ROOT = Path(__file__).resolve().parents[2] / "bot"
STATIC_KEY = re.compile(r"\bt\(\s*\"([a-z0-9_.]+)\"")


def test_every_text_key_used_in_the_code_exists() -> None:
    used = {
        key
        for path in ROOT.rglob("*.py")
        for key in STATIC_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "the scan found the t(...) calls"
    assert used <= keys(), f"missing texts: {sorted(used - keys())}"


def test_every_text_renders_within_telegram_limits() -> None:
    for key in keys():
        values = {name: "x" * 40 for name in re.findall(r"{(\w+)}", template(key))}
        filled = t(key, **values)
        assert 0 < len(filled) <= 4096, key
