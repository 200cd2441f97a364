"""The dashboard's HTML: server-rendered, one inline stylesheet, inline SVG charts, no script.

Nothing is fetched from elsewhere (no CDN, no web font), so the page works offline and a
clinic's network policy has nothing to allow but this host. Every value that comes from a
patient (their name) or the database is escaped here. The words are in
``bot/content/dashboard.yaml`` (:func:`w`), like every other text people read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import yaml

from bot.program.clinic import EscalationLine, PatientPage, PatientRow, Signed
from bot.telegram.alerts import reason_text

WORDS_FILE = Path(__file__).resolve().parent.parent / "content" / "dashboard.yaml"

CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
header{background:#1f6fb2;color:#fff;padding:.6em 1em;display:flex;flex-wrap:wrap;gap:.4em 1em;
align-items:center}header a{color:#fff}header form{margin-left:auto}
main{padding:1em;max-width:1100px;margin:0 auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:.4em .6em;border-bottom:1px solid #e1e4e8;text-align:left;vertical-align:top}
th{font-size:.85em;color:#555}.open{background:#fff4e5}.num{text-align:right;white-space:nowrap}
.status-paused_safety{color:#b3261e;font-weight:600}.card{background:#fff;padding:1em;
margin:0 0 1em;border-radius:6px;box-shadow:0 1px 2px #0001}h2{font-size:1.1em;margin:.2em 0 .6em}
button{font:inherit;padding:.3em .8em;border-radius:4px;border:1px solid #1f6fb2;margin:.1em 0;
background:#1f6fb2;color:#fff;cursor:pointer}button.quiet{background:#fff;color:#1f6fb2}
label{display:block;margin:.8em 0 .2em}textarea{width:100%;font:inherit}.muted{color:#666}
.nowrap{white-space:nowrap}.chart{width:100%;max-width:720px}td form{white-space:nowrap}
@media (max-width:600px){main{padding:.5em}.card{padding:.7em}
.stack,.stack tbody,.stack tr,.stack td{display:block;width:100%}.stack tr:first-child{display:none}
.stack tr{border-bottom:1px solid #e1e4e8;padding:.3em 0}.stack td{border:0;padding:.1em .3em;
text-align:left}.stack td:empty{display:none}.stack td:not([data-label=""])::before{
content:attr(data-label);display:inline-block;min-width:9em;color:#555;font-size:.85em}}
"""


@cache
def _words() -> dict[str, Any]:
    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def w(key: str, **values: Any) -> str:
    """The dashboard's text ``key`` ("status.active" for a nested one), filled in; not escaped."""
    found: Any = _words()
    for part in key.split("."):
        found = found[part]
    return str(found).format(**values)


def label(group: str, value: object) -> str:
    """The word for a stored value (a status, a reach, a level), or the value itself."""
    words = _words()[group]
    return str(words.get(str(value), value))


def page(title: str, body: str, who: Signed | None = None, clinic: str = "") -> str:
    if who is not None:
        bar = (
            f"<header><strong>{escape(w('brand'))} · {escape(clinic)}</strong>"
            f'<a href="/dashboard/">{escape(w("nav_patients"))}</a>'
            f"{form('/dashboard/sign-out', who, button(w('sign_out'), quiet=True))}</header>"
        )
    else:
        bar = f"<header><strong>{escape(w('brand_dashboard'))}</strong></header>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no favicon request (and no 404 for it)
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{bar}<main>{body}</main></body></html>"
    )


def button(text: str, *, quiet: bool = False) -> str:
    return f'<button type="submit"{" class=quiet" if quiet else ""}>{escape(text)}</button>'


def form(action: str, who: Signed, inner: str) -> str:
    """A POST form with the session's CSRF token."""
    return (
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="csrf" value="{escape(who.csrf)}">{inner}</form>'
    )


def _card(title: str, inner: str) -> str:
    return f'<div class="card"><h2>{escape(title)}</h2>{inner}</div>'


