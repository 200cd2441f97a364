"""The weekly summary: sessions done out of planned, the pain trend, what moved, one kind line.

Sent on the user's chosen day (default Sunday) at their reminder time, by the reminder
dispatcher's tick, with the same pattern as the daily reminder: ``users.next_weekly_at`` is
the schedule (kept by :mod:`bot.scheduling`), due users are leased atomically through
``users.reminder_claimed_until`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), sends are paced
by the shared token bucket, and a ``reminder_log`` row of kind ``summary`` (unique per user and
local day) makes "one summary a week" a database fact.

Only users in the program get one: a user who paused it, or whose program the safety rules
paused, is left alone that week. A summary more than ``schedule.LATE_LIMIT`` late (the bot was
down) is recorded as missed, not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from bot import history, metrics, scheduling
from bot.coach import adherence, schedule
from bot.coach.catalog import Catalog
from bot.coach.progression import amount_label
from bot.content.texts import t
from bot.telegram.claims import BATCH, Claim, claim_due, release, send_to_claimed
from bot.telegram.handlers.progress import number
from bot.telegram.services import Services
from storage import reminders as reminder_store
from storage import users
from storage.models import User

log = logging.getLogger(__name__)

KIND = "summary"
CONCURRENCY = 32

Reserve = Callable[[int], Awaitable[float]]


# --------------------------------------------------------------------------- composing


def _pain_line(summary: adherence.WeeklySummary) -> str:
    if summary.pain_mean is None:
        return t("weekly_pain_none")
    mean = number(summary.pain_mean)
    if summary.reference is None or summary.trend is None:
        return t("weekly_pain", mean=mean)
    since = t("weekly_since_start" if summary.reference_is_baseline else "weekly_since_last_week")
    return t(
        f"weekly_pain_{summary.trend}", mean=mean, reference=number(summary.reference), since=since
    )


def _moves_line(summary: adherence.WeeklySummary, catalog: Catalog) -> str:
    def named(move: adherence.Move) -> str:
        name = catalog.get(move.after.exercise_id).name
        return t("weekly_move", name=name, amount=amount_label(catalog, move.after))

    ups = [named(m) for m in summary.moves if m.direction == "up"]
    downs = [named(m) for m in summary.moves if m.direction == "down"]
    lines = []
    if ups:
        lines.append(t("weekly_moved_up", exercises=", ".join(ups)))
    if downs:
        lines.append(t("weekly_moved_down", exercises=", ".join(downs)))
    return "\n".join(lines) if lines else t("weekly_moves_none")


def render(summary: adherence.WeeklySummary, catalog: Catalog) -> str:
    """The summary's words (texts.yaml) around its numbers."""
    return t(
        "weekly_summary",
        first=summary.first.strftime("%a %d %b"),
        last=summary.last.strftime("%a %d %b"),
        sessions=summary.sessions,
        planned=summary.planned,
        pain=_pain_line(summary),
        moves=_moves_line(summary, catalog),
        encouragement=t(f"weekly_enc.{summary.encouragement}"),
    )


async def compose(
    tx: AsyncSession, user: User, catalog: Catalog, day: date
) -> adherence.WeeklySummary | None:
    """The numbers of the summary ``user`` gets on local ``day`` (None: nothing to sum up)."""
    entries = await history.pain_entries(tx, user.id, since=day - timedelta(days=14))
    days = await history.session_days(tx, user.id)
    changes = await history.level_changes(
        tx, user.id, day - timedelta(days=7), day - timedelta(days=1), catalog.slot_of
    )
    return adherence.weekly_summary(
        entries,
        days,
        baseline=user.baseline_pain,
        start=user.onboarded_on or user.created_at.date(),
        today=day,
        moves=adherence.net_moves(catalog, changes),
    )


# --------------------------------------------------------------------------- sending


