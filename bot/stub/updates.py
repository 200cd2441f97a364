"""The bot's incoming update queue, with Telegram's getUpdates semantics.

Telegram keeps updates until the bot confirms them by asking for a higher ``offset``;
``timeout`` turns getUpdates into a long poll that answers the moment an update arrives;
``allowed_updates`` is remembered between calls; a second concurrent getUpdates terminates
the first with 409 Conflict.  Reproducing these exactly matters because python-telegram-bot's
Updater depends on every one of them, and because benchmarks measure latency that a
sleep-and-retry imitation would distort.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.stub.errors import POLLING_CONFLICT, WEBHOOK_ACTIVE, BotApiError

# Sent only when asked for explicitly in allowed_updates, as on Telegram.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_LIMIT = 100
MAX_TIMEOUT = 3600


@dataclass(frozen=True, slots=True)
class PendingUpdate:
    """An update waiting to be fetched (polling) or delivered (webhook)."""

    update_id: int
    kind: str
    chat_key: int | None
    body: dict[str, Any]


class UpdateQueue:
    """Pending updates in order, shared by long polling and webhook delivery."""

    def __init__(self) -> None:
        self._pending: deque[PendingUpdate] = deque()
        # Like Telegram's, ids only grow, also across restarts of the stand-in (the bot
        # remembers handled ids to ignore redeliveries), so start from the wall clock.
        self._last_id = int(time.time() * 1000)
        self._changed = asyncio.Event()
        self._generation = 0
        self._closed = False
        self.allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self.handed_out_upto = 0
        self.webhook_active = False
        # Queued updates the bot has not yet reported as handled (id -> kind), oldest first.
        self._unhandled: dict[int, str] = {}

    # -- producing ------------------------------------------------------------------------

    def push(
        self, kind: str, payload: dict[str, Any], chat_key: int | None, *, deliver: bool = True
    ) -> dict[str, Any]:
        """Queue a new update of ``kind`` (e.g. "message") and return it as the bot gets it.

        An update type the bot did not subscribe to is not queued, as Telegram does not
        keep it, and neither is one the bot may not see (``deliver`` False: a group message
        hidden by privacy mode, or a group the bot is not in); the update is still returned
        so the caller can see what was dropped.
        """
        self._last_id += 1
        body = {"update_id": self._last_id, kind: payload}
        if deliver and self.wants(kind):
            self._pending.append(PendingUpdate(self._last_id, kind, chat_key, body))
            self._unhandled[self._last_id] = kind
            self.notify()
        return body

    def wants(self, kind: str) -> bool:
        if self.allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed_updates

    def set_allowed(self, kinds: Iterable[str]) -> None:
        """Remember ``allowed_updates``; an empty list restores the default set."""
        chosen = frozenset(kinds)
        self.allowed_updates = chosen or None
        self._pending = deque(u for u in self._pending if self.wants(u.kind))
        self._unhandled = {i: k for i, k in self._unhandled.items() if self.wants(k)}

    # -- consuming ------------------------------------------------------------------------

    @property
    def pending(self) -> list[PendingUpdate]:
        return list(self._pending)

    def __len__(self) -> int:
        return len(self._pending)

    def remove(self, update_id: int) -> None:
        """Forget one update (a webhook delivered it)."""
        self._pending = deque(u for u in self._pending if u.update_id != update_id)
        self.notify()

    def drop_all(self) -> None:
        """Forget every pending update (drop_pending_updates)."""
        self._pending.clear()
        self._unhandled.clear()
        self.notify()

    def confirm(self, offset: int) -> None:
        """Apply a getUpdates ``offset``: forget what it confirms."""
        if offset > 0:
            while self._pending and self._pending[0].update_id < offset:
                self._pending.popleft()
        elif offset < 0:
            keep = -offset
            while len(self._pending) > keep:
                self._pending.popleft()

    def all_handed_out(self) -> bool:
        """True when the bot has fetched (or been delivered) every pending update."""
        return all(u.update_id <= self.handed_out_upto for u in self._pending)

    def mark_handed_out(self, update_id: int) -> None:
        self.handed_out_upto = max(self.handed_out_upto, update_id)

    def mark_handled(self, update_id: int) -> None:
        """The bot has finished ``update_id``: everything it sends for it has been sent."""
        if self._unhandled.pop(update_id, None) is not None:
            self.notify()

    @property
    def unhandled(self) -> dict[int, str]:
        """Queued updates not yet reported handled, id -> kind, oldest first."""
        return dict(self._unhandled)

    async def get_updates(
        self,
        *,
        offset: int | None,
        limit: int | None,
        timeout: int | None,  # noqa: ASYNC109 - the Bot API parameter, in seconds
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """Answer a getUpdates call, waiting up to ``timeout`` seconds for an update."""
        if self.webhook_active:
            raise BotApiError(409, WEBHOOK_ACTIVE)
        if allowed_updates is not None:
            self.set_allowed(allowed_updates)
        self._generation += 1
        generation = self._generation
        self.notify()  # an older long poll still waiting is terminated with 409
        if offset is not None:
            self.confirm(offset)
        count = min(max(limit or MAX_LIMIT, 1), MAX_LIMIT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(timeout or 0, 0), MAX_TIMEOUT)
        while True:
            if self._pending:
                batch = [u for _, u in zip(range(count), self._pending, strict=False)]
                self.mark_handed_out(batch[-1].update_id)
                return [u.body for u in batch]
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closed:
                return []
            if not await self.wait_changed(remaining):
                return []
            if self.webhook_active:
                raise BotApiError(409, WEBHOOK_ACTIVE)
            if generation != self._generation:
                raise BotApiError(409, POLLING_CONFLICT)

    # -- signalling -----------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everyone waiting for a change of the queue."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_changed(self, seconds: float | None = None) -> bool:
        """Wait until the queue changes; False after ``seconds`` without a change."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """Release every waiter: the stand-in is stopping."""
        self._closed = True
        self.notify()

    def reopen(self) -> None:
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed
