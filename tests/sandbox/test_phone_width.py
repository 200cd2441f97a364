"""The sandbox page on a phone (360x740 and 400x860), as a new user tries it.

Headless Chromium (see test_browser.py) at each size: the page never scrolls sideways, the
header's user switcher fits or scrolls on its own, the share-location panel shows its title
and every button, each inline keyboard is fully visible above the message box, and message
times are the user's own wall-clock time, as Telegram shows them. Screenshots of each step
go to ``test-artifacts/phone/`` (``WIDTHxHEIGHT-step.png``) for a person to look at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox import Sandbox
from tests.sandbox.conftest import ARTIFACTS
from tests.sandbox.test_browser import (
    answer_questionnaires,
    last_bot_message,
    open_page,
    tap,
    type_message,
)

SIZES = [(360, 740), (400, 860)]
SHOTS = ARTIFACTS / "phone"
#: A zone far from the machine's (UTC in CI), so a time in the wrong zone cannot pass.
ZONE = "Asia/Kolkata"

# The message log scrolled to its end, with the newest keyboard's buttons all above the box.
SETTLED = """
() => {
  const log = document.querySelector(".messages");
  if (log.scrollTop + log.clientHeight < log.scrollHeight - 2) return false;
  const cards = [...document.querySelectorAll(".msg.bot")].filter(
    (node) => node.querySelector(".kb-button"));
  if (!cards.length) return false;
  const top = document.querySelector(".composer").getBoundingClientRect().top;
  return [...cards[cards.length - 1].querySelectorAll(".kb-button")].every(
    (button) => button.getBoundingClientRect().bottom <= top + 0.5);
}
"""

# Everything the page shows, checked in the browser: which boxes stick out, and where.
LAYOUT = """
() => {
  const doc = document.documentElement;
  const box = (node) => node.getBoundingClientRect();
  const overflowing = [...document.querySelectorAll("body *")]
    .filter((node) => node.getClientRects().length && box(node).right > doc.clientWidth + 0.5)
    .filter((node) => !node.closest(".user-nav"))  // a scroller of its own, checked below
    .map((node) => node.className || node.tagName);
  const list = document.querySelector(".user-nav");
  return {
    pageScrollsSideways: doc.scrollWidth > doc.clientWidth,
    overflowing,
    switcherFits: list.scrollWidth <= list.clientWidth,
    switcherScrolls: ["auto", "scroll"].includes(getComputedStyle(list).overflowX),
    switcherInside: box(list).right <= doc.clientWidth + 0.5,
  };
}
"""


async def wall_clock(stamp: Any, zone: str) -> str:
    """The time a message's ``<time datetime=...>`` says, on a clock in ``zone``."""
    sent = datetime.fromisoformat((await stamp.get_attribute("datetime")).replace("Z", "+00:00"))
    return sent.astimezone(ZoneInfo(zone)).strftime("%H:%M")


async def shot(page: Any, size: tuple[int, int], step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{size[0]}x{size[1]}-{step}.png"))


async def assert_fits(page: Any) -> None:
    layout = await page.evaluate(LAYOUT)
    assert not layout["pageScrollsSideways"], layout
    assert layout["overflowing"] == [], layout
    assert layout["switcherInside"], layout
    assert layout["switcherFits"] or layout["switcherScrolls"], layout


async def fully_visible(page: Any, node: Any) -> None:
    """``node`` is inside the viewport, not covered, and its text is not cut off."""
    viewport = page.viewport_size
    box = await node.bounding_box()
    assert box is not None, await node.inner_text()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5, box
    assert await node.evaluate("n => n.scrollWidth <= n.clientWidth"), await node.inner_text()
    on_top = await node.evaluate(
        """n => { const r = n.getBoundingClientRect();
                  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                  return n === hit || n.contains(hit); }"""
    )
    assert on_top, f"{await node.inner_text()!r} is covered"


async def keyboard_above_the_input(page: Any) -> None:
    """The newest inline keyboard: every button fully visible, above the message box."""
    message = page.locator(".msg.bot:has(.kb-button)").last
    # The page itself keeps the newest message in view; wait until it has laid it out there
    # (the first message can grow once the page's fonts are in, after it was scrolled to).
    await page.wait_for_function(SETTLED)
    composer = await page.locator(".composer").bounding_box()
    buttons = message.locator(".kb-button")
    for index in range(await buttons.count()):
        button = buttons.nth(index)
        await fully_visible(page, button)
        box = await button.bounding_box()
        assert box["y"] + box["height"] <= composer["y"] + 0.5, await button.inner_text()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_a_new_user_on_a_phone_sees_everything_without_sideways_scrolling(
    browser: Any, sandbox: Sandbox, size: tuple[int, int]
) -> None:
    from playwright.async_api import expect

    page, errors = await open_page(browser, sandbox.url, *size)
    await expect(page.get_by_role("heading", name="Backstep sandbox")).to_be_visible()
    await shot(page, size, "1-empty")
    await assert_fits(page)

    await type_message(page, "Alex", "/start")
    await expect(last_bot_message(page)).to_contain_text("Hello Alex")
    await keyboard_above_the_input(page)
    await shot(page, size, "2-consent")
    await assert_fits(page)

    await tap(page, "I agree")
    await keyboard_above_the_input(page)
    await tap(page, "No, none of these")
    await keyboard_above_the_input(page)  # the 0-10 scale: two rows of small buttons
    await tap(page, "3")
    await keyboard_above_the_input(page)
    await tap(page, "Buttock")
    await keyboard_above_the_input(page)
    await tap(page, "07:30")
    await expect(last_bot_message(page)).to_contain_text("time zone")

    await page.get_by_role("button", name="Share my location").click()
    panel = page.locator(".location-panel")
    await expect(panel).to_be_visible()
    await shot(page, size, "3-location")
    await fully_visible(page, panel.get_by_role("heading", name="Share a location"))
    for label in (
        "Send the demo location (Berlin)",
        "Use this browser's location",
        "Cancel",
    ):
        await fully_visible(page, panel.get_by_role("button", name=label))
    await assert_fits(page)
    await panel.get_by_role("button", name="Cancel").click()
    await expect(panel).to_be_hidden()

    await type_message(page, "Alex", ZONE)
    await answer_questionnaires(page)
    summary = last_bot_message(page)
    await expect(summary).to_contain_text("All set")
    await keyboard_above_the_input(page)
    await assert_fits(page)

    # Times are the user's own (Kolkata), for new messages and the ones already shown.
    await expect(page.locator(".schedule")).to_contain_text(ZONE)
    for stamp in (summary.locator(".meta time"), page.locator(".msg.user .meta time").first):
        await expect(stamp).to_have_text(await wall_clock(stamp, ZONE))
    await shot(page, size, "4-all-set")

    await tap(page, "Start today's session")
    await tap(page, "2")
    await expect(last_bot_message(page)).to_contain_text("Exercise 1 of ")
    await keyboard_above_the_input(page)  # the session card: the most buttons
    await shot(page, size, "5-session")
    await assert_fits(page)
    assert errors == []
