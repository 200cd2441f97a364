"""Answers several flows ask for in the same way: a typed pain score, a baseline, a time zone.

Onboarding and /resume both set a baseline; the check-in, the session and /resume all accept a
typed score; onboarding and /settings both take a zone from text or a shared location. Each is
written once here so the flows only say what happens next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import time

from telegram import Location

from bot.coach import schedule, timezones
from bot.content.texts import quoted, t
from bot.telegram.flows.base import parse_pain
from bot.telegram.turn import Turn
from storage import pain

Then = Callable[[Turn, int], Awaitable[None]]


async def typed_score(
    turn: Turn, text: str, then: Then, ask_again: Callable[[Turn], Awaitable[None]]
) -> None:
    """A typed 0-10 score goes to ``then``; anything else gets a friendly correction."""
    score = parse_pain(text)
    if score is None:
        turn.say(t("number_bad"))
        await ask_again(turn)
    else:
        await then(turn, score)


def set_baseline(turn: Turn, score: int) -> bool:
    """Record the starting pain; True when the reach question must follow (pain above 0)."""
    user = turn.user
    user.baseline_pain = score
    pain.add_report(
        turn.tx,
        user,
        at=turn.now,
        local_date=turn.today,
        kind="onboarding",
        score=score,
        reach=0 if score == 0 else None,
    )
    if score == 0:
        user.baseline_reach = user.last_reach = 0
    return score > 0


async def set_baseline_reach(turn: Turn, reach: int) -> None:
    user = turn.user
    user.baseline_reach = user.last_reach = reach
    report = await pain.latest_report(turn.tx, user.id, "onboarding")
    if report is not None:
        report.reach = reach


def typed_time(turn: Turn, text: str) -> time | None:
    """A typed reminder time, or None after telling the user how to write one."""
    chosen = schedule.parse_time(text)
    if chosen is None:
        turn.say(t("time_bad", text=quoted(text)))
    return chosen


async def zone_from_location(turn: Turn, location: Location) -> str | None:
    """The zone at a shared location, or None after saying none was found."""
    zone = await asyncio.to_thread(timezones.zone_at, location.latitude, location.longitude)
    if zone is None:
        turn.say(t("zone_bad", text=f"{location.latitude:.2f}, {location.longitude:.2f}"))
    return zone
