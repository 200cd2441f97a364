"""When a reminder is due: wall-clock maths across time zones and daylight saving.

A user asks for "07:30"; they mean 07:30 on *their* wall clock every day, whatever the UTC
offset is that day. Everything here turns such a local time into UTC instants (the only thing a
scheduler can sleep until) and back, and settles the awkward days once, in one place:

* Daylight saving moves the UTC instant, never the local time: 07:30 stays 07:30 on both sides.
* A local time that does not exist that day (the spring-forward gap, e.g. 02:30 in Berlin on
  2026-03-29) is sent at the instant the gap ends (03:00 CEST), so the reminder is late by at
  most the size of the gap instead of being skipped.
* A local time that happens twice (the fall-back hour) is sent once, at its first occurrence
  (``fold=0``); the second occurrence is not a new reminder.

The module is pure: no I/O, no clock reads (callers pass ``now``/``after``), so every rule is a
plain function that tests can pin to exact dates.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "LATE_LIMIT",
    "NUDGE_AFTER_QUIET_DAYS",
    "SUNDAY",
    "WEEKLY_AFTER_QUIET_DAYS",
    "Cadence",
    "cadence",
    "is_too_late",
    "local_date",
    "next_occurrence",
    "next_reminder",
    "next_weekly",
    "parse_time",
    "quiet_days",
    "reminder_at",
]

#: A reminder that fell due while the bot was down is still worth sending if it is less than
#: this late; past it, "time for your exercises" at the wrong time of day is noise, so it is
#: recorded as missed instead.
LATE_LIMIT = timedelta(hours=3)

#: ``date.weekday()`` of Sunday, the default day of the weekly summary.
SUNDAY = 6

#: Full local days without a session after which reminders switch to the kinder nudge text.
NUDGE_AFTER_QUIET_DAYS = 3
#: Full local days without a session after which reminders drop to one a week.
WEEKLY_AFTER_QUIET_DAYS = 7

# How far either side of ``after``'s local date to look for the next occurrence. One day before
# covers reminders pushed forward past midnight by a gap; two days after is more than enough
# for the one-day jumps of the date line (Samoa 2011, Kiritimati 1994).
_SEARCH_DAYS = range(-1, 4)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _wall(local: time) -> time:
    """The naive wall-clock time to schedule; a zone-carrying ``time`` is a caller bug."""
    if local.tzinfo is not None:
        raise ValueError(f"local must be a naive wall-clock time, got {local!r}")
    return local.replace(fold=0)


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    """Whether the wall clock in ``tz`` ever reads ``naive`` (False inside a gap)."""
    round_trip = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return round_trip.replace(tzinfo=None) == naive


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant at which the gap containing ``naive`` ends (the first valid wall time).

    Per PEP 495, inside a gap ``fold=1`` applies the offset after the transition (giving an
    instant before it) and ``fold=0`` the offset before it (giving an instant after it), so
    the transition lies between the two; a binary search over whole seconds finds it.
    Transitions fall on whole seconds, and the window is at most a day wide (~17 steps).
    """
    before = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    low = math.floor(before.timestamp())  # the wall clock here still reads before the gap
    high = math.ceil(after.timestamp())  # the wall clock here already reads past the gap
    while high - low > 1:
        middle = (low + high) // 2
        wall = datetime.fromtimestamp(middle, UTC).astimezone(tz).replace(tzinfo=None)
        if wall > naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def reminder_at(local: time, zone: str, day: date) -> datetime:
    """The UTC instant of the reminder for local ``day`` at wall time ``local`` in ``zone``.

    Inside a spring-forward gap this is the instant the gap ends; in a repeated hour it is the
    first occurrence. The result is tz-aware UTC.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, _wall(local))
    if not _exists(naive, tz):
        return _gap_end(naive, tz)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date on the wall in ``zone`` at ``instant`` (which must be tz-aware)."""
    _require_aware(instant, "instant")
    return instant.astimezone(ZoneInfo(zone)).date()


def next_occurrence(local: time, zone: str, after: datetime) -> datetime:
    """The first UTC instant strictly after ``after`` when ``zone``'s wall clock reads ``local``.

    Same rules as :func:`reminder_at` (gap -> end of gap, repeated hour -> first occurrence,
    so never twice on one day). ``after`` equal to an occurrence yields the next day's, which
    is what a dispatcher wants right after sending one.
    """
    _require_aware(after, "after")
    wall = _wall(local)
    start = local_date(after, zone)
    for offset in _SEARCH_DAYS:
        candidate = reminder_at(wall, zone, start + timedelta(days=offset))
        if candidate > after:
            return candidate
    raise AssertionError(f"no occurrence of {wall} in {zone} within days of {after}")


def next_weekly(local: time, zone: str, weekday: int = SUNDAY, *, after: datetime) -> datetime:
    """The first instant after ``after`` at wall time ``local`` on a local ``weekday``.

    Used for the weekly summary, sent at the user's usual reminder time on (by default)
    Sunday. ``weekday`` follows ``date.weekday()``: Monday is 0, Sunday is 6.
    """
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {weekday}")
    _require_aware(after, "after")
    wall = _wall(local)
    start = local_date(after, zone)
    for offset in range(-1, 9):
        day = start + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        candidate = reminder_at(wall, zone, day)
        if candidate > after:
            return candidate
    raise AssertionError(f"no weekday {weekday} occurrence of {wall} in {zone} after {after}")


