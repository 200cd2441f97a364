"""The library on demand, the command menu, and odd input that must never lose a user's place."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.coach.catalog import load_catalog
from bot.content.texts import t
from bot.program import safety as program_safety
from storage.models import Dialog, PainReport
from tests.harness import BotUnderTest
from tests.stories.helpers import onboard

LEE = 6001


async def test_command_menu_is_published_at_start_up(sqlite_bot: BotUnderTest) -> None:
    names = [c["command"] for c in sqlite_bot.stub.commands()]
    assert {"today", "exercises", "exercise", "progress", "help", "settings"} <= set(names)


async def test_browse_the_library_by_category_and_open_an_exercise(bot: BotUnderTest) -> None:
    listing = await bot.send(LEE, "/exercises")
    assert {"Stretches", "Strength"} <= set(listing.button_labels)
    stretches = await bot.tap(LEE, listing, "Stretches")
    assert stretches.message_id == listing.message_id
    name = next(label for label in stretches.button_labels if "knee" in label.lower())
    card = await bot.tap(LEE, stretches, name)
    assert "knee" in card.text.lower() and "bounce" in card.text.lower()


@pytest.mark.parametrize("typed", ["wall squat", "wallsit", "knee to chest", "clam"])
async def test_exercise_by_a_loosely_typed_name(sqlite_bot: BotUnderTest, typed: str) -> None:
    card = await sqlite_bot.send(LEE, f"/exercise {typed}")
    first = typed.split()[0][:4]
    assert first in card.text.lower()
    assert len(card.text) <= 4096


async def test_an_exact_name_shows_its_card_with_its_other_versions_as_see_also(
    sqlite_bot: BotUnderTest,
) -> None:
    card = await sqlite_bot.send(LEE, "/exercise knee-to-chest stretch")
    assert card.text.startswith("Knee-to-chest stretch (stretch, level 1)")
    assert "Today:" not in card.text, "a library card is not today's session"
    assert card.text.endswith(t("library_see_also"))
    assert card.button_labels == ["Double knee-to-chest stretch"]
    assert await sqlite_bot.unread(LEE) == [], "an exact name needs no 'Did you mean'"

    harder = await sqlite_bot.tap(LEE, card, "Double knee-to-chest stretch")
    assert harder.text.startswith("Double knee-to-chest stretch (stretch, level 2)")
    assert harder.button_labels == ["Knee-to-chest stretch"]


async def test_manipulation_is_for_a_therapist_only(sqlite_bot: BotUnderTest) -> None:
    card = await sqlite_bot.send(LEE, "/exercise long-axis distraction")
    assert "therapist" in card.text.lower()


async def test_an_unknown_exercise_and_an_unknown_command_get_a_helpful_answer(
    sqlite_bot: BotUnderTest,
) -> None:
    unknown = await sqlite_bot.send(LEE, "/exercise juggling")
    assert "don't know an exercise" in unknown.text
    command = await sqlite_bot.send(LEE, "/fly")
    assert "/help" in command.text


async def test_every_library_exercise_renders_over_http_within_limits(
    sqlite_bot: BotUnderTest,
) -> None:
    for exercise in load_catalog().all():
        card = await sqlite_bot.send(LEE, f"/exercise {exercise.name}")
        assert exercise.name.lower()[:6] in card.text.lower()
        await sqlite_bot.handled()
        for extra in sqlite_bot.stub.unread_events(LEE):
            assert extra.kind in ("message", "callback_answer")


@pytest.mark.parametrize(
    "odd",
    [
        "x" * 4096,
        "🙂" * 2000,
        "\u202e\u200b\u0000 zero-width and bidi",
        "ｓｅｖｅｎ",
        "' OR 1=1; DROP TABLE users; --",
        "<b>not html</b> *not markdown* _",
    ],
)
async def test_odd_messages_get_an_answer_and_keep_the_users_place(
    sqlite_bot: BotUnderTest, odd: str
) -> None:
    bot = sqlite_bot
    summary = await onboard(bot, LEE)
    ask = await bot.tap(LEE, summary, "Start today's session")
    reply = await bot.send(LEE, odd)
    assert reply.text and len(reply.text) <= 4096
    again = await bot.next(LEE)
    assert again.text == ask.text, "the same question is asked again"
    step = await bot.tap(LEE, again, "2")
    assert step.text.startswith("Exercise 1 of")


@pytest.mark.logs_errors("a bug in a handler is an ERROR with its traceback")
async def test_a_crash_inside_a_handler_commits_nothing_and_the_user_can_retry(
    sqlite_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = sqlite_bot
    summary = await onboard(bot, LEE)
    ask = await bot.tap(LEE, summary, "Start today's session")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(program_safety, "record_pain", broken)
    await bot.stub.press(LEE, ask.message_id, ask.button("2"))
    sorry = await bot.stub.next_message(LEE)
    assert "Nothing you entered was lost" in sorry.text
    async with bot.db.transaction() as tx:
        kinds = (await tx.execute(select(PainReport.kind))).scalars().all()
        assert "before_session" not in kinds
        dialog = await tx.get(Dialog, LEE)
        assert dialog is not None and dialog.step == "pain_before"

    monkeypatch.undo()
    step = await bot.tap(LEE, ask, "2")
    assert step.text.startswith("Exercise 1 of"), "the same button works once the fault is gone"
