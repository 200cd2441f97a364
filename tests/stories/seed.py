"""Weeks of a user's history written straight into the database.

Clicking through fourteen days of check-ins would make a story slow and hide what it is about;
these helpers write the rows the bot itself would have written (at the user's local morning,
Berlin in the stories), after the user was onboarded for real over HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.models import ExerciseLevel, ExerciseSession, PainReport, SessionStep, User
from tests.harness import BotUnderTest

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: date, at: time = time(7, 30)) -> datetime:
    """``day`` at local time ``at`` in Berlin, as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=BERLIN).astimezone(UTC)


async def checkins(bot: BotUnderTest, user_id: int, scores: Mapping[date, int]) -> None:
    """A morning check-in on each day, with its score (pain reaching the buttock)."""
    async with bot.db.transaction() as tx:
        for day, score in scores.items():
            tx.add(
                PainReport(
                    user_id=user_id,
                    at=berlin(day),
                    local_date=day,
                    kind="checkin",
                    score=score,
                    reach=1,
                )
            )


async def sessions(
    bot: BotUnderTest,
    user_id: int,
    days: Sequence[date],
    *,
    plan: Sequence[tuple[str, int]] = (("wall_sit", 0),),
    pain_after: int = 2,
    settled_next_morning: bool = False,
) -> None:
    """A finished session on each day: every exercise of ``plan`` done to the end.

    With ``settled_next_morning``, the next morning's answer "Yes, it had settled" too.
    """
    async with bot.db.transaction() as tx:
        for day in days:
            session = ExerciseSession(
                user_id=user_id,
                started_at=berlin(day, time(8, 0)),
                finished_at=berlin(day, time(8, 15)),
                local_date=day,
                status="done",
                plan=[{"exercise_id": e, "notch": n} for e, n in plan],
                pain_before=3,
                pain_after=pain_after,
            )
            tx.add(session)
            await tx.flush()
            for position, (exercise_id, notch) in enumerate(plan):
                tx.add(
                    SessionStep(
                        session_id=session.id,
                        user_id=user_id,
                        at=berlin(day, time(8, 5)),
                        exercise_id=exercise_id,
                        position=position,
                        step_index=0,
                        action="done",
                        notch=notch,
                    )
                )
            if settled_next_morning:
                morning = day + timedelta(days=1)
                tx.add(
                    PainReport(
                        user_id=user_id,
                        at=berlin(morning, time(7, 31)),
                        local_date=morning,
                        kind="next_morning",
                        score=3,
                        reach=1,
                        settled="yes",
                    )
                )
        user = await tx.get(User, user_id)
        assert user is not None
        user.last_session_on = max(
            [*days, *([user.last_session_on] if user.last_session_on else [])]
        )


async def level(bot: BotUnderTest, user_id: int, slot: str, exercise_id: str, notch: int) -> None:
    """The user has reached ``notch`` of ``exercise_id`` in ``slot``."""
    async with bot.db.transaction() as tx:
        tx.add(
            ExerciseLevel(
                user_id=user_id,
                slot=slot,
                exercise_id=exercise_id,
                notch=notch,
                updated_at=bot.clock.now() - timedelta(days=30),
            )
        )


async def levels(bot: BotUnderTest, user_id: int) -> dict[str, tuple[str, int]]:
    from sqlalchemy import select

    async with bot.db.transaction() as tx:
        rows = (
            await tx.scalars(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id))
        ).all()
        return {r.slot: (r.exercise_id, r.notch) for r in rows}
