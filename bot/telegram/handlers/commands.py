"""Slash commands. Each is one turn that starts or shows a flow; no logic of its own.

Each command is a plainly named function here, written as a turn body ``(turn, update)`` and
made a PTB callback by :func:`command`; bot/app.py registers each one by name
(``CommandHandler("today", commands.today, ...)``). Where the command's name is taken (a
builtin, or the flow module it opens), the function is ``<name>_command``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import Update

from bot.content.texts import t
from bot.program import clinic, lifecycle
from bot.telegram.flows import erase, graph, onboarding, resume, screen, session, settings
from bot.telegram.handlers import admin, data, library
from bot.telegram.handlers import learn as learn_view
from bot.telegram.handlers import progress as progress_view
from bot.telegram.services import BotContext
from bot.telegram.turn import Body, Turn, run_turn

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]

# Commands published in the client's menu (setMyCommands), in menu order; their one-line
# descriptions are the texts ``menu.<command>``.
MENU = (
    "today",
    "exercises",
    "exercise",
    "progress",
    "learn",
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


def command(body: Body) -> Callback:
    """The PTB callback running ``body`` as one turn."""

    @wraps(body)
    async def handle(update: Update, context: BotContext) -> None:
        await run_turn(update, context, body)

    return handle


def _onboarded(turn: Turn) -> bool:
    if not lifecycle.is_onboarded(turn.user):
        turn.say(t("not_started"))
        return False
    return True


def _argument(update: Update) -> str:
    text = update.message.text if update.message and update.message.text else ""
    return text.partition(" ")[2]


@command
async def start(turn: Turn, update: Update) -> None:
    user = turn.user
    name = update.effective_user.first_name if update.effective_user else ""
    onboarding_now = lifecycle.status_of(user) is lifecycle.Status.ONBOARDING
    if user.consent_at is None:
        invited = await clinic.clinic_of_invite(turn.tx, _argument(update).strip())
        if invited is None:
            await graph.begin(turn, onboarding.start(name))
        else:
            await graph.begin(turn, onboarding.start(name, invited.id, invited.name))
    elif onboarding_now and graph.current_step(turn) is not None:
        await graph.enter(turn)  # the question they were at, again
    elif onboarding_now:
        await graph.begin(turn, onboarding.at_baseline())
    else:
        turn.say(t("welcome_back"))


@command
async def today(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await graph.begin(turn, await session.today(turn))


@command
async def help_command(turn: Turn, update: Update) -> None:
    turn.say(t("help"))


@command
async def exercises(turn: Turn, update: Update) -> None:
    library.show_library(turn)


@command
async def exercise(turn: Turn, update: Update) -> None:
    library.show_exercise(turn, _argument(update))


@command
async def symptoms(turn: Turn, update: Update) -> None:
    if turn.user.consent_at is None:
        turn.say(t("not_started"))
        return
    await graph.begin(turn, screen.call("symptoms", then=None))


@command
async def settings_command(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await graph.begin(turn, settings.open_at())


@command
async def remind(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await graph.begin(turn, settings.open_at(settings.Step.TIME))


@command
async def pause(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        resume.pause(turn, _argument(update))


@command
async def resume_command(turn: Turn, update: Update) -> None:
    if turn.user.consent_at is None:
        turn.say(t("not_started"))
    elif (where := await resume.resume(turn)) is not None:
        await graph.begin(turn, where)


@command
async def delete(turn: Turn, update: Update) -> None:
    await graph.begin(turn, erase.call(turn))


@command
async def dashboard(turn: Turn, update: Update) -> None:
    """A clinician's one-time sign-in link (not in the menu)."""
    base = turn.services.settings.dashboard_url
    links = await clinic.sign_in_links(turn.tx, turn.user.id, turn.now)
    if not links:
        turn.say(t("dashboard_not_clinician"))
    elif base is None:
        turn.say(t("dashboard_not_set_up"))
    else:
        for link in links:
            url = f"{base.rstrip('/')}/sign-in?token={link.token}"
            turn.say(t("dashboard_link", clinic=link.clinic, link=url))


progress = command(progress_view.show_progress)


@command
async def learn(turn: Turn, update: Update) -> None:
    if _onboarded(turn):
        await learn_view.show_lessons(turn, _argument(update))


export = command(data.export_data)
privacy = command(data.privacy)
stats = command(admin.stats)  # operators only (BACKSTEP_ADMIN_IDS); not in the menu


@command
async def unknown(turn: Turn, update: Update) -> None:
    turn.say(t("unknown_command"))
