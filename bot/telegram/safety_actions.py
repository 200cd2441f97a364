"""What the bot does with a safety decision: say it first, record it, pause, alert.

The rules themselves live in :mod:`bot.coach.safety` (pure, tested as tables). This module
feeds them the user's history from the database and carries out the decision inside the same
transaction as the report that caused it, so a report and its escalation land together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot import metrics
from bot.coach import safety, safety_messages
from bot.telegram import alerts
from bot.telegram.turn import Turn
from storage import escalations, models, pain, sessions

HISTORY_WINDOW = timedelta(weeks=10)
CAUTION_WINDOW = timedelta(days=14)


def to_report(row: models.PainReport) -> safety.PainReport:
    return safety.PainReport(
        at=row.at,
        score=row.score,
        kind=safety.ReportKind(row.kind),
        reach=safety.Reach(row.reach) if row.reach is not None else None,
        exercise_id=row.exercise_id,
        settled=safety.Settled(row.settled) if row.settled else None,
        id=row.id,
    )


def to_symptom(row: models.SymptomAnswer) -> safety.SymptomAnswer:
    return safety.SymptomAnswer(
        at=row.at, symptom=safety.Symptom(row.symptom), present=row.present, id=row.id
    )


async def history_of(turn: Turn) -> safety.History:
    user = turn.user
    await turn.tx.flush()
    since = turn.now - HISTORY_WINDOW
    reports = await pain.reports_since(turn.tx, user.id, since)
    symptoms = await pain.symptoms_since(turn.tx, user.id, since)
    cautions = [
        e.at
        for e in await escalations.escalations_since(turn.tx, user.id, turn.now - CAUTION_WINDOW)
        if e.level == safety.Level.CAUTION
    ]
    return safety.History(
        baseline_score=user.baseline_pain if user.baseline_pain is not None else 0,
        baseline_reach=safety.Reach(user.baseline_reach or 0),
        program_start=user.consent_at or user.created_at,
        reports=[to_report(r) for r in reports],
        symptoms=[to_symptom(s) for s in symptoms],
        past_cautions=cautions,
    )


async def assess_report(turn: Turn, report: models.PainReport) -> safety.Decision:
    """Run the rules after a new pain report and act on the outcome."""
    history = await history_of(turn)
    decision = safety.assess(history, turn.now, to_report(report))
    if report.reach is not None:
        turn.user.last_reach = report.reach
    await act(turn, decision)
    return decision


async def assess_symptoms(turn: Turn, present: Sequence[models.SymptomAnswer]) -> safety.Decision:
    """Run the rules after symptom answers (screen, /symptoms or a confirmed phrase)."""
    history = await history_of(turn)
    decision = safety.assess(history, turn.now, to_symptom(present[0]) if present else None)
    await act(turn, decision)
    return decision


async def act(turn: Turn, decision: safety.Decision) -> None:
    user = turn.user
    if decision.level == safety.Level.NONE:
        return
    already = user.paused_level if user.status == "paused" and user.paused_level else 0
    if decision.level <= already:
        # Already paused at this level: say it again, but it is the same escalation.
        turn.say(_message(turn, decision), first=True)
        return
    reasons = [{"code": r.code, **dict(r.detail)} for r in decision.reasons]
    alert = (
        turn.services.settings.clinician_chat_id is not None
        and decision.level >= safety.Level.PHYSICIAN
    )
    turn.tx.add(
        models.Escalation(
            user_id=user.id,
            at=turn.now,
            level=int(decision.level),
            reasons=reasons,
            report_ids=list(decision.report_ids),
            alert_due=alert,
        )
    )
    metrics.ESCALATIONS.labels(level=decision.level.name.lower()).inc()
    turn.say(_message(turn, decision), first=True)
    if decision.level >= safety.Level.PHYSICIAN:
        await pause_for_safety(turn, decision.level)
    if alert:
        turn.after_commit.append(lambda: alerts.send_due(turn.services, turn.bot))


async def pause_for_safety(turn: Turn, level: safety.Level) -> None:
    """Stop the program: no exercise prompts until a clinician has cleared the user."""
    user = turn.user
    user.status = "paused"
    user.paused_level = int(level)
    user.paused_at = turn.now
    user.paused_until = None
    if turn.dialog.flow == "session" and (sid := turn.payload.get("session_id")):
        session = await sessions.get_session(turn.tx, int(sid))
        if session is not None and session.status == "in_progress":
            session.status = "stopped"
            session.finished_at = turn.now
    turn.go("none", "")


def _message(turn: Turn, decision: safety.Decision) -> str:
    names = {e.id: e.name for e in turn.services.catalog.all()}
    return safety_messages.render(
        decision, turn.services.settings.emergency_number, exercise_names=names
    )
