"""The deployment files, checked without a container engine (CI has none).

hadolint and ``docker compose config`` are not available, so the Dockerfile is parsed into its
instructions and the compose file with PyYAML, and both are checked against what an operator
relies on: a slim multi-stage image without dev tools that runs as a non-root user and checks
its own health; PostgreSQL on a volume, a one-shot migration that must succeed before two bot
replicas start, and only the proxy published. The systemd unit is checked with
``systemd-analyze`` where it is installed.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import COMMANDS
from bot.serve import parse_listen, webhook_target
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DEV_TOOLS = ("pytest", "ruff", "mypy", "hypothesis", "playwright", "[dev]", ".[dev")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    argument: str
    stage: int  # index of the FROM this instruction belongs to


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    instructions: list[Instruction] = []
    stage = -1
    for line in logical:
        keyword, _, argument = line.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(keyword.upper(), argument.strip(), stage))
    return instructions


def build_args(instructions: list[Instruction]) -> dict[str, str]:
    args = {}
    for ins in instructions:
        if ins.keyword == "ARG" and "=" in ins.argument:
            name, _, default = ins.argument.partition("=")
            args[name] = default
    return args


def exec_form(argument: str) -> list[str]:
    """``["a", "b"]`` as a list (the JSON form Docker prefers for CMD and friends)."""
    assert argument.startswith("["), f"use the exec (JSON) form: {argument}"
    parsed = yaml.safe_load(argument)
    assert isinstance(parsed, list)
    return [str(p) for p in parsed]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``."""

    def replace(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise AssertionError(f"{name} is required: {rest}")
        return rest if op == ":-" else ""

    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:[-?])([^}]*))?\}", replace, value)


def example_env() -> dict[str, str]:
    """deploy/.env.example with the blanks filled as an operator would."""
    env = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    filled = {
        "BACKSTEP_TELEGRAM_TOKEN": "123456:ABC-example",
        "BACKSTEP_WEBHOOK_SECRET": "0123456789abcdef",
        "POSTGRES_PASSWORD": "example-password",
    }
    return {**env, **{k: v for k, v in filled.items() if not env.get(k)}}


# -- Dockerfile ------------------------------------------------------------------------------


def test_the_image_is_built_in_two_stages_from_python_3_11_slim() -> None:
    instructions = dockerfile()
    args = build_args(instructions)
    bases = [
        interpolate(i.argument.split()[0], args).replace("$", "")
        for i in instructions
        if i.keyword == "FROM"
    ]
    assert len(bases) >= 2
    assert all(base.startswith("python:3.11-slim") for base in bases), bases
    final = max(i.stage for i in instructions)
    copies = [i.argument for i in instructions if i.stage == final and i.keyword == "COPY"]
    assert any(c.startswith("--from=") for c in copies), "the last stage copies the build"


def test_the_image_carries_no_development_tools() -> None:
    for ins in dockerfile():
        if ins.keyword in ("RUN", "COPY", "ADD"):
            assert not any(tool in ins.argument for tool in DEV_TOOLS), ins.argument
        if ins.keyword in ("COPY", "ADD"):
            assert "tests" not in ins.argument.split(), ins.argument


def test_everything_the_build_copies_is_in_the_repository_and_in_the_build_context() -> None:
    sources = []
    for ins in dockerfile():
        if ins.keyword == "COPY" and not ins.argument.startswith("--from"):
            sources += shlex.split(ins.argument)[:-1]
    assert sources
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for source in sources:
        assert (ROOT / source).exists(), source
        assert f"!{source}" in ignore or f"!{source}/" in ignore, f"{source} is not in context"
    assert "**/.env" in ignore  # local secrets never reach the build context


def test_the_image_runs_as_an_unprivileged_user_and_checks_its_own_health() -> None:
    instructions = dockerfile()
    final = max(i.stage for i in instructions)
    last = [i for i in instructions if i.stage == final]
    users = [i.argument for i in last if i.keyword == "USER"]
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")

    (health,) = [i.argument for i in last if i.keyword == "HEALTHCHECK"]
    command = exec_form(health[health.index("CMD") + 3 :].strip())
    assert command[0] == "backstep" and command[1] in COMMANDS

    (entry,) = [exec_form(i.argument) for i in last if i.keyword == "ENTRYPOINT"]
    (cmd,) = [exec_form(i.argument) for i in last if i.keyword == "CMD"]
    assert entry == ["backstep"] and cmd == ["webhook"] and "webhook" in COMMANDS


