"""Two ``backstep webhook`` instances on one PostgreSQL database, behind one webhook URL.

As behind a load balancer, the stand-in delivers updates to the two instances in turn, so one
patient's consecutive taps land on different processes. Each instance knows nothing about the
patient but what the database says, and still: every patient gets through onboarding and a
whole session, every step is recorded exactly once, and every reply is sent exactly once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from bot.coach.safety import SCREEN_QUESTIONS, Reach
from bot.content.texts import t
from bot.stub.chat import ChatEvent, ChatMessage
from bot.stub.server import BotApiStub
from storage.db import Database
from storage.models import ExerciseSession, PainReport, SessionStep, SymptomAnswer, User
from tests.deploy.conftest import TOKEN, BotProcess, StartBot, run_backstep
from tests.stories.helpers import LOW_RISK, NO_LIMITS

ANSWERED = ("callback_answer",)


def reminder_time_far_from_now() -> str:
    """A reminder time hours away in Berlin, so no reminder interrupts the test."""
    now = datetime.now(ZoneInfo("Europe/Berlin"))
    minutes_now = now.hour * 60 + now.minute

    def distance(choice: str) -> int:
        hours, minutes = map(int, choice.split(":"))
        gap = abs(hours * 60 + minutes - minutes_now)
        return min(gap, 24 * 60 - gap)

    return max(("07:00", "12:00", "20:00"), key=distance)


@dataclass
class Patient:
    """One person on their phone: does one thing, then reads everything the bot did about it."""

    stub: BotApiStub
    user_id: int
    name: str
    pain: int
    reach: str
    update_ids: list[int] = field(default_factory=list)
    exercise_taps: list[str] = field(default_factory=list)
    screen: ChatMessage | None = None

    async def send(self, text: str, *expected: tuple[str, ...]) -> None:
        update = await self.stub.send_text(self.user_id, text, first_name=self.name)
        self.update_ids.append(update["update_id"])
        await self._expect(expected)

    async def tap(self, label: str, *expected: tuple[str, ...]) -> None:
        assert self.screen is not None, "nothing to tap on yet"
        data = self.screen.button(label)
        update = await self.stub.press(self.user_id, self.screen.message_id, data)
        self.update_ids.append(update["update_id"])
        await self._expect((ANSWERED, *expected))

    async def _expect(self, expected: tuple[tuple[str, ...], ...]) -> None:
        """Exactly these events, in this order: ``(kind, words the message contains)``."""
        for kind, *words in expected:
            event: ChatEvent = await self.stub.next_event(self.user_id, timeout=15)
            while event.message is not None and event.message.kind == "animation":
                # An exercise's animation, above its first card (tests/stories check those).
                event = await self.stub.next_event(self.user_id, timeout=15)
            shown = event.message.text if event.message else ""
            assert event.kind == kind, f"{self.name}: expected {kind} {words}, got {event}"
            for word in words:
                assert word in shown, f"{self.name}: expected {word!r} in {shown!r}"
            if event.message is not None and event.message.buttons:
                self.screen = event.message


async def journey(patient: Patient, reminder_at: str) -> AsyncIterator[None]:
    """Onboarding, then today's session, one action per step (the driver interleaves them)."""
    await patient.send("/start", ("message", f"Hello {patient.name}"))
    yield
    await patient.tap("I agree", ("edit", "Consent: yes"), ("message", "safety questions"))
    yield
    await patient.tap(
        "No, none of these",
        ("edit", "Red-flag screen: none of these"),
        ("message", "0 (no pain) to 10"),
    )
    yield
    await patient.tap(str(patient.pain), ("edit", "Pain now"), ("message", "How far down"))
    yield
    reach = next(r for r in Reach if t(f"reach.{r}") == patient.reach)
    echo = t("echo.reach", reach=t(f"reach_where.{reach}"))
    await patient.tap(patient.reach, ("edit", echo), ("message", "daily reminder"))
    yield
    await patient.tap(reminder_at, ("edit", "Daily reminder:"), ("message", "Which time zone"))
    yield
    await patient.send(
        "Europe/Berlin", ("message", "Time zone set", "Berlin"), ("message", "question 1 of 9")
    )
    yield
    # The onboarding questionnaires, one tap a card (docs/outcomes.md).
    for count, labels, told, then in (
        (9, LOW_RISK, "good outlook", "question 1 of 24"),
        (24, NO_LIMITS, "Roland-Morris score", "All set"),
    ):
        for number, label in enumerate(labels, start=1):
            closed = ("edit", f"Question {number} of {count}: {label}")
            if number < count:
                await patient.tap(label, closed, ("message", f"question {number + 1} of {count}"))
            else:
                await patient.tap(label, closed, ("message", told), ("message", then))
            yield
    await patient.tap(
        "Start today's session", ("edit", "All set"), ("message", "how bad is your pain right now")
    )
    yield
    await patient.tap(
        str(patient.pain - 1), ("edit", "Pain before the session"), ("message", "Exercise 1 of")
    )
    yield
    while True:
        assert patient.screen is not None
        label = "Done" if patient.screen.has_button("Done") else "Next"
        patient.exercise_taps.append(label.lower())
        number, total = re.findall(r"Exercise (\d+) of (\d+)", patient.screen.text)[0]
        if label == "Done" and number != total:
            # The old card's buttons go; the next exercise comes below its animation.
            await patient.tap(label, ("edit",), ("message", "Exercise"))
        else:
            await patient.tap(label, ("edit",))
        yield
        assert patient.screen is not None
        if "last one" in patient.screen.text:
            break
        assert "Exercise" in patient.screen.text
    await patient.tap(
        str(patient.pain - 1), ("edit", "Pain after the session"), ("message", "Session finished")
    )


