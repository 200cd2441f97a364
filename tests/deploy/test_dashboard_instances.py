"""One clinician's dashboard requests served by two ``backstep webhook`` instances on PostgreSQL.

The dashboard is mounted in each instance's webhook listener (``BACKSTEP_DASHBOARD_URL`` set)
and keeps nothing in the process: a sign-in link from the bot is spent on one instance, the
session it opens is read on the other, a note posted to one is sent by whichever instance's
outbox job comes first, and signing out on one ends the session on both.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from bot.stub.server import BotApiStub
from tests.deploy.conftest import StartBot, run_backstep

PATIENT, CLINICIAN = 7201, 7901
COOKIE = "backstep_dashboard"


async def test_one_clinician_on_two_instances(
    stub: BotApiStub,
    start_bot: StartBot,
    http: httpx.AsyncClient,
    empty_postgres: str,
    tmp_path: Path,
) -> None:
    dashboard = {"dashboard_url": "https://clinic.example.org/dashboard"}
    first = await start_bot(empty_postgres, name="bot-a", reminder_tick_seconds="300", **dashboard)
    second = await start_bot(empty_postgres, name="bot-b", reminder_tick_seconds="300", **dashboard)
    stub.set_webhook_targets([first.webhook_url, second.webhook_url])

    code, printed = await run_backstep(
        empty_postgres, "clinic", "add", "Riverside Physio", "--bot", "backstep_bot",
        "--qr", str(tmp_path / "qr.png"),
    )  # fmt: skip
    assert code == 0, printed
    invite = re.search(r"\?start=(c_\S+)", printed)
    assert invite and (tmp_path / "qr.png").read_bytes().startswith(b"\x89PNG")
    code, printed = await run_backstep(
        empty_postgres, "clinician", "add", "Riverside Physio", str(CLINICIAN)
    )
    assert code == 0, printed

    await stub.send_text(PATIENT, f"/start {invite.group(1)}", first_name="Alex")
    greeting = await stub.next_shown(PATIENT)
    await stub.press(PATIENT, greeting.message_id, greeting.button("I agree"))
    ask = await stub.next_shown(PATIENT)
    await stub.press(PATIENT, ask.message_id, ask.button("Yes, share"))
    assert "safety" in (await stub.next_shown(PATIENT)).text.lower()

    await stub.send_text(CLINICIAN, "/dashboard", first_name="Dr Lee")
    link = (await stub.next_shown(CLINICIAN)).text
    found = re.search(r"https://clinic\.example\.org/dashboard/sign-in\?token=(\S+)", link)
    assert found, link
    token = found.group(1)

    # Spent on instance A ...
    signed = await http.post(f"{first.base}/dashboard/sign-in", data={"token": token})
    assert signed.status_code == 303, signed.text
    assert "Secure" in signed.headers["set-cookie"]  # the dashboard's URL is https
    cookie = {"Cookie": f"{COOKIE}={signed.cookies[COOKIE]}"}
    # ... so refused on instance B.
    again = await http.post(f"{second.base}/dashboard/sign-in", data={"token": token})
    assert again.status_code == 403

    # The session opened on A is good on B.
    listing = await http.get(f"{second.base}/dashboard/", headers=cookie)
    assert listing.status_code == 200 and "Alex" in listing.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', listing.text)
    assert csrf

    # A note posted to A with B's form reaches the patient through the bot.
    note = await http.post(
        f"{first.base}/dashboard/patients/{PATIENT}/note",
        data={"csrf": csrf.group(1), "note": "See you on Thursday."},
        headers=cookie,
    )
    assert note.status_code == 303, note.text
    told = await stub.next_message(PATIENT)
    assert "See you on Thursday." in told.text and "Riverside Physio" in told.text

    # Signing out on B ends the session on A too.
    out = await http.post(
        f"{second.base}/dashboard/sign-out", data={"csrf": csrf.group(1)}, headers=cookie
    )
    assert out.status_code == 200
    assert (await http.get(f"{first.base}/dashboard/", headers=cookie)).status_code == 401

    for instance in (first, second):
        assert await instance.terminate() == 0
        errors = [r for r in instance.log_records() if r.get("level") == "ERROR"]
        assert not errors, instance.log_tail()
