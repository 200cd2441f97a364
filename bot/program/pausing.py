"""/pause and /resume: a pause the user chose, and the way back from one the rules imposed.

A pause the user chose ends when they say so (or on its date). A pause the safety rules imposed
ends only after the user says what the clinician who checked them said (cleared, keep paused,
or not seen yet) and that was "cleared", and the red-flag screen comes back clear; then today's
pain is the new baseline and the rules judge nothing older. No review fits in the hour after an
escalation, so /resume is refused until :data:`REVIEW_WAIT` has passed (for an emergency, until
:data:`EMERGENCY_WAIT`): these waits stand in for a review the bot cannot see. A clinician who
cleared the patient on the clinic dashboard (:func:`bot.program.clinic.clear`) did review them,
so then there is no wait.
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
#: A physician-level pause cannot be resumed sooner: "cleared" seconds after being told to see
#: a physician is a tap, not a review.
REVIEW_WAIT = timedelta(hours=1)


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
    """Too soon after the escalation: resuming is possible from ``local`` (the user's time)."""

    local: datetime
    emergency: bool


def ask_resume(work: Work, *, cleared_by_clinician: bool) -> Resume | WaitUntil:
    """What /resume does now; ``cleared_by_clinician``: their clinic cleared this pause."""
    user = work.user
    if lifecycle.status_of(user) is not lifecycle.Status.PAUSED:
        return Resume.NOT_PAUSED
    if lifecycle.is_self_paused(user):
        lifecycle.resume(user)
        scheduling.schedule_next(user, work.now)
        return Resume.SELF_PAUSE_ENDED
    if user.paused_at is not None and not cleared_by_clinician:
        emergency = lifecycle.safety_level(user) >= Level.EMERGENCY
        allowed = user.paused_at + (EMERGENCY_WAIT if emergency else REVIEW_WAIT)
        if work.now < allowed:
            return WaitUntil(scheduling.local_datetime(user, allowed), emergency)
    return Resume.ASK_CLEARANCE


async def cleared(work: Work) -> bool:
    """The user says a clinician cleared them and the screen is clear: their escalations are
    resolved. True when onboarding was never finished (it carries on there, at the baseline);
    otherwise the program reopens with :func:`reopen` once the new baseline is in."""
    await escalations.resolve_open(work.tx, work.user.id, work.now)
    work.user.resumed_at = work.now
    if work.user.onboarded_on is None:
        lifecycle.resume(work.user)
        return True
    return False


def reopen(work: Work) -> None:
    lifecycle.resume(work.user)
    scheduling.schedule_next(work.user, work.now)
