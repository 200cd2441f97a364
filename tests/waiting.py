"""Waiting for an outcome that can only be seen by looking: another process, a port, a counter.

Everything the bot does in a chat is awaited through the stand-in (``next_message``,
``wait_handled``), which wakes on the event itself. What is left (a subprocess's log line, a
request count, a fault consumed) is re-checked here every few milliseconds until it holds or the
deadline passes; the deadline fails with ``what`` and, if given, what was seen instead. This is
the one loop in the tests that sleeps, and it never decides an order of events by time.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

DEADLINE_SECONDS = 20.0
RECHECK_SECONDS = 0.01


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    seconds: float = DEADLINE_SECONDS,
    *,
    seen: Callable[[], object] | None = None,
) -> None:
    """Until ``condition()`` is true; an AssertionError naming ``what`` after ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            detail = f"; seen instead: {seen()!r}" if seen is not None else ""
            raise AssertionError(f"gave up after {seconds}s waiting for {what}{detail}")
        await asyncio.sleep(RECHECK_SECONDS)
