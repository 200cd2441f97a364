"""Stories of the user's data being theirs: see it (/privacy), take it (/export), erase it
(/delete), and of operators seeing counts, never people (/stats).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from bot.content.texts import t
from storage.models import (
    PER_USER_TABLES,
    Base,
    Clinic,
    ClinicAction,
    ClinicPatient,
    Escalation,
    HoldTimer,
    LessonShown,
    PlanAdjustment,
    ReminderLog,
)
from tests.harness import BotUnderTest, running_bot
from tests.stories import seed
from tests.stories.helpers import finish_exercises, onboard, start_session

ALEX = 7001
BO = 7002
ZEB = 7003
ADMIN = 7999
#: Tables that hold nothing about any person (checked: every other table must name its user).
NOT_ABOUT_A_PERSON = {"send_budget", "alembic_version", "handled_updates"}
# Telegram's file_ids of the bot's own uploads (exercise animations), per bot.
NOT_ABOUT_A_PERSON |= {"media_files"}
# A clinic and its staff's sign-ins; acknowledgements cascade from the patient's escalations.
NOT_ABOUT_A_PERSON |= {"clinics", "clinicians", "sign_in_links", "dashboard_sessions"}
NOT_ABOUT_A_PERSON |= {"escalation_acks"}


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


async def _alex_does_a_session(bot: BotUnderTest) -> None:
    """Onboarding (pain 3 to the thigh), then a session: pain 2 before, the first exercise
    too painful (4), the rest done, pain 1 after."""
    summary = await onboard(bot, ALEX, pain="3", reach="Thigh", time="07:30")
    step = await start_session(bot, ALEX, summary)  # pain before: 2
    ask = await bot.tap(ALEX, step, "Too painful")
    await bot.tap(ALEX, ask, "4")
    ask_after = await finish_exercises(bot, ALEX, await bot.next(ALEX))
    await bot.tap(ALEX, ask_after, "1")
    await bot.unread(ALEX)


async def test_export_is_a_zip_whose_rows_match_what_the_user_entered(
    bot: BotUnderTest,
) -> None:
    await _alex_does_a_session(bot)

    reply = await bot.send(ALEX, "/export")

    assert reply.kind == "document" and reply.file is not None
    assert reply.file.filename == "backstep-data-2026-01-12.zip"
    assert "/delete" in reply.caption
    archive = zipfile.ZipFile(io.BytesIO(reply.file.data))
    assert set(archive.namelist()) == {
        "README.txt",
        "pain_reports.csv",
        "sessions.csv",
        "session_steps.csv",
        "profile.json",
    }
    reports = _csv(archive, "pain_reports.csv")
    assert [(r["kind"], r["score"]) for r in reports] == [
        ("onboarding", "3"),
        ("before_session", "2"),
        ("during_exercise", "4"),
        ("after_session", "1"),
    ]
    assert reports[0]["reach_label"] == "Thigh" and reports[0]["local_date"] == "2026-01-12"
    painful = reports[2]["exercise_name"]
    assert painful, "the painful exercise is named"

    (session,) = _csv(archive, "sessions.csv")
    assert (session["status"], session["pain_before"], session["pain_after"]) == ("done", "2", "1")
    assert session["too_painful"] == painful
    assert painful not in session["done"].split("; ")
    steps = _csv(archive, "session_steps.csv")
    assert steps[0]["action"] == "too_painful" and steps[0]["exercise_name"] == painful
    assert {s["action"] for s in steps[1:]} <= {"next", "done"}

    profile = json.loads(archive.read("profile.json"))
    assert profile["user"]["id"] == ALEX
    assert profile["user"]["timezone"] == "Europe/Berlin"
    assert profile["user"]["reminder_time"] == "07:30"
    assert profile["user"]["baseline_pain"] == 3
    answers = profile["symptom_answers"]
    assert answers and not any(a["present"] for a in answers), "the screen: none of these"
    for table in ("dialogs", "escalations", "exercise_levels", "reminder_log"):
        assert table in profile, f"{table} is exported too"
    readme = archive.read("README.txt").decode()
    assert all(name in readme for name in archive.namelist() if name != "README.txt")


async def _rows_about(bot: BotUnderTest, user_id: int) -> dict[str, int]:
    """Table -> rows about ``user_id``, for every table in the schema."""
    counts: dict[str, int] = {}
    async with bot.db.transaction() as tx:
        for table in Base.metadata.sorted_tables:
            if table.name == "users":
                where = table.c.id == user_id
            elif "user_id" in table.c:
                where = table.c.user_id == user_id
            else:
                assert table.name in NOT_ABOUT_A_PERSON, (
                    f"table {table.name} has no user_id: is it about a person? "
                    "If so it must cascade from users; if not, list it in NOT_ABOUT_A_PERSON"
                )
                continue
            counts[table.name] = (
                await tx.scalar(select(func.count()).select_from(table).where(where)) or 0
            )
    return counts


async def _every_value_in(bot: BotUnderTest, table_name: str) -> list[object]:
    async with bot.db.transaction() as tx:
        rows = (await tx.execute(text(f'SELECT * FROM "{table_name}"'))).all()
    return [value for row in rows for value in row]


async def test_delete_erases_every_row_about_the_user_in_every_table(bot: BotUnderTest) -> None:
    await _alex_does_a_session(bot)
    await onboard(bot, BO, pain="5")
    async with bot.db.transaction() as tx:  # rows the story did not happen to create
        now = bot.clock.now()
        tx.add(Escalation(user_id=ALEX, at=now, level=2, reasons=[{"code": "x"}], report_ids=[]))
        tx.add(
            ReminderLog(
                user_id=ALEX, local_date=now.date(), kind="daily", status="sent", due_at=now, at=now
            )
        )
        tx.add(
            HoldTimer(
                user_id=ALEX,
                chat_id=ALEX,
                message_id=1,
                session_id=1,
                pos=0,
                step=0,
                ends_at=now,
                next_tick_at=now,
            )
        )
    async with bot.db.transaction() as tx:  # a clinic's link, plan change and log about Alex
        now = bot.clock.now()
        riverside = Clinic(name="Riverside", invite_code="abc", created_at=now)
        tx.add(riverside)
        await tx.flush()
        tx.add(ClinicPatient(user_id=ALEX, clinic_id=riverside.id, sharing=True, linked_at=now))
        tx.add(PlanAdjustment(user_id=ALEX, slot="wall_sit", kind="hold", at=now))
        tx.add(ClinicAction(clinic_id=riverside.id, user_id=ALEX, kind="note", at=now))
    async with bot.db.transaction() as tx:  # a lesson given (the questionnaires: onboarding's)
        tx.add(LessonShown(user_id=ALEX, lesson="movement", at=bot.clock.now()))
    await seed.level(bot, ALEX, "wall_sit", "wall_sit", 3)
    before = await _rows_about(bot, ALEX)
    empty = [name for name, count in before.items() if count == 0]
    assert not empty, f"the story should leave a row about Alex in every table: {empty}"
    bo_before = await _rows_about(bot, BO)

    ask = await bot.send(ALEX, "/delete")
    assert "can't be undone" in ask.text and "/export" in ask.text
    done = await bot.tap(ALEX, ask, "Yes, erase everything")

    assert "erased" in done.text
    after = await _rows_about(bot, ALEX)
    assert after == dict.fromkeys(before, 0), f"rows left about the user: {after}"
    for table in Base.metadata.sorted_tables:
        if table.name not in NOT_ABOUT_A_PERSON:
            values = await _every_value_in(bot, table.name)
            assert ALEX not in values, f"Alex's id is still in {table.name}"
    assert await _rows_about(bot, BO) == bo_before, "nobody else's data was touched"
    assert {m.__tablename__ for m in PER_USER_TABLES} <= set(after), "every per-user table checked"

    greeting = await bot.send(ALEX, "/start")
    assert greeting.button_labels == ["I agree", "No, thanks"], "the next /start is a new user"


def _secure_delete_off(dbapi_connection: Any, _record: Any) -> None:
    """SQLite's own default; Debian's build turns secure_delete on, most others do not."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=OFF")
    cursor.close()


