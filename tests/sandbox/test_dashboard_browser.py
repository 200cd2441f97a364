"""The clinic loop in a real browser: a clinician signs in through the bot's /dashboard link,
opens the patient list and a patient, acknowledges the escalation and clears the patient, who
then reads the clearance in the chat.

Headless Chromium (see conftest) against the dashboard served next to a bot under test. The
pages are photographed at a laptop's width and at a phone's, to test-artifacts/dashboard/.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestServer

from bot.dashboard.routes import dashboard_app
from tests.harness import running_bot
from tests.sandbox.conftest import ARTIFACTS
from tests.stories import seed
from tests.stories.helpers import onboard
from tests.stories.test_clinic import CLINICIAN_A, PATIENT, escalate, make_clinics

WAIT_MS = 30_000
SHOTS = ARTIFACTS / "dashboard"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_clinician_acknowledges_and_clears_a_patient_in_the_browser(
    browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    expect.set_options(timeout=WAIT_MS)
    port = free_port()
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with running_bot(sqlite_url, dashboard_url=f"http://127.0.0.1:{port}/dashboard") as bot:
        app = dashboard_app(bot.db, bot.services.catalog, bot.clock, secure=False)
        async with TestServer(app, host="127.0.0.1", port=port):
            invite, _ = await make_clinics(bot)
            await onboard(bot, PATIENT, pain="5", invite=invite, name="Alex")
            # Five days in the program, then a fever: paused for safety.
            first = bot.clock.now().date()
            days = [first + timedelta(days=n) for n in range(1, 6)]
            await seed.checkins(bot, PATIENT, dict(zip(days, (5, 4, 4, 3, 4), strict=True)))
            await seed.sessions(bot, PATIENT, days[:2] + days[3:])
            bot.clock.advance(timedelta(days=6))
            await escalate(bot, PATIENT)
            reply = await bot.send(CLINICIAN_A, "/dashboard")
            link = reply.text.split()[-1]
            assert link.startswith(f"http://127.0.0.1:{port}/dashboard/sign-in?token="), reply.text

            context = await browser.new_context(viewport=LAPTOP)
            page = await context.new_page()
            page.set_default_timeout(WAIT_MS)
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            await page.goto(link)
            await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "sign-in.png"))
            await page.get_by_role("button", name="Sign in").click()

            await expect(page.get_by_role("heading", name="Patients")).to_be_visible()
            row = page.get_by_role("row").filter(has_text="Alex")
            await expect(row).to_contain_text("paused for safety")
            await page.screenshot(path=str(SHOTS / "patients.png"), full_page=True)
            await row.get_by_role("link", name="Alex").click()

            await expect(page.get_by_role("heading", name="Alex")).to_be_visible()
            await expect(page.get_by_role("img", name="pain chart")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "patient.png"), full_page=True)
            await page.get_by_role("button", name="Acknowledge").click()
            await expect(page.get_by_text("Acknowledged by")).to_be_visible()
            await page.get_by_role("button", name="Clear to resume").click()
            await expect(page.get_by_text("Cleared to resume on")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "patient-cleared.png"), full_page=True)

            await page.set_viewport_size(PHONE)
            await page.screenshot(path=str(SHOTS / "phone-patient.png"), full_page=True)
            await page.get_by_role("link", name="Patients").click()
            await expect(page.get_by_role("heading", name="Patients")).to_be_visible()
            await page.screenshot(path=str(SHOTS / "phone-patients.png"), full_page=True)
            assert errors == []
            await context.close()

            await bot.send_owed_replies()
            told = await bot.next(PATIENT)
            assert "Riverside Physio has cleared you" in told.text
