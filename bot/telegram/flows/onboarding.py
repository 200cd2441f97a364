"""/start for a new user: consent, red-flag screen, baseline, reminder time and zone, the risk
and disability questionnaires (bot/telegram/flows/questionnaire.py), summary.

Each answered question stays in the chat as its answer ("Consent: yes, I agree"), the way a
form keeps its filled-in fields; the next question comes as a new card below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from telegram import Location, ReplyKeyboardRemove

from bot.coach import outcomes, timezones
from bot.content.texts import t
from bot.program import clinic, profile
from bot.telegram.flows import answers, questionnaire, screen
from bot.telegram.flows.answers import (
    PAIN,
    REACH,
    TYPED_PAIN,
    TYPED_TIME,
    TYPED_ZONE,
    TapTime,
    echo_pain,
    echo_reach,
    echo_time,
    reach_rows,
    time_rows,
    zone_keyboard,
)
from bot.telegram.flows.graph import END, At, Calls, Goes, Graph, Next, Node, Shared, Tap, on
from bot.telegram.keyboards import scale_rows
from bot.telegram.turn import Turn


class Step(StrEnum):
    CONSENT = "consent"
    SHARE = "share"  # came through a clinic's invite link: may the clinic see the answers?
    SCREEN = "screen"  # the red-flag screen is running; a clear one comes back here
    BASELINE = "baseline"
    REACH = "reach"
    TIME = "time"
    ZONE = "zone"
    OUTCOMES = "outcomes"  # the questionnaires are running; their RETURN comes back here
    SUMMARY = "summary"


@dataclass
class Payload:
    name: str = ""
    clinic_id: int = 0  # the clinic whose invite link started it (0: none)
    clinic: str = ""


def start(name: str, clinic_id: int = 0, clinic_name: str = "") -> At:
    return At(GRAPH, Step.CONSENT, Payload(name=name[:64], clinic_id=clinic_id, clinic=clinic_name))


def at_baseline() -> At:
    """Where /resume sends a user cleared before onboarding was finished."""
    return At(GRAPH, Step.BASELINE, Payload())


async def _consent(turn: Turn, p: Payload) -> None:
    turn.show(
        t("welcome", name=p.name or "there"),
        turn.buttons([[(t("consent_yes"), "agree"), (t("consent_no"), "decline")]]),
    )


async def _agree(turn: Turn, p: Payload, _: str) -> Next:
    profile.consent(turn.work)
    return Step.SHARE if p.clinic_id else screen.call("screen", then=Step.SCREEN)


async def _ask_share(turn: Turn, p: Payload) -> None:
    turn.show(
        t("share_ask", clinic=p.clinic),
        turn.buttons([[(t("share_yes"), "share")], [(t("share_no"), "private")]]),
    )


async def _share(turn: Turn, p: Payload, answer: str) -> Next:
    await clinic.join(turn.work, p.clinic_id, p.name, sharing=answer == "share")
    return screen.call("screen", then=Step.SCREEN)


async def _decline(turn: Turn, p: Payload, _: str) -> Next:
    profile.refuse(turn.work)
    turn.say(t("refused"))
    return END


async def _screened(turn: Turn, p: Payload) -> Next:
    """Back from a clear red-flag screen: on to the baseline."""
    return Step.BASELINE


async def _ask_baseline(turn: Turn, p: Payload) -> None:
    turn.show(t("baseline_ask"), turn.buttons(scale_rows("pain")))


async def _baseline(turn: Turn, p: Payload, score: int) -> Next:
    return Step.REACH if profile.set_baseline(turn.work, score) else Step.TIME


async def _ask_reach(turn: Turn, p: Payload) -> None:
    turn.show(t("reach_ask"), turn.buttons(reach_rows()))


async def _reach(turn: Turn, p: Payload, reach: int) -> Next:
    await profile.set_baseline_reach(turn.work, reach)
    return Step.TIME


async def _ask_time(turn: Turn, p: Payload) -> None:
    turn.show(t("time_ask"), turn.buttons(time_rows()))


async def _time(turn: Turn, p: Payload, chosen: time) -> Next:
    profile.set_reminder_time(turn.work, chosen)
    return Step.ZONE


async def _ask_zone(turn: Turn, p: Payload) -> None:
    turn.say(t("zone_ask", time=turn.user.reminder_time), zone_keyboard())


async def _zone(turn: Turn, p: Payload, zone: str) -> Next:
    profile.set_zone(turn.work, zone)
    profile.finish_onboarding(turn.work)
    turn.say(t("zone_set", zone=timezones.describe(zone, turn.now)), ReplyKeyboardRemove())
    asked = [outcomes.STARTBACK] if turn.services.settings.startback else []
    return questionnaire.call([*asked, outcomes.RMDQ], then=Step.OUTCOMES)


async def _asked(turn: Turn, p: Payload) -> Next:
    """Back from the risk and disability questionnaires: on to the summary."""
    return Step.SUMMARY


async def _located(turn: Turn, p: Payload, location: Location) -> Next:
    zone = await answers.zone_from_location(turn, location)
    return Step.ZONE if zone is None else await _zone(turn, p, zone)


def _summary_text(turn: Turn) -> str:
    user = turn.user
    return t(
        "summary",
        pain=user.baseline_pain,
        reach=t(f"reach_where.{user.baseline_reach or 0}"),
        time=user.reminder_time,
        zone=user.timezone,
    )


async def _summary(turn: Turn, p: Payload) -> None:
    turn.show(
        _summary_text(turn),
        turn.buttons([[(t("start_now"), "start"), (t("later"), "later")]]),
    )


async def _start_now(turn: Turn, p: Payload, _: str) -> Next:
    from bot.telegram.flows import session

    turn.close_card(_summary_text(turn))  # the summary stays; the session comes below
    return await session.today(turn)


async def _later(turn: Turn, p: Payload, _: str) -> Next:
    user = turn.user
    turn.close_card(_summary_text(turn))
    turn.say(t("later_ok", time=user.reminder_time, zone=user.timezone))
    return END


def _echo_share(p: Payload, answer: str) -> str:
    return t("echo.share_yes" if answer == "share" else "echo.share_no", clinic=p.clinic)


def _echo_time(p: Payload, chosen: time) -> str:
    return echo_time(chosen)


GRAPH: Graph[Step, Payload] = Graph("onboard", Step, Payload, Step.CONSENT)
GRAPH.nodes = {
    Step.CONSENT: Node(
        _consent,
        (
            on(
                Tap("agree"),
                _agree,
                to=[Step.SHARE, Calls("screen")],
                echo=lambda p, _: t("echo.consent"),
            ),
            on(Tap("decline"), _decline, to=[END], echo=lambda p, _: t("echo.declined")),
        ),
    ),
    Step.SHARE: Node(
        _ask_share,
        (
            on(Tap("share"), _share, to=[Calls("screen")], echo=_echo_share),
            on(Tap("private"), _share, to=[Calls("screen")], echo=_echo_share),
        ),
    ),
    # Only passed through: the screen's RETURN lands here and leads on at once.
    Step.SCREEN: Node(_ask_baseline, enter=_screened, enter_to=(Step.BASELINE,)),
    Step.BASELINE: Node(
        _ask_baseline,
        (
            on(PAIN, _baseline, to=[Step.REACH, Step.TIME], echo=lambda p, v: echo_pain(v)),
            on(TYPED_PAIN, _baseline, to=[Step.REACH, Step.TIME], echo=lambda p, v: echo_pain(v)),
        ),
    ),
    Step.REACH: Node(
        _ask_reach, (on(REACH, _reach, to=[Step.TIME], echo=lambda p, v: echo_reach(v)),)
    ),
    Step.TIME: Node(
        _ask_time,
        (
            on(TapTime(), _time, to=[Step.ZONE], echo=_echo_time),
            on(TYPED_TIME, _time, to=[Step.ZONE], echo=_echo_time),
        ),
    ),
    Step.ZONE: Node(
        _ask_zone,
        (
            on(TYPED_ZONE, _zone, to=[Calls("questionnaire")]),
            on(Shared(), _located, to=[Step.ZONE, Calls("questionnaire")]),
        ),
        reask=False,  # "couldn't find that zone" is enough; the location button stays
    ),
    # Only passed through: the questionnaires' RETURN lands here and leads on at once.
    Step.OUTCOMES: Node(_summary, enter=_asked, enter_to=(Step.SUMMARY,)),
    Step.SUMMARY: Node(
        _summary,
        (
            on(Tap("start"), _start_now, to=[Goes("session")]),
            on(Tap("later"), _later, to=[END]),
        ),
    ),
}
