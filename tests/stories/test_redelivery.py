"""Telegram may deliver an update twice (a webhook retry, a crash before the polling offset was
confirmed). The second delivery must change nothing and send nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from telegram import Update

from storage.models import PainReport
from tests.harness import BotUnderTest
from tests.stories.helpers import onboard

NOA = 8001


async def test_a_redelivered_pain_answer_is_recorded_and_answered_once(bot: BotUnderTest) -> None:
    summary = await onboard(bot, NOA)
    ask = await bot.tap(NOA, summary, "Start today's session")
    raw = await bot.stub.press(NOA, ask.message_id, ask.button("2"))
    step = await bot.next(NOA)
    assert step.text.startswith("Exercise 1 of")
    await bot.unread(NOA)

    assert bot.app is not None
    await bot.app.process_update(Update.de_json(raw, bot.app.bot))  # the same update again
    assert await bot.unread(NOA) == [], "the redelivery is answered with nothing"
    async with bot.db.transaction() as tx:
        count = await tx.scalar(
            select(func.count()).select_from(PainReport).where(PainReport.kind == "before_session")
        )
        assert count == 1
