"""The user's side: chat views, files, events, and the same over the /_user HTTP endpoints."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.stub import BotApiStub, NoEventError, check_shape
from tests.stub.conftest import ALICE, RawBotApi, tiny_png

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "✅ I agree", "callback_data": "consent:yes"}],
        [
            {"text": "Not now", "callback_data": "consent:no"},
            {"text": "Docs", "url": "https://x.org"},
        ],
    ]
}


async def test_the_chat_shows_both_sides_in_order_with_current_content(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Welcome!", reply_markup=KEYBOARD)
    await stub.press(alice_chat, sent["message_id"], "consent:yes")
    await api.ok(
        "editMessageText", chat_id=alice_chat, message_id=sent["message_id"], text="Thanks"
    )

    view = stub.chat(alice_chat)

    assert [(m.from_bot, m.text) for m in view.messages] == [(False, "hello"), (True, "Thanks")]
    assert view.last_bot_message is not None
    assert view.last_bot_message.buttons == ()  # an edit without reply_markup drops the keyboard
    assert view.last_bot_message.edit_date is not None


async def test_events_are_read_in_order_and_keep_the_message_as_it_was(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Welcome!", reply_markup=KEYBOARD)
    await api.ok(
        "editMessageReplyMarkup",
        chat_id=alice_chat,
        message_id=sent["message_id"],
        reply_markup={"inline_keyboard": [[{"text": "Done", "callback_data": "done"}]]},
    )

    message = await stub.next_message(alice_chat)
    edited = await stub.next_edit(alice_chat)

    assert message.text == "Welcome!"
    assert message.button("agree") == "consent:yes"  # by part of the label
    assert message.button("Not now") == "consent:no"
    assert edited.button_labels == ["Done"]
    with pytest.raises(LookupError, match="not on the keyboard"):
        message.button("Cancel")
    with pytest.raises(NoEventError):
        await stub.next_event(alice_chat, timeout=0.05)


async def test_photos_and_documents_keep_their_bytes_name_and_type(
    stub: BotApiStub, api: RawBotApi, http: httpx.AsyncClient, alice_chat: int
) -> None:
    png = tiny_png(640, 480)
    _, photo = await api.form(
        "sendPhoto",
        {"chat_id": str(alice_chat), "caption": "Your week"},
        files={"photo": ("week.png", png, "image/png")},
    )
    _, document = await api.form(
        "sendDocument",
        {"chat_id": str(alice_chat)},
        files={"document": ("plan.pdf", b"%PDF-1.4 plan", "application/pdf")},
    )

    sizes = photo["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (640, 480)]
    assert all(s["file_id"] and s["file_unique_id"] for s in sizes)
    assert photo["result"]["caption"] == "Your week"
    assert document["result"]["document"] == {
        "file_id": document["result"]["document"]["file_id"],
        "file_unique_id": document["result"]["document"]["file_unique_id"],
        "file_size": 13,
        "file_name": "plan.pdf",
        "mime_type": "application/pdf",
    }
    chart, plan = stub.chat(alice_chat).bot_messages
    assert chart.kind == "photo" and chart.file is not None and chart.file.data == png
    assert plan.kind == "document" and plan.file is not None and plan.file.filename == "plan.pdf"
    served = await http.get(f"{stub.url}/_user/files/{plan.file.file_id}")
    assert served.content == b"%PDF-1.4 plan"
    assert served.headers["content-type"] == "application/pdf"


async def test_a_file_can_be_sent_again_by_file_id_but_not_as_a_non_image_photo(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    _, first = await api.form(
        "sendDocument",
        {"chat_id": str(alice_chat)},
        files={"document": ("a.txt", b"abc", "text/plain")},
    )
    file_id = first["result"]["document"]["file_id"]

    again = await api.ok("sendDocument", chat_id=alice_chat, document=file_id)
    _, not_an_image = await api.form(
        "sendPhoto",
        {"chat_id": str(alice_chat)},
        files={"photo": ("x.png", b"not png", "image/png")},
    )
    _, unknown = await api.call("sendDocument", chat_id=alice_chat, document="no-such-file")

    assert again["document"]["file_id"] == file_id
    assert not_an_image["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    assert unknown["description"] == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_a_location_arrives_as_a_message_with_coordinates(
    stub: BotApiStub, api: RawBotApi
) -> None:
    update = await stub.send_location(ALICE, 52.52, 13.405)

    assert update["message"]["location"] == {"latitude": 52.52, "longitude": 13.405}
    assert (await api.ok("getUpdates"))[0]["message"]["location"]["latitude"] == 52.52


async def test_users_act_over_http_and_long_poll_their_chat(
    stub: BotApiStub, api: RawBotApi, http: httpx.AsyncClient
) -> None:
    base = f"{stub.url}/_user/{ALICE}"
    sent = (await http.post(f"{base}/send", json={"text": "/start", "first_name": "Alice"})).json()
    history = (await http.get(f"{base}/chat", params={"after": 0, "timeout": 0})).json()
    poll = asyncio.create_task(
        http.get(f"{base}/chat", params={"after": history["last_seq"], "timeout": 30})
    )
    bot_message = await api.ok("sendMessage", chat_id=ALICE, text="Welcome", reply_markup=KEYBOARD)
    news = (await asyncio.wait_for(poll, timeout=5)).json()
    refused = await http.post(
        f"{base}/press", json={"message_id": bot_message["message_id"], "data": "forged"}
    )
    pressed = await http.post(
        f"{base}/press", json={"message_id": bot_message["message_id"], "data": "consent:yes"}
    )
    located = await http.post(f"{base}/location", json={"latitude": 1.5, "longitude": 2.5})

    assert sent["update"]["message"]["entities"][0]["type"] == "bot_command"
    assert [e["kind"] for e in history["events"]] == ["user_message"]
    assert [e["kind"] for e in news["events"]] == ["message"]
    assert news["events"][0]["message"]["buttons"][0][0] == {
        "text": "✅ I agree",
        "callback_data": "consent:yes",
        "url": None,
    }
    assert news["last_seq"] > history["last_seq"]
    assert refused.status_code == 400 and "no button" in refused.json()["description"]
    assert pressed.json()["update"]["callback_query"]["data"] == "consent:yes"
    assert located.json()["update"]["message"]["location"]["longitude"] == 2.5


async def test_published_commands_are_visible_to_users(
    stub: BotApiStub, api: RawBotApi, http: httpx.AsyncClient
) -> None:
    commands = [
        {"command": "start", "description": "Begin"},
        {"command": "pain", "description": "Log pain"},
    ]
    await api.ok("setMyCommands", commands=commands)

    published = (await http.get(f"{stub.url}/_user/commands")).json()

    assert published["commands"] == commands
    assert await api.ok("getMyCommands") == commands
    await api.ok("deleteMyCommands")
    assert stub.commands() == []


async def test_get_me_describes_the_bot_from_its_token(api: RawBotApi) -> None:
    me = await api.ok("getMe")

    assert me["id"] == 123456
    assert me["is_bot"] is True
    assert me["username"] == "backstep_test_bot"


async def test_a_custom_keyboard_stays_until_removed_and_survives_edits(
    stub: BotApiStub, api: RawBotApi, http: httpx.AsyncClient, alice_chat: int
) -> None:
    keyboard = {"keyboard": [[{"text": "📍 Share location", "request_location": True}], ["Skip"]]}
    asked = await api.ok("sendMessage", chat_id=alice_chat, text="Where?", reply_markup=keyboard)
    await api.ok(
        "editMessageText", chat_id=alice_chat, message_id=asked["message_id"], text="Where are you?"
    )

    shown = stub.chat(alice_chat).reply_keyboard
    view = (await http.get(f"{stub.url}/_user/{alice_chat}/view")).json()
    await api.ok(
        "sendMessage", chat_id=alice_chat, text="Thanks", reply_markup={"remove_keyboard": True}
    )

    assert "reply_markup" not in asked  # Telegram echoes inline keyboards only
    assert shown == (("📍 Share location",), ("Skip",))
    assert view["reply_keyboard"][0][0] == {"text": "📍 Share location", "request_location": True}
    assert stub.chat(alice_chat).reply_keyboard is None


async def test_an_animation_is_uploaded_once_then_sent_by_its_file_id(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    gif = b"GIF89a" + (360).to_bytes(2, "little") + (240).to_bytes(2, "little") + b"\x00" * 20
    _, uploaded = await api.form(
        "sendAnimation",
        {"chat_id": str(alice_chat)},
        files={"animation": ("exercise.gif", gif, "image/gif")},
    )
    sent = uploaded["result"]
    check_shape("Message", sent)
    animation = sent["animation"]
    assert (animation["width"], animation["height"], animation["mime_type"]) == (
        360,
        240,
        "image/gif",
    )
    assert (
        animation["file_id"].startswith("CgAC")
        and sent["document"]["file_id"] == animation["file_id"]
    )

    again = await api.ok("sendAnimation", chat_id=alice_chat, animation=animation["file_id"])
    assert again["animation"]["file_unique_id"] == animation["file_unique_id"], "the same file"
    assert len(stub.state.files) == 1, "nothing uploaded the second time"
    status, refused = await api.call("sendAnimation", chat_id=alice_chat, animation="no-such-id")
    assert status == 400 and "wrong file identifier" in refused["description"]
    status, missing = await api.call("sendAnimation", chat_id=alice_chat)
    assert status == 400 and "there is no animation in the request" in missing["description"]
