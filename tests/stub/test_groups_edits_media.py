"""Groups, users' edits and media, membership updates: in Telegram's shapes, per api.json."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from bot.stub import BotApiStub, GroupView, StubRefusal, check_shape
from bot.stub.spec import API_JSON
from bot.stub.updates import OPT_IN_UPDATES
from tests.stub.conftest import ALICE, BOB, TOKEN, ManualClock, RawBotApi, tiny_png

GROUP = -4_000_123_456
SUPERGROUP = -1_001_234_567_890
CAROL = 1003
BOT_USERNAME = "backstep_test_bot"
BOT = {"id": 123456, "is_bot": True, "first_name": "Backstep", "username": BOT_USERNAME}
KEYBOARD = {"inline_keyboard": [[{"text": "Export", "callback_data": "export:csv"}]]}


def kind_of(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


async def fetch(api: RawBotApi) -> list[dict[str, Any]]:
    """Everything queued for the bot, confirmed, each checked against api.json's Update."""
    updates: list[dict[str, Any]] = await api.ok("getUpdates")
    for update in updates:
        check_shape("Update", update)
    if updates:
        await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
    return updates


async def group_with_bot(stub: BotApiStub, api: RawBotApi, chat_id: int = GROUP) -> None:
    """Alice and Bob's group; Alice added the bot; the membership updates are consumed."""
    stub.add_user(ALICE, "Alice")
    stub.add_user(BOB, "Bob", username="bob")
    if chat_id < -(10**12):
        stub.add_group(chat_id, "Physio club", [ALICE, BOB], chat_type="supergroup")
    else:
        stub.add_group(chat_id, "Physio team", [ALICE, BOB])
    await stub.add_bot_to_group(chat_id, by=ALICE)
    await fetch(api)


def refused(body: dict[str, Any], status: int, description: str) -> bool:
    return body == {"ok": False, "error_code": status, "description": description}


# -- groups ---------------------------------------------------------------------------------


async def test_adding_the_bot_to_a_group_sends_my_chat_member_then_the_service_message(
    stub: BotApiStub, api: RawBotApi, clock: ManualClock
) -> None:
    stub.add_user(ALICE, "Alice")
    stub.add_group(GROUP, "Physio team", [ALICE, BOB])

    returned = await stub.add_bot_to_group(GROUP, by=ALICE)
    member_update, service = await fetch(api)

    assert returned == member_update
    group_chat = {"id": GROUP, "type": "group", "title": "Physio team"}
    assert member_update["my_chat_member"] == {
        "chat": group_chat,
        "from": {"id": ALICE, "is_bot": False, "first_name": "Alice", "language_code": "en"},
        "date": int(clock()),
        "old_chat_member": {"user": BOT, "status": "left"},
        "new_chat_member": {"user": BOT, "status": "member"},
    }
    assert service["message"]["chat"] == group_chat
    assert service["message"]["from"]["id"] == ALICE
    assert service["message"]["new_chat_members"] == [BOT]
    view = stub.group(GROUP)
    assert isinstance(view, GroupView)
    assert (view.chat_id, view.type, view.title) == (GROUP, "group", "Physio team")
    assert view.member_ids == (ALICE, BOB) and view.bot_is_member


async def test_a_command_addressed_to_the_bot_arrives_from_the_member_in_the_group(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)

    returned = await stub.send_text(BOB, "/export@backstep_test_bot csv", chat_id=GROUP)
    (update,) = await fetch(api)

    assert update == returned
    message = update["message"]
    assert message["chat"] == {"id": GROUP, "type": "group", "title": "Physio team"}
    assert message["from"] == {
        "id": BOB,
        "is_bot": False,
        "first_name": "Bob",
        "username": "bob",
        "language_code": "en",
    }
    command = "/export@backstep_test_bot"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": len(command)}]
    assert message["text"][: message["entities"][0]["length"]] == command
    assert [m.sender_id for m in stub.group(GROUP).user_messages][-1] == BOB


