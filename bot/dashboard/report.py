"""A patient's one-page PDF report (the chart, the numbers, the escalations) for a record.

Drawn with matplotlib's PDF backend through ``Figure`` directly (no pyplot, no global state),
under the same lock as the /progress chart; callers run it in a worker thread.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from bot.charts import _LOCK
from bot.dashboard.pages import label, w
from bot.program.clinic import PatientPage
from bot.telegram.alerts import reason_text


def render(p: PatientPage, clinic: str, now: datetime) -> bytes:
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    r = p.row
    last = max(p.daily, default=now.date())
    first = last - timedelta(days=27)

    def number(value: int | None) -> str:
        return w("no_value") if value is None else str(value)

    lines = [
        w("report_title", clinic=clinic, at=now),
        w("report_patient", name=r.name or r.user_id, status=label("status", r.status)),
        w(
            "report_numbers",
            day=number(r.days),
            week=r.sessions_7,
            fortnight=r.sessions_14,
            baseline=w("pain_value", value=number(p.baseline)),
            last=w("pain_value", value=number(r.last_pain)),
        ),
    ]
    escalations = [
        w(
            "report_escalation",
            at=e.at,
            level=label("level", e.level),
            reasons="; ".join(reason_text(x) for x in e.reasons),
            state=w("state_open" if e.open else "state_resolved"),
        )
        + (w("report_acknowledged", at=e.acknowledged[1]) if e.acknowledged else "")
        for e in p.escalations[:8]
    ] or [w("report_no_escalations")]
    with _LOCK:
        figure = Figure(figsize=(8.27, 11.69))  # A4 portrait
        FigureCanvasPdf(figure)
        figure.text(0.07, 0.95, lines[0], fontsize=14, weight="bold")
        for i, line in enumerate(lines[1:]):
            figure.text(0.07, 0.92 - i * 0.022, line, fontsize=10)
        axes = figure.add_axes((0.09, 0.55, 0.84, 0.28))
        days = sorted(d for d in p.daily if first <= d <= last)
        axes.plot([(d - first).days for d in days], [p.daily[d] for d in days], marker="o")
        if p.baseline is not None:
            axes.axhline(p.baseline, linestyle="--", color="#9a9a9a")
        axes.set_ylim(0, 10)
        axes.set_xlim(0, 27)
        axes.set_ylabel(w("report_pain_axis"))
        axes.set_title(w("report_chart_title", first=first, last=last), fontsize=10)
        figure.text(0.07, 0.49, w("escalations"), fontsize=12, weight="bold")
        for i, line in enumerate(escalations):
            figure.text(0.07, 0.465 - i * 0.022, line[:110], fontsize=9)
        top = 0.465 - len(escalations) * 0.022 - 0.03
        figure.text(0.07, top, w("report_sessions"), fontsize=12, weight="bold")
        for i, s in enumerate(p.sessions[:10]):
            figure.text(
                0.07,
                top - 0.025 - i * 0.02,
                w(
                    "report_session",
                    day=s.day,
                    status=s.status,
                    before=number(s.pain_before),
                    after=number(s.pain_after),
                )
                + (
                    w("report_too_painful", names=", ".join(s.too_painful)) if s.too_painful else ""
                ),
                fontsize=9,
            )
        out = io.BytesIO()
        figure.savefig(out, format="pdf")
    return out.getvalue()
