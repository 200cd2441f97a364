"""Hold timers: a session card counting a hold down in place, driven by the clock.

Tapping "Start N s timer" writes a ``hold_timers`` row (bot/telegram/flows/session.py); from
then on :func:`tick` edits the card every :data:`EDIT_EVERY` (Telegram allows about one edit a
second per chat; this stays far below) and, at the end, says "release slowly" with the step's
buttons. The row, not a task in one process, is the timer: after a restart, or on another
instance, the next tick carries on. Each tick checks the dialog first: once the user has moved
on (Next, Back, a new card, another flow) the timer just stops, and the card is left as the
user's last tap made it. The session's place is only ever in the dialog, so it is never lost.

In production PTB's JobQueue calls :func:`tick` every :data:`TICK_SECONDS`; tests call it by
hand after moving their clock, like the reminder dispatcher.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.telegram.flows import session
from bot.telegram.services import Services
from bot.telegram.turn import Turn
from storage import timers as store
from storage import users
from storage.models import HoldTimer

log = logging.getLogger(__name__)

EDIT_EVERY = session.TIMER_EDIT_EVERY
RETRY = timedelta(seconds=5)  # a failed edit (or a crashed instance's claim) is retried after this
TICK_SECONDS = 1.0
TIMERS_PER_TICK = 200


async def tick(services: Services, bot: Bot) -> int:
    """Edit every card whose timer is due; returns how many cards were edited."""
    now = services.clock.now()
    async with services.db.transaction() as tx:
        due = await store.due(tx, now, TIMERS_PER_TICK)
    edited = 0
    for timer in due:
        edited += await _tick_one(services, bot, timer, now)
    return edited


async def _tick_one(services: Services, bot: Bot, timer: HoldTimer, now: datetime) -> int:
    ended = now >= timer.ends_at
    async with services.db.transaction() as tx:
        until = now + RETRY if ended else min(now + EDIT_EVERY, timer.ends_at)
        if not await store.claim(tx, timer, until):
            return 0  # another instance has this tick
        user = await users.load_user(tx, timer.user_id)
        dialog = user.dialog if user is not None else None
        card = None
        if user is not None and dialog is not None and dialog.card_message_id == timer.message_id:
            card = session.timer_card(Turn(services, tx, user, now, bot), timer.pos, timer.step)
        if card is None:
            await store.stop(tx, timer.user_id)
            return 0
    text, markup = card
    if not await _edit(bot, timer, text, markup):
        return 0  # tried again after RETRY: the end of a hold is worth saying
    if ended:
        async with services.db.transaction() as tx:
            await store.stop(tx, timer.user_id)
    return 1


async def _edit(bot: Bot, timer: HoldTimer, text: str, markup: Any) -> bool:
    try:
        await bot.edit_message_text(
            text, chat_id=timer.chat_id, message_id=timer.message_id, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("a timer's card could not be edited (%s); the timer stops", exc.message)
        return True  # the card is gone or changed: nothing left to count down on
    except TelegramError as exc:
        log.warning("a timer's card edit failed (%s); trying again shortly", exc)
        return False
    return True


def install(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Run :func:`tick` every :data:`TICK_SECONDS` on PTB's JobQueue."""

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        await tick(services, app.bot)

    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(job, interval=TICK_SECONDS, first=TICK_SECONDS, name="timers")
