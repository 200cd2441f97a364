"""Every text the code asks for exists, and every text fits one Telegram message."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from bot.content.texts import keys, quoted, t, template

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


CONTENT = ROOT / "content"


def _leaf_keys(data: object, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return {prefix.rstrip(".")}
    return {key for k, v in data.items() for key in _leaf_keys(v, f"{prefix}{k}.")}


def _strings_in_code() -> tuple[set[str], set[str]]:
    """String constants and attribute names of the bot's code, and its f-strings' heads.

    The list of keys a content file must have (``_required_keys``) is not a use.
    """
    literals: set[str] = set()
    heads: set[str] = set()
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {
            id(node)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name == "_required_keys"
            for node in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    heads.add(first.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.Attribute):  # typed sections: ``words.up_variant``
                literals.add(node.attr)
    return literals, heads


@pytest.mark.parametrize(
    "name", ["texts.yaml", "safety.yaml", "progression_texts.yaml", "dashboard.yaml"]
)
def test_every_text_in_the_content_files_is_used_by_the_code(name: str) -> None:
    literals, heads = _strings_in_code()
    data = yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))

    def used(key: str) -> bool:
        parts = key.split(".")
        ancestors = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
        return bool(ancestors & literals) or any(key.startswith(h) for h in heads if h)

    orphans = sorted(key for key in _leaf_keys(data) if not used(key))
    assert not orphans, f"{name} has texts nothing says: {orphans}"


def test_a_users_words_are_shown_back_without_controls_or_bidi_overrides() -> None:
    assert quoted("Berl\u202ein\x00  \n  \u200bCity") == "Berlin City"
    assert quoted("x" * 100, limit=10) == "x" * 9 + "…"
    assert quoted("\ud800\U000f0000ok") == "ok"
