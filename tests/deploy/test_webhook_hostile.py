"""A ``backstep webhook`` process under requests no Telegram would send.

Each is answered with the right 4xx and counted in ``backstep_webhook_rejected_total``; none
leaves an ERROR or a traceback in the log (anyone who can reach the port could otherwise fill
it), none echoes the client's bytes into the log, and the instance serves a real user after.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from bot.stub.server import BotApiStub
from bot.web import SECRET_HEADER
from tests.deploy.conftest import SECRET, BotProcess, StartBot
from tests.deploy.test_webhook import ALICE, sample_values, sqlite_file, start_command, user_ids

EVE = 7002
MARKER = "zz-hostile-marker"  # in the bad secrets: must never appear in the log


async def raw_post(bot: BotProcess, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """POST over a bare TCP connection, header bytes exactly as given; the response's status."""
    head = [
        b"POST " + bot.path.encode() + b" HTTP/1.1",
        b"Host: 127.0.0.1",
        b"Content-Type: application/json",
        b"Content-Length: " + str(len(body)).encode(),
        b"Connection: close",
        *(name + b": " + value for name, value in headers),
    ]
    reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
    try:
        writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 15)
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])


async def refusals(bot: BotProcess, http: httpx.AsyncClient) -> dict[str, float]:
    """``backstep_webhook_rejected_total`` of the process, by reason."""
    text = (await http.get(bot.base + "/metrics")).text
    family = "backstep_webhook_rejected"
    values = sample_values(text, family, family + "_total")
    return {dict(labels)["reason"]: value for labels, value in values.items()}


def assert_calm_log(bot: BotProcess) -> None:
    """No ERROR, no traceback, none of the client's secret bytes; the refusals as WARNINGs."""
    records = bot.log_records()
    loud = [r for r in records if r["level"] in ("ERROR", "CRITICAL") or "exc" in r]
    assert loud == []
    text = bot.log_path.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert MARKER not in text
    refused = [r for r in records if r["message"].startswith("webhook request refused")]
    assert refused and {r["level"] for r in refused} == {"WARNING"}


async def assert_still_serving(stub: BotApiStub, bot: BotProcess, http: httpx.AsyncClient) -> None:
    assert (await http.get(bot.base + "/healthz")).status_code == 200
    await stub.send_text(ALICE, "/start", first_name="Alice")
    assert (await stub.next_message(ALICE, timeout=10)).text.startswith("Hello Alice")
    assert bot.process.returncode is None


async def test_a_secret_header_telegram_cannot_send_is_a_403_and_no_traceback(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    url, db_file = sqlite_file(tmp_path)
    bot = await start_bot(url)
    stub.add_user(EVE, "Eve")
    update = start_command(9001, EVE, "Eve")
    name = SECRET_HEADER.encode()
    wrong_char = SECRET[:-1] + "!"  # the right length, one character Telegram never accepts

    non_ascii = await raw_post(
        bot, [(name, b"\xff\xfe" + MARKER.encode() + b"\xc3\x28")], b'{"update_id": 9001}'
    )
    latin = await raw_post(bot, [(name, SECRET.encode()[:-1] + b"\xe9")], b'{"update_id": 9001}')
    statuses = [
        (await http.post(bot.webhook_url, json=update, headers=headers)).status_code
        for headers in (
            {SECRET_HEADER: wrong_char},
            {SECRET_HEADER: MARKER + "!" * 300},
            {SECRET_HEADER: "a" * 257},  # Telegram's alphabet, one character too long
        )
    ]
    repeated = await http.post(
        bot.webhook_url,
        json=update,
        headers=[(SECRET_HEADER, SECRET), (SECRET_HEADER, SECRET)],
    )

    assert [non_ascii, latin, *statuses, repeated.status_code] == [403] * 6
    assert await refusals(bot, http) == {"secret": 6.0}
    assert stub.chat(EVE).bot_messages == []
    assert user_ids(db_file) == []
    assert_calm_log(bot)
    await assert_still_serving(stub, bot, http)


def nested(depth: int) -> bytes:
    """An update whose one extra field is ``depth`` arrays inside each other."""
    return b'{"update_id": 9100, "x": ' + b"[" * depth + b"]" * depth + b"}"


def with_user_id(update_id: int, user_id: Any) -> dict[str, Any]:
    update = start_command(update_id, EVE, "Eve")
    update["message"]["from"]["id"] = user_id
    return update


async def test_with_the_secret_deep_huge_or_malformed_numbers_are_a_400_and_no_traceback(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    url, db_file = sqlite_file(tmp_path)
    bot = await start_bot(url)
    stub.add_user(EVE, "Eve")
    authentic = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}

    async def post(body: bytes | dict[str, Any]) -> int:
        if isinstance(body, dict):
            response = await http.post(bot.webhook_url, json=body, headers=authentic)
        else:
            response = await http.post(bot.webhook_url, content=body, headers=authentic)
        return response.status_code

    deep = await post(nested(200_000))
    deep_in_strings = await post(b'{"update_id": 9101, "x": "' + b"[" * 200_000 + b'"}')
    huge_update_id = await post(start_command(2**70, EVE, "Eve"))
    negative_update_id = await post(start_command(-5, EVE, "Eve"))
    huge_user = await post(with_user_id(9102, 2**63))
    text_user = await post(with_user_id(9103, "7002"))
    float_user = await post(with_user_id(9104, 7002.5))
    huge_chat = await post(start_command(9105, EVE, "Eve") | {"x": {"chat_id": -(2**64)}})
    huge_date = await post(
        start_command(9106, EVE, "Eve") | {"message": {"date": 2**80, "chat": {"id": 1}}}
    )
    long_number = await post(b'{"update_id": ' + b"9" * 5000 + b"}")
    not_a_number = await post(b'{"update_id": 9107, "x": NaN}')
    no_update_id = await post({"message": start_command(1, EVE, "Eve")["message"]})

    assert deep == 400 and deep_in_strings == 200  # brackets in a string are text
    assert [huge_update_id, negative_update_id, huge_user, text_user, float_user] == [400] * 5
    assert [huge_chat, huge_date, long_number, not_a_number, no_update_id] == [400] * 5
    assert await refusals(bot, http) == {
        "too_deep": 1.0,
        "bad_id": 6.0,
        "bad_number": 1.0,
        "not_json": 2.0,
        "not_update": 1.0,
    }
    assert stub.chat(EVE).bot_messages == []
    assert user_ids(db_file) == []
    assert_calm_log(bot)
    await assert_still_serving(stub, bot, http)


async def test_nesting_up_to_the_limit_is_parsed(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    bot = await start_bot(sqlite_file(tmp_path)[0])
    authentic = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}

    at_limit = await http.post(bot.webhook_url, content=nested(63), headers=authentic)
    over = await http.post(bot.webhook_url, content=nested(64), headers=authentic)

    assert [at_limit.status_code, over.status_code] == [200, 400]
    assert await refusals(bot, http) == {"too_deep": 1.0}
