"""Questions several flows ask in the same way, and how a safety outcome is told.

The check-in, the session, onboarding and /resume all take a 0-10 score (tapped or typed) and
where the pain reaches; onboarding and /settings both take a time and a zone (typed, tapped or
from a shared location). Each matcher, keyboard and echo is written once here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import time

from telegram import KeyboardButton, Location, ReplyKeyboardMarkup

from bot.coach import safety as coach_safety
from bot.coach import safety_messages, schedule, timezones
from bot.coach.numbers import parse_int
from bot.content.texts import quoted, t
from bot.program import safety
from bot.telegram import alerts
from bot.telegram.flows.base import parse_pain, tapped_value
from bot.telegram.flows.graph import TapNumber, Typed
from bot.telegram.keyboards import Button
from bot.telegram.turn import Turn

PAIN = TapNumber("pain")
REACH = TapNumber("reach", 0, 4)
TYPED_PAIN = Typed(parse_pain, "0-10", lambda text: t("number_bad"))
TYPED_TIME = Typed(schedule.parse_time, "time", lambda text: t("time_bad", text=quoted(text)))
TYPED_ZONE = Typed(timezones.parse_zone, "zone", lambda text: t("zone_bad", text=quoted(text, 60)))
TIME_CHOICES = ("07:00", "07:30", "08:00", "12:00", "18:00", "20:00")
REACHES = range(5)


def reach_rows(last: int | None = None) -> list[list[Button]]:
    """Reach buttons, the user's last answer first (one tap for the usual case)."""
    order = [last, *(r for r in REACHES if r != last)] if last is not None else list(REACHES)
    buttons = [(t(f"reach.{r}"), f"reach.{r}") for r in order]
    return [buttons[:2], buttons[2:4], buttons[4:]]


def time_rows() -> list[list[Button]]:
    return [
        [(c, f"time.{c.replace(':', '')}") for c in TIME_CHOICES[:3]],
        [(c, f"time.{c.replace(':', '')}") for c in TIME_CHOICES[3:]],
    ]


def parse_time_action(action: object) -> time | None:
    value = tapped_value(action, "time") if isinstance(action, str) else None
    if value is None or len(value) != 4:
        return None
    hour, minute = parse_int(value[:2], 0, 23), parse_int(value[2:], 0, 59)
    return None if hour is None or minute is None else time(hour, minute)


class TapTime:
    """A tapped reminder time (``time.0730``)."""

    label = "time"

    def match(self, answer: object) -> time | None:
        return parse_time_action(answer)


def zone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t("zone_share"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def zone_from_location(turn: Turn, location: Location) -> str | None:
    """The zone at a shared location, or None after saying none was found."""
    zone = await asyncio.to_thread(timezones.zone_at, location.latitude, location.longitude)
    if zone is None:
        turn.say(t("zone_bad", text=f"{location.latitude:.2f}, {location.longitude:.2f}"))
    return zone


def echo_pain(score: int) -> str:
    return t("echo.pain", score=score)


def echo_reach(reach: int) -> str:
    return t("echo.reach", reach=t(f"reach_where.{reach}"))


def echo_time(chosen: time) -> str:
    return t("echo.time", time=chosen.strftime("%H:%M"))


def tell_safety(
    turn: Turn, *outcomes: safety.Outcome, at_easiest: Collection[str] = ()
) -> coach_safety.Level:
    """Say what the rules decided, before anything else of the turn; alert after commit.

    Several outcomes of one turn are said once, in the voice of the most urgent
    (``safety.combine``); a NONE decision with good news says the good news. ``at_easiest``:
    exercises that hurt at their easiest step (the caution says they are left out). Returns
    the turn's level, for progression's ``one_voice``.
    """
    decision = coach_safety.combine(o.decision for o in outcomes)
    names = {e.id: e.name for e in turn.services.catalog.all()}
    message = safety_messages.render(
        decision,
        turn.services.settings.emergency_number,
        exercise_names=names,
        at_easiest=at_easiest,
    )
    if message:
        turn.say(message, first=True)
    if any(o.alert for o in outcomes):
        turn.after_commit.append(lambda: alerts.send_due(turn.services, turn.bot))
    return decision.level
