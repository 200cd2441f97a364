"""Journeys of several days through the pure rules: the decision said at the end of each day.

The journeys themselves are data in ``tests/journeys.py``, so an end-to-end test can replay the
same days through the real dialogs. ``docs/safety.md`` lists them with their decisions.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach.catalog import load_catalog
from bot.coach.safety import Level, Reach, Settled, Symptom
from tests.journeys import JOURNEYS, Day, Journey, Session, run, said_level, says_up

CATALOG = load_catalog()


def test_there_are_at_least_thirty_journeys_with_unique_names() -> None:
    assert len(JOURNEYS) >= 30
    assert len({j.name for j in JOURNEYS}) == len(JOURNEYS)


@pytest.mark.parametrize("journey", JOURNEYS, ids=lambda j: j.name)
def test_journey(journey: Journey) -> None:
    results = run(journey, CATALOG)
    for plan, result in zip(journey.days, results, strict=True):
        where = f"day {result.day}: {[(t.name, t.text[:60]) for t in result.turns]}"
        assert result.level is plan.expect, where
        assert plan.codes <= result.codes, where
        assert result.news == plan.news, where
        if plan.up is not None:
            assert result.went_up is plan.up, where
        for turn in result.turns:
            assert said_level(turn.text) is turn.decided, (where, turn.text)
            assert not (turn.decided >= Level.CAUTION and says_up(turn.text)), turn.text


# ---- any sequence of days ------------------------------------------------------------------------

scores = st.integers(0, 10)
sessions = st.builds(Session, scores, scores, scores, st.booleans())
days = st.builds(
    Day,
    checkin=st.none() | scores,
    reach=st.none() | st.sampled_from(Reach),
    settled=st.none() | st.sampled_from(Settled),
    session=st.none() | sessions,
    # Mostly no checklist: red flags are rare, and a day without one says more about the rest.
    symptoms=st.just(()) | st.just(()) | st.lists(st.sampled_from(Symptom), max_size=2).map(tuple),
    resume=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10), st.sampled_from(Reach), st.lists(days, min_size=1, max_size=16))
def test_every_reply_speaks_with_the_highest_level_of_its_turn_and_one_voice(
    baseline: int, reach: Reach, plan: list[Day]
) -> None:
    journey = Journey("random", baseline, reach, tuple(plan))
    for result in run(journey, CATALOG):
        for turn in result.turns:
            assert said_level(turn.text) is turn.decided, turn.text
            if turn.decided >= Level.CAUTION:
                assert not says_up(turn.text), turn.text
                assert all(c.direction != "up" for c in turn.changes)
        # An open escalation is never lowered by a later answer the same day.
        levels = [t.decided for t in result.turns]
        first_paused = next((i for i, x in enumerate(levels) if x >= Level.PHYSICIAN), None)
        if first_paused is not None:
            assert all(x >= levels[first_paused] for x in levels[first_paused:])


def test_docs_list_every_journey() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "safety.md").read_text(encoding="utf-8")
    missing = [j.name for j in JOURNEYS if f"| {j.name} |" not in docs]
    assert not missing, f"docs/safety.md lacks journeys: {missing}"
