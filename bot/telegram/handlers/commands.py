"""Slash commands. Each is one turn that starts or shows a flow; no logic of its own."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.content.texts import t
from bot.telegram.flows import erase, onboarding, registry, resume, screen, session, settings
from bot.telegram.handlers import admin, data, library, progress
from bot.telegram.turn import Turn, run_turn

# Commands published in the client's menu (setMyCommands), in menu order; their one-line
# descriptions are the texts ``menu.<command>``.
MENU = (
    "today",
    "exercises",
    "exercise",
    "progress",
    "symptoms",
    "pause",
    "resume",
    "remind",
    "settings",
    "export",
    "delete",
    "privacy",
    "help",
)


def _onboarded(turn: Turn) -> bool:
    if turn.user.consent_at is None or turn.user.status in ("refused", "onboarding"):
        turn.say(t("not_started"))
        return False
    return True


async def _start(turn: Turn, update: Update) -> None:
    user = turn.user
    name = update.effective_user.first_name if update.effective_user else ""
    if user.consent_at is None:
        await onboarding.begin(turn, name)
    elif user.status == "onboarding" and (flow := registry.get(turn.dialog.flow)):
        await flow.prompt(turn)
    elif user.status == "onboarding":
        await onboarding.after_screen(turn)
    else:
        turn.say(t("welcome_back"))


async def _today(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await session.begin(turn)


async def _help(turn: Turn, update: Update) -> None:
    turn.say(t("help"))


async def _exercises(turn: Turn, update: Update) -> None:
    library.show_library(turn)


async def _exercise(turn: Turn, update: Update) -> None:
    library.show_exercise(turn, _argument(update))


async def _symptoms(turn: Turn, update: Update) -> None:
    if turn.user.consent_at is None:
        turn.say(t("not_started"))
        return
    await screen.begin(turn, then="symptoms", source="symptoms")


@screen.on_clear("symptoms")
async def _symptoms_clear(turn: Turn) -> None:
    turn.go("none", "")
    turn.say(t("symptoms_none"))


def _argument(update: Update) -> str:
    text = update.message.text if update.message and update.message.text else ""
    return text.partition(" ")[2]


async def _settings(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await settings.begin(turn)


async def _remind(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await settings.begin(turn, "time")


async def _pause(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await resume.pause(turn, _argument(update))


async def _resume(turn: Turn, update: Update) -> None:
    if turn.user.consent_at is None:
        turn.say(t("not_started"))
    else:
        await resume.begin(turn)


async def _delete(turn: Turn, update: Update) -> None:
    await erase.begin(turn)


async def _unknown(turn: Turn, update: Update) -> None:
    turn.say(t("unknown_command"))


BODIES = {
    "start": _start,
    "today": _today,
    "help": _help,
    "exercises": _exercises,
    "exercise": _exercise,
    "symptoms": _symptoms,
    "settings": _settings,
    "remind": _remind,
    "pause": _pause,
    "resume": _resume,
    "progress": progress.show_progress,
    "export": data.export_data,
    "privacy": data.privacy,
    "delete": _delete,
    "stats": admin.stats,
}


def command(name: str):  # type: ignore[no-untyped-def]
    body = BODIES[name]

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await run_turn(update, context, body)

    handle.__name__ = f"command_{name}"
    return handle


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_turn(update, context, _unknown)
