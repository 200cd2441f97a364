"""The daily check-in that opens every reminder: pain now, where it reaches, and (the morning
after a session) whether yesterday's exercise pain settled; then, weekly, the red-flag screen,
every four weeks the Roland-Morris questionnaire, and the offer of today's session. A reminder
opens it with :func:`open_for_reminder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from telegram import InlineKeyboardMarkup

from bot.coach import outcomes as outcome_scores
from bot.coach.safety import Level
from bot.content.texts import t
from bot.program import checkin as program
from bot.program import lifecycle, outcomes, scheduling
from bot.telegram.flows import questionnaire, screen
from bot.telegram.flows.answers import (
    PAIN,
    REACH,
    TYPED_PAIN,
    echo_pain,
    echo_reach,
    reach_rows,
    tell_safety,
)
from bot.telegram.flows.graph import (
    END,
    Calls,
    Goes,
    Graph,
    Next,
    Node,
    Tap,
    TapChoice,
    Target,
    on,
)
from bot.telegram.keyboards import Button, keyboard, scale_rows
from bot.telegram.turn import Turn
from storage.models import User


class Step(StrEnum):
    PAIN = "pain"
    REACH = "reach"
    SETTLED = "settled"
    SCREEN = "screen"  # the weekly red-flag screen is running; a clear one comes back here
    OFFER = "offer"


@dataclass
class Payload:
    kind: str = "daily"  # which reminder opened it: its first words
    report_id: int = 0
    score: int = 0
    asked_settled: bool = False
    disability_due: bool = False  # the 4-weekly Roland-Morris comes before the offer


def _offer_rows() -> list[list[Button]]:
    return [
        [(t("btn_start"), "start")],
        [(t("btn_snooze"), "snooze"), (t("btn_skip_today"), "skip")],
    ]


async def _ask_pain(turn: Turn, p: Payload) -> None:
    turn.show(t(f"reminder.{p.kind}"), turn.buttons(scale_rows("pain")))


async def _ask_reach(turn: Turn, p: Payload) -> None:
    last = turn.user.last_reach
    text = (
        t("reach_ask_last", last=t(f"reach_where.{last}")) if last is not None else t("reach_ask")
    )
    turn.show(text, turn.buttons(reach_rows(last)))


async def _ask_settled(turn: Turn, p: Payload) -> None:
    turn.show(
        t("settled_ask"),
        turn.buttons([[(t(f"settled.{s}"), f"settled.{s}") for s in program.SETTLED]]),
    )


async def _offer(turn: Turn, p: Payload) -> None:
    turn.show(t("offer"), turn.buttons(_offer_rows()))


async def _pain(turn: Turn, p: Payload, score: int) -> Next:
    scored = await program.record_pain_now(turn.work, score)
    p.report_id, p.score = scored.report_id, score
    p.disability_due = await outcomes.disability_due(turn.work)
    if scored.safety is None:
        return Step.REACH
    tell_safety(turn, scored.safety)
    return END if scored.safety.paused else _after_reports(turn, p)


async def _reach(turn: Turn, p: Payload, reach: int) -> Next:
    outcome = await program.record_reach(turn.work, p.report_id, reach)
    tell_safety(turn, outcome)
    return END if outcome.paused else _after_reports(turn, p)


async def _settled(turn: Turn, p: Payload, settled: str) -> Next:
    outcome, progressed = await program.record_settled(turn.work, p.score, settled)
    tell_safety(turn, outcome)
    if progressed.message is not None:
        turn.say(progressed.message)
    return END if outcome.paused else _after_reports(turn, p)


def _after_reports(turn: Turn, p: Payload) -> Next:
    """The reports are in: the settled question, the weekly screen, or the offer."""
    work = turn.work
    if not p.asked_settled and program.settled_due(work):
        p.asked_settled = True
        return Step.SETTLED
    if lifecycle.is_safety_paused(turn.user):
        if lifecycle.safety_level(turn.user) < Level.EMERGENCY:
            turn.say(t("gentle_thanks"))  # an emergency's own advice was just repeated
        return END
    if program.screen_due(work):
        return screen.call("screen", then=Step.SCREEN)
    return _offer_or_done(turn, p)


def _offer_or_done(turn: Turn, p: Payload) -> Next:
    if p.disability_due:
        p.disability_due = False
        return questionnaire.call([outcome_scores.RMDQ], then=Step.SCREEN)
    if program.done_today(turn.work):
        turn.say(t("offer_done"))
        return END
    return Step.OFFER


async def _screened(turn: Turn, p: Payload) -> Next:
    return _offer_or_done(turn, p)


async def _start(turn: Turn, p: Payload, _: str) -> Next:
    from bot.telegram.flows import session

    return await session.today(turn)


async def _snooze(turn: Turn, p: Payload, _: str) -> Next:
    at = scheduling.snooze(turn.user, turn.now)
    turn.show(t("snoozed", time=at))
    return END


async def _skip(turn: Turn, p: Payload, _: str) -> Next:
    turn.show(t("skipped_today", time=turn.user.reminder_time))
    return END


_AFTER_REPORTS: list[Target] = [
    Step.SETTLED,
    Step.OFFER,
    Calls("screen"),
    Calls("questionnaire"),
    END,
]

GRAPH: Graph[Step, Payload] = Graph("checkin", Step, Payload, Step.PAIN)
GRAPH.nodes = {
    Step.PAIN: Node(
        _ask_pain,
        (
            on(PAIN, _pain, to=[Step.REACH, *_AFTER_REPORTS], echo=lambda p, v: echo_pain(v)),
            on(TYPED_PAIN, _pain, to=[Step.REACH, *_AFTER_REPORTS], echo=lambda p, v: echo_pain(v)),
        ),
    ),
    Step.REACH: Node(
        _ask_reach, (on(REACH, _reach, to=_AFTER_REPORTS, echo=lambda p, v: echo_reach(v)),)
    ),
    Step.SETTLED: Node(
        _ask_settled,
        (
            on(
                TapChoice("settled", program.SETTLED),
                _settled,
                to=_AFTER_REPORTS,
                echo=lambda p, v: t("echo.settled", answer=t(f"settled.{v}")),
            ),
        ),
    ),
    # Only passed through: the screen's RETURN lands here and leads on at once.
    # The 4-weekly questionnaire's RETURN lands here too.
    Step.SCREEN: Node(_offer, enter=_screened, enter_to=(Step.OFFER, END, Calls("questionnaire"))),
    Step.OFFER: Node(
        _offer,
        (
            on(Tap("start"), _start, to=[Goes("session")]),
            on(Tap("snooze"), _snooze, to=[END]),
            on(Tap("skip"), _skip, to=[END]),
        ),
    ),
}


BUSY_GRACE = timedelta(minutes=30)
# Steps that only offer something (nothing is half done): a reminder may take over at once.
RESTING_STEPS = frozenset(
    {("onboard", "summary"), ("session", "done"), ("session", "already_done")}
)


@dataclass(frozen=True)
class ReminderCard:
    """The check-in card a reminder sends, and the card whose buttons it takes over."""

    text: str
    markup: InlineKeyboardMarkup
    replaces: int | None


def open_for_reminder(
    user: User, now: datetime, kind: str, *, offer_only: bool
) -> ReminderCard | None:
    """Open the check-in a reminder carries: its card, or None while the user is mid-dialog.

    ``offer_only``: a snoozed reminder on a day the user already checked in offers the session
    without asking for pain again. The dialog's live card until now is ``replaces``: the
    sender takes its buttons off and records the new card as live once it is sent.
    """
    dialog = user.dialog
    assert dialog is not None
    resting = (dialog.flow, dialog.step) in RESTING_STEPS
    busy = dialog.flow not in ("none", GRAPH.name) and not resting
    if busy and now - dialog.updated_at < BUSY_GRACE:
        return None
    replaces, dialog.card_message_id = dialog.card_message_id, None
    dialog.version += 1
    dialog.updated_at = now
    dialog.flow = GRAPH.name
    if offer_only:
        dialog.step, dialog.payload = Step.OFFER.value, {}
        text, rows = t("reminder.snooze"), _offer_rows()
    else:
        opening = "checkin" if kind == "checkin" else kind
        dialog.step, dialog.payload = Step.PAIN.value, {"kind": opening}
        text, rows = t(f"reminder.{opening}"), scale_rows("pain")
    return ReminderCard(text, keyboard(GRAPH.name, dialog.version, rows), replaces)
