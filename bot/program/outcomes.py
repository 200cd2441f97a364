"""Outcomes and education: the risk group at the start, the disability score every 4 weeks,
and which lesson comes next.

STarT Back at onboarding gives the user's risk group, which shapes the program: medium and high
risk get a lesson after every session day and a gentler start (no step up in the first two
weeks); low risk gets a lesson a week and the usual pace. The Roland-Morris score taken at
onboarding is the baseline; every :data:`DISABILITY_EVERY` days it is asked again and compared
with the baseline by its minimal important change (:mod:`bot.coach.outcomes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach import outcomes as scoring
from bot.coach import schedule
from bot.coach.outcomes import Risk
from bot.content.lessons import Lesson, lessons
from bot.program.work import Work
from storage import outcomes as store

DISABILITY_EVERY = timedelta(days=28)
GENTLE_START = timedelta(days=14)  # medium/high risk: no step up in the first two weeks
LESSON_EVERY = {Risk.LOW: timedelta(days=7), Risk.MEDIUM: timedelta(0), Risk.HIGH: timedelta(0)}


@dataclass(frozen=True)
class Recorded:
    risk: Risk | None = None  # STarT Back
    change: scoring.Change | None = None  # Roland-Morris, after the baseline


async def record(work: Work, instrument: str, answers: list[int]) -> Recorded:
    """Score and store a finished questionnaire."""
    if instrument == scoring.STARTBACK:
        found = scoring.score_startback(answers)
        store.add_result(
            work.tx,
            work.user.id,
            instrument,
            work.now,
            work.today,
            answers,
            found.total,
            found.distress,
            found.risk.value,
        )
        return Recorded(risk=found.risk)
    score = scoring.score_rmdq(answers)
    store.add_result(work.tx, work.user.id, instrument, work.now, work.today, answers, score)
    before = await store.results(work.tx, work.user.id, scoring.RMDQ)
    if not before:
        return Recorded()
    return Recorded(change=scoring.rmdq_change(before[0].score, score))


async def risk(work: Work) -> Risk | None:
    """The risk group from the user's latest STarT Back (None: never answered)."""
    return await risk_of(work.tx, work.user.id)


async def risk_of(tx: AsyncSession, user_id: int) -> Risk | None:
    found = await store.results(tx, user_id, scoring.STARTBACK)
    return Risk(found[-1].risk) if found and found[-1].risk else None


async def disability_due(work: Work) -> bool:
    """Four weeks since the last Roland-Morris (the first is taken at onboarding)."""
    found = await store.results(work.tx, work.user.id, scoring.RMDQ)
    return bool(found) and work.today - found[-1].local_date >= DISABILITY_EVERY


@dataclass(frozen=True)
class Disability:
    scores: tuple[int, ...]  # every Roland-Morris score, oldest first
    change: scoring.Change | None  # the latest against the first


async def disability(work: Work) -> Disability | None:
    return await disability_of(work.tx, work.user.id)


async def disability_of(tx: AsyncSession, user_id: int) -> Disability | None:
    """Every Roland-Morris score of the user, and the latest against the first (the weekly
    summary asks outside a turn, so it has no :class:`Work`)."""
    found = await store.results(tx, user_id, scoring.RMDQ)
    if not found:
        return None
    change = scoring.rmdq_change(found[0].score, found[-1].score) if len(found) > 1 else None
    return Disability(tuple(r.score for r in found), change)


async def gentle_start(work: Work) -> bool:
    """Medium or high risk in the first two weeks: exercises do not step up yet."""
    start = work.user.onboarded_on
    if start is None or work.today - start >= GENTLE_START:
        return False
    return await risk(work) in (Risk.MEDIUM, Risk.HIGH)


async def next_lesson(work: Work, known: store.LessonState | None = None) -> Lesson | None:
    """The lesson due now, marked as given; None when none is due or all were given.

    Medium and high risk: one a day; low risk: one a week, the first a week after starting.
    What it needs (the risk group, the lessons given) is ``known`` when the turn read it
    already (``safety.Seen``), else one read."""
    state = known or await store.lesson_state(work.tx, work.user.id, scoring.STARTBACK)
    group = Risk(state.risk) if state.risk else Risk.LOW
    every = LESSON_EVERY[group]
    last = max(state.shown.values(), default=None)
    start = work.user.onboarded_on
    if every and last is None and start is not None and work.today - start < every:
        return None  # low risk: the first lesson a week after starting
    if last is not None and (work.now - last < every or _same_day(work, last)):
        return None
    for lesson in lessons().ordered(group.value):
        if lesson.id not in state.shown:
            store.add_lesson(work.tx, work.user.id, lesson.id, work.now)
            return lesson
    return None


def _same_day(work: Work, at: datetime) -> bool:
    return schedule.local_date(at, work.zone) == work.today


async def lessons_given(work: Work) -> set[str]:
    return await store.lessons_shown(work.tx, work.user.id)
