"""Webhook mode: updates are POSTed to the bot instead of fetched by it.

Telegram delivers each update as a JSON POST with the ``X-Telegram-Bot-Api-Secret-Token``
header set by setWebhook, keeps an update until the bot answers 2xx, retries failures with
a back-off, and never delivers a chat's next update before the previous one was accepted
(updates of different chats travel in parallel, up to ``max_connections``).  This module
reproduces that, and adds one thing Telegram cannot do: several target URLs in round robin,
so a test can spread updates over two bot instances behind "one" webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.stub.updates import PendingUpdate, UpdateQueue

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookConfig:
    """What setWebhook registered, plus the stand-in's extra round-robin targets."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    targets: list[str] = field(default_factory=list)  # overrides ``url`` when set
    last_error_date: int | None = None
    last_error_message: str | None = None


class WebhookDelivery:
    """Delivers queued updates to the webhook while one is set."""

    def __init__(
        self,
        queue: UpdateQueue,
        *,
        retry_delay: float = 0.05,
        max_retry_delay: float = 1.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.queue = queue
        self.config = WebhookConfig()
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.delivered = 0
        self.failed_attempts = 0
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._inflight: dict[object, asyncio.Task[None]] = {}
        self._round_robin = itertools.count()

    @property
    def active(self) -> bool:
        return bool(self.config.url)

    def targets(self) -> list[str]:
        return list(self.config.targets) or ([self.config.url] if self.config.url else [])

    def activate(
        self,
        url: str,
        *,
        secret_token: str | None,
        max_connections: int | None,
        ip_address: str | None,
        allowed_updates: list[str] | None,
    ) -> None:
        """Start (or re-point) delivery; an empty ``url`` switches back to polling."""
        targets = self.config.targets
        self.config = WebhookConfig(
            url=url,
            secret_token=secret_token,
            max_connections=max_connections or 40,
            ip_address=ip_address,
            allowed_updates=allowed_updates,
            targets=targets,
        )
        self.queue.webhook_active = bool(url)
        if url:
            self._ensure_dispatcher()
        self._wake()

    def deactivate(self) -> None:
        self.activate(
            "", secret_token=None, max_connections=None, ip_address=None, allowed_updates=None
        )
        for task in list(self._inflight.values()):
            task.cancel()

    def set_targets(self, urls: list[str] | None) -> None:
        self.config.targets = list(urls or [])
        self._wake()

    def _wake(self) -> None:
        # The dispatcher waits on queue changes; a nudge makes it re-read its configuration.
        self.queue.notify()

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="stub-webhook")

    async def close(self) -> None:
        tasks = [*self._inflight.values()]
        if self._dispatcher is not None:
            tasks.append(self._dispatcher)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._inflight.clear()
        self._dispatcher = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- delivery ---------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            if self.active:
                self._start_deliveries()
            await self.queue.wait_changed()

    def _start_deliveries(self) -> None:
        seen: set[object] = set()
        for update in self.queue.pending:
            key: object = (
                update.chat_key if update.chat_key is not None else ("u", update.update_id)
            )
            if key in seen:
                continue
            seen.add(key)
            if key in self._inflight:
                continue
            if len(self._inflight) >= self.config.max_connections:
                break
            self._inflight[key] = asyncio.create_task(self._deliver(key, update))

    async def _deliver(self, key: object, update: PendingUpdate) -> None:
        delay = self.retry_delay
        try:
            while self.active:
                if await self._post(update):
                    self.delivered += 1
                    self.queue.mark_handed_out(update.update_id)
                    self.queue.remove(update.update_id)
                    # A webhook answers 2xx once it has handled the update (Backstep does).
                    self.queue.mark_handled(update.update_id)
                    return
                self.failed_attempts += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)
        finally:
            self._inflight.pop(key, None)
            self._wake()

    async def _post(self, update: PendingUpdate) -> bool:
        targets = self.targets()
        if not targets:
            return False
        target = targets[next(self._round_robin) % len(targets)]
        headers = {"Content-Type": "application/json"}
        if self.config.secret_token:
            headers[SECRET_HEADER] = self.config.secret_token
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with self._session.post(target, json=update.body, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return True
                self._error(f"Wrong response from the webhook: {resp.status} {resp.reason}")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._error(f"Connection failed: {exc.__class__.__name__}: {exc}")
        return False

    def _error(self, message: str) -> None:
        log.debug("webhook delivery failed: %s", message)
        self.config.last_error_message = message
        self.config.last_error_date = int(self._clock()) if self._clock else None

    def info(self) -> dict[str, Any]:
        """The getWebhookInfo result."""
        info: dict[str, Any] = {
            "url": self.config.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue),
        }
        if self.config.url:
            info["max_connections"] = self.config.max_connections
            if self.config.ip_address:
                info["ip_address"] = self.config.ip_address
            if self.config.allowed_updates is not None:
                info["allowed_updates"] = self.config.allowed_updates
        if self.config.last_error_date is not None:
            info["last_error_date"] = self.config.last_error_date
            info["last_error_message"] = self.config.last_error_message
        return info
