"""Stories of things going sideways in a session: pain, odd answers, restarts, old buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.content.texts import t
from storage.models import ExerciseSession, PainReport, SessionStep
from tests.harness import BotUnderTest
from tests.stories.helpers import finish_exercises, onboard, start_session

KIM = 3001


async def test_too_painful_mid_session_stops_that_exercise_and_goes_on(bot: BotUnderTest) -> None:
    step = await start_session(bot, KIM, await onboard(bot, KIM))
    first_name = step.text.splitlines()[0]
    ask = await bot.tap(KIM, step, "Too painful")
    assert "How bad is the pain" in ask.text

    noted = await bot.tap(KIM, ask, "4")
    assert "I've stopped" in noted.text
    nxt = await bot.next(KIM)
    assert nxt.text.startswith("Exercise 2 of"), nxt.text
    assert nxt.text.splitlines()[0] != first_name

    async with bot.db.transaction() as tx:
        report = (
            await tx.execute(select(PainReport).where(PainReport.kind == "during_exercise"))
        ).scalar_one()
        assert report.score == 4 and report.exercise_id
        actions = (await tx.execute(select(SessionStep.action))).scalars().all()
        assert actions == ["too_painful"]


async def test_too_painful_above_five_is_a_caution_and_the_exercise_is_eased(
    sqlite_bot: BotUnderTest,
) -> None:
    bot = sqlite_bot
    step = await start_session(bot, KIM, await onboard(bot, KIM))
    ask = await bot.tap(KIM, step, "Too painful")
    await bot.stub.press(KIM, ask.message_id, ask.button("7"))
    caution = await bot.next(KIM)
    assert "too hard" in caution.text.lower() or "easier" in caution.text.lower(), caution.text


async def test_typing_seven_or_11_at_a_pain_question_gets_a_friendly_correction(
    bot: BotUnderTest,
) -> None:
    summary = await onboard(bot, KIM)
    ask = await bot.tap(KIM, summary, "Start today's session")

    correction = await bot.send(KIM, "seven")
    assert "number from 0 to 10" in correction.text
    again = await bot.next(KIM)
    assert "how bad is your pain right now" in again.text.lower()
    assert again.has_button("10")

    correction = await bot.send(KIM, "11")
    assert "number from 0 to 10" in correction.text
    await bot.next(KIM)

    step = await bot.send(KIM, "4/10")
    assert step.text.startswith("Exercise 1 of"), "a typed 4/10 is taken as the answer"
    del ask


async def test_bot_restarted_mid_session_carries_on_at_the_same_step(bot: BotUnderTest) -> None:
    step = await start_session(bot, KIM, await onboard(bot, KIM))
    step = await bot.tap(KIM, step, "Next" if step.has_button("Next") else "Done")
    before_restart = step.text

    await bot.restart()

    # The button on the screen still works after the restart...
    continued = await bot.tap(KIM, step, "Next" if step.has_button("Next") else "Done")
    assert continued.text != before_restart
    # ... and /today shows where the user is, not a new session.
    current = await bot.send(KIM, "/today")
    assert current.text == continued.text
    ask_after = await finish_exercises(bot, KIM, current)
    assert "last one" in ask_after.text


async def test_a_button_of_a_card_the_dialog_has_left_changes_nothing_and_stores_nothing(
    bot: BotUnderTest,
) -> None:
    summary = await onboard(bot, KIM)
    ask = await bot.tap(KIM, summary, "Start today's session")
    old_button = ask.button("5")
    step = await bot.tap(KIM, ask, "2")
    [answered] = [m for m in bot.bot_messages(KIM) if m.message_id == ask.message_id]
    assert answered.text == "Pain before the session: 2/10" and not answered.buttons

    # An old client still shows the pain buttons; the user taps one.
    await bot.stub.inject_callback(KIM, ask.message_id, old_button)
    answer = await bot.stub.next_answer(KIM)
    assert answer.text == t("stale_short")
    assert await bot.unread(KIM) == [], "nothing is sent, the current card stays as it is"
    assert [m.message_id for m in await bot.live_cards(KIM)] == [step.message_id]

    async with bot.db.transaction() as tx:
        reports = (await tx.execute(select(PainReport.kind))).scalars().all()
        assert reports.count("before_session") == 1, "the stale tap recorded nothing"


async def test_forged_button_data_is_refused_politely(bot: BotUnderTest) -> None:
    await onboard(bot, KIM)
    for forged in ("session:99999:next", "x" * 64, "lib:ex:not_an_exercise", "::", "ü:1:a"):
        last = bot.stub.chat(KIM).last_bot_message
        assert last is not None
        await bot.stub.inject_callback(KIM, last.message_id, forged)
        answer = await bot.stub.next_answer(KIM)
        assert answer.text in (t("unknown_button"), t("stale_short"))


async def test_today_after_the_days_session_says_so_and_offers_an_extra_gentle_one(
    bot: BotUnderTest,
) -> None:
    step = await start_session(bot, KIM, await onboard(bot, KIM))
    summary = await bot.tap(KIM, await finish_exercises(bot, KIM, step), "1")
    assert "Session finished" in summary.text

    again = await bot.send(KIM, "/today")

    assert again.text.startswith("You've already done today's session.")
    extra = await bot.tap(KIM, again, "Extra gentle session")
    assert "how bad is your pain right now" in extra.text.lower()
    async with bot.db.transaction() as tx:
        sessions = (await tx.execute(select(ExerciseSession))).scalars().all()
        assert len(sessions) == 2, "a second session only because the user asked for it"


async def test_a_summary_lost_on_the_way_comes_after_a_restart_and_an_old_tap_shows_it(
    bot: BotUnderTest,
) -> None:
    step = await start_session(bot, KIM, await onboard(bot, KIM))
    ask_after = await finish_exercises(bot, KIM, step)
    bot.stub.drop_next("editMessageText")  # the network fails as the summary goes out

    await bot.stub.press(KIM, ask_after.message_id, ask_after.button("1"))
    await bot.handled()
    assert not any("Session finished" in m.text for m in bot.stub.chat(KIM).bot_messages)
    await bot.restart()  # the process dies; the summary is owed in the database
    await bot.stub.press(KIM, ask_after.message_id, ask_after.button("1"))  # "did it work?"
    await bot.handled()
    bot.clock.advance(timedelta(seconds=5))
    await bot.send_owed_replies()

    texts = [m.text for m in await bot.unread(KIM)]
    assert any(text.startswith("Session finished") for text in texts), texts
    assert texts[-1].startswith("Session finished"), "the old tap shows the summary again"
    async with bot.db.transaction() as tx:
        reports = (await tx.execute(select(PainReport.kind))).scalars().all()
        assert reports.count("after_session") == 1, "the second tap recorded nothing"
