"""Stories of seeing progress and of the program growing with the user, over HTTP.

Weeks of history are written straight into the database (tests/stories/seed.py); what the
user does on the day the story is about is done by tapping, like a user would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.stub.chat import ChatMessage
from bot.stub.media import image_size
from storage.models import ReminderLog, User
from tests.harness import BotUnderTest
from tests.stories import seed
from tests.stories.helpers import onboard, start_session

PAT = 6001
MONDAY = date(2026, 1, 12)  # the harness clock starts on this Monday, 06:00 in Berlin
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_progress_with_two_weeks_of_data_is_a_chart_with_streak_and_change(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, PAT, pain="6")
    days = [MONDAY + timedelta(days=i) for i in range(1, 15)]  # Tue 13 .. Mon 26 Jan
    await seed.checkins(bot, PAT, {d: 5 if d < date(2026, 1, 20) else 3 for d in days})
    trained = [date(2026, 1, 14), date(2026, 1, 15), *(date(2026, 1, d) for d in range(22, 27))]
    await seed.sessions(bot, PAT, trained)
    bot.clock.set(datetime(2026, 1, 26, 17, 0, tzinfo=UTC))  # Monday evening, two weeks on

    chart = await bot.send(PAT, "/progress")

    assert chart.kind == "photo" and chart.file is not None
    png = chart.file.data
    assert png.startswith(PNG_SIGNATURE), "a PNG image"
    width, height = image_size(png) or (0, 0)
    assert width >= 600 and height >= 300
    assert "Streak: 5 days in a row (best: 5 days)" in chart.caption
    assert "Sessions this week: 1" in chart.caption  # the week began this Monday
    # Seven sessions over 15 days since starting: 3.3 a week.
    assert "On average 3.3 a week" in chart.caption
    assert "6/10 when you started, 3/10 over the last 7 days (-3 points, -50%)" in chart.caption


async def test_progress_for_a_new_user_is_a_few_lines_of_text(bot: BotUnderTest) -> None:
    await onboard(bot, PAT, pain="4")

    reply = await bot.send(PAT, "/progress")

    assert reply.kind == "text"
    assert "You've told me your pain on 1 day so far" in reply.text
    assert "Once there are 3 days" in reply.text
    assert "No sessions finished yet" in reply.text
    assert "Sessions this week: 0" in reply.text


async def test_progress_before_starting_asks_to_start(sqlite_bot: BotUnderTest) -> None:
    reply = await sqlite_bot.send(PAT, "/progress")
    assert "Send /start" in reply.text


async def _session_with_one_painful_exercise(
    bot: BotUnderTest, user: int, summary: ChatMessage, painful: str, score: str = "4"
) -> list[ChatMessage]:
    """Start today's session, press Too painful at ``painful``, do the rest, pain after 2."""
    step = await start_session(bot, user, summary)
    while not step.has_button("Too painful"):  # good news about the pain, said first
        step = await bot.next(user)
    for _ in range(200):
        if "last one" in step.text:
            break
        if painful in step.text.splitlines()[0] and step.has_button("Too painful"):
            ask = await bot.tap(user, step, "Too painful")
            await bot.tap(user, ask, score)  # "I've stopped it"
            step = await bot.next(user)
            continue
        step = await bot.tap(user, step, "Done" if step.has_button("Done") else "Next")
    else:
        raise AssertionError("the session never ended")
    await bot.stub.press(user, step.message_id, step.button("2"))
    return await bot.unread(user)


async def test_too_painful_steps_that_exercise_down_one_notch_and_says_so(
    bot: BotUnderTest,
) -> None:
    summary = await onboard(bot, PAT)
    await seed.level(bot, PAT, "static_split_squat", "static_split_squat", 2)  # 10 reps

    after = await _session_with_one_painful_exercise(bot, PAT, summary, "Static split squat")

    texts = [m.text for m in after]
    assert any("Session finished" in x for x in texts), texts
    assert "Static split squat goes down to 8 reps: you said it was too painful." in texts[-1], (
        texts
    )
    assert await seed.levels(bot, PAT) == {"static_split_squat": ("static_split_squat", 1)}


async def _morning_check_in(
    bot: BotUnderTest, user: int, day: date, settled: str
) -> list[ChatMessage]:
    """``day``'s 07:30 reminder: pain 3, reaching the buttock, then the "settled?" answer."""
    bot.clock.set(seed.berlin(day) - timedelta(minutes=30))
    await bot.dispatch_reminders()  # the days in between were seeded: their reminders missed
    bot.clock.set(seed.berlin(day))
    assert await bot.dispatch_reminders() == 1
    reminder = await bot.stub.next_message(user)
    ask_reach = await bot.tap(user, reminder, "3")
    ask_settled = await bot.tap(user, ask_reach, "Buttock")
    while not ask_settled.has_button(settled):  # safety advice, said first
        ask_settled = await bot.next(user)
    await bot.stub.press(user, ask_settled.message_id, ask_settled.button(settled))
    return await bot.unread(user)


