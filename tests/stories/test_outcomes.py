"""Outcomes over HTTP: the STarT Back risk questions and the Roland-Morris baseline at
onboarding, the Roland-Morris again four weeks later (once) with its change in /progress and
the weekly summary, and the lessons a medium-risk user is given after a session and finds in
/learn."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.content.lessons import lessons
from bot.content.texts import t
from storage.models import LessonShown, QuestionnaireResult
from tests.harness import BotUnderTest
from tests.stories import seed
from tests.stories.helpers import finish_exercises, onboard, start_session

MEG = 8101
# Items 1-4 agreed (leg pain, neck/shoulder pain, walking, dressing), item 9 "Slightly":
# total 4, distress subscale 0 -> medium risk.
MEDIUM_RISK = ("Agree",) * 4 + ("Disagree",) * 4 + ("Slightly",)
EIGHT_TICKED = ("✓ Describes me",) * 8 + ("Leave blank",) * 16
THREE_TICKED = ("✓ Describes me",) * 3 + ("Leave blank",) * 21


async def _check_in(bot: BotUnderTest, day: date) -> list[str]:
    """``day``'s 07:30 reminder after a session the day before: pain 2, reaching the buttock,
    yesterday's pain settled, the weekly screen clear; returns the texts of the cards up to the
    session offer (any questionnaire answered with 3 ticks)."""
    await seed.sessions(bot, MEG, [day - timedelta(days=1)])
    await bot.unread(MEG)
    bot.clock.set(seed.berlin(day) - timedelta(minutes=30))
    await bot.dispatch_reminders()  # the days in between: their reminders missed
    bot.clock.set(seed.berlin(day))
    assert await bot.dispatch_reminders() == 1
    reminder = await bot.stub.next_message(MEG)
    while not reminder.has_button("2"):  # Sunday: the weekly summary comes first
        reminder = await bot.stub.next_message(MEG)
    card = await bot.tap(MEG, reminder, "2")
    card = await bot.tap(MEG, card, "Buttock")
    seen = []
    ticks = iter(THREE_TICKED)
    while not card.has_button(t("btn_start")):
        seen.append(card.text)
        if card.has_button(t("screen_none")):
            card = await bot.tap(MEG, card, t("screen_none"))
        elif card.text == t("settled_ask"):
            card = await bot.tap(MEG, card, t("settled.yes"))
        elif card.button_labels:
            card = await bot.tap(MEG, card, next(ticks))
        else:
            card = await bot.next(MEG)
    return seen


async def test_risk_at_onboarding_then_the_disability_score_four_weeks_on_shows_in_progress(
    bot: BotUnderTest,
) -> None:
    greeting = await bot.send(MEG, "/start")
    card = await bot.tap(MEG, greeting, "I agree")
    card = await bot.tap(MEG, card, "No, none of these")
    card = await bot.tap(MEG, await bot.tap(MEG, card, "4"), "Thigh")
    card = await bot.tap(MEG, card, "07:30")
    assert "Time zone set" in (await bot.send(MEG, "Europe/Berlin")).text
    first = await bot.next(MEG)
    assert "question 1 of 9" in first.text
    assert "My back pain has spread down my leg(s)" in first.text
    assert "© 2007 Keele University" in first.text, "the copyright line is shown"
    assert first.button_labels == ["Disagree", "Agree"]
    card = first
    for label in MEDIUM_RISK:
        card = await bot.tap(MEG, card, label)
    assert card.text == t("risk.medium")
    assert (await bot.next(MEG)).text == t("risk_no_clinic")
    card = await bot.next(MEG)
    assert "Roland-Morris Disability Questionnaire: question 1 of 24" in card.text
    assert "I stay at home most of the time because of my back." in card.text
    for label in EIGHT_TICKED:
        card = await bot.tap(MEG, card, label)
    assert card.text == t("disability_baseline", score=8)
    summary = await bot.next(MEG)
    assert "All set" in summary.text
    texts = [m.text for m in bot.bot_messages(MEG)]
    assert "Question 1 of 9: Agree" in texts and "Question 9 of 9: Slightly" in texts
    assert "Question 24 of 24: Leave blank" in texts, "each answer stays in the chat"
    await bot.tap(MEG, summary, t("later"))

    # Day 27: a check-in without the questionnaire; day 28: it comes; day 29: not again.
    assert not any("Roland-Morris" in x for x in await _check_in(bot, date(2026, 2, 8)))
    seen = await _check_in(bot, date(2026, 2, 9))
    assert sum("question 1 of 24" in x for x in seen) == 1
    assert t("disability.better", score=3, start=8, points=5) in seen
    assert not any("Roland-Morris" in x for x in await _check_in(bot, date(2026, 2, 10)))

    reply = await bot.send(MEG, "/progress")
    shown = reply.caption or reply.text
    assert "Daily life (Roland-Morris score): 3 of 24, down 5 from 8 at the start: better." in (
        shown
    )
    # The next weekly summary (Sunday 07:30) ends with the same line.
    bot.clock.set(seed.berlin(date(2026, 2, 15)))
    await bot.dispatch_reminders()
    await bot.dispatch_reminders()
    weekly = [m.text for m in await bot.unread(MEG) if "Your week" in m.text]
    better = t("disability.better", score=3, start=8, points=5)
    assert len(weekly) == 1 and weekly[0].endswith(better), weekly
    async with bot.db.transaction() as tx:
        query = select(QuestionnaireResult).order_by(QuestionnaireResult.id)
        rows = (await tx.scalars(query)).all()
    assert [(r.instrument, r.score, r.subscale, r.risk) for r in rows] == [
        ("startback", 4, 0, "medium"),
        ("rmdq", 8, None, None),
        ("rmdq", 3, None, None),
    ]
    assert rows[0].answers == [1, 1, 1, 1, 0, 0, 0, 0, 1]


async def test_a_medium_risk_user_gets_a_lesson_after_a_session_and_all_of_them_in_learn(
    bot: BotUnderTest,
) -> None:
    summary = await onboard(bot, MEG, startback=MEDIUM_RISK)
    step = await start_session(bot, MEG, summary)
    ask_after = await finish_exercises(bot, MEG, step)
    await bot.tap(MEG, ask_after, "1")
    first = lessons().ordered("medium")[0]
    after = [m.text for m in await bot.unread(MEG)]
    assert sum(first.title in x for x in after) == 1, after
    assert any(f"Source: {first.source}" in x for x in after)

    listing = await bot.send(MEG, "/learn")
    assert f"1. {first.title} ✓" in listing.text
    assert len([line for line in listing.text.splitlines() if line[:1].isdigit()]) >= 12
    second = lessons().ordered("medium")[1]
    read = await bot.send(MEG, "/learn 2")
    assert second.title in read.text and second.source in read.text
    async with bot.db.transaction() as tx:
        given = (await tx.scalars(select(LessonShown.lesson))).all()
    assert given == [first.id], "one lesson a session day; reading in /learn gives none"
