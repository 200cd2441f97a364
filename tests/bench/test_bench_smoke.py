"""The benchmarks still run: every one of them, at a tiny size, on both backends.

Figures are not checked (a test must not depend on the machine's speed); what is checked is
that each benchmark produced its table without an error, so ``make bench`` cannot rot
unnoticed when the bot changes.
"""

from __future__ import annotations

import os

import pytest

from bench.cli import SECTIONS, run, write_docs
from bench.dbs import postgres_admin_url
from bench.report import render
from bench.sizes import TINY


@pytest.mark.slow
@pytest.mark.timeout(900)  # every benchmark, both backends: minutes on a loaded machine
async def test_every_benchmark_runs_at_a_tiny_size(tmp_path) -> None:
    postgres = postgres_admin_url(os.environ.get("BACKSTEP_TEST_POSTGRES_URL"))
    report = await run(TINY, postgres=postgres, log_dir=tmp_path)

    assert report.errors == []
    titles = [section.title[:2] for section in report.sections]
    assert titles == ["1.", "2.", "3."], f"one section per benchmark of {SECTIONS}"
    assert all(section.rows for section in report.sections)
    machine = dict(report.machine)
    if os.environ.get("CI"):
        assert machine["PostgreSQL"][:1].isdigit(), "CI must measure PostgreSQL too"

    table = render(report)
    assert "Backstep on SQLite: updates/s at saturation" in table
    assert "session step: statements per update" in table
    assert "one claim batch" in table and "rate-limited dispatch" in table


def test_writing_the_docs_keeps_the_prose_around_the_table(tmp_path) -> None:
    from bench.cli import BEGIN, END
    from bench.report import Report, Section

    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nWhat it means.\n\n{BEGIN}\nold table\n{END}\n\nMore prose.\n")
    section = Section("1. A benchmark")
    section.add("a figure", "42/s", baseline="echo 84/s", ratio="50% of echo")
    write_docs(Report(sections=[section], machine=[("CPU", "a test CPU")]), docs)

    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nWhat it means.\n")
    assert text.endswith(f"{END}\n\nMore prose.\n")
    assert "old table" not in text
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in text.splitlines()]
    assert ["a figure", "42/s", "echo 84/s", "50% of echo", "", ""] in rows
    assert "a test CPU" in text
