"""Updates of different users run concurrently, updates of one user strictly in order.

PTB's ``concurrent_updates`` runs everything at once; a user who taps two buttons quickly would
then race their own dialog state. This processor keeps one lock per chat, created on demand and
dropped when no update of that chat is in flight, so memory does not grow with the user count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import metrics


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per chat while up to ``max_concurrent_updates`` chats run at once."""

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        *,
        on_handled: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._on_handled = on_handled

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            with metrics.HANDLER_SECONDS.time():
                await self._in_chat_order(update, coroutine)
        finally:
            # Whoever waits for an update to be finished (the tests, the sandbox) learns it
            # here, after every reply of the turn and any error handling have been sent.
            if self._on_handled is not None and isinstance(update, Update):
                self._on_handled(update.update_id)

    async def _in_chat_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @property
    def chats_in_flight(self) -> int:
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down; the Application waits for in-flight updates itself."""
