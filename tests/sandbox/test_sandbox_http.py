"""The sandbox over HTTP, without a browser: the page's files, the chat endpoints, the clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.sandbox import MAX_SPEED, Sandbox
from bot.sandbox.routes import STATIC
from bot.settings import Settings
from tests.sandbox.conftest import StubUser
from tests.stories.helpers import onboard

ALEX, SAM = 1, 2


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get_json(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        found: dict[str, Any] = await response.json()
        return found


async def post_json(http: aiohttp.ClientSession, url: str, body: Any = None) -> dict[str, Any]:
    async with http.post(url, json=body if body is not None else {}) as response:
        found: dict[str, Any] = await response.json()
        return found


async def next_bot_message(
    http: aiohttp.ClientSession, sandbox: Sandbox, user: int, after: int
) -> tuple[dict[str, Any], int]:
    """Long-poll the chat as the page does, until the bot sends a message."""
    for _ in range(20):
        data = await get_json(http, f"{sandbox.url}_user/{user}/chat?after={after}&timeout=5")
        for event in data["events"]:
            if event["kind"] == "message" and event["message"]["from_bot"]:
                return event["message"], event["seq"]
        after = data["last_seq"]
    raise AssertionError(f"the bot never answered user {user}")


async def next_event(
    http: aiohttp.ClientSession, sandbox: Sandbox, user: int, after: int, kind: str
) -> dict[str, Any]:
    """The message of the next ``kind`` event in the chat after ``after``."""
    for _ in range(20):
        data = await get_json(http, f"{sandbox.url}_user/{user}/chat?after={after}&timeout=5")
        for event in data["events"]:
            if event["kind"] == kind:
                found: dict[str, Any] = event["message"]
                return found
        after = data["last_seq"]
    raise AssertionError(f"no {kind} event for user {user}")


async def test_the_page_and_its_files_come_from_the_sandbox_itself(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(sandbox.url) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        page = await response.text()
    assert "<title>Backstep sandbox</title>" in page
    for name in ("sandbox.js", "sandbox.css", "icon.svg"):
        async with http.get(f"{sandbox.url}static/{name}") as response:
            assert response.status == 200, name
    async with http.get(f"{sandbox.url}static/runner.py") as response:
        assert response.status == 404


def test_the_page_loads_nothing_from_the_network() -> None:
    """No CDN, no web fonts: everything the page references is on the sandbox itself.

    (The page's Content-Security-Policy makes the browser refuse anything else, and the
    browser tests fail on any console error, which is where such a refusal would show.)
    """
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references and all(ref.startswith(("/static/", "#")) for ref in references)
    css = (STATIC / "sandbox.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
    js = (STATIC / "sandbox.js").read_text(encoding="utf-8")
    assert re.findall(r"fetch\(([^)]*)\)", js) == ["path, options"], "one fetch, of local paths"


async def test_the_menu_lists_the_commands_the_bot_published(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    data = await get_json(http, f"{sandbox.url}_user/commands")
    names = [command["command"] for command in data["commands"]]
    assert names[:2] == ["today", "exercises"] and "help" in names


async def test_two_users_chat_over_http_and_never_see_each_other(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sent = await post_json(
        http, f"{sandbox.url}_user/{ALEX}/send", {"text": "/start", "first_name": "Alex"}
    )
    assert sent["ok"]
    welcome, seq = await next_bot_message(http, sandbox, ALEX, 0)
    assert "Hello Alex" in welcome["text"]
    labels = [button["text"] for row in welcome["buttons"] for button in row]
    assert labels == ["I agree", "No, thanks"]

    agree = next(b for row in welcome["buttons"] for b in row if b["text"] == "I agree")
    pressed = await post_json(
        http,
        f"{sandbox.url}_user/{ALEX}/press",
        {"message_id": welcome["message_id"], "data": agree["callback_data"]},
    )
    assert pressed["ok"]
    edit = await next_event(http, sandbox, ALEX, seq, "edit")
    assert edit["message_id"] == welcome["message_id"], "the answer replaces the question"
    view = await get_json(http, f"{sandbox.url}_user/{ALEX}/view")
    shown = [m["text"] for m in view["messages"] if m["from_bot"]]
    # The next question may already be below it: the welcome itself is gone, not duplicated.
    assert shown[0] == edit["text"] and not any("Hello Alex" in text for text in shown)

    other = await get_json(http, f"{sandbox.url}_user/{SAM}/view")
    assert other["messages"] == []


async def test_a_button_that_is_not_on_screen_cannot_be_pressed(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    await post_json(http, f"{sandbox.url}_user/{ALEX}/send", {"text": "/start"})
    welcome, _ = await next_bot_message(http, sandbox, ALEX, 0)
    refused = await post_json(
        http,
        f"{sandbox.url}_user/{ALEX}/press",
        {"message_id": welcome["message_id"], "data": "forged"},
    )
    assert refused["ok"] is False and "forged" in refused["description"]


async def test_jump_moves_the_clock_to_the_next_reminder_and_the_reminder_arrives(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    users = StubUser(sandbox)
    await onboard(users, ALEX, pain="3", reach="Buttock", time="07:30", zone="Europe/Berlin")  # type: ignore[arg-type]
    schedule = await get_json(http, f"{sandbox.url}_sandbox/{ALEX}/schedule")
    assert schedule["timezone"] == "Europe/Berlin" and schedule["reminder_time"] == "07:30"
    due = datetime.fromisoformat(schedule["next_reminder_at"])
    assert due > datetime.fromisoformat(schedule["now"])
    assert datetime.fromisoformat(schedule["next_weekly_at"]) >= due

    jumped = await post_json(http, f"{sandbox.url}_sandbox/{ALEX}/jump")
    assert jumped["ok"] and datetime.fromisoformat(jumped["due_at"]) == due
    assert jumped["kind"].startswith("reminder")
    assert datetime.fromisoformat(jumped["now"]) >= due

    reminder = await users.stub.next_message(ALEX)
    if reminder.text.startswith("Your week"):  # on a Sunday the weekly summary comes first
        reminder = await users.stub.next_message(ALEX)
    assert "how bad is your pain" in reminder.text.lower()
    assert reminder.button_labels[:1] == ["0"]
    after = await get_json(http, f"{sandbox.url}_sandbox/{ALEX}/schedule")
    assert datetime.fromisoformat(after["next_reminder_at"]) > due, "the next day is scheduled"


async def test_jump_for_a_user_without_a_schedule_leaves_the_clock_alone(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    before = sandbox.clock.now()
    jumped = await post_json(http, f"{sandbox.url}_sandbox/{SAM}/jump")
    assert jumped["ok"] and jumped["due_at"] is None and jumped["kind"] is None
    assert datetime.fromisoformat(jumped["now"]) - before < timedelta(hours=1)
    schedule = await get_json(http, f"{sandbox.url}_sandbox/{SAM}/schedule")
    assert schedule["status"] is None and schedule["next_reminder_at"] is None


async def test_a_fast_sandbox_reports_its_speed(sqlite_url: str) -> None:
    async with (
        Sandbox(Settings(database_url=sqlite_url), port=0, speed=60) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        info = await get_json(http, f"{sandbox.url}_sandbox/info")
    assert info["ready"] is True and info["speed"] == 60
    assert info["bot_name"] == "Backstep"


@pytest.mark.parametrize("speed", [0, -1, MAX_SPEED + 1])
def test_a_speed_out_of_range_is_refused(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        Sandbox(Settings(), speed=speed)
