"""What the program does with a safety decision: record it, pause, and say so.

The rules themselves live in :mod:`bot.coach.safety` (pure, tested as tables). This module
feeds them the user's history from storage (with each report's local day and session, the
escalation still open, the last resume after a review and the user's zone: the inputs
``docs/safety.md`` lists under "what the caller fills in") and carries out the decision inside
the same unit of work as the report that caused it, so a report and its escalation land
together. The words are rendered by the caller (:func:`bot.coach.safety_messages.render`), for
every decision: a NONE decision may carry good news.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import metrics
from bot.coach import outcomes, safety, schedule
from bot.program import lifecycle
from bot.program.work import Work
from storage import escalations, models, pain, record, sessions
from storage.outcomes import LessonState
from storage.sessions import StoredLevel

HISTORY_WINDOW = timedelta(weeks=10)
CAUTION_WINDOW = timedelta(days=14)
DAY_SPAN = timedelta(hours=26)  # the longest local day (a DST change), read back from now


@dataclass(frozen=True)
class Seen:
    """What the rules' read of the user's record (``storage.record``) brought for the rest of
    the turn, as it was before the turn changed anything but the new report: the pain reports
    from ``since`` on, oldest first (the new one included), the stored exercise levels and the
    lessons given. Progression and the next lesson use them instead of reading again."""

    since: datetime
    reports: tuple[safety.PainReport, ...]
    levels: tuple[StoredLevel, ...]
    lessons: LessonState


@dataclass(frozen=True)
class Outcome:
    """A decision and what was done about it."""

    decision: safety.Decision
    recorded: bool  # a new escalation row (False: none, or the same level already in force)
    paused: bool  # the program stopped with this decision
    alert: bool  # the clinician chat is owed an alert (sent after commit)
    #: The highest level of the user's local day: this decision, an escalation in force, or
    #: one recorded earlier today. Progression says no "up" at a caution or worse
    #: (``progression.one_voice``).
    today: safety.Level = safety.Level.NONE
    seen: Seen | None = None  # what the rules' read brought (None: nothing was read)

    @property
    def level(self) -> safety.Level:
        return self.decision.level


NOTHING = Outcome(safety.Decision(safety.Level.NONE, ()), False, False, False)


def to_report(row: models.PainReport | record.Report) -> safety.PainReport:
    return safety.PainReport(
        at=row.at,
        score=row.score,
        kind=safety.ReportKind(row.kind),
        reach=safety.Reach(row.reach) if row.reach is not None else None,
        exercise_id=row.exercise_id,
        settled=safety.Settled(row.settled) if row.settled else None,
        id=row.id,
        local_date=row.local_date,
        session_id=row.session_id,
    )


def to_symptom(row: models.SymptomAnswer | record.Answer) -> safety.SymptomAnswer:
    return safety.SymptomAnswer(
        at=row.at, symptom=safety.Symptom(row.symptom), present=row.present, id=row.id
    )


@dataclass(frozen=True)
class _Read:
    """What one read of the user's record gives: the rules' history, the levels of the
    escalations recorded earlier in the user's local day, and the rest (:class:`Seen`)."""

    history: safety.History
    earlier_today: tuple[safety.Level, ...]
    seen: Seen


async def _read(work: Work) -> _Read:
    """The user's record, in one statement (``storage.record``). Pending writes (the new
    report) are flushed first, so the rules see it with its id."""
    user = work.user
    await work.tx.flush()
    since = work.now - HISTORY_WINDOW
    found = await record.record_of(
        work.tx,
        user.id,
        since=since,
        escalations_since=work.now - max(CAUTION_WINDOW, DAY_SPAN),
        startback=outcomes.STARTBACK,
    )
    reports = tuple(to_report(r) for r in found.reports)
    cautions = [
        e.at
        for e in found.escalations
        if e.at >= work.now - CAUTION_WINDOW and e.level == safety.Level.CAUTION
    ]
    earlier_today = tuple(
        safety.Level(e.level)
        for e in found.escalations
        if e.at >= work.now - DAY_SPAN and schedule.local_date(e.at, work.zone) == work.today
    )
    history = safety.History(
        baseline_score=user.baseline_pain if user.baseline_pain is not None else 0,
        baseline_reach=safety.Reach(user.baseline_reach or 0),
        program_start=user.consent_at or user.created_at,
        reports=list(reports),
        symptoms=[to_symptom(s) for s in found.answers],
        past_cautions=cautions,
        open_level=lifecycle.safety_level(user),
        resumed_at=user.resumed_at,
        timezone=ZoneInfo(work.zone),
    )
    return _Read(
        history,
        earlier_today,
        Seen(since, reports, tuple(found.levels), found.lessons),
    )


