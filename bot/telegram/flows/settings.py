"""/settings and /remind: reminder time, time zone and weekly summary day, changed any time.

The time and zone questions are the onboarding ones (same parsing, same buttons); after each
change the schedule on the user's row is recomputed at once, so the next reminder moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from telegram import Location, ReplyKeyboardRemove

from bot.coach import timezones
from bot.content.texts import t
from bot.program import profile, scheduling
from bot.telegram.flows import answers
from bot.telegram.flows.answers import TYPED_TIME, TYPED_ZONE, TapTime, time_rows, zone_keyboard
from bot.telegram.flows.graph import END, At, Graph, Next, Node, Shared, Tap, TapNumber, on
from bot.telegram.turn import Turn


class Step(StrEnum):
    MENU = "menu"
    TIME = "time"
    ZONE = "zone"
    DAY = "day"


@dataclass
class Payload:
    pass


def open_at(step: Step = Step.MENU) -> At:
    return At(GRAPH, step, Payload())


async def _menu(turn: Turn, p: Payload) -> None:
    user = turn.user
    turn.show(
        t(
            "settings_show",
            time=user.reminder_time or "-",
            zone=timezones.describe(user.timezone, turn.now) if user.timezone else "-",
            day=t(f"weekday.{user.weekly_summary_day}"),
        ),
        turn.buttons(
            [
                [(t("settings_time"), "time"), (t("settings_zone"), "zone")],
                [(t("settings_day"), "day")],
                [(t("settings_close"), "close")],
            ]
        ),
    )


async def _ask_time(turn: Turn, p: Payload) -> None:
    turn.show(t("time_ask"), turn.buttons(time_rows()))


async def _ask_zone(turn: Turn, p: Payload) -> None:
    turn.say(t("zone_ask", time=turn.user.reminder_time), zone_keyboard())


async def _ask_day(turn: Turn, p: Payload) -> None:
    days = [(t(f"weekday.{d}"), f"day.{d}") for d in range(7)]
    turn.show(t("settings_day_ask"), turn.buttons([days[:4], days[4:]]))


async def _choose(turn: Turn, p: Payload, action: str) -> Next:
    return Step(action)


async def _close(turn: Turn, p: Payload, _: str) -> Next:
    turn.show(t("settings_closed"))
    return END


def _saved(turn: Turn, *, remove_keyboard: bool = False) -> Next:
    text = t("settings_saved", next=scheduling.describe_next(turn.user, turn.now) or "-")
    if remove_keyboard:
        turn.say(text, ReplyKeyboardRemove())
    else:
        turn.show(text)
    return END


async def _time(turn: Turn, p: Payload, chosen: time) -> Next:
    profile.set_reminder_time(turn.work, chosen)
    return _saved(turn)


async def _day(turn: Turn, p: Payload, day: int) -> Next:
    profile.set_summary_day(turn.work, day)
    return _saved(turn)


async def _zone(turn: Turn, p: Payload, zone: str) -> Next:
    profile.set_zone(turn.work, zone)
    return _saved(turn, remove_keyboard=True)


async def _located(turn: Turn, p: Payload, location: Location) -> Next:
    zone = await answers.zone_from_location(turn, location)
    return Step.ZONE if zone is None else await _zone(turn, p, zone)


GRAPH: Graph[Step, Payload] = Graph("settings", Step, Payload, Step.MENU)
GRAPH.nodes = {
    Step.MENU: Node(
        _menu,
        (
            on(Tap("time"), _choose, to=[Step.TIME]),
            on(Tap("zone"), _choose, to=[Step.ZONE]),
            on(Tap("day"), _choose, to=[Step.DAY]),
            on(Tap("close"), _close, to=[END]),
        ),
    ),
    Step.TIME: Node(_ask_time, (on(TapTime(), _time, to=[END]), on(TYPED_TIME, _time, to=[END]))),
    Step.ZONE: Node(
        _ask_zone,
        (on(TYPED_ZONE, _zone, to=[END]), on(Shared(), _located, to=[Step.ZONE, END])),
        reask=False,  # "couldn't find that zone" is enough; the location button stays
    ),
    Step.DAY: Node(_ask_day, (on(TapNumber("day", 0, 6), _day, to=[END]),)),
}
