"""The safety rules as a table of user stories, and the words they produce.

Every story starts on a Monday, 08:00 UTC, the day the user onboarded with a pain score
(``baseline``) and a reach (``reach``). Day 1 is the next morning. A row reads: what the user
reported, and what Backstep must conclude. Unless a row says otherwise, the last report in the
story is the one just received (``new``) and the assessment happens the moment it arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.coach.safety import (
    EMERGENCY_SYMPTOMS,
    PHYSICIAN_SYMPTOMS,
    SCREEN_QUESTIONS,
    Code,
    Decision,
    History,
    Level,
    PainReport,
    Reach,
    Reason,
    ReportKind,
    Settled,
    Symptom,
    SymptomAnswer,
    assess,
)
from bot.coach.safety_messages import (
    MAX_MESSAGE_CHARS,
    emergency_call,
    reason_sentence,
    render,
    screen_question,
    symptom_phrase,
    text,
)

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # a Monday
B, T, K, F, BK = Reach.BUTTOCK, Reach.THIGH, Reach.BELOW_KNEE, Reach.FOOT, Reach.BACK


def day(n: float, hour: int = 8) -> datetime:
    return START + timedelta(days=n, hours=hour - 8)


# ---- a tiny vocabulary for stories ------------------------------------------------------------


def checkin(n: float, score: int, reach: Reach | None = None) -> PainReport:
    return PainReport(day(n), score, ReportKind.CHECKIN, reach)


def checkins(first_day: int, *scores: int | None) -> list[PainReport]:
    """Daily check-ins from ``first_day``; ``None`` is a day the user didn't answer."""
    return [checkin(first_day + i, s) for i, s in enumerate(scores) if s is not None]


def before(n: float, score: int) -> PainReport:
    return PainReport(day(n, 18), score, ReportKind.BEFORE_SESSION)


def during(n: float, score: int, exercise: str, reach: Reach | None = None) -> PainReport:
    return PainReport(
        day(n, 18) + timedelta(minutes=5),
        score,
        ReportKind.DURING_EXERCISE,
        reach,
        exercise_id=exercise,
    )


def after(n: float, score: int) -> PainReport:
    return PainReport(day(n, 18) + timedelta(minutes=20), score, ReportKind.AFTER_SESSION)


def next_morning(n: float, score: int, settled: Settled | None = None) -> PainReport:
    return PainReport(day(n), score, ReportKind.NEXT_MORNING, settled=settled)


def says(n: float, symptom: Symptom, present: bool = True) -> SymptomAnswer:
    return SymptomAnswer(day(n, 12), symptom, present)


_LAST = object()


@dataclass
class Story:
    reports: Sequence[PainReport] = ()
    symptoms: Sequence[SymptomAnswer] = ()
    baseline: int = 3
    reach: Reach = Reach.BUTTOCK
    cautions: Sequence[datetime] = ()
    new: object = _LAST  # the last report, unless a SymptomAnswer/None is given
    now: datetime | None = None
    ids: dict[int, int] = field(default_factory=dict)
    open_level: Level = Level.NONE
    resumed_at: datetime | None = None

    def run(self) -> Decision:
        reports = [_with_id(r, i + 1) for i, r in enumerate(self.reports)]
        last = reports[-1] if reports else None
        new: PainReport | SymptomAnswer | None = last if self.new is _LAST else self.new  # type: ignore[assignment]
        history = History(
            baseline_score=self.baseline,
            baseline_reach=self.reach,
            program_start=START,
            reports=reports,
            symptoms=self.symptoms,
            past_cautions=self.cautions,
            open_level=self.open_level,
            resumed_at=self.resumed_at,
        )
        times = [r.at for r in reports] + [a.at for a in self.symptoms]
        now = self.now or (new.at if new is not None else max(times))
        return assess(history, now, new)


def _with_id(report: PainReport, report_id: int) -> PainReport:
    return replace(report, id=report_id)


def row(
    story_id: str,
    story: Story,
    level: Level,
    codes: set[str] | None = None,
    too_hard: set[str] | None = None,
    good_news: bool = False,
) -> object:
    return pytest.param(story, level, codes or set(), too_hard or set(), good_news, id=story_id)


P, C, E, N = Level.PHYSICIAN, Level.CAUTION, Level.EMERGENCY, Level.NONE