def _sqlite_files(bot: BotUnderTest) -> bytes:
    """The raw bytes of the database file and its -wal and -shm files, as on disk."""
    path = Path(str(make_url(bot.database_url).database))
    parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


async def test_delete_leaves_nothing_of_the_user_readable_in_the_sqlite_files(
    sqlite_bot: BotUnderTest,
) -> None:
    """Erased means gone from the disk too: not left in the WAL, nor in freed pages of the
    database file (secure_delete, then a checkpoint that truncates the WAL)."""
    bot = sqlite_bot
    # Whatever this machine's SQLite defaults to, the bot's own pragma must turn it on.
    event.listen(bot.db.engine.sync_engine, "connect", _secure_delete_off, insert=True)
    await bot.db.engine.dispose()  # the pool reconnects, through the listener above
    name, zone = b"Zebulonia", b"Pacific/Chatham"  # no other text on disk contains them
    await bot.stub.send_text(ZEB, "/start", first_name="Zebulonia")
    greeting = await bot.stub.next_message(ZEB)
    assert "Zebulonia" in greeting.text
    await bot.handled()
    assert name in _sqlite_files(bot), "the welcome keeps the first name until consent"
    screen = await bot.tap(ZEB, greeting, "I agree")
    baseline = await bot.tap(ZEB, screen, "No, none of these")
    ask_reach = await bot.tap(ZEB, baseline, "4")
    ask_time = await bot.tap(ZEB, ask_reach, "Thigh")
    ask_zone = await bot.tap(ZEB, ask_time, "07:30")
    assert "time zone" in ask_zone.text
    await bot.stub.send_text(ZEB, "Pacific/Chatham")  # still as Zebulonia
    assert "Time zone set" in (await bot.stub.next_message(ZEB)).text
    await bot.unread(ZEB)
    await onboard(bot, BO, zone="Europe/Berlin")
    on_disk = _sqlite_files(bot)
    assert zone in on_disk and name in on_disk, "the test can see what it looks for"

    ask = await bot.send(ZEB, "/delete")
    done = await bot.tap(ZEB, ask, "Yes, erase everything")
    assert "erased" in done.text
    await bot.handled()

    on_disk = _sqlite_files(bot)
    assert zone not in on_disk, "the erased user's time zone is still on disk"
    assert name not in on_disk, "the erased user's first name is still on disk"
    assert b"Europe/Berlin" in on_disk, "another user's data is kept"


