"""The stand-in refuses what Telegram refuses, with Telegram's status and wording."""

from __future__ import annotations

import json

import pytest

from bot.stub import BotApiStub, StubRefusal
from tests.stub.conftest import ALICE, BOB, TOKEN, ManualClock, RawBotApi

KEYBOARD = {"inline_keyboard": [[{"text": "I agree", "callback_data": "agree"}]]}


def bad_request(body: dict[str, object], description: str) -> bool:
    return body == {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


async def test_an_unknown_method_is_not_found(api: RawBotApi) -> None:
    status, body = await api.call("sendMesage", chat_id=ALICE, text="hi")

    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_method_names_are_case_insensitive_like_telegram(api: RawBotApi) -> None:
    me = await api.ok("GETME")

    assert me["id"] == 123456 and me["is_bot"] is True


async def test_a_malformed_token_is_not_found_and_a_wrong_one_unauthorized(
    stub: BotApiStub, http
) -> None:
    malformed = await http.post(f"{stub.base_url}not-a-token/getMe")
    wrong = await http.post(f"{stub.base_url}999:other/getMe")

    assert malformed.status_code == 404
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_an_unknown_parameter_is_refused(api: RawBotApi, alice_chat: int) -> None:
    status, body = await api.call("sendMessage", chat_id=alice_chat, text="hi", txt="typo")

    assert status == 400
    assert bad_request(body, 'unknown parameter "txt" for method sendMessage')


async def test_an_unknown_field_inside_a_button_is_refused(api: RawBotApi, alice_chat: int) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback": "go"}]]}

    status, body = await api.call("sendMessage", chat_id=alice_chat, text="hi", reply_markup=markup)

    assert status == 400
    assert bad_request(body, 'can\'t parse inline keyboard button: unknown field "callback"')


async def test_a_missing_required_parameter_is_refused(api: RawBotApi, alice_chat: int) -> None:
    _, no_chat = await api.call("sendMessage", text="hi")
    _, no_query = await api.call("answerCallbackQuery", text="hi")

    assert bad_request(no_chat, "chat_id is empty")
    assert bad_request(no_query, "callback_query_id is empty")


async def test_a_value_of_the_wrong_type_is_refused(api: RawBotApi, alice_chat: int) -> None:
    _, chat_as_object = await api.call("sendMessage", chat_id={"id": alice_chat}, text="hi")
    _, flag_as_word = await api.form(
        "sendMessage", {"chat_id": str(alice_chat), "text": "hi", "disable_notification": "maybe"}
    )
    _, data_as_number = await api.call(
        "sendMessage",
        chat_id=alice_chat,
        text="hi",
        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": 5}]]},
    )
    _, rows_not_array = await api.call(
        "sendMessage", chat_id=alice_chat, text="hi", reply_markup={"inline_keyboard": "Go"}
    )

    assert bad_request(chat_as_object, 'parameter "chat_id" must be of type Integer or String')
    assert bad_request(flag_as_word, 'parameter "disable_notification" must be of type Boolean')
    assert bad_request(
        data_as_number,
        'can\'t parse inline keyboard button: Field "callback_data" must be of type String',
    )
    assert bad_request(
        rows_not_array, 'can\'t parse inline keyboard: Field "inline_keyboard" must be an Array'
    )


async def test_an_empty_text_is_refused(api: RawBotApi, alice_chat: int) -> None:
    _, empty = await api.call("sendMessage", chat_id=alice_chat, text="")
    _, blank = await api.call("sendMessage", chat_id=alice_chat, text="  \n ")
    _, only_tags = await api.call(
        "sendMessage", chat_id=alice_chat, text="<b></b>", parse_mode="HTML"
    )

    for body in (empty, blank, only_tags):
        assert bad_request(body, "message text is empty")


async def test_a_text_of_4097_characters_is_too_long(api: RawBotApi, alice_chat: int) -> None:
    _, too_long = await api.call("sendMessage", chat_id=alice_chat, text="a" * 4097)
    at_limit = await api.ok("sendMessage", chat_id=alice_chat, text="a" * 4096)

    assert bad_request(too_long, "message is too long")
    assert len(at_limit["text"]) == 4096


async def test_text_length_counts_utf16_units_and_ignores_markup(
    api: RawBotApi, alice_chat: int
) -> None:
    # An emoji outside the BMP is two UTF-16 code units, as Telegram counts it.
    _, emoji_over = await api.call("sendMessage", chat_id=alice_chat, text="😀" * 2049)
    await api.ok("sendMessage", chat_id=alice_chat, text="😀" * 2048)
    # Tags do not count: 4096 visible characters inside <b> are fine.
    sent = await api.ok(
        "sendMessage", chat_id=alice_chat, text=f"<b>{'a' * 4096}</b>", parse_mode="HTML"
    )

    assert bad_request(emoji_over, "message is too long")
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]


