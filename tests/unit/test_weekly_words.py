"""The weekly summary's sentences come from one comparison: its pain line and its encouragement
never contradict each other ("about the same" beside "your pain crept up")."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.coach import adherence
from bot.coach.catalog import load_catalog
from bot.content.texts import t
from bot.telegram import weekly

TODAY = date(2026, 1, 18)  # a Sunday
CATALOG = load_catalog()


@given(
    this_week=st.lists(st.integers(0, 10), min_size=1, max_size=7),
    baseline=st.integers(0, 10),
    sessions=st.integers(0, 7),
)
def test_the_pain_line_and_the_encouragement_agree(
    this_week: list[int], baseline: int, sessions: int
) -> None:
    entries = [
        adherence.PainEntry(TODAY - timedelta(days=i + 1), "checkin", score)
        for i, score in enumerate(this_week)
    ]
    days = [TODAY - timedelta(days=i + 1) for i in range(sessions)]
    summary = adherence.weekly_summary(
        entries, days, baseline=baseline, start=TODAY - timedelta(days=30), today=TODAY
    )
    assert summary is not None
    text = weekly.render(summary, CATALOG)
    up = summary.encouragement in ("worse", "rising")
    down = summary.encouragement in ("better_active", "better_quiet")
    assert ("about the same" in text) is not (up or down), text
    assert ("up from" in text or "a little higher" in text) is up, text
    assert ("down from" in text) is down, text
    assert t(f"weekly_enc.{summary.encouragement}") in text
