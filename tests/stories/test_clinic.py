"""The clinic loop over real HTTP: an invite link, sharing, /dashboard sign-in, isolation, CSRF,
acknowledging, clearing, and a patient who stops sharing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.content.texts import t
from bot.dashboard.routes import dashboard_app
from bot.program import clinic
from tests.harness import BotUnderTest, running_bot
from tests.stories import seed
from tests.stories.helpers import answer_questionnaires, onboard

PATIENT, OTHER, CLINICIAN_A, CLINICIAN_B = 7101, 7102, 7901, 7902
THIRD = 7103
CLINIC_CHAT = -100888  # the clinic's own group chat, where its digest goes
DASHBOARD = "http://127.0.0.1/dashboard"


@pytest.fixture
async def clinic_bot(database_url: str) -> AsyncIterator[BotUnderTest]:
    async with running_bot(database_url, dashboard_url=DASHBOARD) as running:
        yield running


@pytest.fixture
async def server(clinic_bot: BotUnderTest) -> AsyncIterator[Any]:
    app = dashboard_app(clinic_bot.db, clinic_bot.services.catalog, clinic_bot.clock, secure=False)
    async with TestServer(app) as running:
        yield running


async def make_clinics(bot: BotUnderTest) -> tuple[str, str]:
    """Two clinics with a clinician each; their invite payloads."""
    async with bot.db.transaction() as tx:
        a = await clinic.create_clinic(tx, "Riverside Physio", bot.clock.now())
        b = await clinic.create_clinic(tx, "Hilltop Spine", bot.clock.now())
        await clinic.add_clinician(tx, "Riverside Physio", CLINICIAN_A, bot.clock.now())
        await clinic.add_clinician(tx, str(b.id), CLINICIAN_B, bot.clock.now())
        return f"c_{a.invite_code}", f"c_{b.invite_code}"


async def join(bot: BotUnderTest, user: int, payload: str, name: str, share: bool = True) -> None:
    greeting = await bot.send(user, f"/start {payload}", first_name=name)
    ask = await bot.tap(user, greeting, "I agree")
    assert "May Riverside Physio see your answers" in ask.text or "May Hilltop" in ask.text
    screen = await bot.tap(user, ask, "Yes, share" if share else "No, keep private")
    assert "safety" in screen.text.lower()
    await bot.tap(user, screen, "No, none of these")


async def sign_in_link(bot: BotUnderTest, clinician: int) -> str:
    reply = await bot.send(clinician, "/dashboard")
    found = re.search(r"(http\S+/sign-in\?token=\S+)", reply.text)
    assert found, reply.text
    return found.group(1)


async def sign_in(server: TestServer, link: str) -> aiohttp.ClientSession:
    """A browser that opened the link and pressed Sign in."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    token = link.split("token=", 1)[1]
    page = await session.get(server.make_url(f"/dashboard/sign-in?token={token}"))
    assert "Sign in" in await page.text()
    signed = await session.post(server.make_url("/dashboard/sign-in"), data={"token": token})
    assert signed.status == 200, await signed.text()
    cookie = signed.history[0].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    return session


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def escalate(bot: BotUnderTest, user: int) -> None:
    picker = await bot.send(user, "/symptoms")
    picker = await bot.tap(user, picker, "Yes, one or more")
    picked = await bot.tap(user, picker, "fever")
    await bot.stub.press(user, picked.message_id, picked.button("Done"))
    advice = await bot.next(user)
    assert "please see your physician" in advice.text.lower()