# fmt: off
STORIES = [
    # --- pain worse than the baseline ------------------------------------------------------
    row("baseline 3, check-ins 6 and 6 -> physician (a 3-point rise needs no confirming)",
        Story(checkins(1, 6, 6)), P, {Code.PAIN_JUMP}),
    row("baseline 3, a single check-in of 6 -> physician at once",
        Story(checkins(1, 6)), P, {Code.PAIN_JUMP}),
    row("baseline 3, check-ins 5 and 5 -> physician (2 points and 67%, confirmed)",
        Story(checkins(1, 5, 5)), P, {Code.PAIN_WORSE}),
    row("baseline 3, a single check-in of 5 -> nothing yet, it needs a second one",
        Story(checkins(1, 5)), N),
    row("baseline 3, check-ins 5 then 4 -> nothing, the rise wasn't confirmed",
        Story(checkins(1, 5, 4)), N),
    row("baseline 3, check-ins 5, 3, 5 -> nothing, the two 5s are not consecutive",
        Story(checkins(1, 5, 3, 5)), N),
    row("baseline 3, check-ins 4 and 4 -> nothing, one point short",
        Story(checkins(1, 4, 4)), N),
    row("baseline 5, check-ins 7 and 7 -> physician (exactly 2 points, 40%)",
        Story(checkins(1, 7, 7), baseline=5), P, {Code.PAIN_WORSE}),
    row("baseline 6, check-ins 8 and 8 -> physician (2 points, 33%; and severe, persisting)",
        Story(checkins(1, 8, 8), baseline=6), P, {Code.PAIN_WORSE, Code.SEVERE_PAIN}),
    row("baseline 4, check-ins 6 and 6 -> physician (2 points, 50%)",
        Story(checkins(1, 6, 6), baseline=4), P, {Code.PAIN_WORSE}),
    row("baseline 7, check-ins 9 and 9 -> physician: not 30% worse, but severe and persisting",
        Story(checkins(1, 9, 9), baseline=7), P, {Code.SEVERE_PAIN}),
    row("baseline 7, a single check-in of 9 -> nothing yet (29%, and one day)",
        Story(checkins(1, 9), baseline=7), N),
    row("baseline 7, a single check-in of 10 -> physician (3 points, 43%)",
        Story(checkins(1, 10), baseline=7), P, {Code.PAIN_JUMP}),
    row("baseline 8, check-ins 10 and 10 -> physician (top of the scale counts as 30%)",
        Story(checkins(1, 10, 10), baseline=8), P, {Code.PAIN_WORSE, Code.SEVERE_PAIN}),
    row("baseline 8, a single check-in of 10 -> nothing yet (2 points need confirming)",
        Story(checkins(1, 10), baseline=8), N),
    row("baseline 9, check-ins 10 and 10 -> physician: one point short of worse, but severe",
        Story(checkins(1, 10, 10), baseline=9), P, {Code.SEVERE_PAIN}),
    row("baseline 10, check-ins of 10 -> physician: pain cannot rise, but it persists at the top",
        Story(checkins(1, 10, 10, 10), baseline=10), P, {Code.SEVERE_PAIN}),
    row("onboarded at 10 (stored), next day 10 -> physician on the first check-in",
        Story([PainReport(day(0), 10, ReportKind.ONBOARDING), checkin(1, 10)], baseline=10), P,
        {Code.SEVERE_PAIN}),
    row("baseline 7, check-ins 8 then 7 -> nothing, severe on one day only",
        Story(checkins(1, 8, 7), baseline=7), N),
    row("baseline 7, check-ins 8, 7, 8 -> nothing, the two 8s are not consecutive days",
        Story(checkins(1, 8, 7, 8), baseline=7), N),
    row("baseline 7, check-in 8, a day missed, check-in 8 -> physician (consecutive days with "
        "a report)",
        Story(checkins(1, 8, None, 8), baseline=7), P, {Code.SEVERE_PAIN}),
    row("baseline 7, 8 at the check-in and 8 before the session the same day -> nothing, one day",
        Story([checkin(1, 8), before(1, 8)], baseline=7), N),
    row("baseline 0, check-ins 2 and 2 -> physician (any rise from 0 is over 30%)",
        Story(checkins(1, 2, 2), baseline=0), P, {Code.PAIN_WORSE}),
    row("baseline 0, check-ins 1 and 1 -> nothing, one point short",
        Story(checkins(1, 1, 1), baseline=0), N),
    row("baseline 0, a single check-in of 3 -> physician (jump)",
        Story(checkins(1, 3), baseline=0), P, {Code.PAIN_JUMP}),
    row("baseline 3, check-in 5, three days missed, check-in 5 -> physician",
        Story(checkins(1, 5, None, None, None, 5)), P, {Code.PAIN_WORSE}),
    row("baseline 3, check-in 5 then 5 just before the session -> nothing: one day, not two",
        Story([checkin(1, 5), before(1, 5)]), N),
    row("baseline 3, check-in 5 stored as check-in and next-morning, 5 before the session -> "
        "nothing: one day",
        Story([checkin(1, 5), next_morning(1, 5, Settled.YES), before(1, 5)]), N),
    row("baseline 3, check-in 4, then 5 before the session, next day 5 -> physician (the day's "
        "highest resting score counts)",
        Story([checkin(1, 4), before(1, 5), checkin(2, 5)]), P, {Code.PAIN_WORSE}),
    row("baseline 3, check-in 5, then 5 during an exercise -> nothing (exercise pain is not rest)",
        Story([checkin(1, 5), during(1, 5, "wall_sit")]), N),
    row("improving: baseline 6, check-ins 5, 4, 3, 2 -> nothing",
        Story(checkins(1, 5, 4, 3, 2), baseline=6), N),
    # --- the rolling baseline ---------------------------------------------------------------
    row("7 check-ins at 1 (baseline 4), then 3 and 3 -> physician against the rolling median 1",
        Story(checkins(1, 1, 1, 1, 1, 1, 1, 1, 3, 3), baseline=4), P, {Code.PAIN_WORSE}),
    row("6 check-ins at 1 (baseline 4), then 3 and 3 -> nothing, the first 3 is still judged "
        "against the onboarding 4",
        Story(checkins(1, 1, 1, 1, 1, 1, 1, 3, 3), baseline=4), N),
    row("7 check-ins at 1 then two weeks away, then 3 and 3 -> nothing, too few recent check-ins",
        Story(checkins(1, 1, 1, 1, 1, 1, 1, 1) + checkins(22, 3, 3), baseline=4), N),
    row("7 check-ins at 1, a week away, then back at the onboarding 4 -> nothing (one check-in "
        "in the past week is too few for a rolling baseline)",
        Story(checkins(1, 1, 1, 1, 1, 1, 1, 1) + checkins(14, 4), baseline=4), N),
    row("improved to 2 for a week (baseline 6), then a 3 -> nothing, one point",
        Story(checkins(1, 2, 2, 2, 2, 2, 2, 2, 3), baseline=6), N),
    row("pain crept from 3 up to 5 over two weeks -> physician against where the user started",
        Story(checkins(1, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5)), P, {Code.PAIN_WORSE}),
    # --- where the pain reaches --------------------------------------------------------------
    row("pain spreads from the buttock to below the knee -> physician",
        Story([checkin(1, 3, K)]), P, {Code.PAIN_SPREAD}),
    row("pain spread yesterday and still reaches the foot today -> physician again",
        Story([checkin(1, 3, F), checkin(2, 3, F)]), P, {Code.PAIN_SPREAD}),
    row("pain reaches the thigh, as it did at onboarding -> nothing",
        Story([checkin(1, 3, T), checkin(2, 3, T)], reach=T), N),
    row("centralisation: thigh at onboarding, now only the buttock -> good news, no escalation",
        Story([checkin(1, 3, B)], reach=T), N, good_news=True),
    row("centralisation with the same pain score: buttock to back only -> good news",
        Story([checkin(1, 3, B), checkin(2, 3, BK)]), N, good_news=True),
    row("centralisation does not excuse worse pain: back only, but 6/10 -> physician",
        Story([checkin(1, 6, BK)]), P, {Code.PAIN_JUMP}, good_news=True),
    row("pain shoots to the foot during an exercise -> physician, and that exercise is too hard",
        Story([during(1, 4, "wall_sit", F)]), P, {Code.PAIN_SPREAD}, {"wall_sit"}),
    row("back only for a week, then the buttock again (as at onboarding) -> caution (spreading)",
        Story([checkin(1, 3, BK), checkin(2, 3, BK), checkin(3, 3, B)]), C, {Code.PAIN_SPREADING}),
    # --- red-flag symptoms ------------------------------------------------------------------
    *(
        row(f"screen: yes to {s.value} -> emergency", Story(new=says(0, s), symptoms=[says(0, s)]),
            E, {Code.EMERGENCY_SYMPTOM})
        for s in sorted(EMERGENCY_SYMPTOMS)
    ),
    *(
        row(f"screen: yes to {s.value} -> physician", Story(new=says(0, s), symptoms=[says(0, s)]),
            P, {Code.PHYSICIAN_SYMPTOM})
        for s in sorted(PHYSICIAN_SYMPTOMS)
    ),
    row("screen: no to everything -> nothing",
        Story(new=says(0, Symptom.BOTH_LEGS, False),
              symptoms=[says(0, s, False) for s in Symptom]), N),
    row("bladder trouble reported on Monday, then an ordinary check-in -> still emergency",
        Story([checkin(2, 3)], symptoms=[says(1, Symptom.BLADDER_BOWEL)]), E,
        {Code.EMERGENCY_SYMPTOM}),
    row("saddle numbness on day 1, gone at the next screen on day 8 -> nothing",
        Story(new=says(8, Symptom.SADDLE_NUMBNESS, False),
              symptoms=[says(1, Symptom.SADDLE_NUMBNESS), says(8, Symptom.SADDLE_NUMBNESS, False)]),
        N),
    row("both legs and a 3-point jump -> emergency, with both reasons kept",
        Story([checkin(1, 6)], symptoms=[says(0, Symptom.BOTH_LEGS)]), E,
        {Code.EMERGENCY_SYMPTOM, Code.PAIN_JUMP}),
    # --- severe leg pain that isn't improving ------------------------------------------------
    row("week 7, leg pain 7 reaching below the knee all week -> physician",
        Story(checkins(43, 7, 7, 7, 7, 7), baseline=7, reach=K), P, {Code.SEVERE_LEG_PAIN}),
    row("week 5, the same severe leg pain -> nothing yet (too early to judge)",
        Story(checkins(29, 7, 7, 7, 7, 7), baseline=7, reach=K), N),
    row("week 7, pain 7 but only in the back -> nothing (not leg pain)",
        Story(checkins(43, 7, 7, 7, 7, 7), baseline=7, reach=BK), N),
    row("week 7, leg pain down from 8 to 5 -> nothing",
        Story(checkins(43, 5, 5, 5, 5, 5), baseline=8, reach=K), N),
    # --- the pain-monitoring model (cautions) -------------------------------------------------
    row("exercise pain 6 -> caution, and the exercise is marked too hard",
        Story([before(1, 3), during(1, 6, "bird_dog")]), C, {Code.EXERCISE_PAIN}, {"bird_dog"}),
    row("exercise pain exactly 5 -> nothing (5 is acceptable)",
        Story([before(1, 3), during(1, 5, "bird_dog")]), N),
    row("pain after the session 6 -> caution",
        Story([before(1, 3), after(1, 6)]), C, {Code.AFTER_SESSION_PAIN}),
    row("next morning: 'not fully' settled -> caution",
        Story([before(1, 3), after(1, 4), next_morning(2, 3, Settled.NOT_FULLY)]), C,
        {Code.NOT_SETTLED}),
    row("next morning: 'worse' -> caution",
        Story([before(1, 3), next_morning(2, 3, Settled.WORSE)]), C, {Code.NOT_SETTLED}),
    row("next morning 4, one point above the before-session 3, user says settled -> nothing "
        "(noise, and the user's answer counts)",
        Story([before(1, 3), after(1, 4), next_morning(2, 4, Settled.YES)]), N),
    row("next morning 5, two points above the before-session 3, user says settled -> caution",
        Story([before(1, 3), after(1, 4), next_morning(2, 5, Settled.YES)]), C,
        {Code.NOT_SETTLED}),
    row("after the session 6, before it 6 -> nothing: the session did not raise the pain",
        Story([before(1, 6), after(1, 6)], baseline=6), N),
    row("after the session 6, before it 5 -> nothing: a one-point wobble",
        Story([before(1, 5), after(1, 6)], baseline=5), N),
    row("after the session 6, before it 4 -> caution (above 5 and 2 points up)",
        Story([before(1, 4), after(1, 6)], baseline=4), C, {Code.AFTER_SESSION_PAIN}),
    row("after-session 7 linked by session id to its before 6, not to a later before 3 -> nothing",
        Story([PainReport(day(1, 9), 6, ReportKind.BEFORE_SESSION, session_id=1),
               PainReport(day(1, 10), 3, ReportKind.BEFORE_SESSION, session_id=2),
               PainReport(day(1, 11), 7, ReportKind.AFTER_SESSION, session_id=1)], baseline=6),
        N),
    row("two cautions earlier the same day and one now -> caution only (one day, not three)",
        Story([before(10, 3), during(10, 6, "bridge")], cautions=[day(10, 18), day(10, 18)]), C,
        {Code.EXERCISE_PAIN}, {"bridge"}),
    row("next morning back at the before-session level -> nothing",
        Story([before(1, 3), after(1, 5), next_morning(2, 3, Settled.YES)]), N),
    row("morning pain up a point week on week (2s, then 3s) -> caution",
        Story(checkins(1, *[2] * 7, *[3] * 7), baseline=5), C, {Code.WEEKLY_RISE}),
    row("pain still creeping up a point a week, the day after the caution -> no second caution",
        Story(checkins(1, *[2] * 7, *[3] * 7, 4), baseline=5), N),
    row("third caution within 14 days -> physician",
        Story([before(10, 3), during(10, 6, "bridge")], cautions=[day(3), day(8)]), P,
        {Code.EXERCISE_PAIN, Code.REPEATED_CAUTIONS}, {"bridge"}),
    row("two cautions weeks ago and one now -> caution only",
        Story([before(30, 3), during(30, 6, "bridge")], cautions=[day(3), day(8)]), C,
        {Code.EXERCISE_PAIN}, {"bridge"}),
    row("an emergency is open; a checklist ticks only a physician symptom -> still emergency",
        Story(new=says(3, Symptom.NIGHT_PAIN), symptoms=[says(3, Symptom.NIGHT_PAIN)],
              open_level=E), E, {Code.EMERGENCY_OPEN, Code.PHYSICIAN_SYMPTOM}),
    row("an emergency is open; an ordinary check-in -> still emergency",
        Story(checkins(3, 3), open_level=E), E, {Code.EMERGENCY_OPEN}),
    row("a physician pause is open; exercise pain 6 -> physician, never a caution",
        Story([before(3, 3), during(3, 6, "bridge")], open_level=P), P,
        {Code.PHYSICIAN_OPEN, Code.EXERCISE_PAIN}, {"bridge"}),
    row("resumed after review on day 3: the 8 of day 2 is not judged again with day 4's 8",
        Story(checkins(1, 8, 8) + checkins(4, 8), baseline=8, resumed_at=day(3)), N),
    row("two recent cautions but nothing new -> nothing",
        Story(checkins(10, 3), cautions=[day(3), day(8)]), N),
    # --- calling conventions ----------------------------------------------------------------
    row("a report timed after 'now' is not known yet -> nothing",
        Story(checkins(1, 3, 9), new=None, now=day(1, 12)), N),
    row("without a new report only the standing rules run (old exercise pain is not re-judged)",
        Story([before(1, 3), during(1, 7, "bridge")], new=None), N),
]
# fmt: on


