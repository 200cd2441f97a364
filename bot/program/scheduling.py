"""A user's reminder schedule, kept on their row so the database is the schedule.

``users.next_reminder_at`` (UTC, indexed) is the one fact the dispatcher reads; this module is
the only place that writes it, from the user's local time, zone and adherence cadence
(:mod:`bot.coach.schedule` does the time maths).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.coach import schedule
from bot.content.texts import moment_text
from storage.models import User


def reminder_clock(user: User) -> time | None:
    if not user.reminder_time:
        return None
    hour, minute = user.reminder_time.split(":")
    return time(int(hour), int(minute))


def schedule_next(user: User, now: datetime, *, last_sent_day: date | None = None) -> None:
    """Set the user's next reminder (and weekly summary) instant after ``now``."""
    local = reminder_clock(user)
    if local is None or not user.timezone:
        user.next_reminder_at = None
        return
    today = schedule.local_date(now, user.timezone)
    cadence = schedule.cadence(user.last_session_on, user.onboarded_on or today, today)
    user.next_reminder_at = schedule.next_reminder(
        local, user.timezone, now, cadence, last_sent_day
    )
    if user.next_weekly_at is None or user.next_weekly_at > now:
        # A summary already due stays due until bot.telegram.weekly has handled it (sent,
        # skipped or missed, then it moves the date on itself); moving it on here would drop
        # it whenever the daily reminder of the same minute is recorded first.
        user.next_weekly_at = schedule.next_weekly(
            local, user.timezone, user.weekly_summary_day, after=now
        )


def local_datetime(user: User, instant: datetime) -> datetime:
    """``instant`` on the user's wall clock (UTC until they chose a zone)."""
    return instant.astimezone(ZoneInfo(user.timezone or "UTC"))


def describe_next(user: User, now: datetime) -> str | None:
    """The next reminder in the user's own wall time, e.g. "Sun 22 Nov at 07:30"."""
    if user.next_reminder_at is None or not user.timezone:
        return None
    local = user.next_reminder_at.astimezone(ZoneInfo(user.timezone))
    return moment_text(local)


SNOOZE = timedelta(hours=1)


def snooze(user: User, now: datetime) -> str:
    """ "Remind me in 1 hour": the row's next instant moves up; returns the local time."""
    user.snooze_at = user.next_reminder_at = now + SNOOZE
    zone = ZoneInfo(user.timezone or "UTC")
    return user.snooze_at.astimezone(zone).strftime("%H:%M")
