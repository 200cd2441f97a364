"""The daily check-in that opens every reminder: pain now, where it reaches, and (the morning
after a session) whether yesterday's exercise pain settled. These are the daily reports the
safety rules read, recorded even if the user then skips the session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup

from bot import scheduling
from bot.content.texts import t
from bot.telegram import progressing, safety_actions
from bot.telegram.flows import answers, screen, session
from bot.telegram.flows.base import Flow, tapped_score, tapped_value
from bot.telegram.flows.onboarding import reach_rows
from bot.telegram.keyboards import keyboard, scale_rows
from bot.telegram.turn import Turn
from storage import pain
from storage.models import PainReport, User

NAME = "checkin"
SCREEN_EVERY = timedelta(days=7)
SETTLED = ("yes", "not_fully", "worse")


def opening_text(kind: str) -> str:
    return t(f"reminder.{kind}")


async def prompt(turn: Turn) -> None:
    step = turn.dialog.step
    if step == "pain":
        turn.show(opening_text(turn.payload.get("kind", "daily")), turn.buttons(scale_rows("pain")))
    elif step == "reach":
        last = turn.user.last_reach
        text = t("reach_ask_last", last=t(f"reach.{last}")) if last is not None else t("reach_ask")
        turn.show(text, turn.buttons(reach_rows(last)))
    elif step == "settled":
        turn.show(
            t("settled_ask"),
            turn.buttons([[(t(f"settled.{s}"), f"settled.{s}") for s in SETTLED]]),
        )
    elif step == "offer":
        turn.show(
            t(turn.payload.get("offer_text", "offer")),
            turn.buttons(
                [
                    [(t("btn_start"), "start")],
                    [(t("btn_snooze"), "snooze"), (t("btn_skip_today"), "skip")],
                ]
            ),
        )


async def _pain(turn: Turn, score: int) -> None:
    report = pain.add_report(
        turn.tx,
        turn.user,
        at=turn.now,
        local_date=turn.today,
        kind="checkin",
        score=score,
        reach=0 if score == 0 else None,
    )
    await turn.tx.flush()
    if score == 0:
        await _assessed(turn, report)
    else:
        turn.go(NAME, "reach", **{**turn.payload, "report_id": report.id, "score": score})
        await prompt(turn)


async def _assessed(turn: Turn, report: PainReport) -> None:
    await safety_actions.assess_report(turn, report)
    if turn.dialog.flow != NAME:
        return  # paused by the rules; their message says what to do
    await _after_reports(turn, score=report.score)


async def _after_reports(turn: Turn, score: int) -> None:
    user = turn.user
    asked_settled = turn.payload.get("asked_settled", False)
    if (
        not asked_settled
        and user.last_session_on is not None
        and user.last_session_on == turn.today - timedelta(days=1)
    ):
        turn.go(NAME, "settled", **{**turn.payload, "score": score, "asked_settled": True})
        await prompt(turn)
        return
    if user.status == "paused" and user.paused_level:
        turn.go("none", "")
        turn.show(t("gentle_thanks"))
        return
    if user.redflag_screen_at is None or turn.now - user.redflag_screen_at >= SCREEN_EVERY:
        await screen.begin(turn, then=NAME, source="screen")
        return
    await _offer(turn)


async def _offer(turn: Turn) -> None:
    done_today = turn.user.last_session_on == turn.today
    if done_today:
        turn.go("none", "")
        turn.show(t("offer_done"))
        return
    turn.go(NAME, "offer")
    await prompt(turn)


@screen.on_clear(NAME)
async def after_screen(turn: Turn) -> None:
    await _offer(turn)


async def on_tap(turn: Turn, action: str) -> None:
    step = turn.dialog.step
    if step == "pain" and (score := tapped_score(action, "pain")) is not None:
        await _pain(turn, score)
    elif step == "reach" and (reach := tapped_score(action, "reach")) is not None and reach < 5:
        report = await pain.get_report(turn.tx, int(turn.payload["report_id"]))
        assert report is not None
        report.reach = reach
        await _assessed(turn, report)
    elif step == "settled" and (value := tapped_value(action, "settled")) in SETTLED:
        report = pain.add_report(
            turn.tx,
            turn.user,
            at=turn.now,
            local_date=turn.today,
            kind="next_morning",
            score=int(turn.payload["score"]),
            settled=value,
            reach=turn.user.last_reach,
        )
        await safety_actions.assess_report(turn, report)
        await progressing.after_settled(turn)
        if turn.dialog.flow == NAME:
            await _after_reports(turn, score=report.score)
    elif step == "offer" and action == "start":
        turn.go("none", "")
        await session.begin(turn)
    elif step == "offer" and action == "snooze":
        at = scheduling.snooze(turn.user, turn.now)
        turn.go("none", "")
        turn.show(t("snoozed", time=at))
    elif step == "offer" and action == "skip":
        turn.go("none", "")
        turn.show(t("skipped_today", time=turn.user.reminder_time))
    else:
        await prompt(turn)


async def on_text(turn: Turn, text: str) -> bool:
    if turn.dialog.step != "pain":
        return False
    await answers.typed_score(turn, text, _pain, prompt)
    return True


FLOW = Flow(NAME, prompt, on_tap, on_text)


BUSY_GRACE = timedelta(minutes=30)
# Steps that only offer something (nothing is half done): a reminder may take over at once.
RESTING_STEPS = frozenset(
    {("onboard", "summary"), ("session", "done"), ("session", "already_done")}
)


def open_for_reminder(
    user: User, now: datetime, kind: str, *, offer_only: bool
) -> tuple[str, InlineKeyboardMarkup] | None:
    """Open the check-in a reminder carries: its card, or None while the user is mid-dialog.

    ``offer_only``: a snoozed reminder on a day the user already checked in offers the session
    without asking for pain again.
    """
    dialog = user.dialog
    assert dialog is not None
    resting = (dialog.flow, dialog.step) in RESTING_STEPS
    busy = dialog.flow not in ("none", NAME) and not resting
    if busy and now - dialog.updated_at < BUSY_GRACE:
        return None
    dialog.version += 1
    dialog.updated_at = now
    if offer_only:
        dialog.flow, dialog.step, dialog.payload = NAME, "offer", {}
        rows = [
            [(t("btn_start"), "start")],
            [(t("btn_snooze"), "snooze"), (t("btn_skip_today"), "skip")],
        ]
        text = t("reminder.snooze")
    else:
        opening = "checkin" if kind == "checkin" else kind
        dialog.flow, dialog.step, dialog.payload = NAME, "pain", {"kind": opening}
        rows = scale_rows("pain")
        text = opening_text(opening)
    return text, keyboard(NAME, dialog.version, rows)
