"""The /progress chart: daily pain over four weeks, the baseline, and the days trained.

Rendering is CPU work of a few hundred milliseconds, so callers run :func:`render_pain_chart`
through :func:`render_pain_chart_async` (``asyncio.to_thread``), never on the event loop.
matplotlib's Agg backend is used through ``Figure`` directly (no pyplot, no global figure
state, no display); one lock serialises renders because matplotlib's font and text caches
are not documented as thread-safe.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta

_LOCK = threading.Lock()

PAIN_COLOUR = "#1f6fb2"
BASELINE_COLOUR = "#9a9a9a"
SESSION_COLOUR = "#2e9d57"


@dataclass(frozen=True)
class ChartLabels:
    """The words on the chart (from the texts file, so they can be reviewed and translated)."""

    title: str
    pain_axis: str
    pain: str
    baseline: str
    session: str


def render_pain_chart(
    daily: Mapping[date, float],
    session_days: AbstractSet[date],
    *,
    baseline: int | None,
    first: date,
    last: date,
    labels: ChartLabels,
) -> bytes:
    """A PNG of daily pain from ``first`` to ``last``: a line with points, the baseline as a
    dashed line, and a green mark under each day with a finished session."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def x(day: date) -> int:
        return (day - first).days

    span = (last - first).days
    with _LOCK:
        figure = Figure(figsize=(8, 4.2), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        days = sorted(d for d in daily if first <= d <= last)
        axes.plot(
            [x(d) for d in days],
            [daily[d] for d in days],
            color=PAIN_COLOUR,
            marker="o",
            linewidth=2,
            label=labels.pain,
        )
        if baseline is not None:
            axes.axhline(
                baseline,
                color=BASELINE_COLOUR,
                linestyle="--",
                linewidth=1.5,
                label=labels.baseline,
            )
        trained = sorted(d for d in session_days if first <= d <= last)
        if trained:
            axes.scatter(
                [x(d) for d in trained],
                [-0.6] * len(trained),
                marker="^",
                s=70,
                color=SESSION_COLOUR,
                label=labels.session,
                clip_on=False,
                zorder=3,
            )
        axes.set_ylim(-1, 10.3)
        axes.set_yticks(range(0, 11, 2))
        axes.set_xlim(-0.5, span + 0.5)
        ticks = list(range(span % 7, span + 1, 7))  # weekly, ending on the last day
        axes.set_xticks(ticks)
        axes.set_xticklabels([(first + timedelta(days=i)).strftime("%d %b") for i in ticks])
        axes.set_ylabel(labels.pain_axis)
        axes.set_title(labels.title)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper right", fontsize="small", framealpha=0.9)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def render_pain_chart_async(
    daily: Mapping[date, float],
    session_days: AbstractSet[date],
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
        baseline=baseline,
        first=first,
        last=last,
        labels=labels,
    )
