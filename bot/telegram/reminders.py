"""The reminder dispatcher: one periodic job that sends the daily reminder and the weekly summary.

The database is the schedule (``users.next_reminder_at``, ``users.next_weekly_at``, indexed);
there is no per-user job and nothing per user in memory. Every tick runs the shared send pipeline
(:mod:`bot.telegram.sending`: claim due rows with a lease, reserve slots in the send budget all
instances share, send, record, release on shutdown) for the weekly summaries
(:mod:`bot.telegram.weekly`), then for the daily reminders; first, it writes the clinics' weekly
digests that are due to the reply outbox (:func:`bot.program.clinic.owe_due_digests`). This
module says what the daily reminder is: who gets which kind (check-in, nudge, weekly...), when it
is too late, the check-in it opens, and the next instant. ``reminder_log``'s unique ``(user,
local_date, kind)`` makes "one a day" a fact.

The one duplicate we accept: a crash after Telegram accepted a message and before our commit
recording it. That window is one HTTP response plus one small transaction (docs/reminders.md).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.ext import Application

from bot.coach import schedule
from bot.program import clinic, lifecycle, scheduling
from bot.telegram import alerts, weekly
from bot.telegram.flows import checkin
from bot.telegram.sending import (
    BATCH,
    CONCURRENCY,
    LEASE,
    Claim,
    Outgoing,
    Sender,
    backlog_seconds,
    record_missed,
    reserve_slots,
)
from bot.telegram.sending import claim as claim_for
from bot.telegram.services import BotContext, Services
from storage import outbox as outbox_store
from storage import reminders as reminder_store
from storage import sessions
from storage.db import Database
from storage.models import User

log = logging.getLogger(__name__)

REMEMBER_UPDATES = timedelta(days=2)  # Telegram gives up redelivering after 24 hours


class DailyReminders:
    """The daily reminder as a :class:`~bot.telegram.sending.Due`."""

    what = "reminder"

    async def claim(
        self, tx: AsyncSession, now: datetime, until: datetime, limit: int
    ) -> list[tuple[int, datetime]]:
        return await reminder_store.claim_due_reminders(tx, now, until, limit)

    def due_at(self, user: User) -> datetime | None:
        return user.next_reminder_at

    async def prepare(
        self, tx: AsyncSession, group: list[tuple[User, Claim]], now: datetime
    ) -> list[Outgoing | None]:
        """Decide what to send to each (if anything), and open the check-in dialog for it;
        what each user's day has had so far is one read for the whole group."""
        looks = {user.id: look for user, claim in group if (look := _look(tx, user, claim, now))}
        so_far = await reminder_store.days_so_far(
            tx, {user: (look.day, look.kind) for user, look in looks.items()}
        )
        return [
            await _decide(tx, user, now, looks[user.id], *so_far[user.id])
            if user.id in looks
            else None
            for user, _ in group
        ]

    def advance(self, user: User, claim: Claim, sent: Outgoing, now: datetime) -> None:
        user.snooze_at = None
        scheduling.schedule_next(user, now, last_sent_day=sent.day)


class _Look(NamedTuple):
    """A daily reminder that may be due: the user's local day, its kind, whether snoozed."""

    day: date
    kind: str
    snoozed: bool


def _look(tx: AsyncSession, user: User, claim: Claim, now: datetime) -> _Look | None:
    """What is due, from the user's row alone; None when that already settles it (nothing
    to send, or too late: logged as missed) and the schedule has moved on."""
    if not user.timezone:
        return None
    local_day = schedule.local_date(claim.due_at, user.timezone)
    snoozed = user.snooze_at is not None and user.snooze_at == claim.due_at
    lifecycle.end_pause_if_over(user, now)
    kind = _kind(user, local_day, snoozed)
    if kind is None:
        scheduling.schedule_next(user, now)
        user.reminder_claimed_until = None
        return None
    if schedule.is_too_late(claim.due_at, now):
        record_missed(tx, user, claim, kind, local_day, now)
        user.snooze_at = None
        # The next one may still be recent enough to send (today's, after a long
        # outage): schedule from the oldest instant that is not too late.
        scheduling.schedule_next(user, max(claim.due_at, now - schedule.LATE_LIMIT))
        user.reminder_claimed_until = None
        return None
    return _Look(local_day, kind, snoozed)


