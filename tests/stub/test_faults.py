"""Faults on demand: flood waits, server errors, blocked users, lost connections, limits."""

from __future__ import annotations

import httpx
import pytest

from bot.stub import BotApiStub, RateLimits
from tests.stub.conftest import ALICE, BOB, TOKEN, ManualClock, RawBotApi


async def test_fail_next_answers_429_with_retry_after_then_recovers(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    stub.fail_next("sendMessage", status=429, retry_after=3)

    status, body = await api.call("sendMessage", chat_id=alice_chat, text="hi")
    retried = await api.ok("sendMessage", chat_id=alice_chat, text="hi")

    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert retried["text"] == "hi"
    assert stub.stats.too_many_requests == 1
    assert stub.chat(alice_chat).texts == ["hi"]  # the refused call left no message


@pytest.mark.parametrize(
    ("status", "description"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_fail_next_answers_server_errors(
    stub: BotApiStub, api: RawBotApi, alice_chat: int, status: int, description: str
) -> None:
    stub.fail_next("sendMessage", status=status, times=2)

    answers = [await api.call("sendMessage", chat_id=alice_chat, text="hi") for _ in range(3)]

    assert [code for code, _ in answers] == [status, status, 200]
    assert answers[0][1] == {"ok": False, "error_code": status, "description": description}


async def test_a_blocked_user_makes_every_send_forbidden_until_unblocked(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    stub.block(alice_chat)

    _, message = await api.call("sendMessage", chat_id=alice_chat, text="hi")
    _, typing = await api.call("sendChatAction", chat_id=alice_chat, action="typing")
    updates = await api.ok("getUpdates")
    stub.unblock(alice_chat)
    await api.ok("sendMessage", chat_id=alice_chat, text="welcome back")

    forbidden = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    assert message == forbidden
    assert typing == forbidden
    member_update = updates[-1]["my_chat_member"]
    assert member_update["new_chat_member"]["status"] == "kicked"
    assert stub.chat(alice_chat).texts == ["welcome back"]


async def test_drop_next_closes_the_connection_without_an_answer(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    stub.drop_next("sendMessage")

    with pytest.raises(httpx.RemoteProtocolError):
        await api.call("sendMessage", chat_id=alice_chat, text="lost")

    assert stub.chat(alice_chat).texts == []
    assert stub.stats.dropped == 1


async def test_drop_after_processing_delivers_the_message_but_loses_the_answer(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    stub.drop_next("sendMessage", after_processing=True)

    with pytest.raises(httpx.RemoteProtocolError):
        await api.call("sendMessage", chat_id=alice_chat, text="sent anyway")

    assert stub.chat(alice_chat).texts == ["sent anyway"]


async def test_enforced_limits_answer_429_per_chat_and_overall_and_count_them(
    http: httpx.AsyncClient,
) -> None:
    ticks = ManualClock(start=100.0)
    limits = RateLimits(overall_per_second=3, per_chat_per_second=1)
    async with BotApiStub(TOKEN, enforce_limits=True, limits=limits, limit_clock=ticks) as stub:
        api = RawBotApi(http, f"{stub.base_url}{TOKEN}")
        for user in (ALICE, BOB, 1003, 1004):
            await stub.send_text(user, "hi")

        first = await api.call("sendMessage", chat_id=ALICE, text="1")
        same_chat = await api.call("sendMessage", chat_id=ALICE, text="2")
        others = [await api.call("sendMessage", chat_id=u, text="x") for u in (BOB, 1003, 1004)]
        ticks.advance(1.01)
        later = await api.call("sendMessage", chat_id=ALICE, text="3")

        assert first[0] == 200
        assert same_chat[0] == 429 and same_chat[1]["parameters"] == {"retry_after": 1}
        assert [status for status, _ in others] == [200, 200, 429]  # 3 per second overall
        assert later[0] == 200
        assert stub.stats.too_many_requests == 2
        assert stub.stats.requests["sendMessage"] == 6


async def test_limits_are_off_by_default(stub: BotApiStub, api: RawBotApi, alice_chat: int) -> None:
    for n in range(5):
        await api.ok("sendMessage", chat_id=alice_chat, text=str(n))

    assert stub.stats.too_many_requests == 0
