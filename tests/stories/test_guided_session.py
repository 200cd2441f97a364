"""Stories of onboarding and guided sessions, over HTTP against the stand-in."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import ExerciseSession, PainReport, SessionStep, User
from tests.harness import BotUnderTest
from tests.stories.helpers import finish_exercises, onboard, start_session

SAM = 2001


async def test_new_user_is_onboarded_and_finishes_a_full_session(bot: BotUnderTest) -> None:
    summary = await onboard(bot, SAM, pain="3", reach="Thigh", time="07:30")
    assert "Pain today: 3/10, reaching the thigh" in summary.text and "07:30" in summary.text

    first_step = await start_session(bot, SAM, summary)
    assert first_step.text.startswith("Exercise 1 of ")
    assert first_step.text.count("Step 1 of") == 1, "the card says which step once"
    assert first_step.button_labels[:1] in (["Next"], ["Done"])
    assert {"Too painful", "Skip", "Repeat", "All steps"} <= set(first_step.button_labels)
    assert "Back" not in first_step.button_labels, "nothing before the first step"

    ask_after = await finish_exercises(bot, SAM, first_step)
    summary_msg = await bot.tap(SAM, ask_after, "1")
    assert "Session finished" in summary_msg.text
    assert "Pain before 2/10, after 1/10" in summary_msg.text
    assert "Skipped" not in summary_msg.text and "Too painful" not in summary_msg.text
    assert "Next reminder:" in summary_msg.text and "07:30" in summary_msg.text

    async with bot.db.transaction() as tx:
        session = (await tx.execute(select(ExerciseSession))).scalar_one()
        assert session.status == "done" and session.pain_after == 1
        done = await tx.scalar(
            select(func.count()).select_from(SessionStep).where(SessionStep.action == "done")
        )
        assert done == len(session.plan), "every exercise's last step is recorded as done"
        kinds = (await tx.execute(select(PainReport.kind).order_by(PainReport.id))).scalars().all()
        assert kinds == ["onboarding", "before_session", "after_session"]
        user = await tx.get(User, SAM)
        assert user is not None and user.status == "active"
        assert user.timezone == "Europe/Berlin" and user.reminder_time == "07:30"


async def test_back_repeat_and_all_steps_keep_one_live_card(bot: BotUnderTest) -> None:
    first = await start_session(bot, SAM, await onboard(bot, SAM))
    second = await bot.tap(SAM, first, "Next")
    assert second.message_id == first.message_id, "the same card moves on"
    assert "Step 2 of" in second.text

    back = await bot.tap(SAM, second, "Back")
    assert back.text == first.text and "Back" not in back.button_labels

    whole = await bot.tap(SAM, back, "All steps")
    assert whole.message_id == first.message_id, "all steps fold into the card"
    assert "1." in whole.text and len(whole.text) <= 4096
    assert whole.has_button("This step") and whole.has_button("Too painful")
    step_again = await bot.tap(SAM, whole, "This step")
    assert step_again.text == first.text

    repeated = await bot.tap(SAM, step_again, "Repeat")
    [old_card] = [m for m in bot.bot_messages(SAM) if m.message_id == step_again.message_id]
    assert repeated.message_id != first.message_id, "a fresh card at the bottom"
    assert repeated.text == first.text and repeated.has_button("Too painful")
    assert old_card.text == first.text and not old_card.buttons, "the old card keeps its words"
    session_cards = [m for m in bot.stub.chat(SAM).bot_messages if m.message_id >= first.message_id]
    live = [m.message_id for m in session_cards if m.buttons]
    assert live == [repeated.message_id], "one session card with live buttons"