@pytest.mark.parametrize(("story", "level", "codes", "too_hard", "good_news"), STORIES)
def test_story(
    story: Story, level: Level, codes: set[str], too_hard: set[str], good_news: bool
) -> None:
    decision = story.run()

    assert decision.level is level
    assert decision.codes == codes
    assert decision.too_hard == too_hard
    assert decision.good_news is good_news
    # Whatever the decision, it can be put into words that fit one Telegram message.
    assert len(render(decision, None)) <= MAX_MESSAGE_CHARS


def test_there_are_enough_stories() -> None:
    assert len(STORIES) >= 40


# ---- details that messages and the clinician alert rely on -------------------------------------


def test_a_confirmed_rise_names_both_reports_and_the_numbers() -> None:
    decision = Story(checkins(1, 6, 6), baseline=4).run()
    (reason,) = decision.reasons

    assert reason.code == Code.PAIN_WORSE
    assert dict(reason.detail) == {"from": 4, "to": 6, "previous": 6, "baseline": "start"}
    assert decision.report_ids == (1, 2)


def test_a_rolling_median_baseline_is_reported_as_recent() -> None:
    decision = Story(checkins(1, 1, 1, 1, 2, 2, 2, 2, 4, 4), baseline=5).run()
    (reason,) = decision.reasons

    assert reason.code == Code.PAIN_WORSE
    assert reason.detail["baseline"] == "recent"
    assert reason.detail["from"] == 2


