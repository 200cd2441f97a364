"""The multi-day journeys of ``tests/journeys.py``, end to end over HTTP.

``tests/unit/test_journeys.py`` replays every journey through the pure rules; this replays a
subset through the real bot: onboarding, the 07:30 reminder's check-in (pain, where it reaches,
"had it settled?", the weekly screen), ``/symptoms`` at noon and ``/today`` at 18:00, with the
hand-moved clock. Each day, the highest level the bot *said* (read from its words) must be the
journey's expected decision, good news must be said when the journey expects it, and a day with
a caution or worse never announces an exercise going up.

Where the pure runner gives no reach (``None``), the user taps the reach they gave last time
(the reach keyboard puts it first), which is what a user whose pain has not moved does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.coach import safety, safety_messages
from bot.coach.safety import Level, Reach
from bot.content.texts import t
from bot.stub.chat import ChatMessage
from tests import journeys
from tests.harness import BotUnderTest
from tests.stories.helpers import onboard

USER = 8101
FIRST_DAY = date(2026, 1, 13)  # the Tuesday after onboarding (tests.harness.START)

#: Journeys replayed over HTTP, by their place in ``journeys.JOURNEYS`` (1-based, as in
#: docs/safety.md's table).
REPLAYED = (3, 4, 5, 7, 8, 9, 10, 11, 12, 14, 16, 19, 20, 24, 29, 30, 33)


def _berlin(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` in Berlin (CET, UTC+1, in January) on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 1, minute, tzinfo=UTC)


def _reach_label(reach: Reach) -> str:
    return t(f"reach.{int(reach)}")


class Replay:
    """One user living a journey through the bot; ``said`` collects what it said each day."""

    def __init__(self, bot: BotUnderTest, journey: journeys.Journey) -> None:
        self.bot = bot
        self.journey = journey
        self.reach = journey.reach
        self.said: list[str] = []
        self.too_high = False

    async def read(self) -> list[ChatMessage]:
        messages = await self.bot.unread(USER)
        self.said += [m.text for m in messages]
        return messages

    async def press(self, messages: list[ChatMessage], label: str) -> list[ChatMessage]:
        """Press ``label`` on the newest message that has it; what the bot said next."""
        card = next((m for m in reversed(messages) if m.has_button(label)), None)
        assert card is not None, (label, [m.text for m in messages])
        self.bot.clock.advance(timedelta(minutes=1))  # each answer takes a moment
        await self.bot.stub.press(USER, card.message_id, card.button(label))
        return await self.read()

    async def pain(self, messages: list[ChatMessage], score: int) -> list[ChatMessage]:
        card = next(m for m in reversed(messages) if m.has_button("10"))
        self.bot.clock.advance(timedelta(minutes=1))
        await self.bot.stub.press(USER, card.message_id, card.button(str(score)))
        return await self.read()

    async def onboard(self) -> None:
        reach = _reach_label(self.journey.reach)
        await onboard(self.bot, USER, pain=str(self.journey.baseline), reach=reach)
        # Onboarding day's own 07:30 reminder, left unanswered: day 1 is the next day.
        self.bot.clock.set(_berlin(FIRST_DAY - timedelta(days=1), 7, 31))
        await self.bot.dispatch_reminders()
        await self.bot.unread(USER)

    async def day(self, n: int, plan: journeys.Day) -> None:
        today = FIRST_DAY + timedelta(days=n - 1)
        self.said, self.too_high = [], False
        if plan.resume:
            await self.resume(today, plan)
        self.bot.clock.set(_berlin(today, 7, 31))
        await self.bot.dispatch_reminders()
        reminder = await self.read()
        if plan.checkin is not None and not plan.resume:
            await self.check_in(reminder, plan)
        if plan.symptoms:
            await self.symptoms(today, plan)
        if plan.session is not None:
            await self.session(today, plan.session)

    async def check_in(self, reminder: list[ChatMessage], plan: journeys.Day) -> None:
        assert plan.checkin is not None
        said = await self.pain(reminder, plan.checkin)
        if plan.checkin > 0:
            self.reach = plan.reach if plan.reach is not None else self.reach
            said = await self.press(said, _reach_label(self.reach))
        if any(m.has_button(t("settled.yes")) for m in said):
            settled = plan.settled.value if plan.settled is not None else "yes"
            said = await self.press(said, t(f"settled.{settled}"))
        if any(m.has_button(t("screen_none")) for m in said):
            await self.press(said, t("screen_none"))  # the weekly screen: nothing new

    async def symptoms(self, today: date, plan: journeys.Day) -> None:
        self.bot.clock.set(_berlin(today, 12))
        ask = [await self.bot.send(USER, "/symptoms")]
        said = await self.press(ask, t("screen_some"))
        for symptom in plan.symptoms:
            said = await self.press(said, safety_messages.symptom_phrase(symptom))
        await self.press(said, t("screen_done"))

    async def session(self, today: date, s: journeys.Session) -> None:
        self.bot.clock.set(_berlin(today, 18))
        first = await self.bot.send(USER, "/today")
        said = [first, *await self.read()]
        if not any(m.has_button("10") for m in said):
            return  # paused: no session
        said = await self.pain(said, s.before)
        if any(m.has_button(t("btn_gentle_session")) for m in said):
            self.too_high = True
            await self.press(said, t("btn_skip_today"))
            return
        hurt = s.too_painful or s.during > safety.SESSION_PAIN_LIMIT
        for _ in range(200):
            card = next((m for m in reversed(said) if m.buttons), None)
            if card is None:
                return  # stopped (paused by the rules)
            if card.has_button("10"):
                break  # the pain after the session
            if hurt:
                said = await self.pain(await self.press(said, t("btn_too_painful")), s.during)
                hurt = False
                continue
            said = await self.press(said, "Done" if card.has_button("Done") else "Next")
        await self.pain(said, s.after)

    async def resume(self, today: date, plan: journeys.Day) -> None:
        self.bot.clock.set(_berlin(today, 7))
        ask = [await self.bot.send(USER, "/resume")]
        said = await self.press(ask, t("resume_yes"))
        said = await self.press(said, t("screen_none"))
        assert plan.checkin is not None
        said = await self.pain(said, plan.checkin)
        if plan.checkin > 0:
            self.reach = plan.reach if plan.reach is not None else self.reach
            await self.press(said, _reach_label(self.reach))
        assert any(t("resume_done") in text for text in self.said), self.said

    @property
    def level(self) -> Level:
        return max((journeys.said_level(text) for text in self.said), default=Level.NONE)


def _journey(number: int) -> journeys.Journey:
    return journeys.JOURNEYS[number - 1]


@pytest.mark.parametrize("number", REPLAYED, ids=[f"j{n}" for n in REPLAYED])
async def test_a_journey_through_the_real_dialogs(bot: BotUnderTest, number: int) -> None:
    journey = _journey(number)
    replay = Replay(bot, journey)
    await replay.onboard()
    for n, plan in enumerate(journey.days, start=1):
        await replay.day(n, plan)
        where = f"{journey.name}, day {n}: {replay.said}"
        assert replay.level is plan.expect, where
        if plan.news:
            assert any("Good sign" in text for text in replay.said), where
        if replay.level >= Level.CAUTION:
            assert not any(journeys.says_up(text) for text in replay.said), where
        if plan.session is not None and safety.too_high_to_exercise(plan.session.before):
            assert replay.too_high, where
