"""Stories in a real browser: someone opens the sandbox page and uses the coach by clicking.

Headless Chromium (Debian's package) driven by Playwright, against the sandbox running
in-process: the real bot, the stand-in Bot API and the page. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any

from bot.sandbox import Sandbox
from tests.sandbox.conftest import ARTIFACTS, StubUser
from tests.stories.helpers import LOW_RISK, NO_LIMITS, finish_exercises, onboard, start_session

# How long the page may take to show what a step expects (a loaded machine is slow; a pass
# costs nothing extra). Applies to locators and to ``expect`` alike.
WAIT_MS = 30_000


async def open_page(
    browser: Any, url: str, width: int = 360, height: int = 740
) -> tuple[Any, list[str]]:
    """A phone-sized page, and the errors its scripts report (the page must not break)."""
    from playwright.async_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = await browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    await page.goto(url)
    return page, errors


async def tap(page: Any, label: str, scope: Any = None) -> None:
    """Press the newest inline button called ``label``; wait until the bot has reacted.

    The bot reacts by editing that message (the old button leaves the page) or by sending a
    new one; waiting for either keeps a fast second click from landing on a stale keyboard.
    """
    area = scope or page
    button = area.locator(".msg.bot").get_by_role("button", name=label, exact=True).last
    handle = await button.element_handle()
    count = await area.locator(".msg").count()
    await handle.click()
    await page.wait_for_function(
        "([button, count, area]) => !button.isConnected"
        " || (area || document).querySelectorAll('.msg').length > count",
        arg=[handle, count, await area.element_handle() if scope else None],
    )


async def type_message(page: Any, user: str, text: str) -> None:
    box = page.get_by_label(f"Message to Backstep, as {user}")
    await box.fill(text)
    await box.press("Enter")


def last_bot_message(area: Any) -> Any:
    return area.locator(".msg.bot").last


async def answer_questionnaires(page: Any, scope: Any = None) -> None:
    """The onboarding questionnaires, one tap a card: low risk, every sentence left blank."""
    for label in (*LOW_RISK, *NO_LIMITS):
        await tap(page, label, scope)


async def test_a_new_user_onboards_and_finishes_a_session_by_clicking(
    browser: Any, sandbox: Sandbox
) -> None:
    from playwright.async_api import expect

    page, errors = await open_page(browser, sandbox.url)
    try:
        await expect(page.get_by_role("heading", name="Backstep sandbox")).to_be_visible()
        await type_message(page, "Alex", "/start")
        await expect(last_bot_message(page)).to_contain_text("Hello Alex")

        await tap(page, "I agree")
        await tap(page, "No, none of these")
        await expect(last_bot_message(page)).to_contain_text("0 (no pain) to 10")
        await tap(page, "3")
        await tap(page, "Buttock")
        await tap(page, "07:30")
        await expect(last_bot_message(page)).to_contain_text("time zone")
        # The bot's reply keyboard offers to share a location, as a real button.
        await expect(page.get_by_role("button", name="Share my location")).to_be_visible()
        await type_message(page, "Alex", "Europe/Berlin")
        await answer_questionnaires(page)
        await expect(last_bot_message(page)).to_contain_text("All set")
        await expect(page.get_by_role("button", name="Share my location")).to_be_hidden()

        await tap(page, "Start today's session")
        await expect(last_bot_message(page)).to_contain_text(
            re.compile("how bad is your pain right now", re.IGNORECASE)
        )
        await tap(page, "2")
        await expect(last_bot_message(page)).to_contain_text("Exercise 1 of ")
        exercise = page.locator(".msg.bot").filter(has_text="Exercise 1 of ")
        await expect(exercise).to_have_count(1)  # the step is edited in place, not re-sent

        for _ in range(200):
            current = page.locator(".msg.bot:has(.kb-button)").last
            if "last one" in await current.inner_text():
                break
            done = current.get_by_role("button", name="Done", exact=True)
            await tap(page, "Done" if await done.count() else "Next")
        else:
            raise AssertionError("the session never reached its last exercise")

        await tap(page, "1")
        summary = last_bot_message(page)
        await expect(summary).to_contain_text("Session finished")
        await expect(summary).to_contain_text("Pain before 2/10, after 1/10")
        await expect(page.locator(".schedule")).to_contain_text("Next reminder:")
        assert errors == []
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "sandbox.png"))


async def test_two_users_chat_separately_share_a_location_and_jump_to_a_reminder(
    browser: Any, sandbox: Sandbox
) -> None:
    from playwright.async_api import expect

    page, errors = await open_page(browser, f"{sandbox.url}?user=1,2", width=1100, height=800)
    try:
        alex = page.get_by_role("region", name="Backstep (chat of user 1)")
        sam = page.get_by_role("region", name="Backstep (chat of user 2)")
        await expect(alex).to_be_visible()
        await expect(sam).to_be_visible()

        # The command menu is what the bot published with setMyCommands.
        await sam.get_by_role("button", name=re.compile("^Menu")).click()
        await expect(sam.locator(".command-list button").filter(has_text="/today")).to_be_visible()
        await page.keyboard.press("Escape")
        await expect(sam.locator(".command-list button").filter(has_text="/today")).to_be_hidden()

        await sam.get_by_role("button", name="Start", exact=True).click()
        await expect(last_bot_message(sam)).to_contain_text("Hello Sam")
        await tap(page, "I agree", sam)
        await tap(page, "No, none of these", sam)
        await tap(page, "0", sam)
        await tap(page, "08:00", sam)
        await sam.get_by_role("button", name="Share my location").click()
        await sam.get_by_role("button", name="Send the demo location (Berlin)").click()
        await expect(sam.locator(".msg.user").last).to_contain_text("Location 52.52")
        await expect(sam).to_contain_text("Time zone set: Europe/Berlin")
        await answer_questionnaires(page, sam)
        await expect(last_bot_message(sam)).to_contain_text("All set")
        await expect(sam.locator(".schedule")).to_contain_text("Next reminder:")

        # User 1 never wrote: their chat is still empty.
        await expect(alex.locator(".msg")).to_have_count(0)
        await expect(alex).to_contain_text("A new chat between Backstep and Alex")

        await sam.get_by_role("button", name="Jump to next reminder").click()
        await expect(last_bot_message(sam)).to_contain_text(
            re.compile("how bad is your pain", re.IGNORECASE)
        )
        await expect(sam).to_contain_text("Sandbox clock moved to")
        await expect(alex.locator(".msg")).to_have_count(0)
        assert errors == []
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "sandbox-two-users.png"))


async def three_days_of_check_ins(sandbox: Sandbox, user: int) -> None:
    """Onboard, do a session, then answer three mornings' check-ins, jumping the clock."""
    users = StubUser(sandbox)
    summary = await onboard(users, user)  # type: ignore[arg-type]
    step = await start_session(users, user, summary)  # type: ignore[arg-type]
    await users.tap(user, await finish_exercises(users, user, step), "1")  # type: ignore[arg-type]
    for _ in range(3):
        await sandbox.jump_to_next_reminder(user)
        ask = await sandbox.stub.next_message(user)  # the jump's tick or the reminder job sends it
        while not ask.has_button("10"):  # a weekly summary may come first
            ask = await sandbox.stub.next_message(user)
        reach = await users.tap(user, ask, "2")
        after = await users.tap(user, reach, "Buttock")
        if after.has_button("Later"):
            await users.tap(user, after, "Later")


async def test_the_progress_chart_is_shown_and_the_export_downloads(
    browser: Any, sandbox: Sandbox
) -> None:
    from playwright.async_api import expect

    await three_days_of_check_ins(sandbox, 1)
    page, errors = await open_page(browser, sandbox.url)
    try:
        await type_message(page, "Alex", "/progress")
        chart = page.locator(".msg.bot img").last
        await expect(chart).to_be_visible()
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
        await expect(chart).to_have_attribute("alt", re.compile("Picture from Backstep"))

        await type_message(page, "Alex", "/export")
        link = page.locator(".msg.bot").last.get_by_role("link", name=re.compile("^Download "))
        await expect(link).to_be_visible()
        async with page.expect_download() as download_info:
            await link.click()
        download = await download_info.value
        assert re.fullmatch(r"backstep-data-[0-9-]+\.zip", download.suggested_filename)
        assert zipfile.is_zipfile(await download.path()), "the export arrives whole"
        assert errors == []
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "sandbox-media.png"))
