"""/start for a new user: consent, red-flag screen, baseline, reminder time and zone, summary."""

from __future__ import annotations

from datetime import time

from telegram import KeyboardButton, Location, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot import scheduling
from bot.coach import timezones
from bot.coach.numbers import parse_int
from bot.content.texts import quoted, t
from bot.telegram.flows import answers, screen
from bot.telegram.flows.base import Flow, tapped_score, tapped_value
from bot.telegram.keyboards import Button, scale_rows
from bot.telegram.turn import Turn

NAME = "onboard"
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


def parse_time_action(action: str) -> time | None:
    value = tapped_value(action, "time")
    if value is None or len(value) != 4:
        return None
    hour, minute = parse_int(value[:2], 0, 23), parse_int(value[2:], 0, 59)
    return None if hour is None or minute is None else time(hour, minute)


def zone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t("zone_share"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def begin(turn: Turn, name: str) -> None:
    turn.go(NAME, "consent", name=name[:64])
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    step = turn.dialog.step
    if step == "consent":
        turn.show(
            t("welcome", name=turn.payload.get("name") or "there"),
            turn.buttons([[(t("consent_yes"), "agree"), (t("consent_no"), "decline")]]),
        )
    elif step == "baseline":
        turn.show(t("baseline_ask"), turn.buttons(scale_rows("pain")))
    elif step == "reach":
        turn.show(t("reach_ask"), turn.buttons(reach_rows()))
    elif step == "time":
        turn.show(t("time_ask"), turn.buttons(time_rows()))
    elif step == "zone":
        turn.say(t("zone_ask", time=turn.user.reminder_time), zone_keyboard())
    elif step == "summary":
        user = turn.user
        turn.show(
            t(
                "summary",
                pain=user.baseline_pain,
                reach=t(f"reach.{user.baseline_reach or 0}"),
                time=user.reminder_time,
                zone=user.timezone,
            ),
            turn.buttons([[(t("start_now"), "start"), (t("later"), "later")]]),
        )


async def on_tap(turn: Turn, action: str) -> None:
    step = turn.dialog.step
    user = turn.user
    if step == "consent" and action == "agree":
        user.consent_at = turn.now
        await screen.begin(turn, then=NAME, source="screen")
    elif step == "consent" and action == "decline":
        user.status = "refused"
        turn.go("none", "")
        turn.show(t("refused"))
    elif step == "baseline" and (score := tapped_score(action, "pain")) is not None:
        await _baseline(turn, score)
    elif step == "reach" and (reach := tapped_score(action, "reach")) is not None and reach < 5:
        await _reach(turn, reach)
    elif step == "time" and (chosen := parse_time_action(action)) is not None:
        await _time(turn, chosen)
    elif step == "summary" and action in ("start", "later"):
        if action == "start":
            from bot.telegram.flows import session

            await session.begin(turn)
        else:
            turn.go("none", "")
            turn.show(t("later_ok", time=user.reminder_time, zone=user.timezone))
    else:
        await prompt(turn)


@screen.on_clear(NAME)
async def after_screen(turn: Turn) -> None:
    """The red-flag screen found nothing: carry on to the baseline question."""
    turn.go(NAME, "baseline")
    await prompt(turn)


async def _baseline(turn: Turn, score: int) -> None:
    turn.go(NAME, "reach" if answers.set_baseline(turn, score) else "time")
    await prompt(turn)


async def _reach(turn: Turn, reach: int) -> None:
    await answers.set_baseline_reach(turn, reach)
    turn.go(NAME, "time")
    await prompt(turn)


async def _time(turn: Turn, chosen: time) -> None:
    turn.user.reminder_time = chosen.strftime("%H:%M")
    turn.go(NAME, "zone")
    await prompt(turn)


async def on_text(turn: Turn, text: str) -> bool:
    step = turn.dialog.step
    if step == "baseline":
        await answers.typed_score(turn, text, _baseline, prompt)
        return True
    if step == "time":
        chosen = answers.typed_time(turn, text)
        if chosen is None:
            await prompt(turn)
        else:
            await _time(turn, chosen)
        return True
    if step == "zone":
        zone = timezones.parse_zone(text)
        if zone is None:
            turn.say(t("zone_bad", text=quoted(text, 60)), zone_keyboard())
        else:
            await _zone(turn, zone)
        return True
    return False


async def on_location(turn: Turn, location: Location) -> bool:
    if turn.dialog.step != "zone":
        return False
    zone = await answers.zone_from_location(turn, location)
    if zone is not None:
        await _zone(turn, zone)
    return True


async def _zone(turn: Turn, zone: str) -> None:
    user = turn.user
    user.timezone = zone
    user.status = "active"
    user.onboarded_on = turn.today
    scheduling.schedule_next(user, turn.now)
    turn.say(t("zone_set", zone=timezones.describe(zone, turn.now)), ReplyKeyboardRemove())
    turn.go(NAME, "summary")
    await prompt(turn)


FLOW = Flow(NAME, prompt, on_tap, on_text, on_location)
