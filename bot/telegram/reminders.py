"""The reminder dispatcher: one periodic job that claims due users from the database and sends.

The database is the schedule (``users.next_reminder_at``, indexed). Every tick claims a batch of
due rows atomically (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers, so a
conditional ``UPDATE ... RETURNING`` is already atomic) by setting a lease; any number of
instances can tick at once and never claim the same row. A claim whose instance died is retaken
after the lease. Sends are paced by a token bucket kept in the database, shared by all
instances. ``reminder_log``'s unique ``(user, local_date, kind)`` makes "one a day" a fact.

The one duplicate we accept: a crash after Telegram accepted a message and before our commit
recording it. That window is one HTTP response plus one small transaction (docs/reminders.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot import metrics, scheduling
from bot.coach import schedule
from bot.telegram import alerts, weekly
from bot.telegram.claims import BATCH, LEASE, Claim, claim_due, release, send_to_claimed
from bot.telegram.flows import checkin
from bot.telegram.services import Services
from storage import outbox as outbox_store
from storage import pain, sessions, users
from storage import reminders as reminder_store
from storage.db import Database
from storage.models import SendBudget, User

log = logging.getLogger(__name__)

CONCURRENCY = 64
REMEMBER_UPDATES = timedelta(days=2)  # Telegram gives up redelivering after 24 hours


async def reserve_slots(db: Database, count: int, rate: float) -> float:
    """Reserve ``count`` send slots in the shared bucket; returns the first slot's epoch time."""
    now = time.time()
    step = count / rate
    greatest = func.max if not db.is_postgres else func.greatest
    reserve = (
        update(SendBudget)
        .where(SendBudget.id == 1)
        .values(next_free=greatest(SendBudget.next_free, now) + step)
        .returning(SendBudget.next_free)
    )
    async with db.transaction() as tx:
        end = (await tx.execute(reserve)).scalar()
        if end is None:
            # The migration seeds the row; should it be gone, instances racing to put it back
            # must not collide: the first insert wins, everyone then reserves from it.
            await reminder_store.ensure_send_budget(tx)
            end = (await tx.execute(reserve)).scalar()
    assert end is not None
    return float(end) - step


async def backlog_seconds(db: Database) -> float:
    async with db.transaction() as tx:
        value = await tx.scalar(select(SendBudget.next_free).where(SendBudget.id == 1))
    return max(0.0, (value or 0.0) - time.time())


