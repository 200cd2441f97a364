"""The questionnaires' items and the lessons, read from their content files and checked on load.

Both files are content a reviewer edits, so a mistake must stop the bot at start-up, not show
up as a half-asked questionnaire: every instrument has the item count its scoring expects,
every lesson is short (under :data:`MAX_WORDS` words) and names its source, and every risk
group's order lists each lesson exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.coach import outcomes
from bot.content.texts import t

QUESTIONNAIRES_FILE = Path(__file__).with_name("questionnaires.yaml")
LESSONS_FILE = Path(__file__).with_name("lessons.yaml")
MAX_WORDS = 120
ITEM_COUNT = {outcomes.STARTBACK: outcomes.STARTBACK_ITEMS, outcomes.RMDQ: outcomes.RMDQ_ITEMS}


class ContentError(ValueError):
    """A content file breaks one of the rules above."""


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str
    intro: str
    copyright: str
    items: tuple[str, ...]
    choices: tuple[str, ...]  # answer labels, the index is the value
    last_choices: tuple[str, ...]  # the last item's own scale, when it has one

    def choices_for(self, index: int) -> tuple[str, ...]:
        last = index == len(self.items) - 1
        return self.last_choices if last and self.last_choices else self.choices


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Lessons:
    by_id: dict[str, Lesson]
    order: dict[str, tuple[str, ...]]  # risk group -> lesson ids

    def ordered(self, risk: str) -> list[Lesson]:
        return [self.by_id[i] for i in self.order[risk]]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ContentError(f"{where} must be a list of texts")
    return tuple(" ".join(v.split()) for v in value)


@cache
def instruments() -> dict[str, Instrument]:
    data = yaml.safe_load(QUESTIONNAIRES_FILE.read_text(encoding="utf-8"))
    found = {}
    for key, count in ITEM_COUNT.items():
        entry = data.get(key) if isinstance(data, dict) else None
        if not isinstance(entry, dict):
            raise ContentError(f"{QUESTIONNAIRES_FILE.name}: {key} is missing")
        items = _strings(entry.get("items"), f"{key}.items")
        if len(items) != count:
            raise ContentError(f"{key} has {len(items)} items; its scoring needs {count}")
        found[key] = Instrument(
            key=key,
            title=str(entry["title"]),
            intro=" ".join(str(entry["intro"]).split()),
            copyright=" ".join(str(entry["copyright"]).split()),
            items=items,
            choices=_strings(entry.get("choices"), f"{key}.choices"),
            last_choices=_strings(entry["last_choices"], f"{key}.last_choices")
            if "last_choices" in entry
            else (),
        )
    return found


@cache
def lessons() -> Lessons:
    data = yaml.safe_load(LESSONS_FILE.read_text(encoding="utf-8"))
    by_id: dict[str, Lesson] = {}
    for entry in data.get("lessons", []):
        lesson = Lesson(
            id=str(entry["id"]),
            title=str(entry["title"]),
            text=" ".join(str(entry["text"]).split()),
            source=" ".join(str(entry.get("source") or "").split()),
        )
        if lesson.id in by_id:
            raise ContentError(f"lesson {lesson.id} twice")
        if not lesson.source:
            raise ContentError(f"lesson {lesson.id} names no source")
        words = len(lesson.text.split())
        if words >= MAX_WORDS:
            raise ContentError(f"lesson {lesson.id} has {words} words (under {MAX_WORDS})")
        by_id[lesson.id] = lesson
    order = {}
    for risk in outcomes.Risk:
        ids = tuple(str(i) for i in data.get("order", {}).get(risk.value, []))
        if sorted(ids) != sorted(by_id):
            raise ContentError(f"order.{risk.value} must list every lesson once")
        order[risk.value] = ids
    return Lessons(by_id, order)


def lesson_text(lesson: Lesson) -> str:
    """A lesson as the user reads it: title, text and source."""
    return t("lesson", title=lesson.title, text=lesson.text, source=lesson.source)
