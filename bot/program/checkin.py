"""The daily check-in's reports: pain now, where it reaches, and (the morning after a session)
whether the exercise pain settled. The safety rules read these, so they are recorded even if
the user then skips the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.program import progression, safety
from bot.program.work import Work
from storage import pain

SCREEN_EVERY = timedelta(days=7)
SETTLED = ("yes", "not_fully", "worse")


@dataclass(frozen=True)
class Scored:
    report_id: int
    safety: safety.Outcome | None  # None: where the pain reaches is asked first


async def record_pain_now(work: Work, score: int) -> Scored:
    """Pain now; with no pain it reaches nowhere, so the rules run at once."""
    report = safety.add_report(work, "checkin", score, reach=0 if score == 0 else None)
    await work.tx.flush()
    if score > 0:
        return Scored(report.id, None)
    return Scored(report.id, await safety.record_pain(work, report, None))


async def record_reach(work: Work, report_id: int, reach: int) -> safety.Outcome:
    report = await pain.get_report(work.tx, report_id)
    assert report is not None, "the check-in's report is in its payload"
    report.reach = reach
    return await safety.record_pain(work, report, None)


async def record_settled(
    work: Work, score: int, settled: str
) -> tuple[safety.Outcome, progression.Progressed]:
    """The morning-after answer (a report of its own: the rules count one value per day), then
    progression may move levels up, unless today has a caution or worse."""
    report = safety.add_report(
        work, "next_morning", score, settled=settled, reach=work.user.last_reach
    )
    outcome = await safety.record_pain(work, report, None)
    return outcome, await progression.after_settled(work, outcome)


def settled_due(work: Work) -> bool:
    """The user exercised yesterday: ask whether that pain settled."""
    last = work.user.last_session_on
    return last is not None and last == work.today - timedelta(days=1)


def screen_due(work: Work) -> bool:
    screened = work.user.redflag_screen_at
    return screened is None or work.now - screened >= SCREEN_EVERY


def done_today(work: Work) -> bool:
    return work.user.last_session_on == work.today