async def test_sign_in_isolation_csrf_clearance_and_stopping_to_share(
    clinic_bot: BotUnderTest, server: TestServer
) -> None:
    bot = clinic_bot
    invite_a, invite_b = await make_clinics(bot)
    await join(bot, PATIENT, invite_a, "Alex")
    await join(bot, OTHER, invite_b, "Sam")
    await escalate(bot, PATIENT)
    await escalate(bot, OTHER)

    # No page or action without a session.
    anon = aiohttp.ClientSession()
    for path in (
        "/dashboard/",
        f"/dashboard/patients/{PATIENT}",
        f"/dashboard/patients/{PATIENT}/report.pdf",
    ):
        assert (await anon.get(server.make_url(path))).status == 401, path
    for path in (f"/dashboard/patients/{PATIENT}/clear", "/dashboard/escalations/1/acknowledge"):
        assert (await anon.post(server.make_url(path), data={"csrf": "x"})).status == 401, path
    await anon.close()

    link = await sign_in_link(bot, CLINICIAN_A)
    browser = await sign_in(server, link)
    try:
        # A reused link is refused; so is an expired one.
        again = await browser.post(
            server.make_url("/dashboard/sign-in"), data={"token": link.split("token=")[1]}
        )
        assert again.status == 403
        stale = await sign_in_link(bot, CLINICIAN_A)
        bot.clock.advance(timedelta(minutes=11))
        async with aiohttp.ClientSession() as other:
            late = await other.post(
                server.make_url("/dashboard/sign-in"), data={"token": stale.split("token=")[1]}
            )
            assert late.status == 403

        listing = await (await browser.get(server.make_url("/dashboard/"))).text()
        assert "Alex" in listing and "Sam" not in listing
        assert "paused for safety" in listing
        csrf = csrf_of(listing)

        # Clinic B's patient, escalation and report are a 404 for every route.
        async with bot.db.transaction() as tx:
            from storage.clinics import escalations_of_patients

            theirs = (await escalations_of_patients(tx, [OTHER]))[0].id
            ours = (await escalations_of_patients(tx, [PATIENT]))[0].id
        for path in (f"/dashboard/patients/{OTHER}", f"/dashboard/patients/{OTHER}/report.pdf"):
            assert (await browser.get(server.make_url(path))).status == 404, path
        for path, data in (
            (f"/dashboard/patients/{OTHER}/clear", {}),
            (f"/dashboard/patients/{OTHER}/note", {"note": "hi"}),
            (f"/dashboard/patients/{OTHER}/plan", {"slot": "wall_sit", "kind": "omit"}),
            (f"/dashboard/escalations/{theirs}/acknowledge", {}),
        ):
            response = await browser.post(server.make_url(path), data={"csrf": csrf, **data})
            assert response.status == 404, path

        # A form without the CSRF token is refused.
        refused = await browser.post(server.make_url(f"/dashboard/escalations/{ours}/acknowledge"))
        assert refused.status == 403

        page = await browser.post(
            server.make_url(f"/dashboard/escalations/{ours}/acknowledge"), data={"csrf": csrf}
        )
        assert "Acknowledged by you on" in await page.text()
        report = await browser.get(server.make_url(f"/dashboard/patients/{PATIENT}/report.pdf"))
        assert report.status == 200 and (await report.read()).startswith(b"%PDF")

        cleared = await browser.post(
            server.make_url(f"/dashboard/patients/{PATIENT}/clear"), data={"csrf": csrf}
        )
        assert "Cleared to resume" in await cleared.text()
        await bot.send_owed_replies()
        told = await bot.next(PATIENT)
        assert "Riverside Physio has cleared you" in told.text
        # Minutes after the escalation: a clinician's review needs no wait, no self-declaration.
        ask = await bot.send(PATIENT, "/resume")
        assert "safety questions" in ask.text, "no self-declaration after a clinician's clearance"

        # The patient stops sharing: gone from the dashboard at once.
        privacy = await bot.send(PATIENT, "/privacy")
        card: Any = await bot.next(PATIENT)
        assert "You share your answers with Riverside Physio" in card.text
        await bot.tap(PATIENT, card, "Stop sharing")
        listing = await (await browser.get(server.make_url("/dashboard/"))).text()
        assert "Alex" not in listing
        gone = await browser.get(server.make_url(f"/dashboard/patients/{PATIENT}"))
        assert gone.status == 404
        assert privacy.text
    finally:
        await browser.close()