async def history_of(work: Work) -> safety.History:
    """What the rules need to know about the user (docs/safety.md), read in one statement."""
    return (await _read(work)).history


async def standing(work: Work) -> Outcome:
    """The standing rules as of now, with nothing new: while the program is paused for an
    escalation, the advice to repeat (``/today``, every check-in answer)."""
    decision = safety.assess(await history_of(work), work.now)
    return Outcome(decision, False, False, False)


def add_report(
    work: Work,
    kind: str,
    score: int,
    *,
    reach: int | None = None,
    settled: str | None = None,
    exercise_id: str | None = None,
    session_id: int | None = None,
    local_date: date | None = None,
) -> models.PainReport:
    return pain.add_report(
        work.tx,
        work.user,
        at=work.now,
        local_date=local_date or work.today,
        kind=kind,
        score=score,
        reach=reach,
        settled=settled,
        exercise_id=exercise_id,
        session_id=session_id,
    )


async def record_pain(work: Work, report: models.PainReport, session_id: int | None) -> Outcome:
    """Run the rules after a new (or completed) pain report and act on the outcome."""
    read = await _read(work)
    decision = safety.assess(read.history, work.now, to_report(report))
    if report.reach is not None:
        work.user.last_reach = report.reach
    return await _act(work, decision, session_id, read)


async def record_symptoms(
    work: Work, answers: Mapping[str, bool], source: str, session_id: int | None = None
) -> Outcome:
    """Store symptom answers (screen, /symptoms or a confirmed phrase) and run the rules.

    ``answers`` are what the user said: a deliberate "no" (the screen's "None of these") is
    ``False``; a checklist gives only its ticked items (``safety.checklist_answers``), never a
    "no" for the unticked ones.
    """
    rows = pain.add_symptoms(work.tx, work.user, work.now, dict(answers), source)
    if source != "text":
        work.user.redflag_screen_at = work.now
    present: Sequence[models.SymptomAnswer] = [r for r in rows if r.present]
    read = await _read(work)
    decision = safety.assess(read.history, work.now, to_symptom(present[0]) if present else None)
    return await _act(work, decision, session_id, read)


async def _act(
    work: Work, decision: safety.Decision, session_id: int | None, read: _Read
) -> Outcome:
    user = work.user
    recorded = paused = alert = False
    # A new escalation, unless NONE or the same escalation said again.
    if decision.level != safety.Level.NONE and decision.level > lifecycle.safety_level(user):
        alert = (
            work.settings.clinician_chat_id is not None and decision.level >= safety.Level.PHYSICIAN
        )
        escalations.add_escalation(
            work.tx,
            user.id,
            at=work.now,
            level=int(decision.level),
            reasons=[{"code": r.code, **dict(r.detail)} for r in decision.reasons],
            report_ids=list(decision.report_ids),
            alert_due=alert,
        )
        metrics.ESCALATIONS.labels(level=decision.level.name.lower()).inc()
        recorded = True
        paused = decision.level >= safety.Level.PHYSICIAN
        if paused:
            lifecycle.pause_for_safety(user, decision.level, work.now)
            if session_id is not None:
                await sessions.stop_session(work.tx, session_id, work.now)
    today = max([decision.level, lifecycle.safety_level(user), *read.earlier_today])
    return Outcome(decision, recorded, paused, alert, today, read.seen)
