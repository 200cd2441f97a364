"""Webhook mode: updates are POSTed with the secret header, retried, kept in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from bot.stub import BotApiStub
from tests.stub.conftest import ALICE, BOB, RawBotApi

SECRET = "s3cret-Token_1"


@dataclass
class Receiver:
    """A stand-in bot instance listening for webhook POSTs."""

    url: str = ""
    received: asyncio.Queue[tuple[dict[str, Any], str | None]] = field(
        default_factory=asyncio.Queue
    )
    fail_first: int = 0
    attempts: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((await request.json(), secret))
        return web.Response(text="ok")

    async def next(self) -> tuple[dict[str, Any], str | None]:
        return await asyncio.wait_for(self.received.get(), timeout=5)


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    runners, made = [], []
    for _ in range(2):
        receiver = Receiver()
        app = web.Application()
        app.router.add_post("/hook", receiver.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        runners.append(runner)
        made.append(receiver)
    yield made
    for runner in runners:
        await runner.cleanup()


async def test_updates_are_posted_with_the_secret_header(
    stub: BotApiStub, api: RawBotApi, receivers: list[Receiver]
) -> None:
    hook = receivers[0]
    await api.ok("setWebhook", url=hook.url, secret_token=SECRET)

    await stub.send_text(ALICE, "hello hook")
    update, secret = await hook.next()

    assert update["message"]["text"] == "hello hook"
    assert secret == SECRET
    await stub.wait_handled()
    info = await api.ok("getWebhookInfo")
    assert info["url"] == hook.url and info["pending_update_count"] == 0


async def test_get_updates_conflicts_while_a_webhook_is_set(
    api: RawBotApi, receivers: list[Receiver]
) -> None:
    await api.ok("setWebhook", url=receivers[0].url)

    status, body = await api.call("getUpdates")
    await api.ok("deleteWebhook")
    after_delete = await api.call("getUpdates")

    assert status == 409
    assert body["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    assert after_delete[0] == 200


async def test_a_failed_delivery_is_retried_and_a_chat_keeps_its_order(
    stub: BotApiStub, api: RawBotApi, receivers: list[Receiver]
) -> None:
    hook = receivers[0]
    hook.fail_first = 2
    await api.ok("setWebhook", url=hook.url, secret_token=SECRET)

    for text in ("first", "second", "third"):
        await stub.send_text(ALICE, text)
    delivered = [(await hook.next())[0]["message"]["text"] for _ in range(3)]

    assert delivered == ["first", "second", "third"]
    assert hook.attempts == 5  # two refusals, then three deliveries
    info = await api.ok("getWebhookInfo")
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )


async def test_updates_can_be_spread_over_two_instances(
    stub: BotApiStub, api: RawBotApi, receivers: list[Receiver]
) -> None:
    await api.ok("setWebhook", url=receivers[0].url, secret_token=SECRET)
    stub.set_webhook_targets([r.url for r in receivers])

    for n in range(4):
        await stub.send_text(ALICE if n % 2 else BOB, f"m{n}")
        await stub.wait_handled()  # one at a time, so the round robin is deterministic

    got = [[receiver.received.get_nowait() for _ in range(2)] for receiver in receivers]
    assert all(secret == SECRET for pair in got for _, secret in pair)
    texts = sorted(update["message"]["text"] for pair in got for update, _ in pair)
    assert texts == ["m0", "m1", "m2", "m3"]