def test_an_even_count_median_can_be_a_half_point() -> None:
    # Day 5 was missed, so the week before day 9 holds six check-ins: 1, 1, 1, 2, 2, 2.
    decision = Story(checkins(1, 1, 1, 1, 1, None, 2, 2, 2, 5), baseline=5).run()

    assert decision.level is Level.PHYSICIAN
    assert dict(decision.reasons[0].detail) == {"from": 1.5, "to": 5, "baseline": "recent"}


def test_the_reasons_are_ordered_most_urgent_first() -> None:
    decision = Story(
        [before(10, 3), during(10, 6, "bridge", F)],
        symptoms=[says(9, Symptom.NIGHT_PAIN), says(9, Symptom.BOTH_LEGS)],
    ).run()

    levels = [r.level for r in decision.reasons]
    assert levels == sorted(levels, reverse=True)
    assert levels[0] is Level.EMERGENCY
    assert decision.level is Level.EMERGENCY


def test_a_symptom_reason_names_the_symptom() -> None:
    decision = Story(new=says(0, Symptom.FEVER_UNWELL), symptoms=[says(0, Symptom.FEVER_UNWELL)])
    (reason,) = decision.run().reasons

    assert reason.detail["symptom"] == "fever_unwell"


def test_the_new_report_counts_once_whether_or_not_it_is_stored() -> None:
    stored = checkin(1, 5)
    with_id = _with_id(stored, 7)
    history = History(3, Reach.BUTTOCK, START, [with_id])

    # Stored with an id, then assessed without: still one report of 5, not a confirmed rise.
    assert assess(history, day(1), stored).level is Level.NONE
    assert assess(history, day(1), with_id).level is Level.NONE
    assert assess(History(3, Reach.BUTTOCK, START, []), day(1), stored).level is Level.NONE
    # The stored copy lends its id to the decision.
    jump = checkin(1, 6)
    decision = assess(History(3, Reach.BUTTOCK, START, [_with_id(jump, 8)]), day(1), jump)
    assert decision.level is Level.PHYSICIAN
    assert decision.report_ids == (8,)