def _advance(user: User, claim: Claim, now: datetime) -> None:
    """The next summary after this one, and the lease handed back."""
    local = scheduling.reminder_clock(user)
    if local is None or not user.timezone:
        user.next_weekly_at = None
    else:
        user.next_weekly_at = schedule.next_weekly(
            local, user.timezone, user.weekly_summary_day, after=max(now, claim.due_at)
        )
    user.reminder_claimed_until = None


class WeeklySender:
    """Claims due summaries, composes and sends them; safe with many instances."""

    def __init__(
        self,
        services: Services,
        bot: Bot,
        reserve: Reserve,
        rate: float,
        closing: asyncio.Event | None = None,
    ) -> None:
        self.services = services
        self.bot = bot
        self.reserve = reserve
        self.rate = rate
        self.closing = closing or asyncio.Event()
        self._gate = asyncio.Semaphore(CONCURRENCY)

    async def tick(self, limit: int = BATCH) -> int:
        """Claim one batch and handle it; returns how many summaries were sent."""
        if self.closing.is_set():
            return 0
        now = self.services.clock.now()
        claims = await claim_due(self.services.db, now, limit, due=User.next_weekly_at)
        if not claims:
            return 0
        first = await self.reserve(len(claims))
        results = await asyncio.gather(
            *(self._paced(claim, first + i / self.rate) for i, claim in enumerate(claims))
        )
        return sum(results)

    async def _paced(self, claim: Claim, slot: float) -> bool:
        async with self._gate:
            delay = slot - time.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closing.wait(), delay)
            if self.closing.is_set():
                await release(self.services.db, claim.user_id)
                return False
            try:
                return await self.handle(claim)
            except Exception:
                log.exception("weekly summary for a user failed; the claim will be retried")
                await release(self.services.db, claim.user_id)
                return False

    async def handle(self, claim: Claim) -> bool:
        now = self.services.clock.now()
        prepared = await self._prepare(claim, now)
        if prepared is None:
            return False
        chat_id, text, day = prepared
        message = await send_to_claimed(
            self.services.db, self.bot, claim, chat_id, text, None, "weekly summary"
        )
        if message is None:
            return False
        await self._record(claim, day, now, message.message_id)
        metrics.REMINDERS.labels(outcome="sent").inc()
        return True

    async def _prepare(self, claim: Claim, now: datetime) -> tuple[int, str, date] | None:
        async with self.services.db.transaction() as tx:
            user = await users.load_user(tx, claim.user_id)
            if user is None:
                return None  # erased since the claim
            if user.next_weekly_at != claim.due_at:
                user.reminder_claimed_until = None  # rescheduled since the claim
                return None
            if user.status != "active" or not user.timezone:
                _advance(user, claim, now)  # paused: no summary this week
                return None
            day = schedule.local_date(claim.due_at, user.timezone)
            if await reminder_store.reminder_logged(tx, user.id, day, KIND):
                _advance(user, claim, now)
                return None
            if schedule.is_too_late(claim.due_at, now):
                reminder_store.log_reminder(
                    tx, user.id, day=day, kind=KIND, status="missed", due_at=claim.due_at, at=now
                )
                metrics.REMINDERS.labels(outcome="missed").inc()
                _advance(user, claim, now)
                return None
            summary = await compose(tx, user, self.services.catalog, day)
            if summary is None:
                _advance(user, claim, now)  # started today: nothing to sum up yet
                return None
            return user.chat_id, render(summary, self.services.catalog), day

    async def _record(self, claim: Claim, day: date, now: datetime, message_id: int) -> None:
        try:
            async with self.services.db.transaction() as tx:
                user = await tx.get(User, claim.user_id)
                if user is None:
                    return
                reminder_store.log_reminder(
                    tx,
                    user.id,
                    day=day,
                    kind=KIND,
                    status="sent",
                    due_at=claim.due_at,
                    at=now,
                    message_id=message_id,
                )
                _advance(user, claim, now)
        except IntegrityError:
            log.error("weekly summary for %s was already recorded: a duplicate was sent", day)


__all__ = ["KIND", "Claim", "WeeklySender", "claim_due", "compose", "render"]
