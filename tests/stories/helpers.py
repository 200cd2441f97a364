"""Steps that many stories share, written as a user would do them."""

from __future__ import annotations

from bot.stub.chat import ChatMessage
from tests.harness import BotUnderTest


async def onboard(
    bot: BotUnderTest,
    user: int,
    *,
    pain: str = "3",
    reach: str = "Buttock",
    time: str = "07:30",
    zone: str = "Europe/Berlin",
) -> ChatMessage:
    """A new user goes through /start to the summary; returns the summary message."""
    greeting = await bot.send(user, "/start")
    screen = await bot.tap(user, greeting, "I agree")
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
    summary = await bot.next(user)
    assert "All set" in summary.text
    return summary


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
