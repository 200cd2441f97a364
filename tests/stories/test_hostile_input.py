"""Stories of input the bot did not ask for: groups, forged buttons, a flaky Telegram, edits,
photos and stickers, and users who block the bot. Nothing of it may leak health data, crash a
turn, lose a reply or move a dialog on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.content.texts import t
from bot.stub.chat import CallbackAnswer, ChatMessage
from storage.models import Dialog, HandledUpdate, PainReport, SessionStep, SymptomAnswer, User
from tests.harness import BotUnderTest, running_bot
from tests.stories.helpers import answer_questionnaires, onboard, start_session

MIA = 7001  # writes to the bot in a group first
LEO = 7002  # a client that forges button data
ZOE = 7003  # on a day Telegram is flaky
NOA = 7004  # edits what she already sent
ELI = 7005  # sends photos, stickers and voice notes
IDA = 7006  # blocks the bot, then comes back

DR_LEE = 7999  # a clinician

GROUP = -4007001  # a basic group
OFFICE = -1001234567890  # a supergroup someone adds the bot to
CLINIC = -1009876543210  # the clinicians' chat of the operator

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def bot_username(bot: BotUnderTest) -> str:
    assert bot.app is not None
    username: str = bot.app.bot.username
    return username


def private_chat_link(bot: BotUnderTest) -> str:
    return f"https://t.me/{bot_username(bot)}?start=from_group"


def assert_points_to_private_chat(bot: BotUnderTest, message: ChatMessage) -> None:
    assert message.text == t("private_only")
    assert [(b.text, b.url) for row in message.buttons for b in row] == [
        (t("private_only_button"), private_chat_link(bot))
    ]


async def where(bot: BotUnderTest, user: int) -> tuple[str, str, int]:
    """The user's place in the conversation: flow, step and dialog version."""
    async with bot.db.transaction() as tx:
        dialog = await tx.get(Dialog, user)
        assert dialog is not None
        return dialog.flow, dialog.step, dialog.version


async def pain_reports(bot: BotUnderTest) -> list[tuple[str, int]]:
    async with bot.db.transaction() as tx:
        rows = (await tx.execute(select(PainReport.kind, PainReport.score))).all()
        return [(kind, score) for kind, score in rows]


async def load_user(bot: BotUnderTest, user_id: int) -> User:
    async with bot.db.transaction() as tx:
        user = await tx.get(User, user_id)
        assert user is not None
        return user


async def owed_replies(bot: BotUnderTest) -> list[HandledUpdate]:
    async with bot.db.transaction() as tx:
        owed = await tx.execute(select(HandledUpdate).where(HandledUpdate.replies.is_not(None)))
        return list(owed.scalars().all())


def never_said_sorry(bot: BotUnderTest, chat_id: int) -> bool:
    return t("error") not in bot.stub.chat(chat_id).texts


def forward(step: ChatMessage) -> str:
    """The label that moves an exercise on: Next, or Done on its last step."""
    return "Next" if step.has_button("Next") else "Done"


# -- health data never goes to a group ------------------------------------------------------


