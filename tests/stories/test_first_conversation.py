"""A first conversation over real HTTP: /start greets with buttons; an answered question stays
in the chat as the answer given, and the next question comes below it."""

from __future__ import annotations

from tests.harness import BotUnderTest

ALEX = 1001


async def test_start_greets_with_consent_buttons_and_a_press_moves_on(bot: BotUnderTest) -> None:
    greeting = await bot.send(ALEX, "/start")
    assert "Backstep" in greeting.text
    assert "not" in greeting.text and "doctor" in greeting.text
    assert greeting.button_labels == ["I agree", "No, thanks"]

    screen = await bot.tap(ALEX, greeting, "I agree")
    assert screen.message_id != greeting.message_id, "the next question is a new card"
    assert "safety questions" in screen.text
    [consent] = [m for m in bot.bot_messages(ALEX) if m.message_id == greeting.message_id]
    assert consent.text == "Consent: yes, I agree" and not consent.button_labels
    assert len(bot.stub.callback_answers(ALEX)) == 1, "the press was answered exactly once"
