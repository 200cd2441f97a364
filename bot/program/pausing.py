"""/pause and /resume: a pause the user chose, and the way back from one the rules imposed.

A pause the user chose ends when they say so (or on its date). A pause the safety rules imposed
ends only after the user confirms a clinician has cleared them (for an emergency, not before 24
hours have passed) and the red-flag screen comes back clear; then today's pain is the new
baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.coach.safety import Level
from bot.program import lifecycle, scheduling
from bot.program.work import Work
from storage import escalations

DEFAULT_PAUSE_DAYS = 7
MAX_PAUSE_DAYS = 90
EMERGENCY_WAIT = timedelta(hours=24)


class PauseRefused(Enum):
    SAFETY_PAUSED = "safety_paused"


def pause(work: Work, days: int) -> datetime | PauseRefused:
    """Pause for ``days``; the local end instant, or why not."""
    if lifecycle.is_safety_paused(work.user):
        return PauseRefused.SAFETY_PAUSED
    until = work.now + timedelta(days=days)
    lifecycle.pause(work.user, work.now, until)
    return scheduling.local_datetime(work.user, until)


class Resume(Enum):
    NOT_PAUSED = "not_paused"
    SELF_PAUSE_ENDED = "self_pause_ended"  # done: reminders are on again
    ASK_CLEARANCE = "ask_clearance"  # paused for safety: ask whether a clinician cleared them


@dataclass(frozen=True)
class WaitUntil:
    """An emergency pause: resuming is possible from ``local`` (the user's time)."""

    local: datetime


def ask_resume(work: Work) -> Resume | WaitUntil:
    user = work.user
    if lifecycle.status_of(user) is not lifecycle.Status.PAUSED:
        return Resume.NOT_PAUSED
    if lifecycle.is_self_paused(user):
        lifecycle.resume(user)
        scheduling.schedule_next(user, work.now)
        return Resume.SELF_PAUSE_ENDED
    if lifecycle.safety_level(user) >= Level.EMERGENCY and user.paused_at is not None:
        allowed = user.paused_at + EMERGENCY_WAIT
        if work.now < allowed:
            return WaitUntil(scheduling.local_datetime(user, allowed))
    return Resume.ASK_CLEARANCE


async def cleared(work: Work) -> bool:
    """The user says a clinician cleared them and the screen is clear: their escalations are
    resolved. True when onboarding was never finished (it carries on there, at the baseline);
    otherwise the program reopens with :func:`reopen` once the new baseline is in."""
    await escalations.resolve_open(work.tx, work.user.id, work.now)
    if work.user.onboarded_on is None:
        lifecycle.resume(work.user)
        return True
    return False


def reopen(work: Work) -> None:
    lifecycle.resume(work.user)
    scheduling.schedule_next(work.user, work.now)
