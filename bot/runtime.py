"""How a bot process runs: on uvloop where it is installed, with its start-up heap frozen.

uvloop's loop (libuv, in C) does the same work as asyncio's with less CPU per callback, socket
read and timer; a bot that spends most of its time in HTTP round trips gains from it. It is a
dependency on Linux and macOS; elsewhere the stock loop runs.

Python's full garbage collection scans every object the process holds; after start-up that is
the whole imported world (PTB, SQLAlchemy, matplotlib, the catalog), and one full collection
stopped the event loop for about 165 ms in the benchmark, which is a reply that late for every
user waiting at that moment. :func:`freeze_startup_heap` moves what exists after start-up out
of the collector's reach (``gc.freeze``): it lives as long as the process anyway
(docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import gc
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


def freeze_startup_heap() -> None:
    """Once the bot has started: collect what start-up left over, then exempt the rest from
    every later collection, so a full collection scans only what serving creates."""
    gc.collect()
    gc.freeze()