async def test_health_commands_in_a_group_get_only_a_pointer_to_the_private_chat(
    bot: BotUnderTest,
) -> None:
    bot.stub.add_group(GROUP, "Back pain club", with_bot=True)
    bot.stub.add_group_member(GROUP, MIA, "Mia")
    name = bot_username(bot)

    # Mia asks for her data, and for today's session, in front of the whole group.
    for command in (f"/export@{name}", f"/today@{name}", "/today"):
        await bot.stub.send_text(MIA, command, chat_id=GROUP)
        pointer = await bot.stub.next_message(GROUP)
        assert_points_to_private_chat(bot, pointer)
    # A command for another bot is not ours to answer.
    await bot.stub.send_text(MIA, "/export@some_other_bot", chat_id=GROUP)
    # A tap in the group (here on forged data) is answered with the same line, nothing more.
    await bot.stub.inject_callback(MIA, pointer.message_id, "onboard:1:agree", chat_id=GROUP)
    answer = await bot.stub.next_answer(GROUP)
    assert answer.text == t("private_only") and answer.user_id == MIA

    await bot.handled()
    group = bot.stub.group(GROUP)
    assert [m.text for m in group.bot_messages] == [t("private_only")] * 3
    assert all(m.kind == "text" for m in group.bot_messages), "no export document in a group"
    assert bot.stub.unread_events(GROUP) == []
    assert bot.stub.chat(MIA).bot_messages == [], "nothing was sent to her privately either"
    async with bot.db.transaction() as tx:
        assert (await tx.execute(select(User))).scalars().all() == [], "no row of the sender"
        assert (await tx.execute(select(HandledUpdate))).scalars().all() == []

    # She taps the button: her private chat opens with /start, and onboarding begins there.
    welcome = await bot.send(MIA, "/start from_group", first_name="Mia")
    assert welcome.text == t("welcome", name="Mia")
    assert welcome.has_button(t("consent_yes"))
    user = await load_user(bot, MIA)
    assert user.chat_id == MIA and user.consent_at is None
    await bot.handled()
    assert bot.stub.unread_events(GROUP) == [], "the private /start said nothing in the group"


async def test_added_to_a_group_it_says_where_to_talk_once_and_leaves(bot: BotUnderTest) -> None:
    bot.stub.add_group(OFFICE, "Office", members=[MIA], chat_type="supergroup")
    await bot.stub.add_bot_to_group(OFFICE, by=MIA)

    pointer = await bot.stub.next_message(OFFICE)
    assert_points_to_private_chat(bot, pointer)
    await bot.stub.next_event(OFFICE, kinds={"leave"})

    await bot.handled()
    office = bot.stub.group(OFFICE)
    assert office.bot_status == "left" and not office.bot_is_member
    assert [m.text for m in office.bot_messages] == [t("private_only")], "said once"
    async with bot.db.transaction() as tx:
        assert (await tx.execute(select(User))).scalars().all() == []


@pytest.fixture
async def clinic_bot(database_url: str) -> AsyncIterator[BotUnderTest]:
    async with running_bot(database_url, clinician_chat_id=CLINIC) as bot:
        bot.stub.add_group(CLINIC, "Clinic", chat_type="supergroup", with_bot=True)
        bot.stub.add_group_member(CLINIC, DR_LEE, "Dr Lee")
        yield bot


async def test_the_clinicians_chat_is_the_one_group_it_stays_in_and_it_acts_on_nothing_there(
    clinic_bot: BotUnderTest,
) -> None:
    bot = clinic_bot
    await bot.stub.send_text(DR_LEE, f"/export@{bot_username(bot)}", chat_id=CLINIC)
    await bot.stub.send_text(DR_LEE, "/start", chat_id=CLINIC)
    await bot.handled()
    clinic = bot.stub.group(CLINIC)
    assert clinic.bot_messages == [] and clinic.bot_is_member
    async with bot.db.transaction() as tx:
        assert (await tx.execute(select(User))).scalars().all() == []


# -- forged button data ---------------------------------------------------------------------


async def forge(bot: BotUnderTest, user: int, message: ChatMessage, data: str) -> CallbackAnswer:
    """A modified client presses ``data`` under ``message``; returns the bot's answer."""
    await bot.stub.inject_callback(user, message.message_id, data)
    answer = await bot.stub.next_answer(user)  # the spinner stops
    assert answer.data == data
    return answer


def forgeries(real: str, digit_action: str) -> list[str]:
    """Unicode digits where the bot reads numbers: in the version, and in ``digit_action``
    (e.g. ``pain.{}``) under the current version."""
    flow, version, action = real.split(":", 2)
    return [
        *(f"{flow}:{version}:{digit_action.format(d)}" for d in ("²", "①", "٧", "７", "1０")),
        f"{flow}:{version}:{digit_action.format('9' * 12)}",
        f"{flow}:{version.translate(FULLWIDTH)}:{action}",
        f"{flow}:{version.translate(ARABIC_INDIC)}:{action}",
        f"{flow}:{version}²:{action}",
    ]