Row = tuple[str, Sequence[str]]  # the row's CSS class, its cells' HTML


def _table(head: Sequence[tuple[str, bool]], rows: Sequence[Row]) -> str:
    """A table; ``head``: (text key, numeric) per column. On a phone each row becomes a block
    of "column: value" lines (the CSS's ``.stack``), so nothing hides off the screen's edge."""
    names = [w(key) if key else "" for key, _ in head]
    heads = "".join(
        f"<th{' class=num' if numeric else ''}>{escape(name)}</th>"
        for name, (_, numeric) in zip(names, head, strict=True)
    )
    lines = "".join(
        f'<tr class="{css}">'
        + "".join(
            f'<td data-label="{escape(name)}"{" class=num" if numeric else ""}>{cell}</td>'
            for cell, name, (_, numeric) in zip(cells, names, head, strict=True)
        )
        + "</tr>"
        for css, cells in rows
    )
    return f'<table class="stack"><tr>{heads}</tr>{lines}</table>'


def _muted(key: str) -> str:
    return f'<p class="muted">{escape(w(key))}</p>'


def sparkline(values: Sequence[float], width: int = 90, height: int = 24) -> str:
    """Pain 0-10 as a tiny line (the last 14 days with a score)."""
    if not values:
        return f'<span class="muted">{w("no_value")}</span>'
    step = width / max(1, len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - v / 10 * height:.1f}" for i, v in enumerate(values)
    )
    text = escape(w("pain_label", values=", ".join(f"{v:g}" for v in values)))
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="{text}">'
        f'<polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="{points}"/></svg>'
    )


def sign_in_form(token: str) -> str:
    body = _card(
        w("sign_in"),
        f"<p>{escape(w('sign_in_text'))}</p>"
        f'<form method="post" action="/dashboard/sign-in"><input type="hidden" name="token" '
        f'value="{escape(token)}">{button(w("sign_in"))}</form>',
    )
    return page(w("sign_in"), body)


def message(title_key: str, text_key: str) -> str:
    """A page that only says something: ``title_key`` and ``text_key`` name its words."""
    title = w(title_key)
    return page(title, _card(title, f"<p>{escape(w(text_key))}</p>"))


def refused(reason: str) -> str:
    """An action that does not apply (:class:`bot.program.clinic.Refused`)."""
    title = w("not_done")
    return page(title, _card(title, f"<p>{escape(w(f'refused.{reason}'))}</p>"))


def _name(row: PatientRow) -> str:
    return row.name or w("patient_fallback", id=row.user_id)


def _status(row: PatientRow) -> str:
    return f'<span class="status-{row.status}">{escape(label("status", row.status))}</span>'


def _or_dash(value: int | None) -> str:
    return w("no_value") if value is None else str(value)


def _pain(value: int | None) -> str:
    return w("no_value") if value is None else w("pain_value", value=value)


def _reach(value: int | None) -> str:
    return w("no_value") if value is None else label("reach", value)


def _when(at: datetime) -> str:
    return w("when", at=at)


def patient_list(who: Signed, clinic: str, rows: Sequence[PatientRow]) -> str:
    head = (
        ("col_patient", False),
        ("col_status", False),
        ("col_days", True),
        ("col_sessions_7", True),
        ("col_sessions_14", True),
        ("col_last_pain", True),
        ("col_trend", False),
        ("col_reach", False),
        ("col_open", True),
    )
    lines = [
        (
            "open" if r.open_escalations else "",
            (
                f'<a href="/dashboard/patients/{r.user_id}">{escape(_name(r))}</a>',
                _status(r),
                _or_dash(r.days),
                str(r.sessions_7),
                str(r.sessions_14),
                _pain(r.last_pain),
                sparkline(r.pains),
                escape(_reach(r.reach)),
                str(r.open_escalations or ""),
            ),
        )
        for r in rows
    ]
    inner = _table(head, lines) if lines else _muted("no_patients")
    return page(w("patients"), _card(w("patients"), inner), who, clinic)


