"""getUpdates behaves like Telegram's: long polling, offsets, limits, allowed_updates."""

from __future__ import annotations

import asyncio

from bot.stub import BotApiStub
from tests.stub.conftest import ALICE, BOB, RawBotApi
from tests.waiting import eventually


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(
    stub: BotApiStub, api: RawBotApi
) -> None:
    poll = asyncio.create_task(api.ok("getUpdates", timeout=30))
    await eventually(lambda: stub.stats.requests["getUpdates"] == 1, "the long poll")
    assert not poll.done()

    await stub.send_text(ALICE, "are you there?")
    # Far below the 30 s the poll asked for: it must have been answered by the arrival.
    updates = await asyncio.wait_for(poll, timeout=5)

    assert [u["message"]["text"] for u in updates] == ["are you there?"]


async def test_a_long_poll_without_updates_answers_an_empty_list(api: RawBotApi) -> None:
    assert await api.ok("getUpdates", timeout=0) == []


async def test_an_offset_confirms_and_drops_earlier_updates(
    stub: BotApiStub, api: RawBotApi
) -> None:
    for text in ("one", "two", "three"):
        await stub.send_text(ALICE, text)

    first = await api.ok("getUpdates", limit=2)
    again = await api.ok("getUpdates")
    after = await api.ok("getUpdates", offset=first[-1]["update_id"] + 1)
    confirmed_all = await api.ok("getUpdates", offset=after[-1]["update_id"] + 1)

    assert [u["message"]["text"] for u in first] == ["one", "two"]
    assert [u["message"]["text"] for u in again] == ["one", "two", "three"]  # unconfirmed
    assert [u["message"]["text"] for u in after] == ["three"]
    assert confirmed_all == []
    assert stub.pending_updates == 0


async def test_a_negative_offset_keeps_only_the_latest_updates(
    stub: BotApiStub, api: RawBotApi
) -> None:
    for text in ("old", "older", "newest"):
        await stub.send_text(ALICE, text)

    latest = await api.ok("getUpdates", offset=-1)

    assert [u["message"]["text"] for u in latest] == ["newest"]


async def test_allowed_updates_filters_and_is_remembered(stub: BotApiStub, api: RawBotApi) -> None:
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await stub.send_text(ALICE, "ignored by the subscription")
    sent = await api.ok(
        "sendMessage",
        chat_id=ALICE,
        text="Agree?",
        reply_markup={"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]},
    )
    await stub.press(ALICE, sent["message_id"], "yes")

    updates = await api.ok("getUpdates")

    assert [next(k for k in u if k != "update_id") for u in updates] == ["callback_query"]


async def test_update_ids_grow_and_messages_carry_a_bot_command_entity(
    stub: BotApiStub, api: RawBotApi, clock
) -> None:
    await stub.send_text(ALICE, "/start", first_name="Alice")
    await stub.send_text(BOB, "hello")

    first, second = await api.ok("getUpdates")

    assert second["update_id"] == first["update_id"] + 1
    message = first["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["from"] == {
        "id": ALICE,
        "is_bot": False,
        "first_name": "Alice",
        "language_code": "en",
    }
    assert message["chat"] == {"id": ALICE, "type": "private", "first_name": "Alice"}
    assert message["date"] == int(clock())
    assert "entities" not in second["message"]


async def test_a_second_long_poll_terminates_the_first_with_conflict(
    stub: BotApiStub, api: RawBotApi
) -> None:
    first = asyncio.create_task(api.call("getUpdates", timeout=30))
    await eventually(lambda: stub.stats.requests["getUpdates"] == 1, "the long poll")

    assert await api.ok("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, timeout=5)

    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


async def test_delete_webhook_can_drop_pending_updates(stub: BotApiStub, api: RawBotApi) -> None:
    await stub.send_text(ALICE, "stale")

    await api.ok("deleteWebhook", drop_pending_updates=True)

    assert await api.ok("getUpdates") == []
