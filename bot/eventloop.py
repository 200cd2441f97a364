"""The event loop a bot process runs on: uvloop where it is installed, else asyncio's own.

uvloop's loop (libuv, in C) does the same work as asyncio's with less CPU per callback, socket
read and timer; a bot that spends most of its time in HTTP round trips gains from it
(docs/benchmarks.md). It is a dependency on Linux and macOS; elsewhere the stock loop runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # pragma: no cover - Windows
    uvloop = None  # type: ignore[assignment]


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the fastest loop available."""
    if uvloop is not None:
        return uvloop.run(main)
    return asyncio.run(main)  # pragma: no cover - Windows