def pain_chart(daily: dict[date, float], baseline: int | None, first: date, last: date) -> str:
    """Daily pain over the period as an SVG line, with the baseline dashed."""
    days = sorted(d for d in daily if first <= d <= last)
    if not days:
        return _muted("no_pain")
    width, height, pad = 480, 200, 30
    span = max(1, (last - first).days)

    def x(day: date) -> float:
        return pad + (day - first).days / span * (width - 2 * pad)

    def y(value: float) -> float:
        return height - pad - value / 10 * (height - 2 * pad)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-label="{escape(w("chart_label"))}">',
        f'<rect x="{pad}" y="{y(10)}" width="{width - 2 * pad}" height="{y(0) - y(10)}" '
        'fill="#fafbfc" stroke="#e1e4e8"/>',
    ]
    for tick in (0, 5, 10):
        parts.append(f'<text x="4" y="{y(tick) + 4}" font-size="13">{tick}</text>')
    if baseline is not None:
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{y(baseline)}" y2="{y(baseline)}" '
            'stroke="#9a9a9a" stroke-dasharray="5 4"/>'
        )
    points = " ".join(f"{x(d):.1f},{y(daily[d]):.1f}" for d in days)
    parts.append(f'<polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="{points}"/>')
    parts.extend(
        f'<circle cx="{x(d):.1f}" cy="{y(daily[d]):.1f}" r="3" fill="#1f6fb2"/>' for d in days
    )
    parts.append(f'<text x="{pad}" y="{height - 6}" font-size="13">{first:%d %b}</text>')
    parts.append(
        f'<text x="{width - pad}" y="{height - 6}" font-size="13" text-anchor="end">'
        f"{last:%d %b}</text></svg>"
    )
    return "".join(parts)


def _escalation(who: Signed, e: EscalationLine) -> Row:
    reasons = "; ".join(escape(reason_text(r)) for r in e.reasons) or w("no_value")
    if e.acknowledged is not None:
        by, at = e.acknowledged
        done = (
            w("acknowledged_by_you", when=_when(at))
            if by == who.telegram_id
            else w("acknowledged_by", who=by, when=_when(at))
        )
        state = escape(done)
    else:
        state = form(f"/dashboard/escalations/{e.id}/acknowledge", who, button(w("acknowledge")))
    return (
        "open" if e.open else "",
        (
            _when(e.at),
            escape(label("level", e.level)),
            reasons,
            escape(w("state_open" if e.open else "state_resolved")),
            state,
        ),
    )


def _actions(who: Signed, p: PatientPage, base: str) -> str:
    parts = []
    if p.row.status == "paused_safety":
        if p.cleared_at is not None:
            parts.append(f"<p>{escape(w('cleared_on', when=_when(p.cleared_at)))}</p>")
        else:
            parts.append(
                form(f"{base}/clear", who, button(w("clear")))
                + f'<p class="muted">{escape(w("clear_help"))}</p>'
            )
    parts.append(
        form(
            f"{base}/note",
            who,
            f'<label for="note">{escape(w("note_label"))}</label>'
            '<textarea id="note" name="note" rows="2" maxlength="500" required></textarea>'
            + button(w("send_note")),
        )
    )
    return "".join(parts)


def _sessions(p: PatientPage) -> str:
    if not p.sessions:
        return _muted("no_sessions")
    head = (
        ("col_day", False),
        ("col_status", False),
        ("col_pain_before", True),
        ("col_pain_after", True),
        ("col_skipped", False),
        ("col_too_painful", False),
    )
    return _table(
        head,
        [
            (
                "",
                (
                    f"{s.day:%a %d %b}",
                    escape(label("session", s.status)),
                    _pain(s.pain_before),
                    _pain(s.pain_after),
                    escape(", ".join(s.skipped)),
                    escape(", ".join(s.too_painful)),
                ),
            )
            for s in p.sessions
        ],
    )