async def test_delete_then_no_keeps_everything_and_carries_on(sqlite_bot: BotUnderTest) -> None:
    bot = sqlite_bot
    summary = await onboard(bot, ALEX)
    step = await start_session(bot, ALEX, summary)
    before = await _rows_about(bot, ALEX)

    ask = await bot.send(ALEX, "/delete")
    kept = await bot.tap(ALEX, ask, "No, keep my data")

    assert kept.text == t("delete_kept")
    again = await bot.next(ALEX)
    assert again.text == step.text, "back at the same step of the session"
    assert await _rows_about(bot, ALEX) == before


async def test_privacy_says_what_is_stored_why_and_how_to_export_or_delete(
    sqlite_bot: BotUnderTest,
) -> None:
    reply = await sqlite_bot.send(ALEX, "/privacy")
    for words in ("Pain scores", "safety", "/export", "/delete", "pseudonymous"):
        assert words in reply.text


async def test_stats_for_someone_not_an_admin_is_an_unknown_command(
    sqlite_bot: BotUnderTest,
) -> None:
    reply = await sqlite_bot.send(ALEX, "/stats")
    assert reply.text == t("unknown_command")


@pytest.fixture
async def admin_bot(sqlite_url: str) -> AsyncIterator[BotUnderTest]:
    async with running_bot(sqlite_url, admin_ids=frozenset({ADMIN})) as running:
        yield running


async def test_stats_for_an_admin_are_counts_without_personal_data(
    admin_bot: BotUnderTest,
) -> None:
    bot = admin_bot
    await _alex_does_a_session(bot)
    await onboard(bot, BO, pain="5")
    async with bot.db.transaction() as tx:
        tx.add(Escalation(user_id=BO, at=bot.clock.now(), level=2, reasons=[], report_ids=[]))
    bot.clock.advance(timedelta(hours=1))

    reply = await bot.send(ADMIN, "/stats")

    assert "In the program: 2 (2 active, 0 paused)" in reply.text
    assert "Sessions finished in the last 7 days: 1" in reply.text
    assert "Adherence: 50% of 2 planned sessions" in reply.text
    assert "Open escalations: 1 to see a physician, 0 emergency" in reply.text
    for private in (str(ALEX), str(BO), "Europe/Berlin", "Alex"):
        assert private not in reply.text


async def test_cohort_export_has_pseudonymous_weekly_rows(
    sqlite_bot: BotUnderTest, tmp_path: Path
) -> None:
    from bot.cohort import export_cohort
    from bot.logs import pseudonym

    bot = sqlite_bot
    await _alex_does_a_session(bot)
    out = tmp_path / "cohort.csv"

    count = await export_cohort(bot.db, "clinic-key", out)

    rows = list(csv.DictReader(out.open()))
    assert count == len(rows) == 1
    (row,) = rows
    assert row["participant"] == pseudonym(ALEX, "clinic-key") != str(ALEX)
    assert (row["week_start"], row["week"], row["sessions"]) == ("2026-01-12", "1", "1")
    assert row["pain_mean"] == "2.5"  # Monday: 3 at onboarding, 2 before the session
    assert (row["escalations"], row["max_escalation_level"]) == ("0", "0")
    assert str(ALEX) not in out.read_text()