async def interleave(journeys: list[AsyncIterator[None]]) -> None:
    """One action of each patient in turn, each finished before the next one starts."""
    active = list(journeys)
    while active:
        for current in list(active):
            try:
                await anext(current)
            except StopAsyncIteration:
                active.remove(current)


def instance_of(update_id: int, instances: list[BotProcess]) -> str:
    handled_by = [bot.name for bot in instances if update_id in bot.handled_update_ids()]
    assert len(handled_by) == 1, f"update {update_id} was handled by {handled_by}"
    return handled_by[0]


async def test_patients_hopping_between_two_instances_get_every_step_and_reply_exactly_once(
    stub: BotApiStub, start_bot: StartBot, http: httpx.AsyncClient, empty_postgres: str
) -> None:
    code, output = await run_backstep(empty_postgres, "migrate")
    assert code == 0, output
    first = await start_bot(empty_postgres, name="bot-a", reminder_tick_seconds="300")
    second = await start_bot(empty_postgres, name="bot-b", reminder_tick_seconds="300")
    stub.set_webhook_targets([first.webhook_url, second.webhook_url])
    patients = [
        Patient(stub, 9101, "Anna", pain=3, reach="Buttock"),
        Patient(stub, 9102, "Ben", pain=5, reach="Thigh"),
        Patient(stub, 9103, "Chiara", pain=4, reach="Back only"),
    ]
    reminder_at = reminder_time_far_from_now()

    await interleave([journey(p, reminder_at) for p in patients])
    await stub.wait_handled()

    # Every reply exactly once: nothing arrived beyond what each step expected.
    for patient in patients:
        assert stub.unread_events(patient.user_id) == [], patient.name
        # Each question a card of its own (answered ones stay, reading as the answer, and the
        # summary stays); the session card moves through every step in place.
        exercises = patient.exercise_taps.count("done")
        messages = stub.chat(patient.user_id).bot_messages
        # Onboarding's 9 + 24 questionnaire cards stay as their answers, with 2 lines after
        # them (what the risk group and the Roland-Morris score mean).
        assert len(messages) == 11 + 9 + 24 + 2 + 2 * exercises - 1, patient.name

    # Consecutive updates of one patient were served by different instances.
    for patient in patients:
        served = [instance_of(u, [first, second]) for u in patient.update_ids]
        hops = sum(a != b for a, b in itertools.pairwise(served))
        assert set(served) == {"bot-a", "bot-b"}, patient.name
        assert hops >= len(served) // 2, (patient.name, served)

    await assert_recorded_once(empty_postgres, patients, reminder_at)

    assert [await first.terminate(), await second.terminate()] == [0, 0]
    for bot in (first, second):
        log = bot.log_path.read_text()
        assert TOKEN.split(":")[1] not in log  # the token never reaches the logs
        assert all(record["level"] != "ERROR" for record in bot.log_records()), bot.log_tail()


async def assert_recorded_once(url: str, patients: list[Patient], reminder_at: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as tx:
            for patient in patients:
                uid = patient.user_id
                user = await tx.get(User, uid)
                assert user is not None
                assert (user.status, user.timezone, user.reminder_time) == (
                    "active",
                    "Europe/Berlin",
                    reminder_at,
                )
                assert user.baseline_pain == patient.pain
                assert user.next_reminder_at is not None
                assert user.next_reminder_at > datetime.now(UTC)

                screen = await tx.scalar(select(func.count()).where(SymptomAnswer.user_id == uid))
                assert screen == len(SCREEN_QUESTIONS)

                reports = (
                    await tx.execute(
                        select(PainReport.kind, PainReport.score)
                        .where(PainReport.user_id == uid)
                        .order_by(PainReport.id)
                    )
                ).all()
                assert [tuple(r) for r in reports] == [
                    ("onboarding", patient.pain),
                    ("before_session", patient.pain - 1),
                    ("after_session", patient.pain - 1),
                ]

                sessions = (
                    await tx.scalars(select(ExerciseSession).where(ExerciseSession.user_id == uid))
                ).all()
                assert [(s.status, s.pain_before, s.pain_after) for s in sessions] == [
                    ("done", patient.pain - 1, patient.pain - 1)
                ]

                steps = (
                    await tx.execute(
                        select(SessionStep.position, SessionStep.step_index, SessionStep.action)
                        .where(SessionStep.user_id == uid)
                        .order_by(SessionStep.id)
                    )
                ).all()
                assert [s.action for s in steps] == patient.exercise_taps
                places = [(s.position, s.step_index) for s in steps]
                assert len(places) == len(set(places)), "a step was recorded twice"
    finally:
        await db.close()
