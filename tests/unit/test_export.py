"""The /export zip holds every column of every table about the user; the cohort CSV holds
nobody's identity."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Date, Integer, SmallInteger, String
from sqlalchemy.sql.schema import Column

from bot import cohort, export
from bot.cli import main, parser
from bot.coach.adherence import PainEntry
from bot.coach.catalog import load_catalog
from bot.logs import pseudonym
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    PER_USER_TABLES,
    Dialog,
    Escalation,
    ExerciseLevel,
    ExerciseSession,
    LessonShown,
    PainReport,
    QuestionnaireResult,
    ReminderLog,
    SessionStep,
    SymptomAnswer,
    User,
    UTCDateTime,
)

AT = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
USER = 4242


def _sample(column: Column[Any]) -> Any:
    """A plausible value for any column, so every column is exercised."""
    kind = column.type
    if column.name == "user_id":
        return USER
    if isinstance(kind, UTCDateTime):
        return AT
    if isinstance(kind, Date):
        return AT.date()
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, SmallInteger | Integer) or column.name.endswith("id"):
        return 3
    if isinstance(kind, String):
        return f"{column.name}-é"
    return {"note": "ü"}  # JSON


def _row(model: type[Any], **overrides: Any) -> dict[str, Any]:
    row = {c.key: _sample(c) for c in model.__table__.columns}
    row.update(overrides)
    return row


def _everything() -> export.UserData:
    data = export.UserData(user=_row(User, id=USER, timezone="Europe/Berlin"))
    for model in PER_USER_TABLES:
        data.tables[model.__tablename__] = [_row(model)]
    data.tables[PainReport.__tablename__] = [
        _row(PainReport, kind="checkin", score=4, reach=2, exercise_id=None, session_id=None),
        _row(PainReport, kind="during_exercise", score=6, reach=None, exercise_id="wall_sit"),
    ]
    data.tables[ExerciseSession.__tablename__] = [
        _row(
            ExerciseSession,
            id=3,
            status="done",
            plan=[
                {"exercise_id": "wall_sit", "notch": 1},
                {
                    "exercise_id": "glute_bridge",
                    "notch": 0,
                    "change": {"direction": "up", "exercise_id": "glute_bridge", "notch": 1},
                },
            ],
        )
    ]
    data.tables[SessionStep.__tablename__] = [
        _row(SessionStep, session_id=3, position=0, action="too_painful", exercise_id="wall_sit"),
        _row(SessionStep, session_id=3, position=1, action="done", exercise_id="glute_bridge"),
    ]
    return data


def _open(blob: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(blob))


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_every_column_of_every_table_about_the_user_is_in_the_export() -> None:
    archive = _open(export.build_zip(_everything(), load_catalog(), AT))
    profile = json.loads(archive.read(export.PROFILE_FILE))
    assert set(profile["user"]) == {c.key for c in User.__table__.columns}
    for model in PER_USER_TABLES:
        columns = {c.key for c in model.__table__.columns}
        name = model.__tablename__
        if name in export.CSV_TABLES:
            header = _csv(archive, export.CSV_TABLES[name])[0].keys()
            assert columns <= set(header), f"{name}: {columns - set(header)} missing"
        else:
            assert profile[name] and set(profile[name][0]) == columns, name


def test_tables_are_readable_csv_for_a_clinician() -> None:
    archive = _open(export.build_zip(_everything(), load_catalog(), AT))
    reports = _csv(archive, export.REPORTS_FILE)
    assert [(r["kind"], r["score"], r["reach_label"]) for r in reports] == [
        ("checkin", "4", "Thigh"),
        ("during_exercise", "6", ""),
    ]
    assert reports[0]["at"] == "2026-03-02T07:30:00+00:00"
    assert reports[1]["exercise_name"] == "Wall sit"
    (session,) = _csv(archive, export.SESSIONS_FILE)
    assert session["exercises"] == "Wall sit (30 s); Glute bridge (8 reps)"
    assert (session["done"], session["too_painful"]) == ("Glute bridge", "Wall sit")
    assert session["level_changes"] == "Glute bridge (8 reps) up to Glute bridge (10 reps)"
    assert json.loads(session["plan"])[0] == {"exercise_id": "wall_sit", "notch": 1}


def test_the_zip_says_what_each_file_is_and_keeps_accents() -> None:
    archive = _open(export.build_zip(_everything(), load_catalog(), AT))
    assert archive.testzip() is None
    readme = archive.read(export.README_FILE).decode()
    assert "2026-03-02 07:30 UTC" in readme
    for name in archive.namelist():
        if name != export.README_FILE:
            assert name in readme
    profile = json.loads(archive.read(export.PROFILE_FILE))
    assert profile["dialogs"][0]["flow"] == "flow-é"


def test_an_empty_history_still_has_headers() -> None:
    data = export.UserData(user=_row(User, id=USER))
    archive = _open(export.build_zip(data, load_catalog(), AT))
    header = archive.read(export.REPORTS_FILE).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("id,user_id,at,local_date,kind,score")


async def test_collect_reads_every_per_user_table_and_only_that_user(database: Database) -> None:
    async with database.transaction() as tx:
        for uid in (USER, USER + 1):
            user = User(id=uid, chat_id=uid, created_at=AT, status="active", reachable=True)
            user.dialog = Dialog(flow="none", step="", payload={}, version=0, updated_at=AT)
            tx.add(user)
            await tx.flush()
            session = ExerciseSession(
                user_id=uid, started_at=AT, local_date=AT.date(), status="done", plan=[]
            )
            tx.add(session)
            await tx.flush()
            tx.add_all(
                [
                    SessionStep(
                        session_id=session.id,
                        user_id=uid,
                        at=AT,
                        exercise_id="wall_sit",
                        position=0,
                        step_index=0,
                        action="done",
                    ),
                    PainReport(user_id=uid, at=AT, local_date=AT.date(), kind="checkin", score=3),
                    SymptomAnswer(
                        user_id=uid, at=AT, symptom="saddle", present=False, source="screen"
                    ),
                    Escalation(user_id=uid, at=AT, level=1, reasons=[], report_ids=[]),
                    ExerciseLevel(
                        user_id=uid, slot="wall_sit", exercise_id="wall_sit", updated_at=AT
                    ),
                    ReminderLog(
                        user_id=uid,
                        local_date=AT.date(),
                        kind="daily",
                        status="sent",
                        due_at=AT,
                        at=AT,
                    ),
                    QuestionnaireResult(
                        user_id=uid,
                        instrument="rmdq",
                        at=AT,
                        local_date=AT.date(),
                        answers=[0] * 24,
                        score=0,
                    ),
                    LessonShown(user_id=uid, lesson="movement", at=AT),
                ]
            )
    async with database.transaction() as tx:
        data = await export.collect(tx, USER)
        assert await export.collect(tx, 1) is None
    assert data is not None and data.user["id"] == USER
    assert set(data.tables) == {m.__tablename__ for m in PER_USER_TABLES}
    for name, rows in data.tables.items():
        assert len(rows) == 1, name
        assert all(r.get("user_id", USER) == USER for r in rows), name


# --------------------------------------------------------------------------- cohort


def test_cohort_rows_are_weekly_and_include_quiet_weeks() -> None:
    start = date(2026, 3, 4)  # a Wednesday
    entries = [
        PainEntry(date(2026, 3, 4), "onboarding", 6),
        PainEntry(date(2026, 3, 5), "checkin", 5),
        PainEntry(date(2026, 3, 5), "during_exercise", 9),
        PainEntry(date(2026, 3, 18), "checkin", 3),
    ]
    sessions = [date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 19)]
    rows = cohort.weekly_rows("u-abc", start, entries, sessions, [(date(2026, 3, 6), 1)])
    assert [(r.week_start, r.week, r.pain_mean, r.pain_days, r.sessions) for r in rows] == [
        ("2026-03-02", 1, "5.5", 2, 2),
        ("2026-03-09", 2, "", 0, 0),
        ("2026-03-16", 3, "3.0", 1, 1),
    ]
    assert [(r.escalations, r.max_escalation_level) for r in rows] == [(1, 1), (0, 0), (0, 0)]
    assert {r.participant for r in rows} == {"u-abc"}


def test_cohort_header() -> None:
    assert cohort.HEADER == (
        "participant",
        "week_start",
        "week",
        "pain_mean",
        "pain_days",
        "sessions",
        "escalations",
        "max_escalation_level",
    )


def test_backstep_export_cohort_writes_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cohort.db'}"

    async def prepare() -> None:
        await upgrade(url)
        db = Database(url)
        async with db.transaction() as tx:
            user = User(
                id=USER, chat_id=USER, created_at=AT, consent_at=AT, status="active", reachable=True
            )
            tx.add(user)
            await tx.flush()
            tx.add(PainReport(user_id=USER, at=AT, local_date=AT.date(), kind="checkin", score=4))
        await db.close()

    asyncio.run(prepare())
    monkeypatch.setenv("BACKSTEP_DATABASE_URL", url)
    monkeypatch.setenv("BACKSTEP_PSEUDONYM_KEY", "clinic-key")
    out = tmp_path / "weeks.csv"

    assert main(["export-cohort", "--out", str(out)]) == 0

    assert "wrote 1 weekly rows" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    assert rows == [
        {
            "participant": pseudonym(USER, "clinic-key"),
            "week_start": "2026-03-02",
            "week": "1",
            "pain_mean": "4.0",
            "pain_days": "1",
            "sessions": "0",
            "escalations": "0",
            "max_escalation_level": "0",
        }
    ]


def test_export_cohort_needs_an_output_file() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["export-cohort"])