async def test_a_caption_over_1024_characters_is_too_long(
    api: RawBotApi, alice_chat: int, png: bytes
) -> None:
    _, body = await api.form(
        "sendPhoto",
        {"chat_id": str(alice_chat), "caption": "c" * 1025},
        files={"photo": ("chart.png", png, "image/png")},
    )

    assert bad_request(body, "message caption is too long")


async def test_unbalanced_html_cannot_be_parsed(api: RawBotApi, alice_chat: int) -> None:
    _, unclosed = await api.call("sendMessage", chat_id=alice_chat, text="<b>hi", parse_mode="HTML")
    _, crossed = await api.call(
        "sendMessage", chat_id=alice_chat, text="<b><i>hi</b></i>", parse_mode="HTML"
    )
    _, raw_less_than = await api.call(
        "sendMessage", chat_id=alice_chat, text="pain < 5", parse_mode="HTML"
    )

    assert bad_request(
        unclosed, "can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    assert crossed["description"].startswith("Bad Request: can't parse entities: Unmatched end tag")
    assert raw_less_than["description"].startswith(
        "Bad Request: can't parse entities: Unsupported start tag"
    )


async def test_an_unescaped_markdown_v2_character_cannot_be_parsed(
    api: RawBotApi, alice_chat: int
) -> None:
    _, body = await api.call(
        "sendMessage", chat_id=alice_chat, text="Pain is 3/10.", parse_mode="MarkdownV2"
    )

    assert bad_request(
        body,
        "can't parse entities: Character '.' is reserved and must be escaped with the "
        "preceding '\\'",
    )


async def test_callback_data_of_65_bytes_is_invalid(api: RawBotApi, alice_chat: int) -> None:
    def keyboard(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}

    _, over = await api.call(
        "sendMessage", chat_id=alice_chat, text="hi", reply_markup=keyboard("x" * 65)
    )
    _, multibyte_over = await api.call(
        "sendMessage", chat_id=alice_chat, text="hi", reply_markup=keyboard("é" * 33)
    )
    _, empty = await api.call(
        "sendMessage", chat_id=alice_chat, text="hi", reply_markup=keyboard("")
    )
    await api.ok("sendMessage", chat_id=alice_chat, text="hi", reply_markup=keyboard("x" * 64))

    for body in (over, multibyte_over, empty):
        assert bad_request(body, "BUTTON_DATA_INVALID")


async def test_a_message_to_an_unknown_chat_is_refused(api: RawBotApi) -> None:
    _, body = await api.call("sendMessage", chat_id=424242, text="hi")

    assert bad_request(body, "chat not found")


async def test_editing_a_message_that_is_not_in_that_chat_is_refused(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    await stub.send_text(BOB, "hi", first_name="Bob")
    bobs = await api.ok("sendMessage", chat_id=BOB, text="for Bob only")

    _, missing = await api.call("editMessageText", chat_id=alice_chat, message_id=999, text="x")
    _, other_chat = await api.call(
        "editMessageText", chat_id=alice_chat, message_id=bobs["message_id"] + 50, text="x"
    )

    assert bad_request(missing, "message to edit not found")
    assert bad_request(other_chat, "message to edit not found")
    assert stub.message(BOB, bobs["message_id"]).text == "for Bob only"


async def test_an_edit_that_changes_nothing_is_refused(api: RawBotApi, alice_chat: int) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Same", reply_markup=KEYBOARD)

    _, body = await api.call(
        "editMessageText",
        chat_id=alice_chat,
        message_id=sent["message_id"],
        text="Same",
        reply_markup=KEYBOARD,
    )

    assert bad_request(
        body,
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message",
    )


async def test_answering_a_callback_query_twice_is_refused(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Agree?", reply_markup=KEYBOARD)
    update = await stub.press(alice_chat, sent["message_id"], "agree")
    query_id = update["callback_query"]["id"]

    assert await api.ok("answerCallbackQuery", callback_query_id=query_id) is True
    _, again = await api.call("answerCallbackQuery", callback_query_id=query_id)

    assert bad_request(
        again, "query is too old and response timeout expired or query ID is invalid"
    )


async def test_answering_a_callback_query_after_15_minutes_is_refused(
    stub: BotApiStub, api: RawBotApi, alice_chat: int, clock: ManualClock
) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Agree?", reply_markup=KEYBOARD)
    update = await stub.press(alice_chat, sent["message_id"], "agree")

    clock.advance(15 * 60 + 1)
    _, late = await api.call(
        "answerCallbackQuery", callback_query_id=update["callback_query"]["id"]
    )

    assert bad_request(late, "query is too old and response timeout expired or query ID is invalid")
    assert stub.callback_answers(alice_chat) == []


async def test_a_callback_answer_over_200_characters_is_refused(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Agree?", reply_markup=KEYBOARD)
    update = await stub.press(alice_chat, sent["message_id"], "agree")

    _, body = await api.call(
        "answerCallbackQuery", callback_query_id=update["callback_query"]["id"], text="t" * 201
    )

    assert bad_request(body, "MESSAGE_TOO_LONG")


async def test_a_user_cannot_press_a_button_that_is_not_there(
    stub: BotApiStub, api: RawBotApi, alice_chat: int
) -> None:
    sent = await api.ok("sendMessage", chat_id=alice_chat, text="Agree?", reply_markup=KEYBOARD)

    with pytest.raises(StubRefusal, match="no button with callback data 'admin'"):
        await stub.press(alice_chat, sent["message_id"], "admin")
    with pytest.raises(StubRefusal):
        await stub.press(alice_chat, 999, "agree")
    assert stub.pending_updates == 1  # only Alice's hello; nothing was delivered

    forged = await stub.inject_callback(alice_chat, sent["message_id"], "admin")

    assert forged["callback_query"]["data"] == "admin"
    assert stub.pending_updates == 2


async def test_a_bot_command_scope_is_checked_by_its_type(api: RawBotApi) -> None:
    commands = [{"command": "start", "description": "Begin"}]

    await api.ok("setMyCommands", commands=commands, scope={"type": "chat", "chat_id": ALICE})
    _, bogus = await api.call("setMyCommands", commands=commands, scope={"type": "bogus"})
    _, chat_without_id = await api.call("setMyCommands", commands=commands, scope={"type": "chat"})
    _, bad_name = await api.call(
        "setMyCommands", commands=[{"command": "Start!", "description": "x"}]
    )

    assert bogus["error_code"] == 400
    assert bad_request(
        chat_without_id, 'can\'t parse BotCommandScopeChat: Field "chat_id" must be present'
    )
    assert bad_request(bad_name, "BOT_COMMAND_INVALID")


async def test_form_and_query_encodings_are_accepted_as_telegram_accepts_them(
    stub: BotApiStub, api: RawBotApi, http, alice_chat: int
) -> None:
    _, by_form = await api.form(
        "sendMessage",
        {"chat_id": str(alice_chat), "text": "form", "reply_markup": json.dumps(KEYBOARD)},
    )
    by_query = (
        await http.get(
            f"{stub.base_url}{TOKEN}/sendMessage", params={"chat_id": alice_chat, "text": "q"}
        )
    ).json()

    assert by_form["result"]["reply_markup"] == KEYBOARD
    assert by_query["result"]["text"] == "q"
    assert [m.text for m in stub.chat(alice_chat).bot_messages] == ["form", "q"]