async def assert_question_still_shown(bot: BotUnderTest, user: int, question: ChatMessage) -> None:
    """Whatever the bot showed after forged taps is the question itself, unchanged."""
    for shown in await bot.unread(user):
        assert (shown.text, shown.button_rows) == (question.text, question.button_rows)
    now = bot.stub.message(user, question.message_id)
    assert (now.text, now.button_rows) == (question.text, question.button_rows)
    assert never_said_sorry(bot, user)


async def test_forged_digits_at_the_red_flag_screen_and_the_pain_scale_store_nothing(
    bot: BotUnderTest,
) -> None:
    greeting = await bot.send(LEO, "/start")
    screen = await bot.tap(LEO, greeting, t("consent_yes"))
    picker = await bot.tap(LEO, screen, t("screen_some"))
    assert "☑" not in picker.text
    before = await where(bot, LEO)

    for data in forgeries(picker.button_rows[0][0][1] or "", "pick.{}"):
        answer = await forge(bot, LEO, picker, data)
        assert answer.text in (None, t("unknown_button")), data
    await assert_question_still_shown(bot, LEO, picker)
    assert await where(bot, LEO) == before
    async with bot.db.transaction() as tx:
        assert (await tx.execute(select(SymptomAnswer))).scalars().all() == []
        dialog = await tx.get(Dialog, LEO)
        assert dialog is not None and dialog.payload["picked"] == []

    # The real buttons still work: none apply after all, on to the pain scale.
    baseline = await bot.tap(LEO, picker, t("screen_back"))
    assert baseline.text == t("baseline_ask")
    [closed] = [m for m in bot.bot_messages(LEO) if m.message_id == picker.message_id]
    assert closed.text == t("echo.screen_none")
    before = await where(bot, LEO)

    for data in forgeries(baseline.button("7"), "pain.{}"):
        answer = await forge(bot, LEO, baseline, data)
        assert answer.text in (None, t("unknown_button")), data
    await assert_question_still_shown(bot, LEO, baseline)
    assert await where(bot, LEO) == before
    assert await pain_reports(bot) == []

    reach = await bot.tap(LEO, baseline, "3")
    assert reach.text == t("reach_ask")
    assert await pain_reports(bot) == [("onboarding", 3)]


async def test_forged_digits_during_a_session_store_nothing(bot: BotUnderTest) -> None:
    summary = await onboard(bot, LEO)
    ask = await bot.tap(LEO, summary, "Start today's session")
    assert ask.text == t("session_pain_before")
    reports = await pain_reports(bot)

    for data in forgeries(ask.button("5"), "pain.{}"):
        answer = await forge(bot, LEO, ask, data)
        assert answer.text in (None, t("unknown_button")), data
    await assert_question_still_shown(bot, LEO, ask)
    assert await pain_reports(bot) == reports

    step = await bot.tap(LEO, ask, "2")
    assert step.text.startswith("Exercise 1 of")
    before = await where(bot, LEO)
    # A pain scale action where the step has none, and the step's own buttons, forged.
    for data in forgeries(step.button(forward(step)), "pain.{}"):
        answer = await forge(bot, LEO, step, data)
        assert answer.text in (None, t("unknown_button")), data
    await assert_question_still_shown(bot, LEO, step)
    assert await where(bot, LEO) == before
    async with bot.db.transaction() as tx:
        assert (await tx.execute(select(SessionStep))).scalars().all() == []

    hurt = await bot.tap(LEO, step, "Too painful")
    before = await where(bot, LEO)
    for data in forgeries(hurt.button("4"), "pain.{}"):
        await forge(bot, LEO, hurt, data)
    await assert_question_still_shown(bot, LEO, hurt)
    assert await where(bot, LEO) == before
    noted = await bot.tap(LEO, hurt, "4")
    assert "I've stopped" in noted.text
    assert ("during_exercise", 4) in await pain_reports(bot)
    assert never_said_sorry(bot, LEO)


