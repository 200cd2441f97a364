"""The one source of "now", so tests and the sandbox can move time forward.

Reminders, check-ins and weekly summaries are all about time; a test cannot wait a day and the
sandbox wants a day in minutes. Everything asks a :class:`Clock` instead of ``datetime.now``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = instant


class FastClock:
    """Real time sped up by ``speed`` from the moment it is made (the sandbox's --speed)."""

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        self.speed = speed
        self._origin = start or datetime.now(UTC)
        self._t0 = time.monotonic()
        self._jump = timedelta()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._t0) * self.speed
        return self._origin + timedelta(seconds=elapsed) + self._jump

    def jump(self, delta: timedelta) -> None:
        """Skip ahead, e.g. to the next reminder."""
        self._jump += delta