async def _decide(
    tx: AsyncSession, user: User, now: datetime, look: _Look, reminded: bool, checked_in: bool
) -> Outgoing | None:
    """With the day so far: the reminder to send and its check-in card, or None."""
    if reminded:
        user.snooze_at = None
        scheduling.schedule_next(user, now)
        user.reminder_claimed_until = None
        return None
    left = user.dialog.payload.get("session_id") if user.dialog else None
    card = checkin.open_for_reminder(user, now, look.kind, offer_only=look.snoozed and checked_in)
    if card is None:
        # Mid-session or mid-dialog right now: don't pull them out; try in an hour.
        scheduling.snooze(user, now)
        user.reminder_claimed_until = None
        return None
    if left is not None and user.dialog and user.dialog.flow == checkin.GRAPH.name:
        await sessions.stop_session(tx, int(left), now)  # abandoned: the day moved on
    return Outgoing(user.chat_id, card.text, card.markup, look.kind, look.day, card.replaces)


def _kind(user: User, local_day: date, snoozed: bool) -> str | None:
    if lifecycle.is_safety_paused(user):
        return "checkin"
    if lifecycle.is_self_paused(user):
        return None  # paused by the user: no reminders until /resume or the end date
    if snoozed:
        return "snooze"
    cadence = schedule.cadence(user.last_session_on, user.onboarded_on or local_day, local_day)
    return str(cadence)


DAILY = DailyReminders()


async def claim_due(db: Database, now: datetime, limit: int = BATCH) -> list[Claim]:
    """Atomically lease up to ``limit`` users whose daily reminder has come."""
    return await claim_for(db, DAILY, now, limit)


class Dispatcher(Sender):
    """The pipeline run for both kinds, summaries first; one per process, safe with many."""

    def __init__(self, services: Services, bot: Bot, concurrency: int = CONCURRENCY) -> None:
        super().__init__(services, bot, concurrency)
        self.summaries = weekly.WeeklySummaries(services.catalog)
        self.reminders = DAILY

    async def tick(self) -> int:
        """Claim one batch and send it; returns how many daily reminders were claimed."""
        if self.closing:
            return 0
        async with self.services.db.transaction() as tx:
            await clinic.owe_due_digests(tx, self.services.clock.now())
        if await backlog_seconds(self.services.db) > LEASE.total_seconds() / 2:
            return 0  # other instances have the budget booked; claim later, not now
        limit = min(BATCH, max(1, int(self.rate * LEASE.total_seconds() / 4)))
        # Weekly summaries first, so on summary day the summary comes before the check-in.
        await self.run(self.summaries, limit)
        return await self.run(self.reminders, limit)


def install(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> Dispatcher:
    """Run the dispatcher on PTB's JobQueue every ``BACKSTEP_REMINDER_TICK_SECONDS``."""
    dispatcher = Dispatcher(services, app.bot)
    services.dispatcher = dispatcher

    async def job(context: BotContext) -> None:
        while await dispatcher.tick() >= BATCH:
            pass  # a full batch means more are due: keep draining
        await alerts.send_due(context.services, context.bot)
        async with context.services.db.transaction() as tx:
            await outbox_store.forget_handled_updates(
                tx, context.services.clock.now() - REMEMBER_UPDATES
            )

    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(
        job, interval=services.settings.reminder_tick_seconds, first=1, name="reminders"
    )
    return dispatcher


__all__ = [
    "BATCH",
    "LEASE",
    "Claim",
    "DailyReminders",
    "Dispatcher",
    "claim_due",
    "install",
    "reserve_slots",
]