# -- replies are never dropped --------------------------------------------------------------


async def test_a_step_refused_for_a_while_arrives_later_and_before_the_next_reply(
    bot: BotUnderTest,
) -> None:
    step = await start_session(bot, ZOE, await onboard(bot, ZOE))
    await bot.handled()
    edits_before = bot.stub.stats.requests["editMessageText"]

    # Telegram answers 502 to the next six edits: the step's reply is owed, not lost.
    bot.stub.fail_next("editMessageText", status=502, times=6)
    await bot.stub.press(ZOE, step.message_id, step.button(forward(step)))
    await bot.stub.next_answer(ZOE)  # the spinner stops at once
    assert await bot.unread(ZOE) == []

    # Meanwhile she asks where she is: that reply queues behind the owed one.
    await bot.stub.send_text(ZOE, "/today")
    assert await bot.unread(ZOE) == []

    # The outbox job retries once per pass, backing off; five more refusals.
    for _ in range(5):
        bot.clock.advance(timedelta(minutes=15))
        assert await bot.send_owed_replies() == 0
        assert await bot.unread(ZOE) == []
    bot.clock.advance(timedelta(minutes=15))
    assert await bot.send_owed_replies() == 2
    assert bot.stub.stats.requests["editMessageText"] - edits_before == 7, "one try each"

    moved_on = await bot.stub.next_event(ZOE, kinds={"message", "edit"})
    assert moved_on.kind == "edit" and moved_on.message is not None
    assert moved_on.message.message_id == step.message_id
    assert moved_on.message.text != step.text
    current = await bot.next(ZOE)
    assert current.message_id != step.message_id, "a new card at the bottom"
    assert current.text == moved_on.message.text, "/today shows the step she is at"
    assert len(await bot.live_cards(ZOE)) == 1, "the card above lost its buttons"
    assert await bot.unread(ZOE) == []
    assert never_said_sorry(bot, ZOE)

    assert await owed_replies(bot) == []
    assert (await load_user(bot, ZOE)).replies_pending is False

    # And the day goes on as usual: the next reply goes straight out.
    after = await bot.tap(ZOE, current, forward(current))
    assert after.text != current.text


async def test_a_429_is_honoured_and_the_reply_sent_once_its_wait_is_over(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, ZOE)
    await bot.handled()
    sends_before = bot.stub.stats.requests["sendMessage"]

    bot.stub.fail_next("sendMessage", status=429, retry_after=7)
    await bot.stub.send_text(ZOE, "/help")
    assert await bot.unread(ZOE) == []

    bot.clock.advance(timedelta(seconds=6))
    assert await bot.send_owed_replies() == 0
    assert bot.stub.stats.requests["sendMessage"] - sends_before == 1, "not tried before 7 s"
    assert await bot.unread(ZOE) == []

    bot.clock.advance(timedelta(seconds=1))
    assert await bot.send_owed_replies() == 1
    helped = await bot.stub.next_message(ZOE)
    assert helped.text == t("help").strip()
    assert await bot.unread(ZOE) == []


async def test_a_dropped_connection_delays_a_reply_and_never_loses_it(bot: BotUnderTest) -> None:
    await onboard(bot, ZOE)
    bot.stub.drop_next("sendMessage")
    await bot.stub.send_text(ZOE, "/help")
    assert await bot.unread(ZOE) == []

    bot.clock.advance(timedelta(seconds=1))
    assert await bot.send_owed_replies() == 1
    helped = await bot.stub.next_message(ZOE)
    assert helped.text == t("help").strip()
    assert never_said_sorry(bot, ZOE)