# -- compose.yaml ----------------------------------------------------------------------------


def test_postgres_keeps_its_data_in_a_volume_and_reports_when_it_is_ready() -> None:
    spec = compose()
    postgres = spec["services"]["postgres"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in postgres["volumes"]}
    assert mounts["/var/lib/postgresql/data"] in spec["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_migrations_run_once_and_must_succeed_before_any_bot_starts() -> None:
    services = compose()["services"]
    migrate, bot = services["migrate"], services["bot"]
    assert migrate["command"] == ["migrate"] and "migrate" in COMMANDS
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["image"] == bot["image"]  # the migrations of the very image that runs
    for service in (migrate, bot):
        build = service["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == ROOT and (context / build["dockerfile"]) == DEPLOY / "Dockerfile"


def test_two_webhook_replicas_sit_behind_the_tls_proxy_and_only_the_proxy_is_published() -> None:
    services = compose()["services"]
    bot, caddy = services["bot"], services["caddy"]
    assert bot["command"] == ["webhook"]
    assert bot["deploy"]["replicas"] == 2
    assert "ports" not in bot and "container_name" not in bot
    assert "backstep healthcheck" in " ".join(bot["healthcheck"]["test"])
    grace = bot["stop_grace_period"]
    assert int(grace.rstrip("s")) >= 10
    published = [p.split(":")[-1] for name, s in services.items() for p in s.get("ports", [])]
    assert sorted(published) == ["443", "80"]
    assert "ports" in caddy
    assert caddy["depends_on"]["bot"]["condition"] == "service_healthy"
    (caddyfile,) = [v.split(":")[0] for v in caddy["volumes"] if "Caddyfile" in v]
    assert (DEPLOY / caddyfile).is_file()


def test_the_bots_configuration_is_valid_and_matches_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = example_env()
    bot = compose()["services"]["bot"]
    settings_env = {k: interpolate(str(v), env) for k, v in bot["environment"].items()}
    known = {f"BACKSTEP_{name.upper()}" for name in Settings.model_fields}
    assert set(settings_env) <= known, set(settings_env) - known

    # Read exactly as the container does: from its environment, nothing else.
    for name in known:
        monkeypatch.delenv(name, raising=False)
    for name, value in settings_env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    url, path, _ = webhook_target(settings)
    host, port = parse_listen(settings.listen)
    assert url.startswith("https://") and host == "0.0.0.0"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert bot["expose"] == [str(port)]

    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert f"handle {path} {{" in caddyfile
    assert f"dynamic a bot {port}" in caddyfile
    assert caddyfile.count("{") == caddyfile.count("}")


def test_every_variable_compose_requires_is_in_the_example_env_file() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    example = (DEPLOY / ".env.example").read_text()
    assert required
    for name in required:
        assert re.search(rf"^{name}=", example, re.MULTILINE), name


# -- systemd ---------------------------------------------------------------------------------


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "backstep.service")
    return parser


def test_the_systemd_unit_runs_polling_on_sqlite_unprivileged_and_stops_in_time() -> None:
    service = unit()["Service"]
    assert service["ExecStart"].split() == ["/opt/backstep/venv/bin/backstep", "run"]
    assert "run" in COMMANDS
    assert service["User"] not in ("root", "0")
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert int(service["TimeoutStopSec"].rstrip("s")) >= 10
    assert "sqlite:////var/lib/backstep/" in (DEPLOY / "backstep.service").read_text()
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit_and_rates_its_exposure_ok(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("backstep")
    text = (DEPLOY / "backstep.service").read_text()
    copy = tmp_path / "backstep.service"
    copy.write_text(text.replace("/opt/backstep/venv/bin/backstep", str(script)))

    verify = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stderr

    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", security.stdout)
    assert found, security.stdout + security.stderr
    assert float(found.group(1)) <= 2.0 and found.group(2) == "OK", found.group(0)