def test_a_new_report_from_a_clock_ahead_of_now_is_still_judged() -> None:
    history = History(3, Reach.BUTTOCK, START, [])
    late = checkin(1, 7)

    assert assess(history, day(1) - timedelta(minutes=3), late).level is Level.PHYSICIAN


def test_scores_outside_the_scale_are_refused() -> None:
    with pytest.raises(ValueError):
        checkin(1, 11)
    with pytest.raises(ValueError):
        checkin(1, -1)
    with pytest.raises(TypeError):
        PainReport(day(1), 4.5, ReportKind.CHECKIN)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        History(12, Reach.BACK, START, [])


def test_the_screen_asks_every_symptom_once_emergencies_first() -> None:
    asked = [q.symptom for q in SCREEN_QUESTIONS]

    assert sorted(asked) == sorted(Symptom)
    assert set(asked[: len(EMERGENCY_SYMPTOMS)]) == EMERGENCY_SYMPTOMS
    assert EMERGENCY_SYMPTOMS.isdisjoint(PHYSICIAN_SYMPTOMS)


def test_stored_values_are_stable_lowercase_strings() -> None:
    assert [k.value for k in ReportKind] == [
        "onboarding",
        "checkin",
        "before_session",
        "during_exercise",
        "after_session",
        "next_morning",
    ]
    assert {s.value for s in Settled} == {"yes", "not_fully", "worse"}
    assert all(s.value == s.name.lower() for s in Symptom)


