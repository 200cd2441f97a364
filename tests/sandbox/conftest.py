"""A running sandbox (in-process, free port, its own SQLite file) and a real headless Chromium.

The browser test must run in CI: without Chromium (or Playwright) it skips locally with the
reason, and fails when ``CI`` is set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Sandbox
from bot.settings import Settings
from bot.stub.chat import ChatMessage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
async def sandbox(sqlite_url: str) -> AsyncIterator[Sandbox]:
    """``backstep sandbox`` as the CLI runs it, on a free port and a fresh database."""
    async with Sandbox(Settings(database_url=sqlite_url), port=0) as running:
        yield running


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no `playwright install` needed)."""
    problem = _missing_browser()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; CI must run the browser test")
        pytest.skip(problem)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


class StubUser:
    """Plays users through the sandbox's stand-in in-process (the page does the same over HTTP).

    Has the ``send``/``tap``/``next`` of tests.harness.BotUnderTest, so the story helpers work.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        self.stub = sandbox.stub

    async def send(self, user_id: int, text: str, first_name: str = "Alex") -> ChatMessage:
        await self.stub.send_text(user_id, text, first_name=first_name)
        return await self.stub.next_message(user_id)

    async def tap(self, user_id: int, message: ChatMessage, label: str) -> ChatMessage:
        await self.stub.press(user_id, message.message_id, message.button(label))
        return await self.next(user_id)

    async def next(self, user_id: int) -> ChatMessage:
        return await self.stub.next_shown(user_id)
