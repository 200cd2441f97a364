"""Fixtures for the Bot API stand-in's own tests: a running stand-in, a clock, a raw client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.stub import BotApiStub

TOKEN = "123456:TEST-stub-token"
ALICE = 1001
BOB = 1002


class ManualClock:
    """A wall clock the test moves by hand (message dates, callback query expiry)."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RawBotApi:
    """Calls the stand-in the way any HTTP client would, returning status and JSON body."""

    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self.client = client
        self.base = base

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST ``params`` as a JSON body."""
        response = await self.client.post(f"{self.base}/{method}", json=params)
        return response.status_code, response.json()

    async def form(
        self, method: str, data: dict[str, str], files: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """POST string-encoded ``data`` (url-encoded, or multipart when ``files`` are given)."""
        response = await self.client.post(f"{self.base}/{method}", data=data, files=files)
        return response.status_code, response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def stub(clock: ManualClock) -> AsyncIterator[BotApiStub]:
    async with BotApiStub(TOKEN, clock=clock, webhook_retry_delay=0.01) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def api(stub: BotApiStub, http: httpx.AsyncClient) -> RawBotApi:
    return RawBotApi(http, f"{stub.base_url}{TOKEN}")


@pytest.fixture
async def alice_chat(stub: BotApiStub) -> int:
    """Alice has said hello, so the bot may write to her."""
    await stub.send_text(ALICE, "hello", first_name="Alice")
    return ALICE


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    """A valid PNG header (enough for the stand-in's size sniffing) plus a little payload."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"payload"
    )


@pytest.fixture
def png() -> bytes:
    return tiny_png(640, 480)
