"""/progress: the pain chart (a week to eight weeks), with streak, sessions and change, and the
Roland-Morris disability score against the start.

The numbers come from :mod:`bot.coach.adherence` (pure), the picture from :mod:`bot.charts`
(rendered in a worker thread). With fewer than three days of pain scores a chart would be a
dot or two, so those users get the same numbers as a few lines of text.
"""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot import charts
from bot.coach import adherence
from bot.coach.safety import Reach
from bot.content.texts import t
from bot.program import history, outcomes
from bot.telegram.flows.questionnaire import disability_line
from bot.telegram.outbox import Reply
from bot.telegram.turn import Turn


def number(value: float) -> str:
    """4.0 -> "4", 3.25 -> "3.3": one decimal, none when it is whole."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def signed(value: float) -> str:
    """-3.0 -> "-3", 1.25 -> "+1.2" (never called with 0: that is "the same")."""
    rounded = round(value, 1)
    return ("+" if rounded > 0 else "-") + number(abs(rounded))


def days_text(count: int) -> str:
    return t("days.one") if count == 1 else t("days.other", count=count)


def streak_line(streaks: adherence.Streaks) -> str:
    if streaks.best == 0:
        return t("progress_streak_never")
    if streaks.current == 0:
        return t("progress_streak_none", best=days_text(streaks.best))
    return t("progress_streak", current=days_text(streaks.current), best=days_text(streaks.best))


def points_text(points: float) -> str:
    """-3 -> "-3 points", 1 -> "+1 point"."""
    key = "points.one" if abs(round(points, 1)) == 1 else "points.other"
    return t(key, points=signed(points))


def change_line(change: adherence.PainChange | None) -> str:
    if change is None:
        return ""
    start, now = number(change.start), number(change.now)
    if round(change.points, 1) == 0:
        return t("progress_change_same", now=now)
    if change.percent is None:
        return t("progress_change_points", start=start, now=now, points=points_text(change.points))
    return t(
        "progress_change",
        start=start,
        now=now,
        points=points_text(change.points),
        percent=f"{round(change.percent):+d}%",
    )


def summary_lines(numbers: adherence.Progress) -> str:
    """Streak, sessions this week and per week, change since starting; one per line."""
    lines = [
        streak_line(numbers.streaks),
        t(
            "progress_sessions",
            week=numbers.sessions_this_week,
            per_week=number(numbers.per_week),
        ),
        change_line(numbers.change),
    ]
    return "\n".join(line for line in lines if line)


def started(turn: Turn) -> bool:
    """Whether the user finished onboarding; tells them how to start if not."""
    user = turn.user
    if user.consent_at is None or user.status in ("refused", "onboarding"):
        turn.say(t("not_started"))
        return False
    return True


def start_day(turn: Turn) -> date:
    return turn.user.onboarded_on or turn.user.created_at.date()


async def load(turn: Turn) -> adherence.Progress:
    entries = await history.pain_entries(turn.tx, turn.user.id)
    days = await history.session_days(turn.tx, turn.user.id)
    return adherence.progress(
        entries,
        days,
        baseline=turn.user.baseline_pain,
        start=start_day(turn),
        today=turn.today,
    )


def chart_labels() -> charts.ChartLabels:
    return charts.ChartLabels(
        title=t("chart.title"),
        pain_axis=t("chart.pain_axis"),
        pain=t("chart.pain"),
        baseline=t("chart.baseline"),
        reach_axis=t("chart.reach_axis"),
        reach=[t(f"chart.reach.{r}") for r in range(len(Reach))],
        session=t("chart.session"),
    )


async def disability_text(turn: Turn) -> str:
    """The Roland-Morris line (latest score, change since the start), or nothing yet."""
    found = await outcomes.disability(turn.work)
    return "" if found is None else disability_line(found)


async def show_progress(turn: Turn, update: Update) -> None:
    if not started(turn):
        return
    numbers = await load(turn)
    disability = await disability_text(turn)
    lines = "\n".join(line for line in (summary_lines(numbers), disability) if line)
    if not numbers.enough_for_chart:
        turn.say(
            t(
                "progress_text",
                days=days_text(numbers.days_reported),
                needed=adherence.MIN_DAYS_FOR_CHART,
                lines=lines,
            )
        )
        return
    first = numbers.chart_first_day
    png = await charts.render_pain_chart_async(
        numbers.daily,
        numbers.session_days,
        await history.furthest_reach(turn.tx, turn.user.id, first),
        baseline=numbers.baseline,
        first=first,
        last=numbers.today,
        labels=chart_labels(),
    )
    turn.out.append(Reply(t("progress_caption", lines=lines), photo=png))
