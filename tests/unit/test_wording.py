"""Words a user reads: short button labels, one date style, no empty or awkward values.

Button labels are found in the code rather than listed by hand: every ``(t("key"), action)``
pair (the ``Button`` shape every keyboard is built from), every ``InlineKeyboardButton`` and
``KeyboardButton`` whose label is a text, and every exercise name (library buttons). A label
written as ``t(f"reach.{r}")`` stands for every text whose key starts with ``reach.``.
"""

from __future__ import annotations

import ast
import string
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.coach import adherence
from bot.coach.catalog import load_catalog
from bot.content.texts import day_text, keys, moment_text, template
from bot.telegram.handlers.progress import change_line

BOT = Path(__file__).resolve().parents[2] / "bot"
#: A phone shows about this many characters on one full-width inline button.
MAX_LABEL = 30
BUTTON_CLASSES = {"InlineKeyboardButton", "KeyboardButton"}


def _keys_of(arg: ast.expr) -> list[str]:
    """``"key"``, ``f"prefix{x}"`` (as "prefix*") or ``"a" if x else "b"``."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
        return [f"{arg.values[0].value}*"]
    if isinstance(arg, ast.IfExp):
        return _keys_of(arg.body) + _keys_of(arg.orelse)
    return []


def _text_keys(node: ast.expr) -> list[str]:
    """The keys a ``t(...)`` call may look up; [] for anything else."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t":
        return _keys_of(node.args[0]) if node.args else []
    return []


def _is_action(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def label_keys() -> set[str]:
    """Every text key the code puts on a button."""
    found: set[str] = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            labels: list[ast.expr] = []
            if isinstance(node, ast.Tuple) and len(node.elts) == 2 and _is_action(node.elts[1]):
                labels.append(node.elts[0])
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in BUTTON_CLASSES
                and node.args
            ):
                labels.append(node.args[0])
            found.update(key for label in labels for key in _text_keys(label))
    expanded = set()
    for key in found:
        if key.endswith("*"):
            expanded.update(k for k in keys() if k.startswith(key[:-1]))
        else:
            expanded.add(key)
    return expanded


def shown_length(text: str) -> int:
    """Characters on the button; a placeholder counts as its name's length."""
    return sum(
        len(literal) + len(name or "") for literal, name, _, _ in string.Formatter().parse(text)
    )


def test_the_scan_finds_the_buttons_we_know() -> None:
    found = label_keys()
    assert {"btn_done", "btn_back", "reach.3", "screen_none", "start_now", "zone_share"} <= found
    assert {"resume_yes", "resume_emergency_yes"} <= found
    assert not any(key.startswith("reminder.") for key in found), "questions are not buttons"


def test_every_button_label_fits_a_phone() -> None:
    long = {
        key: template(key)
        for key in sorted(label_keys())
        if shown_length(template(key)) > MAX_LABEL
    }
    assert long == {}, f"button labels over {MAX_LABEL} characters: put the question in the text"


def test_every_exercise_name_fits_a_library_button() -> None:
    long = [e.name for e in load_catalog().all() if len(e.name) > MAX_LABEL]
    assert long == []


def test_one_date_style() -> None:
    assert day_text(date(2026, 12, 2)) == "Wed 2 Dec"
    assert moment_text(datetime(2026, 12, 2, 7, 30)) == "Wed 2 Dec at 07:30"


@pytest.mark.parametrize(
    ("start", "now", "percent", "line"),
    [
        (5, 5.04, 0.8, "Pain: 5/10 over the last 7 days, the same as when you started."),
        (0, 1, None, "Pain: 0/10 when you started, 1/10 over the last 7 days (+1 point)."),
        (6, 3, -50, "Pain: 6/10 when you started, 3/10 over the last 7 days (-3 points, -50%)."),
    ],
)
def test_the_change_since_starting_never_says_zero_points(
    start: float, now: float, percent: float | None, line: str
) -> None:
    change = adherence.PainChange(start=start, now=now, points=now - start, percent=percent)
    assert change_line(change) == line
