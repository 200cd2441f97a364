"""One live card: a chat never holds two messages whose dialog buttons still work, and the
questions answered stay readable as the answers given."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.content.texts import t
from storage.models import SessionStep, SymptomAnswer
from tests.harness import BotUnderTest
from tests.stories.helpers import onboard, start_session

UMA = 8101
VIC = 8102
WYN = 8103
# Onboarding happens at 06:00 Berlin; the reminder is at 07:30 Berlin.
DUE = timedelta(hours=1, minutes=30)


async def symptom_rows(bot: BotUnderTest) -> int:
    async with bot.db.transaction() as tx:
        return int(await tx.scalar(select(func.count()).select_from(SymptomAnswer)) or 0)


def forward(card_labels: list[str]) -> str:
    return "Done" if "Done" in card_labels else "Next"


async def test_symptoms_done_twice_records_once_and_the_second_press_says_already_done(
    bot: BotUnderTest,
) -> None:
    await onboard(bot, UMA)
    before = await symptom_rows(bot)
    ask = await bot.send(UMA, "/symptoms")
    assert ask.text.startswith("Do you have any of these right now?")
    picker = await bot.tap(UMA, ask, t("screen_some"))
    ticked = await bot.tap(UMA, picker, picker.button_labels[2])
    assert ticked.button_labels[2].startswith("☑ 3."), "a ticked item keeps its number"
    assert "☑ 3." in ticked.text

    done = ticked.button(t("screen_done"))
    await bot.stub.press(UMA, ticked.message_id, done)
    advice = await bot.next(UMA)
    assert "physician" in advice.text.lower() or "emergency" in advice.text.lower()
    recorded = await symptom_rows(bot)
    assert recorded > before
    [closed] = [m for m in bot.bot_messages(UMA) if m.message_id == ticked.message_id]
    assert closed.text.startswith("Red-flag screen: you ticked") and not closed.buttons

    # A second press of Done (a double tap, or an old client still showing the buttons).
    await bot.stub.inject_callback(UMA, ticked.message_id, done)
    answer = await bot.stub.next_answer(UMA)
    assert answer.text == t("stale_short")
    assert await bot.unread(UMA) == [], "the advice is not sent again"
    assert await symptom_rows(bot) == recorded, "nothing more is stored"


async def test_back_and_repeat_work_on_every_step_of_a_session(bot: BotUnderTest) -> None:
    card = await start_session(bot, VIC, await onboard(bot, VIC))
    previous_text: str | None = None
    steps = 0
    while "last one" not in card.text:
        steps += 1
        repeated = await bot.tap(VIC, card, "Repeat")
        assert repeated.message_id != card.message_id and repeated.text == card.text
        [old] = [m for m in bot.bot_messages(VIC) if m.message_id == card.message_id]
        assert old.text == card.text and not old.buttons, "the old card keeps its words"
        card = repeated
        if previous_text is None:
            assert "Back" not in card.button_labels, "nothing before the very first step"
        else:
            back = await bot.tap(VIC, card, "Back")
            assert back.message_id == card.message_id and back.text == previous_text
            card = await bot.tap(VIC, back, forward(back.button_labels))
            assert card.text == repeated.text, "forward again: the same step"
        assert len(await bot.live_cards(VIC)) == 1
        previous_text = card.text
        card = await bot.tap(VIC, card, forward(card.button_labels))
    assert steps >= 8
    async with bot.db.transaction() as tx:
        actions = (await tx.execute(select(SessionStep.action))).scalars().all()
    assert "done" in actions and "next" in actions


async def test_after_a_session_and_a_day_of_use_one_card_at_most_has_live_buttons(
    bot: BotUnderTest,
) -> None:
    card = await start_session(bot, WYN, await onboard(bot, WYN))
    while "last one" not in card.text:
        card = await bot.tap(WYN, card, forward(card.button_labels))
        assert len(await bot.live_cards(WYN)) <= 1
    summary = await bot.tap(WYN, card, "1")
    assert "Session finished" in summary.text
    assert await bot.live_cards(WYN) == []

    # Settings opened and closed, the library browsed, /today asked: still one card at most.
    menu = await bot.send(WYN, "/settings")
    assert [m.message_id for m in await bot.live_cards(WYN)] == [menu.message_id]
    await bot.tap(WYN, menu, t("settings_close"))
    extra = await bot.send(WYN, "/today")
    assert [m.message_id for m in await bot.live_cards(WYN)] == [extra.message_id]

    # The day's reminder, then the next morning's, each take over from the card before.
    for _ in range(2):
        bot.clock.advance(DUE if bot.clock.now().hour < 6 else timedelta(days=1))
        assert await bot.dispatch_reminders() == 1
        reminder = await bot.stub.next_message(WYN)
        assert [m.message_id for m in await bot.live_cards(WYN)] == [reminder.message_id]
        card = await bot.tap(WYN, reminder, "2")
        while card.buttons and not card.has_button("Start now"):
            assert len(await bot.live_cards(WYN)) == 1
            if card.has_button("Yes"):
                card = await bot.tap(WYN, card, "Yes")
            elif card.has_button(t("screen_none")):
                card = await bot.tap(WYN, card, t("screen_none"))
            else:
                card = await bot.tap(WYN, card, card.button_labels[0])
        assert len(await bot.live_cards(WYN)) <= 1
    assert card.has_button("Start now"), "the next morning offers the session"
    # A question typed over: the card is asked again below, the one above loses its buttons.
    await bot.send(WYN, "hello?")
    assert len(await bot.live_cards(WYN)) == 1

    texts = [m.text for m in bot.bot_messages(WYN)]
    for answer in (
        "Consent: yes, I agree",
        "Red-flag screen: none of these",
        "Pain now: 3/10",
        "Pain before the session: 2/10",
        "Pain after the session: 1/10",
        "Pain now: 2/10",
    ):
        assert answer in texts, f"{answer!r} stays readable in the chat"