async def test_two_good_sessions_that_settled_move_the_exercise_up_the_next_morning(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, PAT)
    # Wall sit at 20 s on Monday and Tuesday, pain 2 afterwards; Monday's had settled by
    # Tuesday morning.
    await seed.sessions(bot, PAT, [MONDAY], settled_next_morning=True)
    await seed.sessions(bot, PAT, [MONDAY + timedelta(days=1)])

    after = await _morning_check_in(bot, PAT, MONDAY + timedelta(days=2), "Yes")  # Wednesday

    texts = "\n".join(m.text for m in after)
    assert "Wall sit goes up to 30 s next time: it went well twice." in texts
    assert await seed.levels(bot, PAT) == {"wall_sit": ("wall_sit", 1)}


async def test_a_morning_that_had_not_settled_keeps_the_exercise_where_it_is(
    sqlite_bot: BotUnderTest,
) -> None:
    bot = sqlite_bot
    await onboard(bot, PAT)
    await seed.sessions(bot, PAT, [MONDAY], settled_next_morning=True)
    await seed.sessions(bot, PAT, [MONDAY + timedelta(days=1)])

    after = await _morning_check_in(bot, PAT, MONDAY + timedelta(days=2), "Not fully")

    assert not any("goes up" in m.text for m in after)
    assert await seed.levels(bot, PAT) == {}


async def test_a_user_paused_for_safety_never_moves_up(bot: BotUnderTest) -> None:
    await onboard(bot, PAT)
    await seed.sessions(bot, PAT, [MONDAY], settled_next_morning=True)
    await seed.sessions(bot, PAT, [MONDAY + timedelta(days=1)])
    async with bot.db.transaction() as tx:
        user = await tx.get(User, PAT)
        assert user is not None
        user.status, user.paused_level, user.paused_at = "paused", 2, bot.clock.now()

    after = await _morning_check_in(bot, PAT, MONDAY + timedelta(days=2), "Yes")

    assert any("Earlier I asked you to see your physician" in m.text for m in after)
    assert not any("goes up" in m.text for m in after), [m.text for m in after]
    assert await seed.levels(bot, PAT) == {}, "paused: the exercise stays where it was"


async def test_the_weekly_summary_comes_on_sunday_with_sessions_trend_and_what_moved(
    bot: BotUnderTest,
) -> None:
    summary = await onboard(bot, PAT, pain="6")
    await seed.level(bot, PAT, "static_split_squat", "static_split_squat", 2)
    await _session_with_one_painful_exercise(bot, PAT, summary, "Static split squat")
    await seed.checkins(
        bot,
        PAT,
        {MONDAY + timedelta(days=i): s for i, s in [(1, 5), (2, 4), (3, 4), (4, 4), (5, 4)]},
    )
    bot.clock.set(seed.berlin(date(2026, 1, 18)) - timedelta(minutes=30))
    await bot.dispatch_reminders()  # Monday's reminder went unanswered: recorded as missed
    bot.clock.set(seed.berlin(date(2026, 1, 18)))  # Sunday 07:30

    await bot.dispatch_reminders()

    weekly = await bot.stub.next_message(PAT)
    assert "Your week, Sun 11 Jan to Sat 17 Jan" in weekly.text, weekly.text
    assert "Sessions: 1 of 6" in weekly.text  # Monday to Saturday since starting
    # Monday's mean is 4 (6 at onboarding, 2 before the session), then 5, 4, 4, 4, 4.
    assert "4.2/10 on average, down from 6/10 when you started" in weekly.text
    assert "Eased: Static split squat (8 reps)" in weekly.text
    assert "Less pain this week" in weekly.text
    check_in = await bot.stub.next_message(PAT)
    assert "(0-10)" in check_in.text, "the day's check-in follows the summary"

    await bot.dispatch_reminders()
    assert not any("Your week" in m.text for m in await bot.unread(PAT)), "one summary a week"
    async with bot.db.transaction() as tx:
        kinds = (await tx.scalars(select(ReminderLog.kind))).all()
        assert kinds.count("summary") == 1
        user = await tx.get(User, PAT)
        assert user is not None and user.next_weekly_at == seed.berlin(date(2026, 1, 25))


async def test_no_weekly_summary_while_the_user_has_paused_the_program(
    sqlite_bot: BotUnderTest,
) -> None:
    bot = sqlite_bot
    await onboard(bot, PAT)
    paused = await bot.send(PAT, "/pause 10")
    assert "Paused until" in paused.text
    bot.clock.set(seed.berlin(date(2026, 1, 18)))

    await bot.dispatch_reminders()

    assert await bot.unread(PAT) == []
    async with bot.db.transaction() as tx:
        user = await tx.get(User, PAT)
        assert user is not None and user.next_weekly_at == seed.berlin(date(2026, 1, 25))
