"""The Bot API client (bot/telegram/request.py): aiohttp under PTB, with httpx's semantics.

Uploads arrive whole, and each kind of failure becomes the error the senders (delivery.py,
outbox.py) know how to treat: a dropped connection is a NetworkError, silence a TimedOut, a
full pool a TimedOut that says the request was not sent. No error text shows the token.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.stub.server import BotApiStub
from bot.telegram.request import AiohttpRequest

TOKEN = "123456:TEST-request-token"
ALICE = 2001


@pytest.fixture
async def stub() -> AsyncIterator[BotApiStub]:
    async with BotApiStub(TOKEN) as running:
        running.add_user(ALICE, "Alice")
        yield running


@pytest.fixture
async def bot(stub: BotApiStub) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=stub.base_url, request=AiohttpRequest(4)) as running:
        yield running


class Silent:
    """A server that answers getMe (``Bot.initialize``) and then nothing until released."""

    def __init__(self) -> None:
        self.arrived = 0
        self.first_arrived = asyncio.Event()
        self.release = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            me = {"id": 1, "is_bot": True, "first_name": "Silent", "username": "silent_bot"}
            return web.json_response({"ok": True, "result": me})
        self.arrived += 1
        self.first_arrived.set()
        await self.release.wait()
        return web.json_response({"ok": True, "result": True})

    async def __aenter__(self) -> Silent:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release.set()
        assert self.runner is not None
        await self.runner.cleanup()


async def test_messages_and_edits_round_trip(stub: BotApiStub, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "Grüße, <b>Alice</b> & co", parse_mode="HTML")
    await bot.edit_message_text("edited ✓", chat_id=ALICE, message_id=sent.message_id)

    assert sent.text == "Grüße, Alice & co"
    assert stub.chat(ALICE).texts == ["edited ✓"]
    assert stub.stats.requests["sendMessage"] == 1


async def test_a_document_and_a_photo_arrive_intact(stub: BotApiStub, bot: Bot) -> None:
    payload = bytes(range(256)) * 300  # every byte value, 75 kB
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x04\x00\x09\xfb\x03\xfd\xe3U\xf2"
        b"\x9c\x00\x00\x00\x00IEND\xaeB`\x82"
    )

    document = await bot.send_document(
        ALICE, payload, filename="Übungen März.csv", caption="your data"
    )
    photo = await bot.send_photo(ALICE, io.BytesIO(png), caption="this week")

    stored = stub.message(ALICE, document.message_id).file
    assert stored is not None
    assert stored.data == payload
    assert stored.filename == "Übungen März.csv"
    assert document.caption == "your data"
    shown = stub.message(ALICE, photo.message_id)
    assert shown.photo_sizes and shown.photo_sizes[-1].data == png
    assert shown.caption == "this week"


async def test_telegram_refusals_stay_telegram_errors(stub: BotApiStub, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ALICE, "")


async def test_a_dropped_connection_is_a_network_error(stub: BotApiStub, bot: Bot) -> None:
    stub.drop_next("sendMessage")

    with pytest.raises(NetworkError) as raised:
        await bot.send_message(ALICE, "lost")

    assert not isinstance(raised.value, TimedOut)
    assert raised.value.message.startswith("aiohttp.ServerDisconnectedError")
    assert stub.chat(ALICE).texts == []
    # Not resent behind the outbox's back: the stand-in saw exactly one attempt.
    assert stub.stats.requests["sendMessage"] == 1
    await bot.send_message(ALICE, "next one")
    assert stub.chat(ALICE).texts == ["next one"]


async def test_a_server_that_does_not_answer_is_a_timeout() -> None:
    async with Silent() as server:
        client = AiohttpRequest(2, read_timeout=0.3)
        async with Bot(TOKEN, base_url=server.base_url, request=client) as bot:
            with pytest.raises(TimedOut) as raised:
                await bot.send_message(ALICE, "anyone?")
            with pytest.raises(TimedOut):
                await bot.send_message(ALICE, "anyone?", read_timeout=0.1)

    assert server.arrived == 2
    assert "not* sent" not in raised.value.message
    assert TOKEN not in repr(raised.value.__cause__)


async def test_a_full_pool_is_a_timeout_before_sending() -> None:
    async with Silent() as server:
        client = AiohttpRequest(1, read_timeout=5, pool_timeout=0.2)
        async with Bot(TOKEN, base_url=server.base_url, request=client) as bot:
            waiting = asyncio.create_task(bot.send_message(ALICE, "first"))
            await asyncio.wait_for(server.first_arrived.wait(), 10)
            with pytest.raises(TimedOut, match=r"Request was \*not\* sent"):
                await bot.send_message(ALICE, "second")
            server.release.set()
            await waiting

    assert server.arrived == 1


async def test_nobody_listening_is_a_network_error_without_the_token() -> None:
    async with Silent() as server:
        base_url = server.base_url  # the port is free again once the server stops
    async with AiohttpRequest(1) as client:
        with pytest.raises(NetworkError) as raised:
            await client.post(f"{base_url}{TOKEN}/getMe")

    assert raised.value.message.startswith("aiohttp.ClientConnectorError")
    assert TOKEN not in raised.value.message


async def test_getupdates_waits_for_the_long_poll(stub: BotApiStub) -> None:
    """PTB adds the long poll's timeout to the read timeout; a quiet poll is no TimedOut."""
    client = AiohttpRequest(1, read_timeout=0.2)
    async with Bot(TOKEN, base_url=stub.base_url, request=client) as bot:
        assert client.read_timeout == 0.2
        assert await bot.get_updates(timeout=1) == ()


async def test_not_usable_before_initialize_nor_after_shutdown(stub: BotApiStub) -> None:
    client, url = AiohttpRequest(1), f"{stub.base_url}{TOKEN}/getMe"
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps the RuntimeError
        await client.post(url)
    await client.initialize()
    me = await client.post(url)
    assert isinstance(me, dict) and me["is_bot"] is True
    await client.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await client.post(url)
    await client.shutdown()  # twice is fine


async def test_a_garbled_answer_is_a_network_error_without_the_token() -> None:
    """aiohttp names the URL in some errors; here it would show the token."""

    async def garble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest(1) as client:
            with pytest.raises(NetworkError) as raised:
                await client.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        server.close()
        await server.wait_closed()

    assert raised.value.message.startswith("aiohttp.ClientResponseError")
    assert ".../getMe" in raised.value.message
    assert TOKEN not in raised.value.message
    assert raised.value.__cause__ is None
