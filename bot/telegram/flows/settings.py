"""/settings and /remind: reminder time, time zone and weekly summary day, changed any time.

The time and zone questions are the onboarding ones (same parsing, same buttons); after each
change the schedule on the user's row is recomputed at once, so the next reminder moves.
"""

from __future__ import annotations

from telegram import Location, ReplyKeyboardRemove

from bot import scheduling
from bot.coach import timezones
from bot.content.texts import quoted, t
from bot.telegram.flows import answers
from bot.telegram.flows.base import Flow, tapped_score
from bot.telegram.flows.onboarding import parse_time_action, time_rows, zone_keyboard
from bot.telegram.turn import Turn

NAME = "settings"


async def begin(turn: Turn, step: str = "menu") -> None:
    turn.go(NAME, step)
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    user = turn.user
    step = turn.dialog.step
    if step == "menu":
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
    elif step == "time":
        turn.show(t("time_ask"), turn.buttons(time_rows()))
    elif step == "zone":
        turn.say(t("zone_ask", time=user.reminder_time), zone_keyboard())
    elif step == "day":
        days = [(t(f"weekday.{d}"), f"day.{d}") for d in range(7)]
        turn.show(t("settings_day_ask"), turn.buttons([days[:4], days[4:]]))


def _saved(turn: Turn, *, remove_keyboard: bool = False) -> None:
    scheduling.schedule_next(turn.user, turn.now)
    turn.go("none", "")
    text = t("settings_saved", next=scheduling.describe_next(turn.user, turn.now) or "-")
    if remove_keyboard:
        turn.say(text, ReplyKeyboardRemove())
    else:
        turn.show(text)


async def on_tap(turn: Turn, action: str) -> None:
    step = turn.dialog.step
    if step == "menu" and action in ("time", "zone", "day"):
        turn.go(NAME, action)
        await prompt(turn)
    elif step == "menu" and action == "close":
        turn.go("none", "")
        turn.show(t("settings_closed"))
    elif step == "time" and (chosen := parse_time_action(action)) is not None:
        turn.user.reminder_time = chosen.strftime("%H:%M")
        _saved(turn)
    elif step == "day" and (day := tapped_score(action, "day")) is not None and day < 7:
        turn.user.weekly_summary_day = day
        _saved(turn)
    else:
        await prompt(turn)


async def on_text(turn: Turn, text: str) -> bool:
    step = turn.dialog.step
    if step == "time":
        chosen = answers.typed_time(turn, text)
        if chosen is None:
            await prompt(turn)
        else:
            turn.user.reminder_time = chosen.strftime("%H:%M")
            _saved(turn)
        return True
    if step == "zone":
        zone = timezones.parse_zone(text)
        if zone is None:
            turn.say(t("zone_bad", text=quoted(text, 60)), zone_keyboard())
        else:
            turn.user.timezone = zone
            _saved(turn, remove_keyboard=True)
        return True
    return False


async def on_location(turn: Turn, location: Location) -> bool:
    if turn.dialog.step != "zone":
        return False
    zone = await answers.zone_from_location(turn, location)
    if zone is not None:
        turn.user.timezone = zone
        _saved(turn, remove_keyboard=True)
    return True


FLOW = Flow(NAME, prompt, on_tap, on_text, on_location)
