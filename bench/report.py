"""The benchmark table: every figure next to its same-run baseline, its bound and its target.

Machines here are shared and noisy, so an absolute number alone means little. Each :class:`Row`
therefore carries the baseline it was measured against in the same invocation (or says it is a
count, which does not depend on speed), what physically bounds the figure, and the target from
issue 9 with an honest "met" / "not met".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Row:
    """One figure of the table."""

    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    bound: str = ""
    target: str = ""


@dataclass
class Section:
    """A numbered benchmark: its rows, and notes that explain them."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, figure: str, value: str, **rest: str) -> Row:
        row = Row(figure, value, **rest)
        self.rows.append(row)
        return row


@dataclass
class Report:
    sections: list[Section] = field(default_factory=list)
    machine: list[tuple[str, str]] = field(default_factory=list)
    elapsed_s: float = 0.0
    size: str = "quick"

    @property
    def errors(self) -> list[str]:
        return [f"{s.title}: {e}" for s in self.sections for e in s.errors]


HEADERS = ("figure", "value", "same-run baseline", "ratio", "what bounds it / how far", "target")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.figure, row.value, row.baseline, row.ratio, row.bound, row.target)


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Row]) -> str:
    """A GitHub markdown table, columns padded so it also reads well in a terminal."""
    table = [HEADERS, *(_cells(r) for r in rows)]
    table = [tuple(_escape(c) for c in line) for line in table]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    out = []
    for n, line in enumerate(table):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def render(report: Report, *, heading_level: int = 3) -> str:
    """The whole report as markdown: machine, then one table per section with its notes."""
    hashes = "#" * heading_level
    lines = [f"{hashes} Machine", ""]
    lines += [f"- **{k}**: {v}" for k, v in report.machine]
    lines += [f"- **size**: `{report.size}`, whole run took {report.elapsed_s:.0f} s", ""]
    for section in report.sections:
        lines += [f"{hashes} {section.title}", ""]
        if section.rows:
            lines += [markdown_table(section.rows), ""]
        lines += [f"- {note}" for note in section.notes]
        lines += [f"- **error**: {error}" for error in section.errors]
        if section.notes or section.errors:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def fmt_rate(value: float, unit: str = "/s") -> str:
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.1f}{unit}"


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2f} ms"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:,.0f}x"


def fmt_mb(kilobytes: float) -> str:
    return f"{kilobytes / 1024:,.0f} MB"


def fmt_count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def percentile(values: Iterable[float], p: float) -> float:
    """The ``p``-th percentile (0-100), nearest-rank; 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