@pytest.mark.logs_errors("a reply given up after 24 hours is logged as one ERROR by design")
async def test_a_reply_refused_for_24_hours_expires_with_one_error_and_is_never_sent(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(bot, ZOE)
    bot.stub.fail_next("sendMessage", status=500, times=10_000)
    await bot.stub.send_text(ZOE, "/privacy")
    assert await bot.unread(ZOE) == []

    caplog.clear()
    bot.clock.advance(timedelta(hours=12))
    assert await bot.send_owed_replies() == 0, "still refused, still owed"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []

    bot.clock.advance(timedelta(hours=12))
    assert await bot.send_owed_replies() == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "expired" in errors[0].getMessage()

    # Telegram recovers; the expired reply is not sent any more...
    bot.stub.clear_faults()
    bot.clock.advance(timedelta(minutes=30))
    assert await bot.send_owed_replies() == 0
    assert await bot.unread(ZOE) == []
    assert await owed_replies(bot) == []

    # ... and her next message is answered as usual, just once.
    helped = await bot.send(ZOE, "/help")
    assert helped.text == t("help").strip()
    assert await bot.unread(ZOE) == []
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


# -- edits, photos, stickers, voice notes ---------------------------------------------------


async def test_an_edited_answer_is_acknowledged_and_changes_nothing(bot: BotUnderTest) -> None:
    greeting = await bot.send(NOA, "/start")
    screen = await bot.tap(NOA, greeting, t("consent_yes"))
    baseline = await bot.tap(NOA, screen, t("screen_none"))
    assert baseline.text == t("baseline_ask")

    typed = await bot.stub.send_text(NOA, "3")
    reach = await bot.stub.next_message(NOA)
    assert reach.text == t("reach_ask")
    before = await where(bot, NOA)

    # She thinks better of it and edits her 3 into an 8: noted as said, nothing moves.
    await bot.stub.edit_text(NOA, typed["message"]["message_id"], "8")
    ignored = await bot.stub.next_message(NOA)
    assert ignored.text == t("edit_ignored")
    assert await bot.unread(NOA) == []
    assert await where(bot, NOA) == before
    assert await pain_reports(bot) == [("onboarding", 3)]

    # An old /start edited into /delete is not a command either.
    start_id = bot.stub.chat(NOA).user_messages[0].message_id
    await bot.stub.edit_text(NOA, start_id, "/delete")
    ignored = await bot.stub.next_message(NOA)
    assert ignored.text == t("edit_ignored")
    assert await bot.unread(NOA) == []
    assert await where(bot, NOA) == before

    # The question on screen still takes her answer.
    ask_time = await bot.tap(NOA, reach, "Buttock")
    assert "daily reminder" in ask_time.text
    user = await load_user(bot, NOA)
    assert user.baseline_pain == 3 and user.baseline_reach is not None
    assert never_said_sorry(bot, NOA)


async def test_photos_stickers_voice_notes_and_files_get_one_line_and_the_dialog_stays(
    bot: BotUnderTest,
) -> None:
    greeting = await bot.send(ELI, "/start")
    screen = await bot.tap(ELI, greeting, t("consent_yes"))
    baseline = await bot.tap(ELI, screen, t("screen_none"))

    async def unreadable(send: str) -> None:
        before = await where(bot, ELI)
        if send == "photo":
            await bot.stub.send_photo(ELI, caption="my MRI")
        elif send == "sticker":
            await bot.stub.send_sticker(ELI, "😖")
        elif send == "voice":
            await bot.stub.send_voice(ELI, duration=4)
        else:
            await bot.stub.send_document(ELI, b"%PDF-1.4 report", "report.pdf")
        line = await bot.stub.next_message(ELI)
        assert line.text == t("media_unreadable")
        assert await bot.unread(ELI) == [], "one line, and the question is not re-sent"
        assert await where(bot, ELI) == before

    await unreadable("photo")  # at the pain scale
    assert await pain_reports(bot) == []
    reach = await bot.tap(ELI, baseline, "3")
    await unreadable("sticker")  # at "how far down"
    ask_time = await bot.tap(ELI, reach, "Buttock")
    await unreadable("voice")  # at the reminder time
    ask_zone = await bot.tap(ELI, ask_time, "07:30")
    assert "time zone" in ask_zone.text
    await unreadable("document")  # at the time zone
    confirmed = await bot.send(ELI, "Europe/Berlin")
    assert "Time zone set" in confirmed.text
    first = await bot.next(ELI)
    await unreadable("sticker")  # at a questionnaire item
    summary = await answer_questionnaires(bot, ELI, first)

    step = await start_session(bot, ELI, summary)
    await unreadable("photo")  # mid-exercise
    assert (await bot.tap(ELI, step, forward(step))).text != step.text
    assert never_said_sorry(bot, ELI)


# -- blocking and unblocking ----------------------------------------------------------------


async def test_a_block_is_known_at_once_and_an_unblock_brings_the_reminders_back(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, IDA)  # reminders at 07:30 Berlin, 06:30 UTC
    # A reply is owed when she blocks the bot: it is dropped, never sent later.
    bot.stub.fail_next("sendMessage", status=502)
    await bot.stub.send_text(IDA, "/help")
    assert await bot.unread(IDA) == []

    bot.stub.block(IDA)
    await bot.handled()
    ida = await load_user(bot, IDA)
    assert ida.reachable is False and ida.replies_pending is False

    # The morning passes while she is blocked: no reminder is even tried.
    bot.clock.set(bot.clock.now().replace(hour=6, minute=31))
    assert await bot.dispatch_reminders() == 0

    bot.stub.unblock(IDA)
    await bot.handled()
    ida = await load_user(bot, IDA)
    assert ida.reachable is True
    assert ida.next_reminder_at is not None and ida.next_reminder_at > bot.clock.now()
    assert await bot.send_owed_replies() == 0
    assert await bot.unread(IDA) == [], "the owed /help was dropped with the block"

    # Her next reminder comes as scheduled.
    bot.clock.set(ida.next_reminder_at + timedelta(minutes=1))
    assert await bot.dispatch_reminders() == 1
    reminder = await bot.stub.next_message(IDA)
    assert reminder.has_button("10")
    assert never_said_sorry(bot, IDA)


async def test_a_403_on_an_owed_reply_marks_the_user_unreachable_and_drops_what_was_owed(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, IDA)
    bot.stub.fail_next("sendMessage", status=502)
    await bot.stub.send_text(IDA, "/help")
    assert await bot.unread(IDA) == []

    # She blocked the bot, and the outbox hears it from Telegram before any my_chat_member.
    bot.stub.fail_next(
        "sendMessage", status=403, description="Forbidden: bot was blocked by the user"
    )
    bot.clock.advance(timedelta(seconds=1))
    assert await bot.send_owed_replies() == 0
    ida = await load_user(bot, IDA)
    assert ida.reachable is False and ida.replies_pending is False
    assert await owed_replies(bot) == []
    bot.clock.advance(timedelta(minutes=10))
    assert await bot.send_owed_replies() == 0
    assert await bot.unread(IDA) == []

    # She writes again: reachable again, and answered at once.
    helped = await bot.send(IDA, "/help")
    assert helped.text == t("help").strip()
    assert (await load_user(bot, IDA)).reachable is True


async def test_odd_characters_typed_at_the_time_zone_are_shown_back_clean_and_short(
    bot: BotUnderTest,
) -> None:
    greeting = await bot.send(ELI, "/start")
    screen = await bot.tap(ELI, greeting, "I agree")
    baseline = await bot.tap(ELI, screen, "No, none of these")
    after_pain = await bot.tap(ELI, baseline, "0")
    ask_zone = await bot.tap(ELI, after_pain, "07:30")
    assert "time zone" in ask_zone.text

    typed = "Atl\u202eantis\x00\u200b" + "x" * 500
    reply = await bot.send(ELI, typed)

    shown = reply.text.split('"')[1]
    assert shown == "Atlantis" + "x" * 51 + "…", "no bidi override, NUL or zero-width; capped"
    assert reply.text == t("zone_bad", text=shown)
    retry = await bot.send(ELI, "Europe/Berlin")
    assert "Time zone set" in retry.text
