"""Everything Backstep stores about one user, as a zip they (or their clinician) can read.

Pain reports, sessions and session steps are tables, so they are CSV files that open in any
spreadsheet; everything else (settings, dialog state, symptom answers, escalations, exercise
levels, reminders) goes into ``profile.json``. The export is built from every per-user table
(:data:`storage.models.PER_USER_TABLES`) column by column (:func:`storage.stats.rows_about`),
so a column or table added later is exported without anyone remembering to add it here; a
unit test holds that promise.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach.catalog import Catalog
from bot.coach.program import ExerciseLevel
from bot.coach.progression import amount_label
from bot.content.texts import t
from bot.program.history import change_of
from storage import stats
from storage.models import ExerciseSession, PainReport, SessionStep

REPORTS_FILE = "pain_reports.csv"
SESSIONS_FILE = "sessions.csv"
STEPS_FILE = "session_steps.csv"
PROFILE_FILE = "profile.json"
README_FILE = "README.txt"

#: Tables written as CSV (the rest go into profile.json under their table name).
CSV_TABLES = {
    PainReport.__tablename__: REPORTS_FILE,
    ExerciseSession.__tablename__: SESSIONS_FILE,
    SessionStep.__tablename__: STEPS_FILE,
}

Row = dict[str, Any]

#: Every row about one user, table name -> rows (column name -> value).
UserData = stats.UserRows


async def collect(tx: AsyncSession, user_id: int) -> UserData | None:
    """Read every row about the user; None if there is no such user."""
    return await stats.rows_about(tx, user_id)


def _plain(value: Any) -> Any:
    """A JSON/CSV-friendly value: ISO dates and times, everything else as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _name(catalog: Catalog, exercise_id: str | None) -> str:
    if not exercise_id:
        return ""
    return catalog.get(exercise_id).name if exercise_id in catalog else exercise_id


def _csv(header: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _reach_label(reach: int | None) -> str:
    return t(f"reach.{reach}") if reach is not None and 0 <= reach <= 4 else ""


def reports_csv(rows: Sequence[Row], catalog: Catalog) -> str:
    columns = [c for c in rows[0]] if rows else [c.key for c in PainReport.__table__.columns]
    extra = ["reach_label", "exercise_name"]
    enriched = [
        {
            **r,
            "reach_label": _reach_label(r.get("reach")),
            "exercise_name": _name(catalog, r.get("exercise_id")),
        }
        for r in rows
    ]
    return _csv([*columns, *extra], enriched)


def _entry_text(catalog: Catalog, entry: Mapping[str, Any]) -> str:
    """ "Wall sit (30 s)": the exercise and its dose at the stored notch."""
    exercise_id, notch = str(entry.get("exercise_id")), int(entry.get("notch") or 0)
    if exercise_id not in catalog:
        return f"{exercise_id} (notch {notch})"
    try:
        dose = amount_label(catalog, ExerciseLevel(exercise_id, notch))
    except ValueError:  # a therapist-only entry has no dosage ladder
        return _name(catalog, exercise_id)
    return f"{_name(catalog, exercise_id)} ({dose})"


def sessions_csv(sessions: Sequence[Row], steps: Sequence[Row], catalog: Catalog) -> str:
    columns = (
        [c for c in sessions[0]] if sessions else [c.key for c in ExerciseSession.__table__.columns]
    )
    outcome: dict[tuple[int, int], str] = {}
    for step in steps:
        if step["action"] in ("done", "skip", "too_painful"):
            key = (step["session_id"], step["position"])
            if outcome.get(key) != "too_painful":
                outcome[key] = step["action"]
    enriched = []
    for session in sessions:
        plan = session.get("plan") or []
        by_action: dict[str, list[str]] = {"done": [], "skip": [], "too_painful": []}
        changes = []
        for position, entry in enumerate(plan):
            action = outcome.get((session["id"], position))
            if action in by_action:
                by_action[action].append(_name(catalog, entry.get("exercise_id")))
            change = change_of(entry)
            if change is not None:
                changes.append(
                    f"{_entry_text(catalog, entry)} {change.get('direction')} to "
                    f"{_entry_text(catalog, change)}"
                )
        enriched.append(
            {
                **session,
                "exercises": "; ".join(_entry_text(catalog, e) for e in plan),
                "done": "; ".join(by_action["done"]),
                "skipped": "; ".join(by_action["skip"]),
                "too_painful": "; ".join(by_action["too_painful"]),
                "level_changes": "; ".join(changes),
            }
        )
    extra = ["exercises", "done", "skipped", "too_painful", "level_changes"]
    return _csv([*columns, *extra], enriched)


def steps_csv(rows: Sequence[Row], catalog: Catalog) -> str:
    columns = [c for c in rows[0]] if rows else [c.key for c in SessionStep.__table__.columns]
    enriched = [{**r, "exercise_name": _name(catalog, r.get("exercise_id"))} for r in rows]
    return _csv([*columns, "exercise_name"], enriched)


def profile_json(data: UserData, exported_at: datetime) -> str:
    document: dict[str, Any] = {
        "exported_at": exported_at.isoformat(),
        "user": _plain(data.user),
    }
    for table, rows in data.tables.items():
        if table not in CSV_TABLES:
            document[table] = [_plain(r) for r in rows]
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def build_zip(data: UserData, catalog: Catalog, exported_at: datetime) -> bytes:
    """The zip: README.txt, three CSV files and profile.json (CPU work: run it in a thread)."""
    files = {
        README_FILE: t("export_readme", at=exported_at.strftime("%Y-%m-%d %H:%M UTC")) + "\n",
        REPORTS_FILE: reports_csv(data.tables.get(PainReport.__tablename__, []), catalog),
        SESSIONS_FILE: sessions_csv(
            data.tables.get(ExerciseSession.__tablename__, []),
            data.tables.get(SessionStep.__tablename__, []),
            catalog,
        ),
        STEPS_FILE: steps_csv(data.tables.get(SessionStep.__tablename__, []), catalog),
        PROFILE_FILE: profile_json(data, exported_at),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            # utf-8-sig for the CSVs: spreadsheet programs then read accents correctly.
            encoding = "utf-8-sig" if name.endswith(".csv") else "utf-8"
            info = zipfile.ZipInfo(name, date_time=_zip_time(exported_at))
            info.external_attr = 0o644 << 16
            archive.writestr(info, content.encode(encoding), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _zip_time(at: datetime) -> tuple[int, int, int, int, int, int]:
    return (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)


def file_name(today: date) -> str:
    return f"backstep-data-{today.isoformat()}.zip"
