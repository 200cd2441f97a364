"""Scoring the two validated questionnaires, exactly as their authors publish it.

The Keele STarT Back Screening Tool (Hill et al. 2008) sorts a user into low, medium or high
risk of persistent disabling back pain at the start; the Roland-Morris Disability Questionnaire
(Roland & Morris 1983) measures how much the back limits daily life, every four weeks. Both
are pure arithmetic on the answers, kept here away from storage and Telegram so the published
worked examples can be unit-tested. Wording, licences and sources: ``docs/outcomes.md``;
the items themselves: ``bot/content/questionnaires.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Direction(StrEnum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


STARTBACK: Final = "startback"
RMDQ: Final = "rmdq"
STARTBACK_ITEMS: Final = 9
RMDQ_ITEMS: Final = 24
# Item 9 (bothersomeness): "Not at all", "Slightly", "Moderately", "Very much", "Extremely";
# only "Very much" and "Extremely" score a point (Keele's scoring instructions).
BOTHERSOME_SCORING_FROM: Final = 3
DISTRESS_ITEMS: Final = range(4, 9)  # items 5-9 (0-based 4..8): the distress subscale
LOW_TOTAL_MAX: Final = 3  # total 0-3: low risk
HIGH_DISTRESS_MIN: Final = 4  # total 4+ and distress 4-5: high risk; distress 0-3: medium
# Roland-Morris: an important change is at least 30% of the starting score (Ostelo et al.
# 2008) and never less than 2 points (about the smallest change beyond measurement error
# reported, Stratford et al. 1996; Jordan et al. 2006: 2.5 points).
RMDQ_MIC_FRACTION: Final = 0.3
RMDQ_MIC_MIN_POINTS: Final = 2
# A rise this large is "clearly worse": the bot suggests seeing a clinician (docs/outcomes.md).
RMDQ_CLEARLY_WORSE_POINTS: Final = 5


@dataclass(frozen=True)
class StartBackScore:
    total: int
    distress: int
    risk: Risk


def score_startback(answers: Sequence[int]) -> StartBackScore:
    """Nine answers: items 1-8 as 0 (disagree) or 1 (agree), item 9 as 0-4 (Not at all ..
    Extremely). Total 0-9 and distress subscale (items 5-9) 0-5, then the risk group."""
    if len(answers) != STARTBACK_ITEMS:
        raise ValueError(f"STarT Back has {STARTBACK_ITEMS} items, got {len(answers)}")
    if any(a not in (0, 1) for a in answers[:8]) or not 0 <= answers[8] <= 4:
        raise ValueError(f"answers out of range: {list(answers)}")
    points = [*answers[:8], 1 if answers[8] >= BOTHERSOME_SCORING_FROM else 0]
    total = sum(points)
    distress = sum(points[i] for i in DISTRESS_ITEMS)
    if total <= LOW_TOTAL_MAX:
        risk = Risk.LOW
    elif distress >= HIGH_DISTRESS_MIN:
        risk = Risk.HIGH
    else:
        risk = Risk.MEDIUM
    return StartBackScore(total, distress, risk)


def score_rmdq(answers: Sequence[int]) -> int:
    """Twenty-four answers, 1 for a sentence ticked ("describes me today"), else 0: the count."""
    if len(answers) != RMDQ_ITEMS:
        raise ValueError(f"Roland-Morris has {RMDQ_ITEMS} items, got {len(answers)}")
    if any(a not in (0, 1) for a in answers):
        raise ValueError(f"answers out of range: {list(answers)}")
    return sum(answers)


def rmdq_mic(start: int) -> int:
    """The smallest change from ``start`` that counts as important (in whole points)."""
    fraction = -(-start * 3 // 10)  # ceil(30% of start) without floats
    return max(RMDQ_MIC_MIN_POINTS, fraction)


@dataclass(frozen=True)
class Change:
    start: int
    now: int
    direction: Direction
    clearly_worse: bool

    @property
    def points(self) -> int:
        return self.now - self.start


def rmdq_change(start: int, now: int) -> Change:
    """Better, about the same or worse since ``start`` (lower is better), by the MIC."""
    delta = now - start
    mic = rmdq_mic(start)
    if delta <= -mic:
        direction = Direction.BETTER
    elif delta >= mic:
        direction = Direction.WORSE
    else:
        direction = Direction.SAME
    return Change(start, now, direction, delta >= max(mic, RMDQ_CLEARLY_WORSE_POINTS))
