"""The weekly summary: sessions done out of planned, the pain trend, what moved, one kind line.

Sent on the user's chosen day (default Sunday) at their reminder time, by the reminder
dispatcher's tick, through the same send pipeline as the daily reminder
(:mod:`bot.telegram.sending`: claim, pace, send, record, release on shutdown). This module says
only what differs: ``users.next_weekly_at`` is the schedule (kept by :mod:`bot.scheduling`),
what the summary says, and the next one a week on; a ``reminder_log`` row of kind ``summary``
(unique per user and local day) makes "one summary a week" a database fact.

Once a user has a follow-up Roland-Morris score, the summary ends with it and the change since
the start (docs/outcomes.md). Only users in the program get one: a user who paused it, or whose
program the safety rules paused, is left alone that week. A summary more than
``schedule.LATE_LIMIT`` late (the bot was down) is recorded as missed, not sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach import adherence, schedule
from bot.coach.catalog import Catalog
from bot.coach.progression import amount_label
from bot.content.texts import day_text, t
from bot.program import history, lifecycle, outcomes, scheduling
from bot.telegram.flows.questionnaire import disability_line
from bot.telegram.handlers.progress import number
from bot.telegram.sending import Claim, Outgoing, record_missed
from storage import reminders as reminder_store
from storage.models import User

KIND = "summary"


# --------------------------------------------------------------------------- composing


def _pain_line(summary: adherence.WeeklySummary) -> str:
    """The pain sentence, worded from the same comparison the encouragement was chosen by
    (a small rise is "a little higher", never "about the same" beside "crept up")."""
    if summary.pain_mean is None:
        return t("weekly_pain_none")
    mean = number(summary.pain_mean)
    if summary.reference is None or summary.trend is None:
        return t("weekly_pain", mean=mean)
    since = t("weekly_since_start" if summary.reference_is_baseline else "weekly_since_last_week")
    compared = "rising" if summary.encouragement == "rising" else summary.trend
    return t(f"weekly_pain_{compared}", mean=mean, reference=number(summary.reference), since=since)


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
        first=day_text(summary.first),
        last=day_text(summary.last),
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


class WeeklySummaries:
    """The weekly summary as a :class:`~bot.telegram.sending.Due`: due from
    ``users.next_weekly_at``, sent through the same pipeline as the daily reminder."""

    what = "weekly summary"

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def claim(
        self, tx: AsyncSession, now: datetime, until: datetime, limit: int
    ) -> list[tuple[int, datetime]]:
        return await reminder_store.claim_due_summaries(tx, now, until, limit)

    def due_at(self, user: User) -> datetime | None:
        return user.next_weekly_at

    async def prepare(
        self, tx: AsyncSession, group: list[tuple[User, Claim]], now: datetime
    ) -> list[Outgoing | None]:
        """One summary at a time: they go out once a week, so reading each user's week on
        its own costs little."""
        return [await self._prepare(tx, user, claim, now) for user, claim in group]

    async def _prepare(
        self, tx: AsyncSession, user: User, claim: Claim, now: datetime
    ) -> Outgoing | None:
        if lifecycle.status_of(user) is not lifecycle.Status.ACTIVE or not user.timezone:
            _advance(user, claim, now)  # paused: no summary this week
            return None
        day = schedule.local_date(claim.due_at, user.timezone)
        if await reminder_store.reminder_logged(tx, user.id, day, KIND):
            _advance(user, claim, now)
            return None
        if schedule.is_too_late(claim.due_at, now):
            record_missed(tx, user, claim, KIND, day, now)
            _advance(user, claim, now)
            return None
        summary = await compose(tx, user, self.catalog, day)
        if summary is None:
            _advance(user, claim, now)  # started today: nothing to sum up yet
            return None
        text = render(summary, self.catalog)
        disability = await outcomes.disability_of(tx, user.id)
        if disability is not None and disability.change is not None:
            text += "\n" + disability_line(disability)  # since a follow-up: the change
        return Outgoing(user.chat_id, text, None, KIND, day)

    def advance(self, user: User, claim: Claim, sent: Outgoing, now: datetime) -> None:
        _advance(user, claim, now)


__all__ = ["KIND", "WeeklySummaries", "compose", "render"]
