"""Trouble on demand: failed calls, dropped connections, flood limits, and the counters.

Production Telegram answers 429 when a bot sends too fast, 5xx when it has a bad moment, and
sometimes drops a connection after having executed the call.  The bot must survive all of
them, so tests need to cause them at will and benchmarks need the flood limits enforced and
counted.  None of this is active unless a test asks for it.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

ANY_METHOD = "*"


@dataclass
class Fault:
    """A planned misbehaviour for the next ``remaining`` calls of one method."""

    status: int = 0
    description: str | None = None
    retry_after: int | None = None
    drop: bool = False  # close the connection without answering
    after_processing: bool = False  # drop only after the call took effect
    remaining: int = 1


class FaultPlan:
    """Faults queued per method name (case-insensitive; ``"*"`` matches any method)."""

    def __init__(self) -> None:
        self._faults: dict[str, deque[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("a fault must apply at least once")
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def take(self, method: str) -> Fault | None:
        """The fault for this call of ``method``, if one is planned; uses it up."""
        for key in (method.lower(), ANY_METHOD):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> int:
        return sum(f.remaining for q in self._faults.values() for f in q)


@dataclass(frozen=True)
class RateLimits:
    """Telegram's documented broadcast limits for bots.

    A message sent with ``allow_paid_broadcast`` counts against ``paid_per_second`` (Telegram:
    up to 1,000 a second, 0.1 Stars each) instead of ``overall_per_second``.
    """

    overall_per_second: int = 30
    per_chat_per_second: int = 1
    window: float = 1.0
    paid_per_second: int = 1000


@dataclass
class WindowCount:
    """What one sliding window saw: messages accepted, the busiest window, first and last."""

    accepted: int = 0
    busiest: int = 0  # the most messages accepted inside any one window
    first: float | None = None
    last: float | None = None

    @property
    def per_second(self) -> float:
        """The accepted messages' rate from the first to the last (0 for fewer than two)."""
        if self.first is None or self.last is None or self.last <= self.first:
            return 0.0
        return (self.accepted - 1) / (self.last - self.first)


class RateLimiter:
    """Sliding one-second windows: overall (free or paid broadcast), and per chat."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._overall: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}
        self.free = WindowCount()
        self.paid = WindowCount()

    def retry_after(self, chat_id: int | None, paid: bool = False) -> int | None:
        """Seconds to wait if one more message now would exceed a limit, else None."""
        now = self._clock()
        horizon = now - self.limits.window
        waits: list[float] = []
        stamps = self._paid if paid else self._overall
        limit = self.limits.paid_per_second if paid else self.limits.overall_per_second
        _expire(stamps, horizon)
        if len(stamps) >= limit:
            waits.append(stamps[0] - horizon)
        if chat_id is not None:
            chat = self._per_chat.get(chat_id)
            if chat is not None:
                _expire(chat, horizon)
                if len(chat) >= self.limits.per_chat_per_second:
                    waits.append(chat[0] - horizon)
        if not waits:
            return None
        return max(1, math.ceil(max(waits)))

    def record(self, chat_id: int | None, paid: bool = False) -> None:
        now = self._clock()
        stamps, count = (self._paid, self.paid) if paid else (self._overall, self.free)
        stamps.append(now)
        _expire(stamps, now - self.limits.window)
        count.accepted += 1
        count.busiest = max(count.busiest, len(stamps))
        count.first = now if count.first is None else count.first
        count.last = now
        if chat_id is not None:
            self._per_chat.setdefault(chat_id, deque()).append(now)


def _expire(stamps: deque[float], horizon: float) -> None:
    while stamps and stamps[0] <= horizon:
        stamps.popleft()


@dataclass
class Stats:
    """What the stand-in served: per-method request counts, answers by status, 429s."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    dropped: int = 0

    @property
    def too_many_requests(self) -> int:
        """How many 429 answers were given (flood limits and injected faults alike)."""
        return self.statuses[429]

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.statuses.clear()
        self.dropped = 0
