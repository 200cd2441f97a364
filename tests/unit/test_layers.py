"""The layers hold: SQL is built only in storage/, and the program layer never sees Telegram.

Read from the source with :mod:`ast`, so a violation is named by file and line before it is
ever run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"

#: The parts of SQLAlchemy that build no SQL: the session type (for annotations) and the
#: exception classes.
SQLALCHEMY_ALLOWED = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, name)`` of every absolute import in the file; ``from m import x`` gives
    ``m.x`` (``x`` may be a module: ``from sqlalchemy import exc`` is allowed, ``from
    sqlalchemy import select`` is not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _offences(root: Path, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    """``file:line: names`` of every import under ``root`` of a name within ``forbidden`` and
    not within ``allowed``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        by_line: dict[int, list[str]] = {}
        for line, name in _imports(path):
            if any(_within(name, f) for f in forbidden) and not any(
                _within(name, a) for a in allowed
            ):
                by_line.setdefault(line, []).append(name)
        found += [
            f"{path.relative_to(ROOT)}:{line}: {', '.join(names)}"
            for line, names in sorted(by_line.items())
        ]
    return found


def test_no_module_outside_storage_builds_sql() -> None:
    offences = _offences(BOT, ("sqlalchemy",), SQLALCHEMY_ALLOWED)
    assert not offences, "SQL belongs in storage/; move these queries there:\n" + "\n".join(
        offences
    )


def test_the_program_layer_does_not_see_telegram() -> None:
    offences = _offences(BOT / "program", ("telegram", "bot.telegram"))
    assert not offences, "bot/program/ must not import Telegram:\n" + "\n".join(offences)


LIFECYCLE = BOT / "program" / "lifecycle.py"


def _status_writes(path: Path) -> Iterator[int]:
    """Lines that assign a user's ``status`` (``user.status = ...``, ``turn.user.status``,
    ``user.status, x = ...``): an exercise session's status is its own."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in ast.walk(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                owner = ast.unparse(target.value).lower()
                if owner.endswith("user") or owner.endswith("users"):
                    yield node.lineno


def test_only_the_lifecycle_writes_a_users_status() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(BOT.rglob("*.py"))
        if path != LIFECYCLE
        for line in _status_writes(path)
    ]
    assert found == [], "write a user's status through bot/program/lifecycle.py: " + ", ".join(
        found
    )
    assert list(_status_writes(LIFECYCLE)), "the scan finds the lifecycle's own writes"