# ---- the words -------------------------------------------------------------------------------

# Things a message must never say: a diagnosis, or a named condition.
NOT_A_DIAGNOSIS = (
    "cauda equina",
    "you have",
    "diagnos",
    "syndrome",
    "herniat",
    "slipped disc",
    "tumour",
    "tumor",
    "infection",
    "fracture",
)


def everything() -> Decision:
    """A decision with every reason there is, for the longest possible message."""
    reasons = [Reason(Code.EMERGENCY_SYMPTOM, {"symptom": s.value}) for s in EMERGENCY_SYMPTOMS]
    reasons += [Reason(Code.PHYSICIAN_SYMPTOM, {"symptom": s.value}) for s in PHYSICIAN_SYMPTOMS]
    reasons += [
        Reason(Code.PAIN_JUMP, {"from": 2.5, "to": 9, "baseline": "recent"}),
        Reason(Code.PAIN_WORSE, {"from": 3, "to": 6, "previous": 5, "baseline": "start"}),
        Reason(Code.PAIN_SPREAD, {"from": "back", "to": "below_knee"}),
        Reason(Code.SEVERE_LEG_PAIN, {"score": 8, "reach": "foot", "weeks": 7}),
        Reason(Code.REPEATED_CAUTIONS, {"count": 3, "days": 14}),
        Reason(Code.EXERCISE_PAIN, {"score": 7, "limit": 5, "exercise": "bird_dog"}),
        Reason(Code.AFTER_SESSION_PAIN, {"score": 6, "limit": 5, "exercise": None}),
        Reason(Code.NOT_SETTLED, {"settled": "worse", "before": 3, "morning": 5}),
        Reason(Code.WEEKLY_RISE, {"last_week": 2.4, "this_week": 3.6}),
        Reason(Code.PAIN_SPREADING, {"from": "back", "to": "buttock"}),
    ]
    return Decision(Level.PHYSICIAN, tuple(reasons), too_hard=frozenset({"bird_dog", "bridge"}))


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("number", [None, "112", "+1 555 0100"])
def test_every_message_fits_and_never_diagnoses(level: Level, number: str | None) -> None:
    decision = Decision(level, everything().reasons, too_hard=everything().too_hard, good_news=True)
    message = render(decision, number)

    assert message
    assert len(message) <= MAX_MESSAGE_CHARS
    for phrase in NOT_A_DIAGNOSIS:
        assert phrase not in message.lower()


