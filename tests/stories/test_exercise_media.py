"""Sessions that teach form: each exercise's animation, uploaded once per bot; hold timers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.stub.chat import ChatMessage
from storage.models import ExerciseSession, HoldTimer, MediaFile
from tests.harness import BotUnderTest
from tests.stories.helpers import finish_exercises, onboard, start_session

SAM, KIM = 2101, 2102


def _animations(bot: BotUnderTest, user: int) -> list[ChatMessage]:
    return [m for m in bot.bot_messages(user) if m.kind == "animation"]


def _uploads(bot: BotUnderTest) -> int:
    """Animations the stand-in holds: each one an upload (a file_id send stores nothing)."""
    return sum(1 for f in bot.stub.state.files._files.values() if f.file_id.startswith("CgAC"))


async def test_each_exercise_starts_with_its_animation_uploaded_once(bot: BotUnderTest) -> None:
    first = await start_session(bot, SAM, await onboard(bot, SAM))
    [animation] = _animations(bot, SAM)
    assert animation.file is not None and animation.file.data.startswith(b"GIF89a")
    assert animation.message_id < first.message_id, "the animation comes above the card"
    assert "Step 1 of" in first.text

    after = await bot.tap(SAM, first, "Next")
    if "Step 2 of" in after.text:
        back = await bot.tap(SAM, after, "Back")
        assert back.message_id == first.message_id and len(_animations(bot, SAM)) == 1, (
            "Back to the first step shows no second animation"
        )
        after = back
    await finish_exercises(bot, SAM, after)
    await bot.restart()  # the file_ids are stored with the receipts, at the latest on shutdown
    async with bot.db.transaction() as tx:
        plan = (await tx.execute(select(ExerciseSession.plan))).scalar_one()
        cached = await tx.scalar(select(func.count()).select_from(MediaFile))
    animations = _animations(bot, SAM)
    assert len(animations) == len(plan), "one animation per exercise"
    assert _uploads(bot) == len({p["exercise_id"] for p in plan}) == cached

    # the new process reads the file_ids from the database
    await start_session(bot, KIM, await onboard(bot, KIM))  # a new user gets the same plan
    [again] = _animations(bot, KIM)
    assert again.file is not None and again.file.file_id == animations[0].file.file_id  # type: ignore[union-attr]
    assert _uploads(bot) == cached, "sent by file_id: nothing uploaded again"


async def test_exercise_command_shows_the_animation_then_the_card(bot: BotUnderTest) -> None:
    await onboard(bot, SAM)
    card = await bot.send(SAM, "/exercise wall sit")
    assert card.text.startswith("Wall sit")
    [animation] = _animations(bot, SAM)
    assert animation.message_id == card.message_id - 1, "the animation, then the card"
    await bot.send(SAM, "/exercise wall sit")
    assert len(_animations(bot, SAM)) == 2 and _uploads(bot) == 1, "the second by file_id"


async def _to_timed_step(bot: BotUnderTest, user: int) -> ChatMessage:
    """Through the session to the first step with a hold timer."""
    step = await start_session(bot, user, await onboard(bot, user))
    for _ in range(100):
        if any(label.startswith("Start ") for label in step.button_labels):
            return step
        step = await bot.tap(user, step, "Done" if step.has_button("Done") else "Next")
    raise AssertionError("no step with a hold timer")


def _timer_label(card: ChatMessage) -> str:
    return next(label for label in card.button_labels if label.startswith("Start "))


async def _tick_after(bot: BotUnderTest, user: int, seconds: int) -> ChatMessage:
    bot.clock.advance(timedelta(seconds=seconds))
    assert await bot.tick_timers() == 1
    return await bot.next(user)


async def test_a_hold_timer_counts_down_on_the_card_then_says_release(bot: BotUnderTest) -> None:
    card = await _to_timed_step(bot, SAM)
    label = _timer_label(card)
    seconds = int(label.split()[1])
    assert label == f"Start {seconds} s timer" and seconds >= 10

    counting = await bot.tap(SAM, card, label)
    assert counting.message_id == card.message_id, "the card counts down in place"
    assert f"Hold: {seconds} s left" in counting.text and not counting.has_button(label)
    countdown = []
    left = seconds
    while left > 5:
        edited = await _tick_after(bot, SAM, 5)
        left -= 5
        assert edited.message_id == card.message_id and f"Hold: {left} s left" in edited.text
        countdown.append(edited)
    assert len(countdown) >= 3, "three or more countdown edits"
    end = await _tick_after(bot, SAM, left)
    assert "Release slowly" in end.text and end.has_button(label), "another hold can be timed"
    assert await bot.tick_timers() == 0, "a finished timer edits nothing more"

    forward = "Done" if end.has_button("Done") else "Next"
    moved = await bot.tap(SAM, end, forward)
    assert "Release slowly" not in moved.text and "Hold:" not in moved.text
    async with bot.db.transaction() as tx:
        assert await tx.scalar(select(func.count()).select_from(HoldTimer)) == 0


async def test_a_timer_carries_on_after_a_restart(bot: BotUnderTest) -> None:
    card = await _to_timed_step(bot, SAM)
    label = _timer_label(card)
    await bot.tap(SAM, card, label)
    await _tick_after(bot, SAM, 5)
    await bot.restart()
    left = int(label.split()[1]) - 5
    while left > 5:
        left -= 5
        edited = await _tick_after(bot, SAM, 5)
        assert f"Hold: {left} s left" in edited.text
    end = await _tick_after(bot, SAM, left)
    assert "Release slowly" in end.text
    moved = await bot.tap(SAM, end, "Done" if end.has_button("Done") else "Next")
    assert "Release slowly" not in moved.text and moved.text != card.text, "the session goes on"


async def test_moving_on_mid_timer_stops_it_and_keeps_the_place(bot: BotUnderTest) -> None:
    card = await _to_timed_step(bot, SAM)
    counting = await bot.tap(SAM, card, _timer_label(card))
    forward = "Done" if counting.has_button("Done") else "Next"
    moved = await bot.tap(SAM, counting, forward)
    await bot.restart()  # or another instance: the timer row and the dialog are in the database
    bot.clock.advance(timedelta(seconds=5))
    assert await bot.tick_timers() == 0, "the user moved on: the card is left as it is"
    [now] = [m for m in bot.bot_messages(SAM) if m.message_id == moved.message_id]
    assert now.text == moved.text and "Hold:" not in now.text
    async with bot.db.transaction() as tx:
        assert await tx.scalar(select(func.count()).select_from(HoldTimer)) == 0