async def test_privacy_mode_hides_chatter_and_other_bots_commands_but_not_replies(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    posted = await api.ok("sendMessage", chat_id=GROUP, text="Who wants the export?")

    await stub.send_text(ALICE, "hello everyone", chat_id=GROUP)
    await stub.send_text(BOB, "/export@some_other_bot", chat_id=GROUP)
    await stub.send_sticker(BOB, chat_id=GROUP)
    await stub.send_text(ALICE, "/export", chat_id=GROUP)
    await stub.send_text(BOB, "me please", chat_id=GROUP, reply_to=posted["message_id"])
    delivered = await fetch(api)

    assert [u["message"]["text"] for u in delivered] == ["/export", "me please"]
    reply = delivered[1]["message"]["reply_to_message"]
    assert reply["message_id"] == posted["message_id"] and reply["from"] == BOT
    # The members see everything that was said.
    assert [m.kind for m in stub.group(GROUP).user_messages][-5:] == [
        "text",
        "text",
        "sticker",
        "text",
        "text",
    ]


async def test_without_privacy_mode_the_bot_reads_every_group_message() -> None:
    async with (
        BotApiStub(TOKEN, group_privacy=False) as stub,
        httpx.AsyncClient(timeout=10) as http,
    ):
        api = RawBotApi(http, f"{stub.base_url}{TOKEN}")
        await group_with_bot(stub, api)

        await stub.send_text(ALICE, "hello everyone", chat_id=GROUP)

        assert (await api.ok("getMe"))["can_read_all_group_messages"] is True
        assert [u["message"]["text"] for u in await fetch(api)] == ["hello everyone"]


async def test_the_bot_posts_into_the_group_and_tests_read_it_there(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    stub.add_user(CAROL, "Carol")  # her private chat stays empty

    sent = await api.ok("sendMessage", chat_id=GROUP, text="Weekly export", reply_markup=KEYBOARD)
    by_string_id = await api.ok("sendMessage", chat_id=str(GROUP), text="Done")

    check_shape("Message", sent)
    assert sent["chat"] == {"id": GROUP, "type": "group", "title": "Physio team"}
    assert sent["from"] == BOT
    assert by_string_id["message_id"] == sent["message_id"] + 1
    first = await stub.next_message(GROUP)
    assert first.text == "Weekly export" and first.button("Export") == "export:csv"
    assert (await stub.next_message(GROUP)).text == "Done"
    assert stub.group(GROUP).texts == ["Weekly export", "Done"]
    assert stub.chat(CAROL).messages == ()


async def test_a_member_presses_a_button_under_the_bots_group_message(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    sent = await api.ok("sendMessage", chat_id=GROUP, text="Export?", reply_markup=KEYBOARD)

    returned = await stub.press(BOB, sent["message_id"], "export:csv", chat_id=GROUP)
    (update,) = await fetch(api)
    await api.ok("answerCallbackQuery", callback_query_id=update["callback_query"]["id"], text="OK")

    query = update["callback_query"]
    assert update == returned
    assert query["from"]["id"] == BOB
    assert query["message"]["chat"]["id"] == GROUP
    assert query["message"]["message_id"] == sent["message_id"]
    assert query["message"]["reply_markup"] == KEYBOARD
    answer = await stub.next_answer(GROUP)
    assert (answer.text, answer.user_id, answer.data) == ("OK", BOB, "export:csv")
    assert stub.group(GROUP).callback_answers == (answer,)
    with pytest.raises(StubRefusal, match="not a member"):
        await stub.press(CAROL, sent["message_id"], "export:csv", chat_id=GROUP)
    with pytest.raises(StubRefusal, match="no button"):
        await stub.press(BOB, sent["message_id"], "forged", chat_id=GROUP)
    forged = await stub.inject_callback(BOB, sent["message_id"], "forged", chat_id=GROUP)
    assert forged["callback_query"]["message"]["chat"]["id"] == GROUP


async def test_the_bot_leaves_a_group_and_then_cannot_post_there(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    await group_with_bot(stub, api)

    assert await api.ok("leaveChat", chat_id=GROUP) is True
    (update,) = await fetch(api)
    status, body = await api.call("sendMessage", chat_id=GROUP, text="still here?")
    _, private = await api.call("leaveChat", chat_id=alice_chat)
    await stub.send_text(ALICE, "/export@backstep_test_bot", chat_id=GROUP)

    assert update["my_chat_member"]["from"] == BOT
    assert update["my_chat_member"]["old_chat_member"]["status"] == "member"
    assert update["my_chat_member"]["new_chat_member"] == {"user": BOT, "status": "left"}
    assert status == 403
    assert refused(body, 403, "Forbidden: bot is not a member of the group chat")
    assert refused(
        private, 400, "Bad Request: chat member status can't be changed in private chats"
    )
    assert await fetch(api) == []  # a group the bot is not in tells it nothing
    assert stub.group(GROUP).bot_status == "left" and not stub.group(GROUP).bot_is_member
    assert (await stub.next_event(GROUP, kinds={"leave"})).kind == "leave"


async def test_a_member_removes_the_bot_from_a_group_and_from_a_supergroup(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api, GROUP)
    await group_with_bot(stub, api, SUPERGROUP)

    await stub.remove_bot_from_group(GROUP, by=BOB)
    await stub.remove_bot_from_group(SUPERGROUP, by=BOB)
    group_left, group_service, super_kicked, super_service = await fetch(api)
    _, group_body = await api.call("sendMessage", chat_id=GROUP, text="hi")
    _, super_body = await api.call("sendChatAction", chat_id=SUPERGROUP, action="typing")

    # A basic group has no ban list: the bot is just "left" there.
    assert group_left["my_chat_member"]["new_chat_member"] == {"user": BOT, "status": "left"}
    assert super_kicked["my_chat_member"]["chat"]["type"] == "supergroup"
    assert super_kicked["my_chat_member"]["new_chat_member"] == {
        "user": BOT,
        "status": "kicked",
        "until_date": 0,
    }
    assert group_service["message"]["left_chat_member"] == BOT
    assert super_service["message"]["from"]["id"] == BOB
    assert refused(group_body, 403, "Forbidden: bot was kicked from the group chat")
    assert refused(super_body, 403, "Forbidden: bot was kicked from the supergroup chat")
    assert stub.group(SUPERGROUP).bot_status == "kicked"


async def test_group_ids_usernames_and_unknown_groups_are_telegrams(
    stub: BotApiStub, api: RawBotApi
) -> None:
    stub.add_group(-555, "Never joined", [ALICE])
    stub.add_group(
        SUPERGROUP, "Public club", [ALICE], chat_type="supergroup", username="physio_club"
    )
    await stub.add_bot_to_group(SUPERGROUP, by=ALICE)

    _, unseen = await api.call("sendMessage", chat_id=-555, text="hi")
    by_name = await api.ok("sendMessage", chat_id="@Physio_Club", text="hi")

    assert refused(unseen, 400, "Bad Request: chat not found")
    assert by_name["chat"] == {
        "id": SUPERGROUP,
        "type": "supergroup",
        "title": "Public club",
        "username": "physio_club",
    }
    with pytest.raises(StubRefusal, match="supergroup's id"):
        stub.add_group(-42, "Wrong", chat_type="supergroup")
    with pytest.raises(StubRefusal, match="basic group's id"):
        stub.add_group(SUPERGROUP - 1, "Wrong")
    with pytest.raises(StubRefusal, match="not a member"):
        await stub.send_text(BOB, "let me in", chat_id=SUPERGROUP)
    with pytest.raises(StubRefusal, match="is a group"):
        await stub.send_text(SUPERGROUP, "a group is not a user")


async def test_the_bot_deletes_its_own_group_messages_but_not_members_ones(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    sent = await api.ok("sendMessage", chat_id=GROUP, text="Oops")
    alices = await stub.send_text(ALICE, "/export", chat_id=GROUP)

    assert await api.ok("deleteMessage", chat_id=GROUP, message_id=sent["message_id"]) is True
    _, body = await api.call(
        "deleteMessage", chat_id=GROUP, message_id=alices["message"]["message_id"]
    )
    _, not_modified = await api.call(
        "editMessageText", chat_id=GROUP, message_id=alices["message"]["message_id"], text="x"
    )

    assert refused(body, 400, "Bad Request: message can't be deleted")
    assert refused(not_modified, 400, "Bad Request: message can't be edited")


async def test_an_edit_to_the_same_group_text_and_markup_is_not_modified(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    sent = await api.ok("sendMessage", chat_id=GROUP, text="Same", reply_markup=KEYBOARD)

    _, body = await api.call(
        "editMessageText",
        chat_id=GROUP,
        message_id=sent["message_id"],
        text="Same",
        reply_markup=KEYBOARD,
    )

    assert refused(
        body,
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )


# -- edited messages ------------------------------------------------------------------------


async def test_a_user_edits_a_text_and_the_bot_gets_edited_message(
    stub: BotApiStub, api: RawBotApi, clock: ManualClock
) -> None:
    sent = await stub.send_text(ALICE, "my back hurts 5/10", first_name="Alice")
    await fetch(api)
    clock.advance(90)

    returned = await stub.edit_text(ALICE, sent["message"]["message_id"], "/pain 6")
    (update,) = await fetch(api)

    assert update == returned
    edited = update["edited_message"]
    assert edited["message_id"] == sent["message"]["message_id"]
    assert edited["date"] == sent["message"]["date"]
    assert edited["edit_date"] == sent["message"]["date"] + 90
    assert edited["text"] == "/pain 6"
    assert edited["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert stub.chat(ALICE).messages[0].text == "/pain 6"
    assert stub.unread_events(ALICE, kinds={"user_edit"})[0].message is not None


async def test_edits_are_delivered_only_when_allowed_updates_include_them(
    stub: BotApiStub, api: RawBotApi
) -> None:
    sent = await stub.send_text(ALICE, "first")
    await api.ok("getUpdates", allowed_updates=["message"])
    await fetch(api)

    await stub.edit_text(ALICE, sent["message"]["message_id"], "second")
    assert stub.pending_updates == 0

    await api.ok("getUpdates", allowed_updates=[])  # back to Telegram's default set
    await stub.edit_text(ALICE, sent["message"]["message_id"], "third")
    assert [kind_of(u) for u in await fetch(api)] == ["edited_message"]


async def test_only_the_author_edits_and_only_what_the_bot_saw_is_delivered(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    chatter = await stub.send_text(ALICE, "hello", chat_id=GROUP)
    command = await stub.send_text(ALICE, "/export", chat_id=GROUP)
    bots = await api.ok("sendMessage", chat_id=GROUP, text="Here")
    await fetch(api)

    await stub.edit_text(ALICE, chatter["message"]["message_id"], "hello all", chat_id=GROUP)
    await stub.edit_text(ALICE, command["message"]["message_id"], "/export csv", chat_id=GROUP)
    (update,) = await fetch(api)

    assert update["edited_message"]["text"] == "/export csv"
    assert update["edited_message"]["chat"]["id"] == GROUP
    assert update["edited_message"]["from"]["id"] == ALICE
    with pytest.raises(StubRefusal, match="of their own"):
        await stub.edit_text(BOB, command["message"]["message_id"], "mine", chat_id=GROUP)
    with pytest.raises(StubRefusal, match="of their own"):
        await stub.edit_text(ALICE, bots["message_id"], "mine", chat_id=GROUP)
    with pytest.raises(StubRefusal, match="unchanged"):
        await stub.edit_text(ALICE, command["message"]["message_id"], "/export csv", chat_id=GROUP)


# -- media from users -----------------------------------------------------------------------


async def test_a_user_sends_a_photo_the_bot_can_download(
    stub: BotApiStub, api: RawBotApi, http: httpx.AsyncClient
) -> None:
    png = tiny_png(800, 600)

    await stub.send_photo(ALICE, png, caption="/progress my knee")
    (update,) = await fetch(api)

    message = update["message"]
    sizes = message["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (800, 600)]
    assert all(
        set(s) == {"file_id", "file_unique_id", "file_size", "width", "height"} for s in sizes
    )
    assert sizes[-1]["file_id"].startswith("AgAC")
    assert message["caption"] == "/progress my knee"
    assert message["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 9}]
    file = await api.ok("getFile", file_id=sizes[-1]["file_id"])
    check_shape("File", file)
    download = await http.get(f"{stub.base_file_url}{TOKEN}/{file['file_path']}")
    assert download.content == png
    assert stub.chat(ALICE).user_messages[0].kind == "photo"
    with pytest.raises(StubRefusal, match="PNG, JPEG"):
        await stub.send_photo(ALICE, b"not an image")


async def test_a_user_sends_a_sticker_a_voice_note_and_a_document(
    stub: BotApiStub, api: RawBotApi, http: httpx.AsyncClient
) -> None:
    await stub.send_sticker(ALICE, "🙂", set_name="Backs")
    await stub.send_sticker(ALICE, sticker_format="animated")
    await stub.send_voice(ALICE, duration=7, caption="how it feels")
    await stub.send_document(ALICE, b"date,pain\n2025-01-01,4\n", "log.csv")
    sticker, animated, voice, document = (u["message"] for u in await fetch(api))

    assert sticker["sticker"] == {
        "file_id": sticker["sticker"]["file_id"],
        "file_unique_id": sticker["sticker"]["file_unique_id"],
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "🙂",
        "set_name": "Backs",
        "file_size": sticker["sticker"]["file_size"],
    }
    assert sticker["sticker"]["file_id"].startswith("CAAC")
    assert animated["sticker"]["is_animated"] is True
    assert voice["voice"]["duration"] == 7
    assert voice["voice"]["mime_type"] == "audio/ogg"
    assert voice["voice"]["file_id"].startswith("AwAC")
    assert voice["caption"] == "how it feels"
    assert document["document"]["file_name"] == "log.csv"
    assert document["document"]["mime_type"] == "text/csv"
    assert document["document"]["file_size"] == len(b"date,pain\n2025-01-01,4\n")
    voice_file = await api.ok("getFile", file_id=voice["voice"]["file_id"])
    sticker_file = await api.ok("getFile", file_id=sticker["sticker"]["file_id"])
    doc_file = await api.ok("getFile", file_id=document["document"]["file_id"])
    assert voice_file["file_path"].startswith("voice/") and voice_file["file_path"].endswith(".oga")
    assert sticker_file["file_path"].startswith("stickers/")
    served = await http.get(f"{stub.base_file_url}{TOKEN}/{doc_file['file_path']}")
    assert served.content == b"date,pain\n2025-01-01,4\n"
    assert [m.kind for m in stub.chat(ALICE).user_messages] == [
        "sticker",
        "sticker",
        "voice",
        "document",
    ]


async def test_media_in_a_group_carries_the_group_and_the_sender(
    stub: BotApiStub, api: RawBotApi
) -> None:
    await group_with_bot(stub, api)
    posted = await api.ok("sendMessage", chat_id=GROUP, text="Send your charts")

    await stub.send_photo(BOB, chat_id=GROUP, reply_to=posted["message_id"])
    await stub.send_document(BOB, b"%PDF-1.4", "chart.pdf", chat_id=GROUP, caption="/export")
    photo, document = (u["message"] for u in await fetch(api))

    assert photo["chat"]["id"] == GROUP and photo["from"]["id"] == BOB
    assert photo["photo"][-1]["width"] == 1280  # the default placeholder
    assert document["document"]["mime_type"] == "application/pdf"


# -- my_chat_member and allowed_updates -----------------------------------------------------


async def test_blocking_is_reported_only_to_a_bot_that_asked_for_my_chat_member(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    await api.ok("getUpdates", allowed_updates=["message", "callback_query"])
    await fetch(api)

    stub.block(alice_chat)
    stub.unblock(alice_chat)
    assert stub.pending_updates == 0

    await api.ok("getUpdates", allowed_updates=[])  # Telegram's default set has it
    stub.block(alice_chat)
    (blocked,) = await fetch(api)
    assert blocked["my_chat_member"]["new_chat_member"] == {
        "user": BOT,
        "status": "kicked",
        "until_date": 0,
    }
    assert blocked["my_chat_member"]["chat"]["type"] == "private"


def test_the_opt_in_update_types_are_those_api_json_leaves_out_by_default() -> None:
    methods = json.loads(API_JSON.read_text(encoding="utf-8"))["methods"]
    field = next(f for f in methods["getUpdates"]["fields"] if f["name"] == "allowed_updates")
    match = re.search(r"all update types except ([a-z_, ]+?) \(default\)", field["description"])

    assert match is not None
    listed = {name.strip() for name in re.split(r",|\band\b", match.group(1)) if name.strip()}
    assert listed == OPT_IN_UPDATES == {"chat_member", "message_reaction", "message_reaction_count"}


# -- the real python-telegram-bot in a group ------------------------------------------------


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_chat is not None
    await update.effective_message.reply_text(
        f"Export for {update.effective_chat.title} ({' '.join(context.args or [])})"
    )


async def joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    member = update.my_chat_member
    assert member is not None
    await context.bot.send_message(member.chat.id, f"Hello, {member.chat.title}!")


@pytest.fixture
async def ptb_app(stub: BotApiStub) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = ApplicationBuilder().token(TOKEN).base_url(stub.base_url).build()
    application.add_handler(CommandHandler("export", export))
    application.add_handler(ChatMemberHandler(joined, ChatMemberHandler.MY_CHAT_MEMBER))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


async def test_ptb_handles_a_join_and_an_addressed_command_in_a_group(
    stub: BotApiStub,
    ptb_app: Application,  # type: ignore[type-arg]
) -> None:
    stub.add_group(GROUP, "Physio team", [ALICE, BOB])

    await stub.add_bot_to_group(GROUP, by=ALICE)
    hello = await stub.next_message(GROUP)
    await stub.send_text(BOB, "/export@backstep_test_bot csv", chat_id=GROUP)
    reply = await stub.next_message(GROUP)

    assert hello.text == "Hello, Physio team!"
    assert reply.text == "Export for Physio team (csv)"
    assert reply.reply_to_message_id is not None
    assert stub.message(GROUP, reply.reply_to_message_id).sender_id == BOB
    assert stub.internal_errors == []


def test_check_shape_refuses_what_api_json_does_not_describe() -> None:
    group = {"id": GROUP, "type": "group", "title": "Physio team"}
    banned_without_date = {"user": BOT, "status": "kicked"}
    update = {
        "chat": group,
        "from": BOT,
        "date": 1,
        "old_chat_member": {"user": BOT, "status": "member"},
        "new_chat_member": banned_without_date,
    }

    with pytest.raises(AssertionError, match='"until_date" must be present'):
        check_shape("ChatMemberUpdated", update)
    with pytest.raises(AssertionError, match='unknown field "new_chat_member"'):
        check_shape("Message", {"message_id": 1, "date": 1, "chat": group, "new_chat_member": BOT})
    with pytest.raises(AssertionError, match="no type"):
        check_shape("Nonsense", {})
