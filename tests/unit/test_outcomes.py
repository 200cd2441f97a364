"""Scoring the STarT Back tool and the Roland-Morris questionnaire against the worked examples
of their published scoring instructions, and the checks on the questionnaire and lesson files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.coach.outcomes import (
    Direction,
    Risk,
    rmdq_change,
    rmdq_mic,
    score_rmdq,
    score_startback,
)
from bot.content import lessons as content

A, D = 1, 0  # agree, disagree
NOT_AT_ALL, SLIGHTLY, MODERATELY, VERY_MUCH, EXTREMELY = range(5)


@pytest.mark.parametrize(
    ("answers", "total", "distress", "risk"),
    [
        # Nothing agreed: total 0, low risk.
        ([D] * 8 + [NOT_AT_ALL], 0, 0, Risk.LOW),
        # Total 3 is still low risk, even when all three points are distress items.
        ([D, D, D, D, A, A, A, D, NOT_AT_ALL], 3, 3, Risk.LOW),
        ([A, A, A, D, D, D, D, D, MODERATELY], 3, 0, Risk.LOW),
        # Total 4 with distress 3 or less: medium.
        ([A, A, A, A, D, D, D, D, SLIGHTLY], 4, 0, Risk.MEDIUM),
        ([A, D, D, D, A, A, A, D, NOT_AT_ALL], 4, 3, Risk.MEDIUM),
        # Total 4 with distress 4: high (distress items 5-9 only).
        ([D, D, D, D, A, A, A, A, NOT_AT_ALL], 4, 4, Risk.HIGH),
        ([D, D, D, D, A, A, A, D, VERY_MUCH], 4, 4, Risk.HIGH),
        # Item 9 scores a point only for "Very much" or "Extremely".
        ([A, A, A, D, A, A, A, D, MODERATELY], 6, 3, Risk.MEDIUM),
        ([A, A, A, D, A, A, A, D, VERY_MUCH], 7, 4, Risk.HIGH),
        # Everything: total 9, distress 5.
        ([A] * 8 + [EXTREMELY], 9, 5, Risk.HIGH),
    ],
)
def test_startback_total_distress_and_risk_group(
    answers: list[int], total: int, distress: int, risk: Risk
) -> None:
    scored = score_startback(answers)
    assert (scored.total, scored.distress, scored.risk) == (total, distress, risk)


@pytest.mark.parametrize("answers", [[D] * 8, [D] * 8 + [5], [2] + [D] * 7 + [NOT_AT_ALL]])
def test_startback_refuses_answers_it_cannot_score(answers: list[int]) -> None:
    with pytest.raises(ValueError):
        score_startback(answers)


def test_rmdq_is_the_number_of_sentences_ticked() -> None:
    assert score_rmdq([0] * 24) == 0
    assert score_rmdq([1] * 24) == 24
    assert score_rmdq([1] * 12 + [0] * 12) == 12
    with pytest.raises(ValueError):
        score_rmdq([1] * 23)
    with pytest.raises(ValueError):
        score_rmdq([2] + [0] * 23)


@pytest.mark.parametrize(("start", "mic"), [(0, 2), (4, 2), (7, 3), (10, 3), (12, 4), (20, 6)])
def test_the_minimal_important_change_is_30_percent_and_at_least_2_points(
    start: int, mic: int
) -> None:
    assert rmdq_mic(start) == mic


@pytest.mark.parametrize(
    ("start", "now", "direction", "clearly_worse"),
    [
        (12, 2, Direction.BETTER, False),  # the scoring guide's example: 10 points, 83%
        (10, 7, Direction.BETTER, False),  # 3 points = 30% of 10
        (10, 8, Direction.SAME, False),
        (10, 12, Direction.SAME, False),
        (10, 13, Direction.WORSE, False),  # 3 up: worse, not yet clearly
        (10, 15, Direction.WORSE, True),  # 5 up: see a clinician
        (2, 0, Direction.BETTER, False),
        (2, 3, Direction.SAME, False),
        (0, 5, Direction.WORSE, True),
    ],
)
def test_rmdq_change_is_judged_by_the_minimal_important_change(
    start: int, now: int, direction: Direction, clearly_worse: bool
) -> None:
    change = rmdq_change(start, now)
    assert (change.direction, change.clearly_worse, change.points) == (
        direction,
        clearly_worse,
        now - start,
    )


def test_the_content_files_hold_both_instruments_and_at_least_12_short_sourced_lessons() -> None:
    found = content.instruments()
    assert len(found["startback"].items) == 9 and len(found["rmdq"].items) == 24
    assert found["startback"].choices_for(8) == (
        "Not at all",
        "Slightly",
        "Moderately",
        "Very much",
        "Extremely",
    )
    assert "Keele University" in found["startback"].copyright
    library = content.lessons()
    assert len(library.by_id) >= 12
    for lesson in library.by_id.values():
        assert len(lesson.text.split()) < content.MAX_WORDS and lesson.source
    for risk in Risk:
        assert len(library.ordered(risk.value)) == len(library.by_id)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("text: >-\n      Resting", "text: >-\n      " + "word " * 130 + "Resting"), "words"),
        (('source: "Pain Toolkit', 'source: ""\n    unused: "Pain Toolkit'), "names no source"),
        (("low: [movement, ", "low: ["), "every lesson once"),
    ],
)
def test_a_broken_lessons_file_stops_the_bot_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], problem: str
) -> None:
    broken = tmp_path / "lessons.yaml"
    broken.write_text(content.LESSONS_FILE.read_text().replace(*change, 1))
    monkeypatch.setattr(content, "LESSONS_FILE", broken)
    content.lessons.cache_clear()
    try:
        with pytest.raises(content.ContentError, match=problem):
            content.lessons()
    finally:
        content.lessons.cache_clear()
