"""Stories of pausing, resuming after an escalation, and changing settings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Escalation, User
from tests.harness import BotUnderTest
from tests.stories.helpers import onboard, start_session

MIA = 7001


async def user_row(bot: BotUnderTest) -> User:
    async with bot.db.transaction() as tx:
        user = await tx.get(User, MIA)
        assert user is not None
        return user


async def test_resume_after_see_your_physician_needs_clearance_and_a_clear_screen(
    bot: BotUnderTest,
) -> None:
    await start_session(bot, MIA, await onboard(bot, MIA, pain="2"))
    # Pain jumps during the session's next question: escalate via /symptoms instead.
    picker = await bot.send(MIA, "/symptoms")
    picker = await bot.tap(MIA, picker, "Yes, one or more")
    picked = await bot.tap(MIA, picker, "fever")
    await bot.stub.press(MIA, picked.message_id, picked.button("Done"))
    advice = await bot.next(MIA)
    assert "please see your physician" in advice.text.lower()
    assert (await user_row(bot)).status == "paused"

    too_soon = await bot.send(MIA, "/resume")
    assert "less than an hour ago" in too_soon.text, "no review fits in the same hour"
    bot.clock.advance(timedelta(hours=1))
    ask = await bot.send(MIA, "/resume")
    assert "What did the doctor or physiotherapist who checked you say" in ask.text
    kept = await bot.tap(MIA, ask, "Told to stay paused")
    assert "stays paused, as your clinician advised" in kept.text
    assert (await user_row(bot)).status == "paused"

    ask = await bot.send(MIA, "/resume")
    not_yet = await bot.tap(MIA, ask, "Not seen yet")
    assert "Please do see your physician" in not_yet.text
    assert (await user_row(bot)).status == "paused"

    ask = await bot.send(MIA, "/resume")
    screen = await bot.tap(MIA, ask, "Yes, I've been cleared")
    assert "safety questions" in screen.text
    rebaseline = await bot.tap(MIA, screen, "No, none of these")
    assert "new starting point" in rebaseline.text
    ask_reach = await bot.tap(MIA, rebaseline, "5")
    done = await bot.tap(MIA, ask_reach, "Thigh")
    assert "program is back on" in done.text
    user = await user_row(bot)
    assert user.status == "active" and user.paused_level is None
    assert (user.baseline_pain, user.baseline_reach) == (5, 2), "re-baselined"
    async with bot.db.transaction() as tx:
        escalation = (await tx.execute(select(Escalation))).scalar_one()
        assert escalation.resolved_at is not None, "the escalation is kept, marked resolved"


async def test_emergency_pause_can_only_be_lifted_after_24_hours(bot: BotUnderTest) -> None:
    await onboard(bot, MIA)
    heard = await bot.send(MIA, "my leg is getting weaker and my foot drops")
    await bot.tap(MIA, heard, "Yes, it is")
    early = await bot.send(MIA, "/resume")
    assert "24 hours" in early.text
    bot.clock.advance(timedelta(hours=24, minutes=1))
    ask = await bot.send(MIA, "/resume")
    assert "What did the doctor who examined you" in ask.text
    screen = await bot.tap(MIA, ask, "Yes, a doctor cleared me")
    rebaseline = await bot.tap(MIA, screen, "No, none of these")
    assert "back on" in (await bot.tap(MIA, rebaseline, "0")).text


async def test_pause_for_three_days_stops_reminders_then_they_come_back(bot: BotUnderTest) -> None:
    await onboard(bot, MIA)
    paused = await bot.send(MIA, "/pause 3")
    assert "Paused until Thu 15 Jan" in paused.text
    for _ in range(3):
        bot.clock.advance(timedelta(days=1))
        await bot.dispatch_reminders()
    assert not [e for e in bot.stub.unread_events(MIA) if e.kind == "message"]
    bot.clock.advance(timedelta(hours=1, minutes=31))  # Thursday 07:31: the pause is over
    assert await bot.dispatch_reminders() == 1
    assert "check-in" in (await bot.stub.next_message(MIA)).text
    assert (await user_row(bot)).status == "active"


async def test_pause_with_a_silly_argument_explains_itself(sqlite_bot: BotUnderTest) -> None:
    await onboard(sqlite_bot, MIA)
    answer = await sqlite_bot.send(MIA, "/pause forever")
    assert "number of days from 1 to 90" in answer.text


async def test_change_reminder_time_and_zone_in_settings(bot: BotUnderTest) -> None:
    await onboard(bot, MIA)
    menu = await bot.send(MIA, "/settings")
    assert "07:30" in menu.text and "Europe/Berlin" in menu.text
    ask = await bot.tap(MIA, menu, "Reminder time")
    saved = await bot.send(MIA, "6:45pm")
    assert "18:45" in saved.text
    del ask
    menu = await bot.send(MIA, "/settings")
    await bot.tap(MIA, menu, "Time zone")
    saved = await bot.send(MIA, "New York")
    assert "Saved" in saved.text
    user = await user_row(bot)
    assert user.timezone == "America/New_York" and user.reminder_time == "18:45"
    # 18:45 in New York on Mon 12 Jan (EST, UTC-5) is 23:45 UTC.
    assert user.next_reminder_at is not None
    assert (user.next_reminder_at.hour, user.next_reminder_at.minute) == (23, 45)


async def test_remind_goes_straight_to_the_time_question(sqlite_bot: BotUnderTest) -> None:
    await onboard(sqlite_bot, MIA)
    ask = await sqlite_bot.send(MIA, "/remind")
    assert "When would you like your daily reminder" in ask.text
    saved = await sqlite_bot.tap(MIA, ask, "20:00")
    assert "20:00" in saved.text