def _levels(who: Signed, p: PatientPage, base: str) -> str:
    rows: list[Row] = []
    for level in p.levels:
        slot = f'<input type="hidden" name="slot" value="{escape(level.slot)}">'
        if level.adjustment:
            choice = '<input type="hidden" name="kind" value="none">' + button(
                w("undo"), quiet=True
            )
        else:
            choice = (
                f'<button type="submit" name="kind" value="omit" class=quiet>'
                f"{escape(w('leave_out'))}</button> "
                f'<button type="submit" name="kind" value="hold" class=quiet>'
                f"{escape(w('hold_level'))}</button>"
            )
        adjusted = label("adjusted", level.adjustment) if level.adjustment else ""
        plan = form(f"{base}/plan", who, slot + choice)
        rows.append(("", (escape(level.exercise), str(level.notch), escape(adjusted), plan)))
    head = (("col_exercise", False), ("col_step", True), ("col_adjusted", False), ("", False))
    return _table(head, rows)


def _weeks(p: PatientPage) -> str:
    if not p.weeks:
        return _muted("no_weeks")
    head = (
        ("col_week", False),
        ("col_week_sessions", True),
        ("col_mean_pain", True),
        ("col_trend", False),
    )
    return _table(
        head,
        [
            (
                "",
                (
                    f"{x.first:%d %b} – {x.last:%d %b}",
                    f"{x.sessions}/{x.planned}",
                    w("no_value") if x.pain_mean is None else f"{x.pain_mean:.1f}",
                    escape(x.trend or ""),
                ),
            )
            for x in p.weeks
        ],
    )


def _outcomes(p: PatientPage) -> str:
    """STarT Back risk group and the Roland-Morris scores (docs/outcomes.md)."""
    if p.risk is None and p.disability is None:
        return _muted("no_outcomes")
    lines = []
    if p.risk is not None:
        lines.append(w("risk", group=label("risk_group", p.risk.value)))
    found = p.disability
    if found is not None and found.change is not None:
        change = found.change
        lines.append(
            w(
                "rmdq_change",
                now=change.now,
                start=change.start,
                direction=label("rmdq_direction", change.direction.value),
            )
        )
    elif found is not None:
        lines.append(w("rmdq_start", score=found.scores[-1]))
    return "".join(f"<p>{escape(line)}</p>" for line in lines)


def patient(who: Signed, clinic: str, p: PatientPage, first: date, last: date) -> str:
    r = p.row
    base = f"/dashboard/patients/{r.user_id}"
    numbers = w(
        "summary",
        day=_or_dash(r.days),
        week=r.sessions_7,
        fortnight=r.sessions_14,
        last=_pain(r.last_pain),
        baseline=_pain(p.baseline),
    )
    summary = (
        f"<p>{_status(r)} · {escape(numbers)}</p>"
        f'<p><a href="{base}/report.pdf">{escape(w("report_link"))}</a></p>'
    )
    escalations = (
        _table(
            (
                ("col_when", False),
                ("col_level", False),
                ("col_reasons", False),
                ("col_state", False),
                ("", False),
            ),
            [_escalation(who, e) for e in p.escalations],
        )
        if p.escalations
        else _muted("no_escalations")
    )
    body = (
        _card(_name(r), summary)
        + _card(w("actions"), _actions(who, p, base))
        + _card(w("chart_title"), pain_chart(p.daily, p.baseline, first, last))
        + _card(w("outcomes"), _outcomes(p))
        + _card(w("escalations"), escalations)
        + _card(w("sessions"), _sessions(p))
        + _card(w("levels"), _levels(who, p, base))
        + _card(w("weeks"), _weeks(p))
    )
    return page(_name(r), body, who, clinic)
