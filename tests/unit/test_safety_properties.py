"""Properties the safety rules keep for every history, not just the stories we thought of.

The promise behind them: a user whose pain gets worse is told to see their physician every time,
a red flag always means emergency care, and a user who is getting better is left in peace.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach.safety import (
    EMERGENCY_SYMPTOMS,
    PERSISTING_PAIN_SCORE,
    PHYSICIAN_SYMPTOMS,
    RESTING_KINDS,
    Code,
    History,
    Level,
    PainReport,
    Reach,
    ReportKind,
    Settled,
    SymptomAnswer,
    assess,
)
from bot.coach.safety_messages import MAX_MESSAGE_CHARS, render

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
SIX_WEEKS = 41  # days; severe leg pain is judged from week 6 on

scores = st.integers(min_value=0, max_value=10)
reaches = st.sampled_from(Reach)
moments = st.integers(min_value=0, max_value=80 * 24 * 60).map(
    lambda minutes: START + timedelta(minutes=minutes)
)

reports = st.builds(
    PainReport,
    at=moments,
    score=scores,
    kind=st.sampled_from(ReportKind),
    reach=st.none() | reaches,
    exercise_id=st.none() | st.sampled_from(["bridge", "bird_dog", "wall_sit"]),
    settled=st.none() | st.sampled_from(Settled),
    id=st.none() | st.integers(min_value=1, max_value=10_000),
)
answers = st.builds(
    SymptomAnswer,
    at=moments,
    symptom=st.sampled_from(sorted(EMERGENCY_SYMPTOMS | PHYSICIAN_SYMPTOMS)),
    present=st.booleans(),
)


@st.composite
def histories(draw: st.DrawFn) -> History:
    return History(
        baseline_score=draw(scores),
        baseline_reach=draw(reaches),
        program_start=START,
        reports=draw(st.lists(reports, max_size=25)),
        symptoms=draw(st.lists(answers, max_size=8)),
        past_cautions=draw(st.lists(moments, max_size=4)),
    )


def end_of(history: History) -> datetime:
    times = [r.at for r in history.reports] + [a.at for a in history.symptoms]
    return max(times, default=START) + timedelta(hours=1)


def worse_than(baseline: int, points: int) -> int | None:
    """The lowest score at least ``points`` and 30% above ``baseline``, if the scale has one."""
    for score in range(baseline + points, 11):
        if 10 * (score - baseline) >= 3 * baseline or score == 10:
            return score
    return None


# ---- getting better, or staying the same, is never escalated ----------------------------------


@st.composite
def improving(draw: st.DrawFn) -> tuple[History, list[PainReport]]:
    """Check-ins (and gentle exercise reports) whose pain never rises and never spreads."""
    history = History(draw(scores), draw(reaches), START, [])
    steps = draw(st.lists(st.tuples(
        st.integers(1, 3),  # days until the next report
        st.integers(0, 2),  # how much the pain eases
        st.booleans(),  # whether the pain retreats one step toward the back
        st.booleans(),  # whether the user said how far it reaches
        st.sampled_from([ReportKind.CHECKIN, ReportKind.NEXT_MORNING, ReportKind.DURING_EXERCISE]),
    ), max_size=14))  # fmt: skip
    score, reach, day, made = history.baseline_score, history.baseline_reach, 0, []
    for gap, ease, retreat, told, kind in steps:
        day += gap
        if day > SIX_WEEKS:
            break
        score = max(0, score - ease)
        reach = Reach(max(0, reach - retreat))
        at = START + timedelta(days=day)
        where = reach if told else None
        if kind is ReportKind.DURING_EXERCISE:
            made.append(PainReport(at, min(score, 5), kind, where, exercise_id="bridge"))
        else:
            settled = Settled.YES if kind is ReportKind.NEXT_MORNING else None
            made.append(PainReport(at, score, kind, where, settled=settled))
    return history, made


@settings(max_examples=300, deadline=None)
@given(improving())
def test_pain_that_never_rises_or_spreads_never_escalates(
    case: tuple[History, list[PainReport]],
) -> None:
    history, made = case
    for i, new in enumerate(made):
        so_far = replace(history, reports=made[: i + 1])
        decision = assess(so_far, new.at, new)
        if decision.codes == {Code.SEVERE_PAIN}:
            # The one exception, by design: pain that stays at 8/10 or more is severe and
            # persisting, and goes to a physician however little it rises.
            resting = [r.score for r in made[: i + 1] if r.kind in RESTING_KINDS]
            assert resting[-2:] and min(resting[-2:]) >= PERSISTING_PAIN_SCORE, (new, decision)
            continue
        assert decision.level is Level.NONE, (new, decision)


# ---- red flags always win ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(histories(), st.sampled_from(sorted(EMERGENCY_SYMPTOMS)), st.booleans())
def test_a_present_emergency_symptom_always_means_emergency(
    history: History, symptom: object, as_new: bool
) -> None:
    now = end_of(history)
    said = SymptomAnswer(now, symptom, True)  # type: ignore[arg-type]
    with_it = replace(history, symptoms=[*history.symptoms, said])

    decision = assess(with_it, now, said if as_new else None)

    assert decision.level is Level.EMERGENCY
    assert render(decision, None).startswith("⚠️ Please stop exercising and seek emergency care")


@settings(max_examples=300, deadline=None)
@given(histories(), st.sets(st.sampled_from(sorted(PHYSICIAN_SYMPTOMS)), min_size=1))
def test_adding_physician_symptoms_never_lowers_the_level(
    history: History, symptoms: set[object]
) -> None:
    now = end_of(history)
    said = [SymptomAnswer(now, s, True) for s in symptoms]  # type: ignore[arg-type]

    without = assess(history, now)
    with_them = assess(replace(history, symptoms=[*history.symptoms, *said]), now)

    assert with_them.level >= without.level
    assert with_them.level >= Level.PHYSICIAN


# ---- worse pain is always told ------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(0, 3))
def test_a_three_point_rise_over_the_start_always_means_physician(
    history: History, extra: int
) -> None:
    score = worse_than(history.baseline_score, 3)
    if score is None:
        return
    score = min(10, score + extra)
    now = end_of(history)
    new = PainReport(now, score, ReportKind.CHECKIN)

    assert assess(history, now, new).level >= Level.PHYSICIAN


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(1, 5))
def test_two_check_ins_two_points_over_the_start_always_mean_physician(
    history: History, days_apart: int
) -> None:
    score = worse_than(history.baseline_score, 2)
    if score is None:
        return
    first_at = end_of(history)
    first = PainReport(first_at, score, ReportKind.CHECKIN)
    second = PainReport(first_at + timedelta(days=days_apart), score, ReportKind.CHECKIN)
    with_first = replace(history, reports=[*history.reports, first])

    assert assess(with_first, second.at, second).level >= Level.PHYSICIAN


@settings(max_examples=300, deadline=None)
@given(histories(), scores, scores)
def test_a_higher_latest_score_never_lowers_the_level(history: History, a: int, b: int) -> None:
    low, high = sorted((a, b))
    now = end_of(history)

    level_low = assess(history, now, PainReport(now, low, ReportKind.CHECKIN)).level
    level_high = assess(history, now, PainReport(now, high, ReportKind.CHECKIN)).level

    assert level_high >= level_low


# ---- calling conventions ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(histories(), reports, st.randoms(use_true_random=False))
def test_the_same_facts_give_the_same_decision(
    history: History, new: PainReport, rnd: random.Random
) -> None:
    now = max(end_of(history), new.at)
    stored = replace(history, reports=[*history.reports, new])
    shuffled = replace(
        stored,
        reports=rnd.sample(list(stored.reports), len(stored.reports)),
        symptoms=rnd.sample(list(stored.symptoms), len(stored.symptoms)),
    )

    decision = assess(history, now, new)

    assert assess(history, now, new) == decision  # pure
    assert assess(stored, now, new) == decision  # stored first or not: the same
    assert assess(shuffled, now, new) == decision  # order of the history doesn't matter


@settings(max_examples=300, deadline=None)
@given(histories(), st.one_of(st.none(), reports, answers), st.sampled_from([None, "112"]))
def test_every_decision_can_be_said_in_one_message(
    history: History, new: PainReport | SymptomAnswer | None, number: str | None
) -> None:
    now = end_of(history) if new is None else max(end_of(history), new.at)
    decision = assess(history, now, new)
    message = render(decision, number)

    assert len(message) <= MAX_MESSAGE_CHARS
    assert (message != "") == (decision.level > Level.NONE or decision.good_news)
    assert decision.level == max((r.level for r in decision.reasons), default=Level.NONE)
