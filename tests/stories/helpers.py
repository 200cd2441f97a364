"""Steps that many stories share, written as a user would do them."""

from __future__ import annotations

from collections.abc import Sequence

from bot.stub.chat import ChatMessage
from tests.harness import BotUnderTest

#: STarT Back answers of a low-risk user (total 0), and Roland-Morris: every sentence left
#: blank (score 0).
LOW_RISK = ("Disagree",) * 8 + ("Not at all",)
NO_LIMITS = ("Leave blank",) * 24


async def onboard(
    bot: BotUnderTest,
    user: int,
    *,
    pain: str = "3",
    reach: str = "Buttock",
    time: str = "07:30",
    zone: str = "Europe/Berlin",
    invite: str | None = None,
    name: str = "Alex",
    startback: Sequence[str] = LOW_RISK,
    rmdq: Sequence[str] = NO_LIMITS,
) -> ChatMessage:
    """A new user goes through /start to the summary; returns the summary message.

    With ``invite`` (a clinic's /start payload) they start through that clinic's link and
    share their answers with it."""
    greeting = await bot.send(user, f"/start {invite}" if invite else "/start", first_name=name)
    screen = await bot.tap(user, greeting, "I agree")
    if invite:
        screen = await bot.tap(user, screen, "Yes, share")
    baseline = await bot.tap(user, screen, "No, none of these")
    assert "0 (no pain) to 10" in baseline.text
    after_pain = await bot.tap(user, baseline, pain)
    if pain != "0":
        after_pain = await bot.tap(user, after_pain, reach)
    assert "daily reminder" in after_pain.text
    if after_pain.has_button(time):
        ask_zone = await bot.tap(user, after_pain, time)
    else:
        ask_zone = await bot.send(user, time)
    assert "time zone" in ask_zone.text
    confirmed = await bot.send(user, zone)
    assert "Time zone set" in confirmed.text
    summary = await answer_questionnaires(
        bot, user, await bot.next(user), startback=startback, rmdq=rmdq
    )
    assert "All set" in summary.text
    return summary


async def answer_questionnaires(
    bot: BotUnderTest,
    user: int,
    card: ChatMessage,
    *,
    startback: Sequence[str] = LOW_RISK,
    rmdq: Sequence[str] = NO_LIMITS,
) -> ChatMessage:
    """From the first item's card, tap each answer in turn (STarT Back, then Roland-Morris);
    returns the first card with buttons after them (at onboarding, the summary)."""
    for answers in (startback, rmdq):
        for label in answers:
            assert "question" in card.text, card.text
            card = await bot.tap(user, card, label)
        while not card.button_labels:  # what the score means comes before the next card
            card = await bot.next(user)
    return card


async def start_session(bot: BotUnderTest, user: int, summary: ChatMessage) -> ChatMessage:
    """From the onboarding summary, start today's session and answer the pain-before question."""
    ask = await bot.tap(user, summary, "Start today's session")
    assert "how bad is your pain right now" in ask.text.lower()
    return await bot.tap(user, ask, "2")


async def finish_exercises(bot: BotUnderTest, user: int, step: ChatMessage) -> ChatMessage:
    """Press Next/Done through every exercise; returns the pain-after question."""
    for _ in range(200):
        if "last one" in step.text:
            return step
        label = "Done" if step.has_button("Done") else "Next"
        step = await bot.tap(user, step, label)
    raise AssertionError("the session never ended")