async def test_weekly_digest_in_the_clinic_chat(clinic_bot: BotUnderTest) -> None:
    bot = clinic_bot
    bot.stub.add_group(CLINIC_CHAT, "Riverside Physio team", with_bot=True)
    async with bot.db.transaction() as tx:
        made = await clinic.create_clinic(tx, "Riverside Physio", bot.clock.now(), CLINIC_CHAT)
        invite = f"c_{made.invite_code}"
    await onboard(bot, PATIENT, pain="5", invite=invite, name="Alex")
    await onboard(bot, OTHER, pain="3", invite=invite, name="Sam")
    await onboard(bot, THIRD, pain="3", invite=invite, name="Kim")
    await escalate(bot, THIRD)

    await bot.dispatch_reminders()
    await bot.send_owed_replies()
    assert bot.stub.group(CLINIC_CHAT).bot_messages == [], "the first digest comes after a week"

    # A week on (Monday 19 January): Alex checks in daily at 2 (baseline 5); Sam last checked in
    # four days ago, at 6 (baseline 3); Kim is paused for safety.
    bot.clock.advance(timedelta(days=7))
    today = bot.clock.now().date()
    await seed.checkins(bot, PATIENT, {today - timedelta(days=d): 2 for d in (1, 2, 3)})
    await seed.checkins(bot, OTHER, {today - timedelta(days=d): 6 for d in (4, 5)})
    await bot.dispatch_reminders()
    await bot.send_owed_replies()
    (digest,) = bot.stub.group(CLINIC_CHAT).bot_messages
    assert "weekly digest for Riverside Physio" in digest.text
    for line in (
        "Active: 1",
        "Lapsed (no check-in for 3 days): 1",
        "Improved by 2+ points: 1",
        "Worsened by 2+ points: 1",
        "Open escalations: 1",
    ):
        assert line in digest.text, (line, digest.text)

    # Every instance's tick asks; the clinic gets one digest a week.
    await bot.dispatch_reminders()
    bot.clock.advance(timedelta(days=6))
    await bot.dispatch_reminders()
    await bot.send_owed_replies()
    assert len(bot.stub.group(CLINIC_CHAT).bot_messages) == 1
    bot.clock.advance(timedelta(days=1))
    await bot.dispatch_reminders()
    await bot.send_owed_replies()
    assert len(bot.stub.group(CLINIC_CHAT).bot_messages) == 2


async def test_a_medium_risk_patient_is_told_the_clinic_sees_it_and_the_page_shows_outcomes(
    clinic_bot: BotUnderTest, server: TestServer
) -> None:
    """docs/outcomes.md: STarT Back's risk group and the Roland-Morris score on the page."""
    bot = clinic_bot
    invite_a, _ = await make_clinics(bot)
    await join(bot, PATIENT, invite_a, "Alex")
    baseline = bot.bot_messages(PATIENT)[-1]  # join answered the screen: the pain scale
    card = await bot.tap(PATIENT, await bot.tap(PATIENT, baseline, "3"), "Buttock")
    await bot.tap(PATIENT, card, "07:30")
    await bot.send(PATIENT, "Europe/Berlin")
    medium = ("Agree",) * 4 + ("Disagree",) * 4 + ("Slightly",)
    rmdq = ("✓ Describes me",) * 6 + ("Leave blank",) * 18
    card = await answer_questionnaires(
        bot, PATIENT, await bot.next(PATIENT), startback=medium, rmdq=rmdq
    )
    assert "All set" in card.text
    told = [m.text for m in bot.bot_messages(PATIENT)]
    assert t("risk_clinic", clinic="Riverside Physio") in told

    browser = await sign_in(server, await sign_in_link(bot, CLINICIAN_A))
    try:
        page = await (await browser.get(server.make_url(f"/dashboard/patients/{PATIENT}"))).text()
    finally:
        await browser.close()
    assert "STarT Back: medium risk" in page
    assert "Roland-Morris: 6 of 24 at the start" in page
