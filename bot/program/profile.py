"""Starting the program: consent, the starting pain (baseline), and when to be reminded.

Onboarding asks these once; /resume after a clinician's clearance asks the baseline again
(the new starting point), and /settings changes the time and zone. Each answer is written
here once, whichever dialog asked for it.
"""

from __future__ import annotations

from datetime import time

from bot.program import lifecycle, scheduling
from bot.program.safety import add_report
from bot.program.work import Work
from storage import pain


def consent(work: Work) -> None:
    """Agreed (again, after once saying no): onboarding goes on."""
    work.user.consent_at = work.now
    lifecycle.restart(work.user)


def refuse(work: Work) -> None:
    lifecycle.refuse(work.user)


def set_baseline(work: Work, score: int) -> bool:
    """Record the starting pain; True when where it reaches must be asked (pain above 0)."""
    user = work.user
    user.baseline_pain = score
    add_report(work, "onboarding", score, reach=0 if score == 0 else None)
    if score == 0:
        user.baseline_reach = user.last_reach = 0
    return score > 0


async def set_baseline_reach(work: Work, reach: int) -> None:
    user = work.user
    user.baseline_reach = user.last_reach = reach
    report = await pain.latest_report(work.tx, user.id, "onboarding")
    if report is not None:
        report.reach = reach


def set_reminder_time(work: Work, chosen: time) -> None:
    work.user.reminder_time = chosen.strftime("%H:%M")
    scheduling.schedule_next(work.user, work.now)


def set_zone(work: Work, zone: str) -> None:
    work.user.timezone = zone
    scheduling.schedule_next(work.user, work.now)


def set_summary_day(work: Work, day: int) -> None:
    work.user.weekly_summary_day = day
    scheduling.schedule_next(work.user, work.now)


def finish_onboarding(work: Work) -> None:
    """Time and zone are known: the program starts and the first reminder is scheduled."""
    lifecycle.onboard(work.user, work.today)
    scheduling.schedule_next(work.user, work.now)
