"""``backstep``: run the bot, migrate the database, and the operator's other commands.

Configuration errors (a missing token, a bad exercise file) end the process with one line
naming what is wrong and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from bot.coach.catalog import CatalogError, load_catalog
from bot.logs import configure
from bot.settings import Settings, SettingsError, load_settings
from storage.migrate import upgrade

log = logging.getLogger("backstep")
CONFIG_ERROR = 2


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import serve_polling

    return serve_polling(settings)


def _webhook(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import serve_webhook

    return serve_webhook(settings)


def _healthcheck(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import probe

    return probe(settings)


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(upgrade(settings.database_url))
    print("database schema is up to date")
    return 0


def _check_content(settings: Settings, args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.exercises_file)
    print(f"exercise file OK: {len(catalog.all())} exercises")
    return 0


def _gallery(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.media.animation import contact_sheet

    catalog = load_catalog(settings.exercises_file)
    out = Path(args.out)
    out.write_bytes(contact_sheet(catalog.all()))
    print(f"wrote the key poses of {sum(1 for e in catalog if e.animation)} exercises to {out}")
    return 0


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.sandbox.runner import run_sandbox

    return run_sandbox(settings, host=args.host, port=args.port, speed=args.speed)


def _sandbox_options(command: argparse.ArgumentParser) -> None:
    def speed(value: str) -> float:
        from bot.sandbox.runner import MAX_SPEED

        try:
            number = float(value)
        except ValueError:
            number = 0.0
        if not 0 < number <= MAX_SPEED:
            raise argparse.ArgumentTypeError(f"must be a number above 0, at most {MAX_SPEED:g}")
        return number

    command.add_argument("--host", default="127.0.0.1", help="address to listen on")
    command.add_argument(
        "--port", type=int, help="port for the page (default BACKSTEP_SANDBOX_PORT or 8080)"
    )
    command.add_argument(
        "--speed", type=speed, help="run the clock this many times faster (60: a minute a second)"
    )


def _export_cohort(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.cohort import export_cohort
    from storage.db import Database

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            return await export_cohort(db, settings.pseudonym_secret, Path(args.out))
        finally:
            await db.close()

    count = asyncio.run(run())
    print(f"wrote {count} weekly rows to {args.out}")
    return 0


def _clinic(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clinics import add_clinic

    return add_clinic(settings, args.name, chat_id=args.chat, bot_username=args.bot, qr=args.qr)


def _clinician(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clinics import add_clinician

    return add_clinician(settings, args.clinic, args.telegram_id)


def _dashboard(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dashboard.server import serve_dashboard

    return serve_dashboard(settings, host=args.host, port=args.port)


COMMANDS: dict[str, tuple[str, Callable[[Settings, argparse.Namespace], int]]] = {
    "run": ("run the bot with long polling (needs BACKSTEP_TELEGRAM_TOKEN)", _run),
    "webhook": (
        "serve Telegram's webhook (needs BACKSTEP_WEBHOOK_URL and BACKSTEP_WEBHOOK_SECRET)",
        _webhook,
    ),
    "migrate": ("bring the database schema up to date", _migrate),
    "healthcheck": ("exit 0 if the running instance's /healthz answers 200", _healthcheck),
    "check-content": ("validate the exercise file and exit", _check_content),
    "gallery": ("draw every exercise's key poses into one PNG for review", _gallery),
    "sandbox": ("try the bot in a browser, no Telegram token needed (local stand-in)", _sandbox),
    "export-cohort": (
        "write pseudonymous weekly rows per user (pain, sessions, escalations) to a CSV file",
        _export_cohort,
    ),
    "clinic": ("clinic add NAME: a clinic, its invite link and a QR code PNG", _clinic),
    "clinician": ("clinician add CLINIC TELEGRAM_ID: a clinician of that clinic", _clinician),
    "dashboard": ("serve the clinicians' dashboard on its own (docs/clinic.md)", _dashboard),
}


def _clinic_options(name: str, command: argparse.ArgumentParser) -> None:
    if name == "dashboard":
        command.add_argument("--host", default="127.0.0.1", help="address to listen on")
        command.add_argument("--port", type=int, default=8090, help="port (default 8090)")
        return
    verbs = command.add_subparsers(dest="verb", metavar="add", required=True)
    add = verbs.add_parser("add", help=command.description)
    if name == "clinic":
        add.add_argument("name", metavar="NAME")
        add.add_argument("--chat", type=int, help="Telegram chat id for the weekly digest")
        add.add_argument("--bot", metavar="USERNAME", help="the bot's username (else getMe)")
        add.add_argument("--qr", metavar="FILE.png", help="where to write the QR code")
    else:
        add.add_argument("clinic", metavar="CLINIC", help="the clinic's name or id")
        add.add_argument("telegram_id", metavar="TELEGRAM_ID", type=int)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="backstep",
        description="Backstep: a Telegram coach for low back pain and sciatica exercise programs.",
        epilog="Configuration comes from BACKSTEP_* environment variables (see .env.example).",
    )
    sub = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, _) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == "sandbox":
            _sandbox_options(command)
        elif name == "export-cohort":
            command.add_argument("--out", required=True, metavar="FILE.csv", help="CSV to write")
        elif name == "gallery":
            command.add_argument(
                "--out",
                default="docs/exercise-gallery.png",
                metavar="FILE.png",
                help="PNG to write",
            )
        elif name in ("clinic", "clinician", "dashboard"):
            _clinic_options(name, command)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        configure(settings.log_level, settings.log_format, [settings.telegram_token or ""])
        load_catalog(settings.exercises_file)
        return COMMANDS[args.command][1](settings, args)
    except (SettingsError, CatalogError) as exc:
        print(f"backstep: {exc}", file=sys.stderr)
        return CONFIG_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