class Dispatcher:
    """Claims and sends due reminders; one per process, safe with many processes."""

    def __init__(self, services: Services, bot: Bot, concurrency: int = CONCURRENCY) -> None:
        self.services = services
        self.bot = bot
        self.rate = services.settings.send_rate_per_second
        self._gate = asyncio.Semaphore(min(concurrency, services.db.connection_limit))
        self._held: set[int] = set()  # claimed by this instance and not finished yet
        self._closing = asyncio.Event()

    async def tick(self) -> int:
        """Claim one batch and send it; returns how many reminders were handled."""
        db = self.services.db
        if self._closing.is_set():
            return 0
        if await backlog_seconds(db) > LEASE.total_seconds() / 2:
            return 0  # other instances have the budget booked; claim later, not now
        now = self.services.clock.now()
        limit = min(BATCH, max(1, int(self.rate * LEASE.total_seconds() / 4)))
        # Weekly summaries first, so on summary day the summary comes before the check-in.
        await weekly.WeeklySender(
            self.services,
            self.bot,
            lambda n: reserve_slots(db, n, self.rate),
            self.rate,
            self._closing,
        ).tick(limit)
        claims = await claim_due(db, now, limit)
        if not claims:
            return 0
        self._held.update(claim.user_id for claim in claims)
        first = await reserve_slots(db, len(claims), self.rate)
        await asyncio.gather(
            *(self._paced(claim, first + i / self.rate) for i, claim in enumerate(claims))
        )
        return len(claims)

    async def _paced(self, claim: Claim, slot: float) -> None:
        async with self._gate:
            if self._closing.is_set():
                return  # shutting down: release_claims() hands the claim back
            try:
                if not await self.handle(claim, slot):
                    return  # shutting down before its slot: release_claims() hands it back
            except (SQLAlchemyError, TelegramError) as exc:  # the database or Telegram, for now
                log.warning("a reminder failed (%s); the claim will be retried", exc)
                await release(self.services.db, claim.user_id)
            except Exception:
                log.exception("reminder for a user failed; the claim will be retried")
                await release(self.services.db, claim.user_id)
            self._held.discard(claim.user_id)

    async def _until(self, slot: float) -> bool:
        """Wait for a send slot; False when shutting down meanwhile."""
        delay = slot - time.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        return not self._closing.is_set()

    def close(self) -> None:
        """Start no more sends: reminders still waiting for their slot give up at once."""
        self._closing.set()

    async def release_claims(self) -> int:
        """Give back this instance's unfinished claims so another instance sends them now.

        Call after :meth:`close` and after the reminder job has stopped; otherwise the lease
        would keep those users waiting until it expires (``LEASE``).
        """
        held, self._held = self._held, set()
        if held:
            async with self.services.db.transaction() as tx:
                await tx.execute(
                    update(User).where(User.id.in_(held)).values(reminder_claimed_until=None)
                )
        return len(held)

    async def handle(self, claim: Claim, slot: float = 0.0) -> bool:
        """Prepare the reminder, wait for its send slot, send, record.

        Preparing before the slot (not after) makes sends leave at their slots, not at
        slot + preparation time, so they never bunch up over Telegram's per-second limit.
        Returns False only when the instance began shutting down before the slot came.
        """
        now = self.services.clock.now()
        prepared = await self._prepare(claim, now)
        if prepared is None:
            return True
        if not await self._until(slot):
            return False
        kind, chat_id, text, markup, local_day = prepared
        message = await send_to_claimed(
            self.services.db, self.bot, claim, chat_id, text, markup, "reminder"
        )
        if message is None:
            return True
        await self._record(claim, kind, local_day, "sent", now, message.message_id)
        metrics.REMINDERS.labels(outcome="sent").inc()
        return True

    async def _prepare(self, claim: Claim, now: datetime) -> tuple[str, int, str, Any, date] | None:
        """Decide what to send (if anything), and open the check-in dialog for it."""
        async with self.services.db.transaction() as tx:
            user = await users.load_user(tx, claim.user_id)
            if user is None or user.next_reminder_at != claim.due_at or not user.timezone:
                return None  # changed since the claim (erased, rescheduled): nothing to do
            zone = user.timezone
            local_day = schedule.local_date(claim.due_at, zone)
            snoozed = user.snooze_at is not None and user.snooze_at == claim.due_at
            own_pause_over = user.paused_until is not None and user.paused_until <= now
            if user.status == "paused" and not user.paused_level and own_pause_over:
                user.status, user.paused_at, user.paused_until = "active", None, None
            kind = self._kind(user, local_day, snoozed)
            if kind is None:
                scheduling.schedule_next(user, now)
                user.reminder_claimed_until = None
                return None
            if schedule.is_too_late(claim.due_at, now):
                reminder_store.log_reminder(
                    tx,
                    user.id,
                    day=local_day,
                    kind=kind,
                    status="missed",
                    due_at=claim.due_at,
                    at=now,
                )
                metrics.REMINDERS.labels(outcome="missed").inc()
                user.snooze_at = None
                # The next one may still be recent enough to send (today's, after a long
                # outage): schedule from the oldest instant that is not too late.
                scheduling.schedule_next(user, max(claim.due_at, now - schedule.LATE_LIMIT))
                user.reminder_claimed_until = None
                return None
            if await reminder_store.reminder_logged(tx, user.id, local_day, kind):
                user.snooze_at = None
                scheduling.schedule_next(user, now)
                user.reminder_claimed_until = None
                return None
            left = user.dialog.payload.get("session_id") if user.dialog else None
            checked_in = await pain.has_report_on(tx, user.id, "checkin", local_day)
            card = checkin.open_for_reminder(user, now, kind, offer_only=snoozed and checked_in)
            if card is None:
                # Mid-session or mid-dialog right now: don't pull them out; try in an hour.
                scheduling.snooze(user, now)
                user.reminder_claimed_until = None
                return None
            if left is not None and user.dialog and user.dialog.flow == checkin.NAME:
                await sessions.stop_session(tx, int(left), now)  # abandoned: the day moved on
            text, markup = card
            return kind, user.chat_id, text, markup, local_day

    @staticmethod
    def _kind(user: User, local_day: date, snoozed: bool) -> str | None:
        if user.status == "paused" and user.paused_level:
            return "checkin"
        if user.status == "paused":
            return None  # paused by the user: no reminders until /resume or the end date
        if snoozed:
            return "snooze"
        cadence = schedule.cadence(user.last_session_on, user.onboarded_on or local_day, local_day)
        return str(cadence)

    async def _record(
        self, claim: Claim, kind: str, day: date, status: str, now: datetime, message_id: int
    ) -> None:
        try:
            async with self.services.db.transaction() as tx:
                user = await tx.get(User, claim.user_id)
                if user is None:
                    return
                reminder_store.log_reminder(
                    tx,
                    user.id,
                    day=day,
                    kind=kind,
                    status=status,
                    due_at=claim.due_at,
                    at=now,
                    message_id=message_id,
                )
                user.snooze_at = None
                scheduling.schedule_next(user, now, last_sent_day=day)
                user.reminder_claimed_until = None
        except IntegrityError:
            log.error("reminder for %s/%s was already recorded: a duplicate was sent", day, kind)


def install(app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> Dispatcher:
    """Run the dispatcher on PTB's JobQueue every ``BACKSTEP_REMINDER_TICK_SECONDS``."""
    dispatcher = Dispatcher(services, app.bot)
    services.extras["dispatcher"] = dispatcher

    async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
        while await dispatcher.tick() >= BATCH:
            pass  # a full batch means more are due: keep draining
        await alerts.send_due(services, app.bot)
        async with services.db.transaction() as tx:
            await outbox_store.forget_handled_updates(tx, services.clock.now() - REMEMBER_UPDATES)

    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    app.job_queue.run_repeating(
        job, interval=services.settings.reminder_tick_seconds, first=1, name="reminders"
    )
    return dispatcher


__all__ = ["Claim", "Dispatcher", "claim_due", "install", "reserve_slots"]
