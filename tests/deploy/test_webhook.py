"""A ``backstep webhook`` process seen from outside, the way Telegram and an operator see it.

Only requests carrying the secret token get in, and nothing of a refused request is processed;
garbage is refused without harming the instance; /healthz follows the database down and back
up; /metrics is Prometheus text; SIGTERM lets the update in flight finish and exits 0.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.stub.server import BotApiStub
from bot.web import SECRET_HEADER
from tests.deploy.conftest import SECRET, BotProcess, Cable, StartBot
from tests.waiting import eventually

ALICE = 7001
EVE = 7002


def sqlite_file(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "backstep.db"
    return f"sqlite:///{path}", path


def user_ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]


def start_command(update_id: int, user_id: int, first_name: str) -> dict[str, Any]:
    """The update Telegram sends when ``user_id`` types /start."""
    person = {"id": user_id, "is_bot": False, "first_name": first_name}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def sample_values(text: str, family: str, sample: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The values of one sample name in one metric family, keyed by their labels."""
    for found in text_string_to_metric_families(text):
        if found.name == family:
            return {
                tuple(sorted(s.labels.items())): s.value for s in found.samples if s.name == sample
            }
    raise AssertionError(f"no metric family {family!r} in /metrics")


async def test_a_request_without_the_right_secret_token_is_refused_and_never_processed(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    url, db_file = sqlite_file(tmp_path)
    bot = await start_bot(url)
    stub.add_user(EVE, "Eve")
    update = start_command(9001, EVE, "Eve")

    missing = await http.post(bot.webhook_url, json=update)
    wrong = await http.post(bot.webhook_url, json=update, headers={SECRET_HEADER: SECRET + "x"})
    empty = await http.post(bot.webhook_url, json=update, headers={SECRET_HEADER: ""})

    assert [missing.status_code, wrong.status_code, empty.status_code] == [403, 403, 403]
    assert stub.chat(EVE).bot_messages == []
    assert user_ids(db_file) == []

    right = await http.post(bot.webhook_url, json=update, headers={SECRET_HEADER: SECRET})

    assert right.status_code == 200
    # The 200 comes after the update was handled: Eve already has her one welcome, and it is
    # the only one, so none of the refused copies was processed later either.
    welcome = stub.chat(EVE).bot_messages
    assert len(welcome) == 1 and welcome[0].text.startswith("Hello Eve")
    assert user_ids(db_file) == [EVE]
    assert bot.handled_update_ids() == {9001}


async def oversized_chunks(size: int) -> AsyncIterator[bytes]:
    chunk = b" " * 65536
    for _ in range(size // len(chunk)):
        yield chunk


async def test_oversized_and_malformed_bodies_are_refused_and_the_instance_carries_on(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    url, db_file = sqlite_file(tmp_path)
    bot = await start_bot(url)
    authentic = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    two_mib = 2 * 1024 * 1024
    huge = b'{"update_id": 5, "padding": "' + b"x" * two_mib + b'"}'

    too_big = await http.post(bot.webhook_url, content=huge, headers=authentic)
    too_big_streamed = await http.post(
        bot.webhook_url, content=oversized_chunks(two_mib), headers=authentic
    )
    not_json = await http.post(bot.webhook_url, content=b"\x00\xffnot json", headers=authentic)
    not_object = await http.post(bot.webhook_url, content=b"[1, 2, 3]", headers=authentic)
    not_update = await http.post(bot.webhook_url, content=b'{"hello": "world"}', headers=authentic)
    truncated = await http.post(
        bot.webhook_url, content=b'{"update_id": 3, "mess', headers=authentic
    )

    assert too_big.status_code == 413
    assert too_big_streamed.status_code == 413
    assert [not_json.status_code, not_object.status_code, not_update.status_code] == [400] * 3
    assert truncated.status_code == 400
    assert user_ids(db_file) == []

    # Still healthy, and a real user is still served.
    assert (await http.get(bot.base + "/healthz")).status_code == 200
    await stub.send_text(ALICE, "/start", first_name="Alice")
    assert (await stub.next_message(ALICE, timeout=10)).text.startswith("Hello Alice")
    assert bot.process.returncode is None


async def test_healthz_goes_503_when_the_database_is_unreachable_and_200_when_it_is_back(
    stub: BotApiStub,
    start_bot: StartBot,
    http: httpx.AsyncClient,
    cable: Cable,
    empty_postgres: str,
) -> None:
    bot = await start_bot(cable.url_through(empty_postgres))
    healthy = await http.get(bot.base + "/healthz")
    assert healthy.status_code == 200 and healthy.json() == {"status": "ok"}

    await cable.unplug()
    down = await http.get(bot.base + "/healthz")

    assert down.status_code == 503
    assert down.json()["status"] != "ok"
    assert bot.process.returncode is None  # an outage is survived, not fatal

    await cable.plug()
    back = await http.get(bot.base + "/healthz")

    assert back.status_code == 200 and back.json() == {"status": "ok"}


async def test_metrics_are_prometheus_text_with_the_series_an_operator_alerts_on(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    bot = await start_bot(sqlite_file(tmp_path)[0])
    await stub.send_text(ALICE, "/start", first_name="Alice")
    await stub.next_message(ALICE, timeout=10)
    await stub.wait_handled()  # the webhook request has returned its 200
    await http.post(bot.webhook_url, json={"update_id": 1}, headers={SECRET_HEADER: "guess"})

    response = await http.get(bot.base + "/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert {
        "backstep_updates",
        "backstep_handler_seconds",
        "backstep_reminders",
        "backstep_escalations",
        "backstep_telegram_errors",
        "backstep_webhook_rejected",
    } <= families
    updates = sample_values(response.text, "backstep_updates", "backstep_updates_total")
    assert updates == {(("type", "command"),): 1.0}
    handled = sample_values(
        response.text, "backstep_handler_seconds", "backstep_handler_seconds_count"
    )
    assert handled == {(): 1.0}
    refused = sample_values(
        response.text, "backstep_webhook_rejected", "backstep_webhook_rejected_total"
    )
    assert refused == {(("reason", "secret"),): 1.0}


async def test_a_reply_telegram_defers_outlives_sigterm_and_the_next_instance_sends_it(
    stub: BotApiStub, start_bot: StartBot, tmp_path: Path
) -> None:
    url, db_file = sqlite_file(tmp_path)
    bot = await start_bot(url)
    # Telegram answers the bot's reply with "retry after 2 s".
    stub.fail_next("sendMessage", status=429, retry_after=2)
    await stub.send_text(ALICE, "/start", first_name="Alice")
    await stub.wait_handled()  # answered 200 at once: no handler sits out the 2 s

    assert await bot.terminate() == 0
    assert stub.chat(ALICE).bot_messages == []
    assert owed_replies(db_file) == 1, "the reply waits in the outbox, on disk"
    assert_clean_stop(bot)

    again = await start_bot(url, name="bot-2")
    welcome = await stub.next_message(ALICE)

    assert welcome.text.startswith("Hello Alice")
    await eventually(lambda: owed_replies(db_file) == 0, "the outbox row to be cleared")
    assert user_ids(db_file) == [ALICE]
    assert await again.terminate() == 0
    assert_clean_stop(again)
    assert len(stub.chat(ALICE).bot_messages) == 1, "sent once"


def owed_replies(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        query = "SELECT count(*) FROM handled_updates WHERE replies IS NOT NULL"
        return int(conn.execute(query).fetchone()[0])


def assert_clean_stop(bot: BotProcess) -> None:
    """The log shows the signal, then a clean stop, and no ERROR: a 429 is a WARNING."""
    messages = [r["message"] for r in bot.log_records()]
    signal_at = next(i for i, m in enumerate(messages) if m.startswith("SIGTERM"))
    assert signal_at < messages.index("stopped")
    failures = [r for r in bot.log_records() if r["level"] in ("ERROR", "CRITICAL")]
    assert failures == []
