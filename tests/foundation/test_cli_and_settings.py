"""The operator's first contact: settings errors are one clear line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def backstep(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTEP_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_names_the_variable_and_exits_2(tmp_path: Path) -> None:
    result = backstep("run", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BACKSTEP_TELEGRAM_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BACKSTEP_TELEGRAM_TOKEN", "not-a-token"),
        ("BACKSTEP_ADMIN_IDS", "12,abc"),
        ("BACKSTEP_CLINICIAN_CHAT_ID", "the clinic"),
        ("BACKSTEP_LOG_LEVEL", "LOUD"),
        ("BACKSTEP_DATABASE_URL", "mysql://x"),
    ],
)
def test_an_invalid_setting_is_one_line_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = backstep("migrate", env={variable: value}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and variable in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_exercise_file_names_file_exercise_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "exercises.yaml"
    source = (ROOT / "bot/content/exercises.yaml").read_text()
    bad.write_text(source.replace("category: stretch", "category: yoga", 1))
    result = backstep("check-content", env={"BACKSTEP_EXERCISES_FILE": str(bad)}, cwd=tmp_path)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "category" in result.stderr
    assert "exercise '" in result.stderr


def test_an_impossible_pose_names_the_exercise_and_keyframe_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "exercises.yaml"
    source = (ROOT / "bot/content/exercises.yaml").read_text()
    # The wall sit's second keyframe bends the knees backwards.
    start = source.index("- name: slide down", source.index("id: wall_sit"))
    bad.write_text(source[:start] + source[start:].replace("knee: 80", "knee: -30", 1))
    result = backstep("check-content", env={"BACKSTEP_EXERCISES_FILE": str(bad)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "exercise 'wall_sit'" in result.stderr
    assert "keyframe 2 ('slide down')" in result.stderr and "knee at -30 degrees" in result.stderr


def test_gallery_draws_every_animated_exercise(tmp_path: Path) -> None:
    out = tmp_path / "gallery.png"
    result = backstep("gallery", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG") and "21 exercises" in result.stdout


def test_help_lists_the_commands() -> None:
    result = backstep("--help")
    assert result.returncode == 0
    for command in ("run", "migrate"):
        assert command in result.stdout


def test_migrate_creates_the_schema_in_a_fresh_sqlite_file(tmp_path: Path) -> None:
    result = backstep("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "backstep.db").exists(), "the default database is backstep.db here"


def test_settings_read_the_fixed_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKSTEP_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("BACKSTEP_TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("BACKSTEP_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("BACKSTEP_ADMIN_IDS", "1, 2")
    monkeypatch.setenv("BACKSTEP_CLINICIAN_CHAT_ID", "-1001")
    settings = load_settings()
    assert settings.telegram_api_url == "http://127.0.0.1:9/bot"
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.admin_ids == {1, 2} and settings.clinician_chat_id == -1001
    monkeypatch.delenv("BACKSTEP_TELEGRAM_TOKEN")
    with pytest.raises(SettingsError, match="BACKSTEP_TELEGRAM_TOKEN"):
        load_settings(_env_file=None).require_token()
