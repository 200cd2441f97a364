"""Stories of the daily reminder, with a hand-moved clock: no test waits a real day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.telegram import delivery
from storage.models import PainReport, ReminderLog, User
from tests.harness import BotUnderTest
from tests.stories.helpers import onboard

ROB = 5001
# Onboarding happens at 06:00 Berlin; the reminder is at 07:30 Berlin = 06:30 UTC.
DUE = timedelta(hours=1, minutes=30)


async def reminders_sent(bot: BotUnderTest) -> list[ReminderLog]:
    async with bot.db.transaction() as tx:
        return list((await tx.execute(select(ReminderLog).order_by(ReminderLog.id))).scalars())


async def test_reminder_arrives_on_time_and_snoozes_for_an_hour(bot: BotUnderTest) -> None:
    summary = await onboard(bot, ROB, pain="2")
    await bot.tap(ROB, summary, "Later")

    bot.clock.advance(DUE - timedelta(minutes=1))
    assert await bot.dispatch_reminders() == 0, "not due at 07:29"
    bot.clock.advance(timedelta(minutes=1))
    assert await bot.dispatch_reminders() == 1
    reminder = await bot.stub.next_message(ROB)
    assert "daily check-in" in reminder.text and reminder.has_button("0")

    ask_reach = await bot.tap(ROB, reminder, "2")
    assert ask_reach.button_labels[0] == "Buttock", "the last answer is offered first"
    nxt = await bot.tap(ROB, ask_reach, "Buttock")
    if "safety questions" in nxt.text:  # weekly red-flag screen
        nxt = await bot.tap(ROB, nxt, "No, none of these")
    assert nxt.button_labels == ["Start now", "Remind me in 1 hour", "Skip today"]
    snoozed = await bot.tap(ROB, nxt, "Remind me in 1 hour")
    assert "08:30" in snoozed.text

    bot.clock.advance(timedelta(minutes=59))
    assert await bot.dispatch_reminders() == 0
    bot.clock.advance(timedelta(minutes=1))
    assert await bot.dispatch_reminders() == 1
    again = await bot.stub.next_message(ROB)
    assert "reminder you asked for" in again.text
    assert again.has_button("Start now")

    async with bot.db.transaction() as tx:
        checkins = (
            (await tx.execute(select(PainReport).where(PainReport.kind == "checkin")))
            .scalars()
            .all()
        )
        assert [(r.score, r.reach) for r in checkins] == [(2, 1)], "recorded once, with reach"
    assert [(r.kind, r.status) for r in await reminders_sent(bot)] == [
        ("daily", "sent"),
        ("snooze", "sent"),
    ]


async def test_a_user_who_blocked_the_bot_becomes_inactive(bot: BotUnderTest) -> None:
    await onboard(bot, ROB)
    bot.stub.block(ROB)
    bot.clock.advance(DUE)
    await bot.dispatch_reminders()
    async with bot.db.transaction() as tx:
        user = await tx.get(User, ROB)
        assert user is not None and user.reachable is False
    bot.clock.advance(timedelta(days=1))
    assert await bot.dispatch_reminders() == 0, "no more reminders for an unreachable user"

    bot.stub.unblock(ROB)
    await bot.send(ROB, "/help")
    async with bot.db.transaction() as tx:
        user = await tx.get(User, ROB)
        assert user is not None and user.reachable is True, "writing again makes them active"
        assert user.next_reminder_at is not None and user.next_reminder_at > bot.clock.now()


async def test_telegram_429_is_honoured_then_the_reminder_goes_out_once(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    await onboard(bot, ROB)
    waits: list[float] = []

    async def observed_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(delivery, "pause", observed_sleep)
    bot.stub.fail_next("sendMessage", status=429, retry_after=7)
    bot.clock.advance(DUE)
    assert await bot.dispatch_reminders() == 1
    assert waits == [7], "waited exactly what Telegram asked for"
    reminder = await bot.stub.next_message(ROB)
    assert "check-in" in reminder.text
    assert [r.status for r in await reminders_sent(bot)] == ["sent"]


async def test_server_errors_are_retried_with_backoff(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    await onboard(bot, ROB)
    waits: list[float] = []

    async def observed_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(delivery, "pause", observed_sleep)
    bot.stub.fail_next("sendMessage", status=502, times=2)
    bot.clock.advance(DUE)
    await bot.dispatch_reminders()
    assert waits == [0.5, 1.0]
    assert [r.status for r in await reminders_sent(bot)] == ["sent"]


async def test_after_downtime_a_recent_reminder_is_sent_once_and_an_old_one_skipped(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, ROB, time="07:30")
    await onboard(bot, ROB + 1, time="04:00")  # due 03:00 UTC tomorrow
    await bot.stop()  # the bot is down from 06:00 Berlin ...
    bot.clock.advance(timedelta(days=1, hours=3))  # ... until 09:00 Berlin the next day
    await bot.start()

    await bot.dispatch_reminders()
    await bot.dispatch_reminders()
    await bot.dispatch_reminders()
    rows = await reminders_sent(bot)
    by_user = {
        user: [(str(r.local_date), r.status) for r in rows if r.user_id == user]
        for user in (ROB, ROB + 1)
    }
    # Monday's 07:30 fell in the outage (over 3 h late): missed. Tuesday's 07:30 is 1.5 h
    # late: sent, once. Tuesday's 04:00 is 5 h late: missed, not sent.
    assert by_user[ROB] == [("2026-01-12", "missed"), ("2026-01-13", "sent")]
    assert by_user[ROB + 1] == [("2026-01-13", "missed")]
    late = await bot.stub.next_message(ROB)
    assert "check-in" in late.text
    assert not [m for m in bot.stub.unread_events(ROB + 1) if m.kind == "message"]


async def test_quiet_days_bring_a_kinder_nudge_then_weekly_reminders(bot: BotUnderTest) -> None:
    await onboard(bot, ROB)
    texts: list[str] = []
    bot.clock.advance(DUE)
    for _day in range(16):
        await bot.dispatch_reminders()
        texts.extend(
            e.message.text for e in bot.stub.unread_events(ROB) if e.kind == "message" and e.message
        )
        bot.clock.advance(timedelta(days=1))
    reminders = [x for x in texts if "(0-10)" in x]  # not the weekly summary
    kinds = [
        "nudge" if "been a few days" in x else "weekly" if "once a week" in x else "daily"
        for x in reminders
    ]
    # Onboarded Monday, no session since: Mon..Thu daily, Fri..Mon nudges, then weekly.
    assert kinds[:4] == ["daily"] * 4
    assert kinds[4:8] == ["nudge"] * 4
    assert kinds[8:] == ["weekly", "weekly"], kinds
    rows = await reminders_sent(bot)
    weekly_days = [r.local_date for r in rows if r.kind == "weekly"]
    assert (weekly_days[1] - weekly_days[0]).days == 7


async def test_the_red_flag_screen_is_asked_again_in_the_check_in_after_a_week(
    sqlite_bot: BotUnderTest,
) -> None:
    bot = sqlite_bot
    await onboard(bot, ROB, pain="2")
    bot.clock.advance(DUE + timedelta(days=7))
    await bot.dispatch_reminders()  # last Monday's: long missed
    await bot.dispatch_reminders()  # today's
    reminder = await bot.stub.next_message(ROB)
    ask_reach = await bot.tap(ROB, reminder, "2")
    screen = await bot.tap(ROB, ask_reach, "Buttock")
    assert "safety questions" in screen.text, "people rarely volunteer saddle numbness"
    offer = await bot.tap(ROB, screen, "No, none of these")
    assert offer.has_button("Start now")


async def test_a_reminder_due_right_after_onboarding_is_not_held_back(
    sqlite_bot: BotUnderTest,
) -> None:
    bot = sqlite_bot
    bot.clock.advance(DUE - timedelta(minutes=2))  # onboarding ends at 07:28
    await onboard(bot, ROB)  # ... and stays on the summary ("Start today's session" / "Later")
    bot.clock.advance(timedelta(minutes=2))
    assert await bot.dispatch_reminders() == 1
    reminder = await bot.stub.next_message(ROB)
    assert "check-in" in reminder.text


async def test_a_reminder_due_mid_session_waits_an_hour(sqlite_bot: BotUnderTest) -> None:
    from tests.stories.helpers import start_session

    bot = sqlite_bot
    bot.clock.advance(DUE - timedelta(minutes=5))
    await start_session(bot, ROB, await onboard(bot, ROB))
    bot.clock.advance(timedelta(minutes=5))
    await bot.dispatch_reminders()
    await bot.handled()
    assert not [e for e in bot.stub.unread_events(ROB) if e.kind == "message"]
    async with bot.db.transaction() as tx:
        user = await tx.get(User, ROB)
        assert user is not None and user.next_reminder_at == bot.clock.now() + timedelta(hours=1)
