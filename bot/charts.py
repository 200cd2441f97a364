"""The /progress chart, drawn for a phone: daily pain, how far down the leg it reaches, sessions.

Telegram shows a photo about 330 px wide on a phone, so the picture is drawn 720 px wide with
fonts that stay 10 px or more at that size, and everything is stacked in three panels that
share the days: pain on 0-10 as a line with the baseline dashed; how far the pain reaches as a
coloured band hanging from "back" (a band that shrinks and turns green is centralisation, the
good news); and a strip of its own with one mark per day with a finished session. The days
are the user's own (see ``Progress.chart_first_day``: a week to eight weeks).

Rendering is CPU work of a few hundred milliseconds, so callers run :func:`render_pain_chart`
through :func:`render_pain_chart_async` (``asyncio.to_thread``), never on the event loop.
matplotlib's Agg backend is used through ``Figure`` directly (no pyplot, no global figure
state, no display), with matplotlib's own DejaVu Sans and fixed style settings, so the same
data draws the same pixels on any machine (``tests/unit/test_charts.py`` compares against
reviewed images). One lock serialises renders because matplotlib's font and text caches are
not documented as thread-safe.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta

from bot.content.texts import day_text

_LOCK = threading.Lock()

PAIN_COLOUR = "#1f6fb2"
BASELINE_COLOUR = "#6f6f6f"
SESSION_COLOUR = "#2e9d57"
#: Back only, buttock, thigh, below the knee, foot: green (central) to red (far down the leg).
REACH_COLOURS = ("#2e9d57", "#a5c93a", "#f2b630", "#ec7a26", "#d43d2a")

#: 3.6 x 4.4 inches at 200 dpi: 720 x 880 px, shown about 330 px wide (a factor of 0.46).
SIZE_INCHES = (3.6, 4.4)
DPI = 200
#: Points; at 200 dpi and shown at 0.46 these are 10.2 px and more on the phone.
FONT_POINTS = 8
TITLE_POINTS = 9.5
#: At most this many dated ticks fit under the chart at phone width.
MAX_TICKS = 4
#: Tick spacings tried in order (days); weekly and fortnightly for the longer charts.
TICK_STEPS = (1, 2, 7, 14)


@dataclass(frozen=True)
class ChartLabels:
    """The words on the chart (from the texts file, so they can be reviewed and translated)."""

    title: str
    pain_axis: str
    pain: str
    baseline: str
    reach_axis: str
    reach: Sequence[str]  # one short label per Reach, back first
    session: str


def tick_days(span: int) -> list[int]:
    """Day offsets to date under the chart: evenly spaced, ending on the last day."""
    step = next((s for s in TICK_STEPS if span // s + 1 <= MAX_TICKS), TICK_STEPS[-1] * 2)
    return list(range(span % step, span + 1, step))


def render_pain_chart(
    daily: Mapping[date, float],
    session_days: AbstractSet[date],
    reach: Mapping[date, int],
    *,
    baseline: int | None,
    first: date,
    last: date,
    labels: ChartLabels,
) -> bytes:
    """A PNG of the days from ``first`` to ``last``: pain (line, baseline dashed), how far it
    reached (a band coloured by :data:`REACH_COLOURS`) and the days with a finished session."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    def x(day: date) -> int:
        return (day - first).days

    span = (last - first).days
    with (
        _LOCK,
        rc_context(
            {
                "font.family": "DejaVu Sans",
                "font.size": FONT_POINTS,
                "axes.titlesize": FONT_POINTS,
                "axes.titlelocation": "left",
                "axes.titleweight": "bold",
                "axes.spines.top": False,
                "axes.spines.right": False,
                "xtick.labelsize": FONT_POINTS,
                "ytick.labelsize": FONT_POINTS,
                "text.hinting": "default",
                "text.antialiased": True,
                "lines.antialiased": True,
                "patch.antialiased": True,
            }
        ),
    ):
        # The last date sits at the right edge: leave it room.
        layout = ConstrainedLayoutEngine(rect=(0, 0, 0.95, 1))
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout=layout)
        FigureCanvasAgg(figure)
        pain, reached, sessions = figure.subplots(
            3, 1, sharex=True, gridspec_kw={"height_ratios": (5, 2.2, 0.5)}
        )
        figure.suptitle(labels.title, fontsize=TITLE_POINTS, fontweight="bold", x=0.03, ha="left")

        days = sorted(d for d in daily if first <= d <= last)
        marker = 4 if span < 28 else 2.5
        pain.plot(
            [x(d) for d in days],
            [daily[d] for d in days],
            color=PAIN_COLOUR,
            marker="o",
            markersize=marker,
            linewidth=1.8,
            label=labels.pain,
            zorder=3,
        )
        if baseline is not None:
            pain.axhline(
                baseline,
                color=BASELINE_COLOUR,
                linestyle="--",
                linewidth=1.2,
                label=labels.baseline,
            )
        pain.set_ylim(0, 10.4)
        pain.set_yticks(range(0, 11, 2))
        pain.grid(axis="y", alpha=0.3)
        pain.set_title(labels.pain_axis)
        pain.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.08),
            ncol=2,
            frameon=False,
            borderaxespad=0,
            handlelength=1.8,
            columnspacing=1.2,
        )

        reached_days = sorted(d for d in reach if first <= d <= last)
        reached.bar(
            [x(d) for d in reached_days],
            [reach[d] + 1 for d in reached_days],
            bottom=-0.5,
            width=1.0,
            color=[REACH_COLOURS[reach[d]] for d in reached_days],
            linewidth=0,
        )
        reached.set_ylim(len(labels.reach) - 0.5, -0.5)  # back on top, the foot at the bottom
        reached.set_yticks(range(len(labels.reach)))
        reached.set_yticklabels(labels.reach)
        reached.tick_params(axis="y", length=0)
        reached.set_title(labels.reach_axis)

        trained = sorted(d for d in session_days if first <= d <= last)
        sessions.scatter(
            [x(d) for d in trained],
            [0] * len(trained),
            marker="s",
            s=14 if span < 28 else 7,
            color=SESSION_COLOUR,
        )
        sessions.set_ylim(-1, 1)
        sessions.set_yticks([])
        sessions.spines["left"].set_visible(False)
        sessions.set_title(labels.session)

        sessions.set_xlim(-0.5, span + 0.5)
        ticks = tick_days(span)
        sessions.set_xticks(ticks)
        sessions.set_xticklabels(
            [day_text(first + timedelta(days=i)).replace(" ", "\n", 1) for i in ticks]
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


async def render_pain_chart_async(
    daily: Mapping[date, float],
    session_days: AbstractSet[date],
    reach: Mapping[date, int],
    *,
    baseline: int | None,
    first: date,
    last: date,
    labels: ChartLabels,
) -> bytes:
    """:func:`render_pain_chart` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(
        render_pain_chart,
        daily,
        session_days,
        reach,
        baseline=baseline,
        first=first,
        last=last,
        labels=labels,
    )
