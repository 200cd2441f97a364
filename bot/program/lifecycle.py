"""A user's status and its transitions: the one place that writes ``users.status``.

Reminders, /today, /resume, the safety rules and the dashboard all ask "is this person in the
program, paused, paused for safety?"; answering (and changing) that in one module keeps those
answers consistent. A transition not in :data:`TRANSITIONS` is a bug and raises.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from bot.coach.safety import Level
from storage.models import User


class Status(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    REFUSED = "refused"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    # A red flag during onboarding pauses before the program has begun.
    Status.ONBOARDING: frozenset({Status.ACTIVE, Status.REFUSED, Status.PAUSED}),
    Status.ACTIVE: frozenset({Status.PAUSED}),
    # Cleared before onboarding was finished: back to onboarding.
    Status.PAUSED: frozenset({Status.ACTIVE, Status.ONBOARDING, Status.PAUSED}),
    Status.REFUSED: frozenset({Status.ONBOARDING}),
}


class IllegalTransition(RuntimeError):
    """A status change the lifecycle does not allow."""


def status_of(user: User) -> Status:
    return Status(user.status)


def _move(user: User, to: Status) -> None:
    current = status_of(user)
    if to not in TRANSITIONS[current]:
        raise IllegalTransition(f"{current} -> {to}")
    user.status = to.value


def is_onboarded(user: User) -> bool:
    """Consented and past the first questions: the program (and its commands) are open."""
    return user.consent_at is not None and status_of(user) in (Status.ACTIVE, Status.PAUSED)


def is_safety_paused(user: User) -> bool:
    """Stopped by the safety rules: only a clinician's clearance (via /resume) reopens it."""
    return status_of(user) is Status.PAUSED and bool(user.paused_level)


def is_self_paused(user: User) -> bool:
    return status_of(user) is Status.PAUSED and not user.paused_level


def safety_level(user: User) -> Level:
    """The level the program is paused at (NONE when it is not paused for safety)."""
    return Level(user.paused_level) if is_safety_paused(user) and user.paused_level else Level.NONE


def restart(user: User) -> None:
    """/start after declining consent: ask again."""
    if status_of(user) is Status.REFUSED:
        _move(user, Status.ONBOARDING)


def refuse(user: User) -> None:
    _move(user, Status.REFUSED)


def onboard(user: User, today: date) -> None:
    _move(user, Status.ACTIVE)
    user.onboarded_on = today


def pause(user: User, now: datetime, until: datetime) -> None:
    """The user's own pause: no reminders until ``until`` or /resume."""
    _move(user, Status.PAUSED)
    user.paused_level = None
    user.paused_at = now
    user.paused_until = until


def pause_for_safety(user: User, level: Level, now: datetime) -> None:
    _move(user, Status.PAUSED)
    user.paused_level = int(level)
    user.paused_at = now
    user.paused_until = None


def resume(user: User) -> None:
    """Back in the program, or back to onboarding when it was never finished."""
    _move(user, Status.ACTIVE if user.onboarded_on is not None else Status.ONBOARDING)
    user.paused_level = None
    user.paused_at = None
    user.paused_until = None


def end_pause_if_over(user: User, now: datetime) -> bool:
    """A self-chosen pause whose date has passed ends by itself; True when it just did."""
    if is_self_paused(user) and user.paused_until is not None and user.paused_until <= now:
        resume(user)
        return True
    return False