def test_physician_message_says_see_your_physician_with_each_reason_and_what_to_do() -> None:
    decision = Story(checkins(1, 5, 5), symptoms=[says(1, Symptom.NIGHT_PAIN)]).run()
    message = render(decision, None)

    assert "please see your physician" in message.lower()
    assert "You told me about pain at night that doesn't ease when you rest." in message
    assert "Your pain was 5/10 and then 5/10 on your last two days with a check-in" in message
    assert "up from about 3/10 when you started" in message
    assert "Keep moving gently" in message
    assert "Stop any exercise that makes your pain worse" in message


def test_emergency_message_names_the_operators_number() -> None:
    decision = Story(new=says(0, Symptom.BLADDER_BOWEL), symptoms=[says(0, Symptom.BLADDER_BOWEL)])
    message = render(decision.run(), "112")

    assert "seek emergency care now: call 112" in message
    assert symptom_phrase(Symptom.BLADDER_BOWEL) in message


def test_emergency_message_without_a_number_names_common_ones() -> None:
    decision = Story(new=says(0, Symptom.BOTH_LEGS), symptoms=[says(0, Symptom.BOTH_LEGS)]).run()

    for blank in (None, "", "   "):
        message = render(decision, blank)
        assert "your local emergency number" in message
        assert "112 in Europe" in message
        assert "911 in the US" in message
        assert "999 in the UK" in message


def test_emergency_message_leaves_out_lesser_reasons() -> None:
    decision = Story([checkin(1, 7)], symptoms=[says(0, Symptom.SADDLE_NUMBNESS)]).run()
    message = render(decision, None)

    assert "7/10" not in message
    assert symptom_phrase(Symptom.SADDLE_NUMBNESS) in message


def test_caution_message_names_the_exercise_marked_too_hard() -> None:
    decision = Story([before(1, 3), during(1, 7, "bird_dog")]).run()

    message = render(decision, None, exercise_names={"bird_dog": "Bird dog"})
    assert "Bird dog went up to 7/10" in message
    assert "I've marked Bird dog as too hard for now" in message
    # Without a name, the id is made readable rather than shown raw.
    assert "bird dog" in render(decision, None)


