"""Telegram's flood limits, kept on our side of the wire: no message is sent that would get a 429.

Why not PTB's ``AIORateLimiter``: it is a leaky bucket (aiolimiter), which lets a burst through
after a quiet moment, while Telegram counts the messages inside any one second. Paced at 30/s
it let 38 of 300 reminders be answered 429 against a stand-in that counts like Telegram
(29/s: 28); event-loop jitter is enough to put a 31st message inside one second.

What :class:`FloodLimiter` does instead, right before each request that names a ``chat_id``
(messages, edits; ``getUpdates`` and button answers go straight through):

- **A sliding window**: at most ``per_second`` such requests in any window of
  ``1 s + margin``, first come first served, on the monotonic clock. A request counts from
  the moment it leaves, and also until one second after Telegram answered it: Telegram
  counted it somewhere in between, so however much the way there varies (the event loop, the
  connection pool, the network), a slow one never lands in one second with 30 sent after it.
  That alone keeps one process free of 429s; the margin is for what one process cannot see:
  several instances share the token through the database's send budget
  (:mod:`bot.telegram.sending`), and where one instance's stretch of slots ends and the next
  one's begins, only the margin absorbs their jitter. The default, 50 ms, is chosen by
  measurement (docs/benchmarks.md, "Rate-limited dispatch"): a message's way from here to the
  stand-in varied by up to 85 ms on a busy two-core machine (p99 10-30 ms); 30 in any 1.05 s
  is at most 28.6 messages/s.
- **Groups**: at most 20 messages a minute per group chat (a negative or ``@name`` chat id),
  in the same manner, as PTB's limiter does.
- **Paid broadcast**: a message with ``allow_paid_broadcast`` counts against a window of its
  own, 1,000 per ``1 s + margin`` (Telegram's limit for paid messages), not against the free
  one and not against a group's.
- **A 429 anyway** (another process on the same token, or Telegram's own idea of a flood):
  every request that names a chat is held for the ``retry_after`` Telegram asked for (flood
  bans grow when ignored), and the :class:`~telegram.error.RetryAfter` is re-raised: the caller
  retries and logs it (:mod:`bot.telegram.delivery`, the reply outbox).

The scheduled pipeline (:mod:`bot.telegram.sending`) paces its slots at the same rate,
:func:`pace_per_second`, so several instances sharing one token through the database's send
budget stay inside the window together and this limiter rarely has to wait.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.settings import PAID_BROADCAST_PER_SECOND, Settings
from bot.telegram.delivery import retry_after_seconds

log = logging.getLogger(__name__)

GROUP_PER_MINUTE = 20  # Telegram: at most 20 messages a minute in one group
MAX_GROUP_WINDOWS = 512  # forget idle group windows beyond this many

Result = bool | dict[str, Any] | list[dict[str, Any]]


class Window:
    """At most ``count`` messages in any ``period`` seconds (``limit_period`` at Telegram's).

    A message counts from the moment it leaves until ``period`` after that, and at least until
    ``limit_period`` after Telegram's answer: the answer proves Telegram has counted it, so a
    message whose way there was slow can never share Telegram's second with the ones sent
    after it, whatever the event loop, the connection pool or the network did meanwhile.
    """

    def __init__(self, count: int, period: float, limit_period: float | None = None) -> None:
        if count < 1 or period <= 0:
            raise ValueError("a window needs a count of at least 1 and a positive period")
        self.count = count
        self.period = period
        self.limit_period = period if limit_period is None else limit_period
        self.in_flight = 0  # left, not answered yet
        self._until: list[float] = []  # when each answered one stops counting, soonest first
        self._an_answer = asyncio.Event()
        self.lock = asyncio.Lock()  # first come, first served: one waiter at the head

    def wait(self, now: float) -> float | None:
        """Seconds until one more message fits (0: now; None: once an answer comes)."""
        gone = bisect.bisect_right(self._until, now)
        del self._until[:gone]
        if self.in_flight + len(self._until) < self.count:
            return 0.0
        if not self._until:
            return None  # every place is taken by a message still on its way
        return self._until[0] - now

    def take(self) -> None:
        self.in_flight += 1

    def answered(self, left: float, now: float) -> None:
        self.in_flight -= 1
        bisect.insort(self._until, max(left + self.period, now + self.limit_period))
        self._an_answer.set()

    async def next_answer(self) -> None:
        self._an_answer.clear()
        await self._an_answer.wait()

    def idle(self) -> bool:
        return not self.in_flight and not self._until


def window_for(per_second: float, margin: float) -> Window:
    """``per_second`` messages in any second, stretched by ``margin``: the count is whole
    (29.5/s becomes 29 in any 0.98 s), and below 1/s one message per ``1/per_second`` s."""
    count = max(1, math.floor(per_second))
    limit_period = count / per_second
    return Window(count, (1.0 + margin) * limit_period, limit_period)


def pace_per_second(settings: Settings) -> float:
    """The rate scheduled messages are paced to: the window's count over its length."""
    limit = PAID_BROADCAST_PER_SECOND if settings.paid_broadcast else settings.send_rate_per_second
    window = window_for(limit, settings.send_margin_seconds)
    return window.count / window.period


class FloodLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits as sliding windows, applied before each message leaves."""

    def __init__(
        self,
        per_second: float = 30.0,
        margin: float = 0.05,
        *,
        group_per_minute: int = GROUP_PER_MINUTE,
        paid_per_second: float = PAID_BROADCAST_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if margin < 0:
            raise ValueError("the margin cannot be negative")
        self.margin = margin
        self.overall = window_for(per_second, margin)
        self.paid = window_for(paid_per_second, margin)
        self._group_per_minute = group_per_minute
        self._groups: dict[int | str, Window] = {}
        self._clock = clock
        self._sleep = sleep
        self.held_until = -math.inf  # after a 429: nothing leaves before this (monotonic)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> FloodLimiter:
        return cls(settings.send_rate_per_second, settings.send_margin_seconds, **kwargs)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Wait for room in the windows ``data`` counts against, then make the request."""
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        if data.get("allow_paid_broadcast"):
            windows = [self.paid]
        else:
            group = _group_of(chat_id)
            windows = [self.overall]
            if group is not None and self._group_per_minute > 0:
                windows.insert(0, self._group_window(group))
        taken: list[tuple[Window, float]] = []
        try:
            for window in windows:
                taken.append((window, await self._admit(window)))
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            self.held_until = max(self.held_until, self._clock() + wait)
            log.info("%s got a 429: holding every message for %.0f s", endpoint, wait)
            raise
        finally:
            now = self._clock()
            for window, left in taken:
                window.answered(left, now)

    async def _admit(self, window: Window) -> float:
        """Wait until one more message fits in ``window`` and no 429 hold is on; count it and
        return the time it left."""
        async with window.lock:
            while True:
                now = self._clock()
                room = window.wait(now)
                if room is None:
                    await window.next_answer()
                    continue
                wait = max(self.held_until - now, room)
                if wait <= 0:
                    window.take()
                    return now
                await self._sleep(wait)

    def _group_window(self, group: int | str) -> Window:
        window = self._groups.get(group)
        if window is None:
            if len(self._groups) >= MAX_GROUP_WINDOWS:
                now = self._clock()
                for window in self._groups.values():
                    window.wait(now)  # forget answers older than the window
                idle = [k for k, w in self._groups.items() if w.idle() and not w.lock.locked()]
                for key in idle:
                    del self._groups[key]
            window = Window(self._group_per_minute, 60.0 * (1.0 + self.margin), 60.0)
            self._groups[group] = window
        return window


def _group_of(chat_id: object) -> int | str | None:
    """The group a chat id names (groups and channels have negative ids or ``@names``)."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id
    if isinstance(chat_id, int) and chat_id < 0:
        return chat_id
    return None
