"""A user's record as a pain report's turn reads it: one statement.

Every pain report (and symptom answer) runs the safety rules over the user's recent history,
and the report that ends a session then runs progression and picks a lesson. Read one table
at a time that was eight statements a report; :func:`record_of` reads all of it at once, a
``UNION ALL`` of one ``SELECT`` per kind of row, each served by the table's ``user_id`` index:

* pain reports and symptom answers since a time, escalations since another (the rules);
* the stored exercise levels (progression starts from them);
* the lessons given and the risk group of the latest STarT Back (the next lesson).

The branches share one set of columns (:data:`COLUMNS`); a branch fills the ones it has and
the rest are typed NULLs, so both backends give every column one type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Select,
    SmallInteger,
    SQLColumnExpression,
    String,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from storage.models import (
    Escalation,
    ExerciseLevel,
    LessonShown,
    PainReport,
    SymptomAnswer,
    UTCDateTime,
)
from storage.outcomes import LessonState, latest_risk
from storage.sessions import StoredLevel


@dataclass(frozen=True)
class Report:
    """A pain report as read for the rules (the columns of :class:`PainReport` they use)."""

    id: int
    at: datetime
    local_date: date
    kind: str
    score: int
    reach: int | None
    settled: str | None
    exercise_id: str | None
    session_id: int | None


@dataclass(frozen=True)
class Answer:
    """A symptom answer as read for the rules."""

    id: int
    at: datetime
    symptom: str
    present: bool


@dataclass(frozen=True)
class Escalated:
    """An escalation as read for the rules: when, and at which level."""

    id: int
    at: datetime
    level: int


@dataclass(frozen=True)
class Record:
    """What :func:`record_of` read. Reports, answers and escalations are oldest first (by
    ``at``, then ``id``)."""

    reports: list[Report]
    answers: list[Answer]
    escalations: list[Escalated]
    levels: list[StoredLevel]
    lessons: LessonState


#: The columns every branch of the union has, with their types.
COLUMNS: dict[str, TypeEngine[Any]] = {
    "source": SmallInteger(),
    "id": Integer(),
    "at": UTCDateTime(),
    "local_date": Date(),
    "name": String(),  # report kind, symptom, slot, lesson, risk group
    "value": SmallInteger(),  # score, escalation level, notch
    "reach": SmallInteger(),
    "settled": String(),
    "exercise_id": String(),
    "session_id": Integer(),
    "present": Boolean(),
}
REPORT, ANSWER, ESCALATION, LEVEL, LESSON, RISK = range(6)


def _branch(source: int, **columns: SQLColumnExpression[Any]) -> Select[*tuple[Any, ...]]:
    """One ``SELECT`` of the union: ``columns`` by name, NULL (typed) for the others."""
    assert set(columns) <= set(COLUMNS), set(columns) - set(COLUMNS)
    values = {"source": literal_column(str(source), SmallInteger()), **columns}
    return select(
        *(
            (values[name] if name in values else cast(null(), kind)).label(name)
            for name, kind in COLUMNS.items()
        )
    )


async def record_of(
    tx: AsyncSession,
    user_id: int,
    *,
    since: datetime,
    escalations_since: datetime,
    startback: str,
) -> Record:
    """The user's pain reports and symptom answers since ``since``, escalations since
    ``escalations_since``, exercise levels, lessons given and the risk group of their latest
    ``startback`` questionnaire: one statement."""
    statement = union_all(
        _branch(
            REPORT,
            id=PainReport.id,
            at=PainReport.at,
            local_date=PainReport.local_date,
            name=PainReport.kind,
            value=PainReport.score,
            reach=PainReport.reach,
            settled=PainReport.settled,
            exercise_id=PainReport.exercise_id,
            session_id=PainReport.session_id,
        ).where(PainReport.user_id == user_id, PainReport.at >= since),
        _branch(
            ANSWER,
            id=SymptomAnswer.id,
            at=SymptomAnswer.at,
            name=SymptomAnswer.symptom,
            present=SymptomAnswer.present,
        ).where(SymptomAnswer.user_id == user_id, SymptomAnswer.at >= since),
        _branch(ESCALATION, id=Escalation.id, at=Escalation.at, value=Escalation.level).where(
            Escalation.user_id == user_id, Escalation.at >= escalations_since
        ),
        _branch(
            LEVEL,
            at=ExerciseLevel.updated_at,
            name=ExerciseLevel.slot,
            value=ExerciseLevel.notch,
            exercise_id=ExerciseLevel.exercise_id,
        ).where(ExerciseLevel.user_id == user_id),
        _branch(LESSON, at=LessonShown.at, name=LessonShown.lesson).where(
            LessonShown.user_id == user_id
        ),
        # always one row; NULL without a STarT Back
        _branch(RISK, name=latest_risk(user_id, startback)),
    )
    rows = (await tx.execute(statement)).all()
    by_source: dict[int, list[Any]] = {n: [] for n in range(RISK + 1)}
    for row in rows:
        by_source[row.source].append(row)
    for source in (REPORT, ANSWER, ESCALATION):
        by_source[source].sort(key=lambda row: (row.at, row.id))
    return Record(
        reports=[
            Report(
                id=row.id,
                at=row.at,
                local_date=row.local_date,
                kind=row.name,
                score=row.value,
                reach=row.reach,
                settled=row.settled,
                exercise_id=row.exercise_id,
                session_id=row.session_id,
            )
            for row in by_source[REPORT]
        ],
        answers=[
            Answer(id=row.id, at=row.at, symptom=row.name, present=bool(row.present))
            for row in by_source[ANSWER]
        ],
        escalations=[
            Escalated(id=row.id, at=row.at, level=row.value) for row in by_source[ESCALATION]
        ],
        levels=[
            StoredLevel(row.name, row.exercise_id, row.value, row.at) for row in by_source[LEVEL]
        ],
        lessons=LessonState(
            risk=next((row.name for row in by_source[RISK]), None),
            shown={row.name: row.at for row in by_source[LESSON]},
        ),
    )