def test_caution_with_several_exercises_speaks_of_them_all() -> None:
    decision = Decision(
        Level.CAUTION,
        (Reason(Code.EXERCISE_PAIN, {"score": 6, "limit": 5, "exercise": "bridge"}),),
        too_hard=frozenset({"bridge", "bird_dog", "wall_sit"}),
    )

    message = render(decision, None)
    assert "I've marked bird dog, bridge and wall sit as too hard" in message
    assert "leave them out" in message


def test_caution_without_an_exercise_eases_the_next_session() -> None:
    decision = Story([before(1, 3), next_morning(2, 5)]).run()
    message = render(decision, None)

    assert "this morning (5/10) hadn't settled back" in message
    assert "before yesterday's session (3/10)" in message
    assert "next session a little lighter" in message


def test_nothing_to_say_is_an_empty_message_and_good_news_is_short() -> None:
    assert render(Decision(Level.NONE), None) == ""
    good = render(Story([checkin(1, 3, BK)]).run(), None)
    assert good.startswith("Good sign")


def test_every_reason_and_symptom_and_question_has_words() -> None:
    for reason in everything().reasons:
        assert reason_sentence(reason).endswith(".")
    for question in SCREEN_QUESTIONS:
        asked = screen_question(question.symptom)
        assert asked.endswith("?")
        assert asked == text(question.key)
        assert len(asked) < 300


def test_a_not_settled_reason_reads_right_for_each_answer() -> None:
    worse = Reason(Code.NOT_SETTLED, {"settled": "worse", "before": None, "morning": 4})
    partly = Reason(Code.NOT_SETTLED, {"settled": "not_fully", "before": 4, "morning": 4})

    assert "worse this morning" in reason_sentence(worse)
    assert "hadn't fully settled" in reason_sentence(partly)


def test_the_emergency_call_phrase() -> None:
    assert emergency_call(" 144 ") == "call 144"
    assert "112 in Europe" in emergency_call(None)


def test_a_caution_for_an_exercise_at_its_easiest_step_says_it_is_left_out() -> None:
    decision = Story([before(1, 3), during(1, 7, "bird_dog")]).run()

    message = render(
        decision, None, exercise_names={"bird_dog": "Bird-dog"}, at_easiest={"bird_dog"}
    )
    assert "Bird-dog is already at its easiest step" in message
    assert "easier version" not in message


def test_good_news_is_said_at_level_none_and_never_beside_a_caution() -> None:
    improved = Story(checkins(1, 4), baseline=6).run()
    assert improved.level is Level.NONE
    assert [r.code for r in improved.news] == [Code.IMPROVED]
    assert "down to 4/10, from 6/10" in render(improved, None)
    # Said on the day it becomes true, not again while it stays true.
    assert Story(checkins(1, 4, 4), baseline=6).run().news == ()
    caution = Story([checkin(1, 3, BK), before(1, 3), during(1, 6, "bridge")]).run()
    assert "Good sign" not in render(caution, None)


def test_too_high_to_exercise_starts_at_eight() -> None:
    from bot.coach import safety, safety_messages

    assert [s for s in range(11) if safety.too_high_to_exercise(s)] == [8, 9, 10]
    assert "9/10" in safety_messages.too_high_to_exercise(9)


def test_a_checklist_records_only_what_was_ticked() -> None:
    from bot.coach.safety import checklist_answers

    answers = checklist_answers(day(3), [Symptom.NIGHT_PAIN])
    assert answers == (SymptomAnswer(day(3), Symptom.NIGHT_PAIN, True),)
    # An earlier emergency "yes" is not cleared by a checklist that did not tick it.
    history = History(
        3, Reach.BUTTOCK, START, [], symptoms=[says(1, Symptom.BLADDER_BOWEL), *answers]
    )
    assert assess(history, day(3, 13), answers[0]).level is Level.EMERGENCY


def test_combine_speaks_with_the_most_urgent_voice() -> None:
    from bot.coach.safety import combine

    caution = Story([before(1, 3), during(1, 6, "bridge")]).run()
    physician = Story(checkins(1, 6)).run()
    both = combine([caution, physician])
    assert both.level is Level.PHYSICIAN
    assert both.codes == caution.codes | physician.codes
    assert both.too_hard == {"bridge"}
    assert combine([]).level is Level.NONE
