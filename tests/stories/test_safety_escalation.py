"""Stories of the product's most important promise: worse pain -> "please see your physician"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.content.texts import t
from bot.stub.chat import ChatMessage
from storage.models import Escalation, SymptomAnswer, User
from tests.harness import BotUnderTest, running_bot
from tests.stories.helpers import onboard, start_session

PAT = 4001
CLINIC = -100777  # the clinicians' group chat
DR_LEE = 4999  # a clinician in it


@pytest.fixture
async def clinic_bot(database_url: str) -> AsyncIterator[BotUnderTest]:
    async with running_bot(database_url, clinician_chat_id=CLINIC) as bot:
        bot.stub.add_group(CLINIC, "Clinic", with_bot=True)
        bot.stub.add_group_member(CLINIC, DR_LEE, "Dr Lee")
        yield bot


async def morning_checkin(bot: BotUnderTest, user: int, pain: str, reach: str) -> ChatMessage:
    """The next 07:30 reminder arrives; the user answers pain and reach."""
    now = bot.clock.now()
    target = now.replace(hour=6, minute=31)  # 07:31 in Berlin (CET)
    bot.clock.set(target if target > now else target + timedelta(days=1))
    assert await bot.dispatch_reminders() == 1
    reminder = await bot.stub.next_message(user)
    assert "pain" in reminder.text.lower() and reminder.has_button("10")
    ask_reach = await bot.tap(user, reminder, pain)
    assert "How far down" in ask_reach.text
    return await bot.tap(user, ask_reach, reach)


async def test_baseline_3_then_6_twice_is_told_to_see_a_physician_and_paused_with_one_alert(
    clinic_bot: BotUnderTest,
) -> None:
    bot = clinic_bot
    await onboard(bot, PAT, pain="3", reach="Buttock")

    advice = await morning_checkin(bot, PAT, "6", "Buttock")
    assert "please see your physician" in advice.text.lower()
    assert "6/10" in advice.text and "3/10" in advice.text

    # The program is paused: /today offers no exercise.
    paused = await bot.send(PAT, "/today")
    assert paused.text == t("session_paused")

    # Next morning the reminder is the gentle check-in; 6 again is said again, not re-alerted.
    gentle = await morning_checkin(bot, PAT, "6", "Buttock")
    assert "please see your physician" in gentle.text.lower()
    thanks = await bot.next(PAT)
    assert "/resume" in thanks.text

    alerts = [m for m in bot.stub.group(CLINIC).bot_messages if "escalation" in m.text]
    assert len(alerts) == 1, "the clinician chat gets one alert per escalation"
    assert "see your physician" in alerts[0].text and str(PAT) not in alerts[0].text
    async with bot.db.transaction() as tx:
        user = await tx.get(User, PAT)
        assert user is not None and user.status == "paused" and user.paused_level == 2
        escalations = (await tx.execute(select(Escalation))).scalars().all()
        assert [e.level for e in escalations] == [2]
        assert escalations[0].alert_due is False and escalations[0].alerted_at is not None


async def test_baseline_4_then_6_is_confirmed_on_the_second_day(bot: BotUnderTest) -> None:
    await onboard(bot, PAT, pain="4", reach="Buttock")
    first = await morning_checkin(bot, PAT, "6", "Buttock")
    assert "physician" not in first.text.lower(), "one rise of 2 is not yet confirmed"
    await bot.unread(PAT)
    second = await morning_checkin(bot, PAT, "6", "Buttock")
    assert "please see your physician" in second.text.lower()


async def test_pain_spreading_below_the_knee_is_told_to_see_a_physician(bot: BotUnderTest) -> None:
    await onboard(bot, PAT, pain="3", reach="Buttock")
    advice = await morning_checkin(bot, PAT, "3", "Below the knee")
    assert "please see your physician" in advice.text.lower()


async def test_a_red_flag_answer_during_onboarding_gets_emergency_advice(
    bot: BotUnderTest,
) -> None:
    greeting = await bot.send(PAT, "/start")
    screen = await bot.tap(PAT, greeting, "I agree")
    picker = await bot.tap(PAT, screen, "Yes, one or more")
    picked = await bot.tap(PAT, picker, "around your groin")
    assert "☑" in picked.text
    await bot.stub.press(PAT, picked.message_id, picked.button("Done"))
    advice = await bot.next(PAT)
    assert "emergency" in advice.text.lower()
    assert "I've paused your exercise program" in advice.text

    async with bot.db.transaction() as tx:
        user = await tx.get(User, PAT)
        assert user is not None and user.status == "paused" and user.paused_level == 3
        answer = (
            await tx.execute(select(SymptomAnswer).where(SymptomAnswer.present.is_(True)))
        ).scalar_one()
        assert answer.symptom == "saddle_numbness" and answer.source == "screen"
    again = await bot.send(PAT, "/today")
    assert "seek emergency care now" in again.text, "/today repeats the emergency advice"
    assert "Gentle everyday movement is fine" not in again.text


async def test_a_red_flag_phrase_typed_mid_session_gets_emergency_advice(
    bot: BotUnderTest,
) -> None:
    step = await start_session(bot, PAT, await onboard(bot, PAT))
    assert step.text.startswith("Exercise 1 of")
    heard = await bot.send(PAT, "I suddenly can't pee and my groin feels numb")
    assert "emergency care now" in heard.text
    assert heard.has_button("Yes, it is")

    advice = await bot.tap(PAT, heard, "Yes, it is")
    assert "emergency" in advice.text.lower()
    async with bot.db.transaction() as tx:
        user = await tx.get(User, PAT)
        assert user is not None and user.status == "paused" and user.paused_level == 3


async def test_a_false_alarm_phrase_returns_to_the_same_step(bot: BotUnderTest) -> None:
    step = await start_session(bot, PAT, await onboard(bot, PAT))
    heard = await bot.send(PAT, "both legs feel fine, no numbness in the groin")
    assert heard.has_button("No, I didn't mean that")
    back = await bot.tap(PAT, heard, "No, I didn't mean that")
    assert "carry on" in back.text
    current = await bot.next(PAT)
    assert current.text == step.text


async def test_a_failing_clinician_chat_never_blocks_the_user_and_is_retried(
    clinic_bot: BotUnderTest,
) -> None:
    bot = clinic_bot
    await bot.stub.remove_bot_from_group(CLINIC, by=DR_LEE)  # the clinic chat refuses for now
    await onboard(bot, PAT, pain="3", reach="Buttock")
    advice = await morning_checkin(bot, PAT, "7", "Buttock")
    assert "please see your physician" in advice.text.lower(), "the user is told regardless"
    async with bot.db.transaction() as tx:
        escalation = (await tx.execute(select(Escalation))).scalar_one()
        assert escalation.alert_due is True, "the alert waits for a retry"

    await bot.handled()  # the bot's own first attempt has finished (and failed)
    await bot.stub.add_bot_to_group(CLINIC, by=DR_LEE)
    await bot.handled()
    assert bot.stub.group(CLINIC).bot_is_member, "the bot stays in the clinicians' chat"
    from bot.telegram import alerts

    bot.clock.advance(timedelta(minutes=2))
    assert await alerts.send_due(bot.services, bot.app.bot) == 1  # type: ignore[union-attr]
    assert await alerts.send_due(bot.services, bot.app.bot) == 0  # type: ignore[union-attr]
    assert len([m for m in bot.stub.group(CLINIC).bot_messages if "escalation" in m.text]) == 1