# --- adherence cadence ----------------------------------------------------------------------------


class Cadence(StrEnum):
    """How insistently to remind someone, from how long they have been away."""

    DAILY = "daily"
    #: Still daily, but with a kinder "no pressure, even five minutes helps" text.
    NUDGE = "nudge"
    #: Once a week until they do a session again; daily reminders nobody acts on only teach
    #: people to mute the bot.
    WEEKLY = "weekly"


def quiet_days(last_session_day: date | None, onboarded_day: date, today: date) -> int:
    """Full local days that have passed without a session, not counting ``today``.

    Today is still open (the reminder usually comes before the session), so someone whose
    last session was yesterday has 0 quiet days. Onboarding counts as activity: a user who
    never did a session is measured from the later of onboarding and their last session, so
    coming back through onboarding again resets the count.
    """
    reference = onboarded_day if last_session_day is None else max(last_session_day, onboarded_day)
    return max(0, (today - reference).days - 1)


def cadence(last_session_day: date | None, onboarded_day: date, today: date) -> Cadence:
    """The reminder cadence for ``today``: see :data:`NUDGE_AFTER_QUIET_DAYS` and friends.

    Last session Monday: Tue..Thu quiet, so Friday's reminder is a NUDGE; Tue..next Mon quiet,
    so from next Tuesday reminders are WEEKLY, until a session resets the count.
    """
    quiet = quiet_days(last_session_day, onboarded_day, today)
    if quiet >= WEEKLY_AFTER_QUIET_DAYS:
        return Cadence.WEEKLY
    if quiet >= NUDGE_AFTER_QUIET_DAYS:
        return Cadence.NUDGE
    return Cadence.DAILY


def next_reminder(
    local: time,
    zone: str,
    after: datetime,
    cadence: Cadence,
    last_sent_day: date | None,
) -> datetime:
    """The next reminder instant for a user on ``cadence``.

    DAILY and NUDGE: the next occurrence after ``after``. WEEKLY: the occurrence on the local
    date 7 days after ``last_sent_day`` (the local date of the last reminder actually sent);
    with nothing sent yet, or when that date has already passed (say the bot was down), the
    next occurrence, which then starts a new weekly rhythm.
    """
    if cadence is not Cadence.WEEKLY or last_sent_day is None:
        return next_occurrence(local, zone, after)
    _require_aware(after, "after")
    due = reminder_at(local, zone, last_sent_day + timedelta(days=7))
    if due > after:
        return due
    return next_occurrence(local, zone, after)


def is_too_late(due_at: datetime, now: datetime) -> bool:
    """Whether a reminder due at ``due_at`` is too stale to send at ``now`` (>= LATE_LIMIT)."""
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    return now - due_at >= LATE_LIMIT


# --- reading a time the user typed ----------------------------------------------------------------

# Longest sensible input is something like "12:30 p.m."; anything far longer is not a time.
_MAX_TIME_INPUT = 16

_AMPM = r"(?:\s*(?P<ampm>[ap])\.?\s*m\.?)?"
_TIME_PATTERNS = (
    # 7 | 07 | 7:30 | 7.30 | 7 30 | 7h | 19h30 | each optionally with am/pm
    re.compile(r"(?P<h>[0-9]{1,2})(?:(?:[:. ]|\s*h\s*)(?P<m>[0-9]{2}))?(?:\s*h)?" + _AMPM),
    # 730 | 1930 | 0730 (compact, as typed on phone keypads)
    re.compile(r"(?P<h>[0-9]{1,2})(?P<m>[0-9]{2})" + _AMPM),
)
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def _ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (Arabic-Indic, Devanagari, ...) to its ASCII digit."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def parse_time(text: str) -> time | None:
    """A wall-clock time from what a person typed, or None if it is not one.

    Accepted (after NFKC normalisation, so full-width digits and colons work, and any
    script's decimal digits): ``7``, ``07``, ``7:30``, ``07:30``, ``7.30``, ``7 30``,
    ``19h``, ``19h30``, ``7 h 30``, compact ``730``/``1930`` (24-hour; the last two digits
    are the minutes), any of them with ``am``/``pm`` (``a.m.``, ``7:30 PM``; hour 1-12,
    12am is midnight), and the words ``noon``/``midday``/``midnight``. Rejected: hours past
    23 (``24:00`` too), minutes past 59, one-digit minutes (``7:5`` is ambiguous), seconds,
    and anything longer than 16 characters.
    """
    if len(text) > _MAX_TIME_INPUT * 4:  # before normalising: NFKC can expand text
        return None
    cleaned = " ".join(_ascii_digits(unicodedata.normalize("NFKC", text)).casefold().split())
    if not cleaned or len(cleaned) > _MAX_TIME_INPUT:
        return None
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    for pattern in _TIME_PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            return _to_time(match)
    return None


def _to_time(match: re.Match[str]) -> time | None:
    hour = int(match["h"])
    minute = int(match["m"]) if match["m"] else 0
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
