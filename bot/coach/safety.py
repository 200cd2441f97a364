"""The safety rules: when Backstep eases off, sends a user to their physician, or to emergency care.

This is the product's most important promise, so the module is deliberately pure: no clock, no
I/O, no Telegram, no database. ``assess`` takes everything it needs as arguments, so the same
inputs always give the same decision and every rule can be tested as a table of stories. The
rationale and sources for each threshold are in ``docs/safety.md``; the user-facing wording lives
in ``bot/content/safety.yaml`` (rendered by ``bot.coach.safety_messages``).

Levels, from least to most urgent:

* ``CAUTION``: the pain-monitoring model says a session was too much; ease the program.
* ``PHYSICIAN``: pain is clearly worse, spreading, or a red-flag symptom needs checking soon.
* ``EMERGENCY``: a possible cauda equina symptom; stop and seek emergency care now.

The module never diagnoses. A reason says *what the user reported*, never what it means.

Conventions for calling ``assess`` (see its docstring): ``new`` is the record that prompted the
assessment. It may or may not already be in ``history``; both give the same decision. Records
timed after ``now`` are ignored, so a history can be replayed as of any moment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Final, TypeVar


class Level(IntEnum):
    """How urgently a user must act. Ordered, so ``max`` picks the most urgent."""

    NONE = 0
    CAUTION = 1
    PHYSICIAN = 2
    EMERGENCY = 3


class Reach(IntEnum):
    """How far down the leg the pain reaches. Larger is further from the back."""

    BACK = 0
    BUTTOCK = 1
    THIGH = 2
    BELOW_KNEE = 3
    FOOT = 4


# --------------------------------------------------------------------------------------------
# Thresholds. Each is a design decision with a source or a rationale in docs/safety.md.
# --------------------------------------------------------------------------------------------

#: The 0-10 numeric pain rating scale.
PAIN_SCALE_MAX: Final = 10
#: A worsening counts when pain is at least this many points above the baseline ...
WORSE_MIN_POINTS: Final = 2
#: ... and at least this fraction above it (a score of 10 counts when 30% is beyond the scale).
WORSE_MIN_FRACTION: Final = Fraction(3, 10)
#: A single check-in this many points above baseline (and WORSE_MIN_FRACTION) needs no confirmation.
JUMP_MIN_POINTS: Final = 3
#: The rolling baseline is the median of the daily check-ins in this many days before a report ...
ROLLING_WINDOW_DAYS: Final = 7
#: ... once the user has made at least this many daily check-ins before the report ...
ROLLING_MIN_TOTAL_CHECKINS: Final = 7
#: ... and at least this many of them fall inside the window; otherwise the onboarding value.
ROLLING_MIN_WINDOW_CHECKINS: Final = 3
#: Severe leg pain: a weekly median at least this high ...
SEVERE_PAIN_SCORE: Final = 7
#: ... with pain reaching at least this far down the leg ...
SEVERE_MIN_REACH: Final = Reach.THIGH
#: ... still present this long after the program started ...
SEVERE_AFTER: Final = timedelta(weeks=6)
#: ... judged on the daily check-ins of the last this-many days, needing at least two of them.
SEVERE_WINDOW_DAYS: Final = 7
SEVERE_MIN_CHECKINS: Final = 2
#: Pain-monitoring model: pain during an exercise or after a session above this is too much.
SESSION_PAIN_LIMIT: Final = 5
#: The next-morning check-in is compared with a session's before-score from at most this long ago.
SETTLE_WINDOW: Final = timedelta(hours=36)
#: Week-on-week: this week's mean morning pain at least this much above last week's ...
WEEKLY_RISE_POINTS: Final = 1
#: ... with at least this many daily check-ins in each of the two weeks.
WEEKLY_MIN_CHECKINS: Final = 3
#: Spreading (caution): compared with the furthest reach reported in this many days before.
SPREAD_LOOKBACK_DAYS: Final = 7
#: This many cautions (the current one included) within CAUTION_WINDOW mean "see your physician".
CAUTIONS_FOR_PHYSICIAN: Final = 3
CAUTION_WINDOW: Final = timedelta(days=14)

_DAY: Final = timedelta(days=1)


class ReportKind(StrEnum):
    """When a pain score was given. Values are stored in the database; never rename them."""

    ONBOARDING = "onboarding"
    CHECKIN = "checkin"
    BEFORE_SESSION = "before_session"
    DURING_EXERCISE = "during_exercise"
    AFTER_SESSION = "after_session"
    NEXT_MORNING = "next_morning"


#: Kinds that are the day's morning pain: the daily check-in, or the morning after a session
#: (the handler asks the check-in as NEXT_MORNING after a session day). Rolling baselines and
#: week-on-week trends are computed from these only.
DAILY_KINDS: Final = frozenset({ReportKind.CHECKIN, ReportKind.NEXT_MORNING})
#: Kinds that measure pain at rest. A worsening is judged on the latest of these, so a high
#: score given just before a session counts as much as one given at the morning check-in.
RESTING_KINDS: Final = DAILY_KINDS | {ReportKind.BEFORE_SESSION}


class Settled(StrEnum):
    """The next-morning answer: did yesterday's exercise pain settle?"""

    YES = "yes"
    NOT_FULLY = "not_fully"
    WORSE = "worse"


class Symptom(StrEnum):
    """Red-flag symptoms. Values are stored in the database; never rename them."""

    # Possible cauda equina syndrome: emergency.
    SADDLE_NUMBNESS = "saddle_numbness"
    BLADDER_BOWEL = "bladder_bowel"
    WORSENING_WEAKNESS = "worsening_weakness"
    BOTH_LEGS = "both_legs"
    # Need a physician's assessment soon.
    NEW_NUMBNESS_TINGLING = "new_numbness_tingling"
    NEW_WEAKNESS = "new_weakness"
    FEVER_UNWELL = "fever_unwell"
    WEIGHT_LOSS = "weight_loss"
    FALL_INJURY = "fall_injury"
    NIGHT_PAIN = "night_pain"
    CANCER_HISTORY = "cancer_history"


EMERGENCY_SYMPTOMS: Final = frozenset(
    {
        Symptom.SADDLE_NUMBNESS,
        Symptom.BLADDER_BOWEL,
        Symptom.WORSENING_WEAKNESS,
        Symptom.BOTH_LEGS,
    }
)
PHYSICIAN_SYMPTOMS: Final = frozenset(Symptom) - EMERGENCY_SYMPTOMS


@dataclass(frozen=True)
class ScreenQuestion:
    """One yes/no question of the red-flag screen; ``key`` names its text in safety.yaml."""

    symptom: Symptom
    key: str


#: The red-flag screen asked at onboarding and weekly, emergencies first, in this order.
SCREEN_QUESTIONS: Final[tuple[ScreenQuestion, ...]] = tuple(
    ScreenQuestion(symptom, f"screen.{symptom.value}") for symptom in Symptom
)


class Code(StrEnum):
    """Why a decision was made. Each has a sentence in safety.yaml under ``reasons``."""

    EMERGENCY_SYMPTOM = "emergency_symptom"
    PHYSICIAN_SYMPTOM = "physician_symptom"
    PAIN_JUMP = "pain_jump"
    PAIN_WORSE = "pain_worse"
    PAIN_SPREAD = "pain_spread"
    SEVERE_LEG_PAIN = "severe_leg_pain"
    REPEATED_CAUTIONS = "repeated_cautions"
    EXERCISE_PAIN = "exercise_pain"
    AFTER_SESSION_PAIN = "after_session_pain"
    NOT_SETTLED = "not_settled"
    WEEKLY_RISE = "weekly_rise"
    PAIN_SPREADING = "pain_spreading"


REASON_LEVELS: Final[Mapping[Code, Level]] = MappingProxyType(
    {
        Code.EMERGENCY_SYMPTOM: Level.EMERGENCY,
        Code.PHYSICIAN_SYMPTOM: Level.PHYSICIAN,
        Code.PAIN_JUMP: Level.PHYSICIAN,
        Code.PAIN_WORSE: Level.PHYSICIAN,
        Code.PAIN_SPREAD: Level.PHYSICIAN,
        Code.SEVERE_LEG_PAIN: Level.PHYSICIAN,
        Code.REPEATED_CAUTIONS: Level.PHYSICIAN,
        Code.EXERCISE_PAIN: Level.CAUTION,
        Code.AFTER_SESSION_PAIN: Level.CAUTION,
        Code.NOT_SETTLED: Level.CAUTION,
        Code.WEEKLY_RISE: Level.CAUTION,
        Code.PAIN_SPREADING: Level.CAUTION,
    }
)


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _check_score(score: int, what: str) -> None:
    # Garbage in must fail loudly: a silently clamped score could hide a worsening.
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError(f"{what} must be an int, got {score!r}")
    if not 0 <= score <= PAIN_SCALE_MAX:
        raise ValueError(f"{what} must be 0-{PAIN_SCALE_MAX}, got {score}")


@dataclass(frozen=True)
class PainReport:
    """One pain score on the 0-10 scale, with where it reaches and what it belongs to."""

    at: datetime
    score: int
    kind: ReportKind
    reach: Reach | None = None
    exercise_id: str | None = None
    settled: Settled | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        _check_score(self.score, "PainReport.score")


@dataclass(frozen=True)
class SymptomAnswer:
    """A yes/no answer about one red-flag symptom (screen, /symptoms, or a confirmed scan)."""

    at: datetime
    symptom: Symptom
    present: bool
    id: int | None = None


@dataclass(frozen=True)
class History:
    """Everything known about one user that the rules need.

    ``baseline_score`` and ``baseline_reach`` are the onboarding values, or the values the
    handler re-baselined to after a clinician cleared the user to resume. ``past_cautions`` are
    the times of earlier caution-level escalations, *not* including the one being assessed.
    """

    baseline_score: int
    baseline_reach: Reach
    program_start: datetime
    reports: Sequence[PainReport]
    symptoms: Sequence[SymptomAnswer] = ()
    past_cautions: Sequence[datetime] = ()

    def __post_init__(self) -> None:
        _check_score(self.baseline_score, "History.baseline_score")


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One finding, with the facts a message needs (``{"from": 3, "to": 6}``).

    ``detail`` values are plain JSON types (str, int, float, None, lists of str) so the handler
    can store them as they are.
    """

    code: str
    detail: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A private copy, so the caller's dict can't change a decision after the fact. A plain
        # dict (not a read-only proxy) keeps decisions picklable for job queues and persistence.
        object.__setattr__(self, "detail", dict(self.detail))

    @property
    def level(self) -> Level:
        return REASON_LEVELS[Code(self.code)]


@dataclass(frozen=True)
class Decision:
    """What the rules concluded, and why.

    ``report_ids`` are the ids of the pain reports behind the reasons (for the clinician alert
    and the audit trail); ``too_hard`` the exercise ids to ease; ``good_news`` is True when the
    new report's pain retreated toward the back (centralisation).
    """

    level: Level
    reasons: tuple[Reason, ...] = ()
    report_ids: tuple[int, ...] = ()
    too_hard: frozenset[str] = frozenset()
    good_news: bool = False

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(reason.code for reason in self.reasons)


# --------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------


def assess(
    history: History,
    now: datetime,
    new: PainReport | SymptomAnswer | None = None,
) -> Decision:
    """Judge the user's safety as of ``now``, prompted by ``new``.

    Convention: ``new`` is the record just received. It is merged into the history: if the
    history already holds it (the same ``id``, or equal content when either id is missing) the
    two count once, so callers may store first and assess after, or the other way round.
    Records timed after ``now`` are ignored; ``new`` never is (if device clocks disagree, the
    assessment moves to ``new.at``). All datetimes must be alike: all aware, or all naive UTC.

    Two kinds of rules run:

    * standing rules judge the whole history as it stands (red-flag symptoms, worsening of the
      latest resting pain, spread beyond the baseline reach, severe leg pain after six weeks).
      They repeat on every call for as long as the state lasts, so a worse user is told every
      time; the handler decides not to repeat an identical message while the program is paused.
    * event rules judge ``new`` only (pain during or after a session, not settled by the next
      morning, week-on-week rise, spreading, centralisation), so one event is one caution.
      With ``new=None`` only the standing rules run.
    """
    if new is not None and new.at > now:
        now = new.at
    reports = _reports_as_of(
        _merged(history.reports, new if isinstance(new, PainReport) else None), now
    )
    answers = _answers_as_of(
        _merged(history.symptoms, new if isinstance(new, SymptomAnswer) else None), now
    )
    findings = _Findings()

    _symptom_rules(answers, findings)
    _worsening_rules(reports, history.baseline_score, findings)
    _spread_rule(reports, history.baseline_reach, findings)
    _severe_leg_pain_rule(reports, history, now, findings)

    good_news = False
    if isinstance(new, PainReport):
        new = next(r for r in reports if _same(r, new))  # the merged copy, with its id
        _session_rules(new, reports, findings)
        _weekly_rise_rule(new, reports, findings)
        _spreading_rule(new, reports, history.baseline_reach, findings)
        good_news = _centralised(new, reports, history.baseline_reach)

    if any(r.level is Level.CAUTION for r in findings.reasons):
        recent = [t for t in history.past_cautions if timedelta(0) <= now - t <= CAUTION_WINDOW]
        count = len(recent) + 1
        if count >= CAUTIONS_FOR_PHYSICIAN:
            findings.add(
                Code.REPEATED_CAUTIONS,
                {"count": count, "days": CAUTION_WINDOW // _DAY},
            )

    reasons = tuple(sorted(findings.reasons, key=lambda r: -r.level))
    return Decision(
        level=max((r.level for r in reasons), default=Level.NONE),
        reasons=reasons,
        report_ids=tuple(sorted(findings.report_ids)),
        too_hard=frozenset(findings.too_hard),
        good_news=good_news,
    )


class _Findings:
    """The reasons found so far, with the reports and exercises behind them."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.report_ids: set[int] = set()
        self.too_hard: set[str] = set()

    def add(
        self,
        code: Code,
        detail: Mapping[str, object],
        reports: Iterable[PainReport] = (),
        too_hard: str | None = None,
    ) -> None:
        self.reasons.append(Reason(code, detail))
        self.report_ids.update(r.id for r in reports if r.id is not None)
        if too_hard is not None:
            self.too_hard.add(too_hard)


# ---- merging and ordering -------------------------------------------------------------------


_Record = TypeVar("_Record", PainReport, SymptomAnswer)


def _report_key(r: PainReport) -> tuple[object, ...]:
    # A total order on content, so shuffled histories give identical decisions. At the same
    # moment the higher score sorts later, so it is the one judged as "the latest": the safer tie.
    return (
        r.at,
        r.score,
        r.kind.value,
        -1 if r.reach is None else int(r.reach),
        r.exercise_id is not None,
        r.exercise_id or "",
        r.settled is not None,
        r.settled or "",
        -1 if r.id is None else r.id,
    )


def _answer_key(a: SymptomAnswer) -> tuple[object, ...]:
    # At the same moment a "yes" sorts after a "no", so the safer answer is the latest.
    return (a.at, a.symptom.value, a.present, -1 if a.id is None else a.id)


def _same(a: PainReport | SymptomAnswer, b: PainReport | SymptomAnswer) -> bool:
    if a.id is not None and b.id is not None:
        return a.id == b.id and type(a) is type(b)
    return replace(a, id=None) == replace(b, id=None)


def _merged(records: Sequence[_Record], new: _Record | None) -> list[_Record]:
    """``records`` with ``new`` in it exactly once, keeping a stored copy's id."""
    if new is None:
        return list(records)
    kept: list[_Record] = []
    chosen = new
    for record in records:
        if not _same(record, new):
            kept.append(record)
        elif chosen.id is None and record.id is not None:
            chosen = record  # the stored copy: same content, and it knows its id
    kept.append(chosen)
    return kept


def _reports_as_of(reports: Iterable[PainReport], now: datetime) -> list[PainReport]:
    """The reports known at ``now``, oldest first, in a total order."""
    return sorted((r for r in reports if r.at <= now), key=_report_key)


def _answers_as_of(answers: Iterable[SymptomAnswer], now: datetime) -> list[SymptomAnswer]:
    """The symptom answers known at ``now``, oldest first, in a total order."""
    return sorted((a for a in answers if a.at <= now), key=_answer_key)


def _days_apart(earlier: datetime, later: datetime) -> int:
    """Whole days between two moments, rounded, so check-ins a few hours early still count
    as the same calendar step (daily check-ins drift around the reminder time)."""
    return math.floor((later - earlier) / _DAY + 0.5)


def _before(reports: Sequence[PainReport], report: PainReport) -> list[PainReport]:
    key = _report_key(report)
    return [r for r in reports if _report_key(r) < key]


# ---- numbers ---------------------------------------------------------------------------------


def _median(scores: Sequence[int]) -> Fraction:
    ordered = sorted(scores)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return Fraction(ordered[mid - 1] + ordered[mid], 2)


def _mean(scores: Sequence[int]) -> Fraction:
    return Fraction(sum(scores), len(scores))


def _num(value: Fraction) -> int | float:
    """A number for a message: whole numbers stay ints, others get one decimal."""
    if value.denominator == 1:
        return int(value)
    return round(float(value), 1)


def _is_worse(score: int, baseline: Fraction) -> bool:
    """At least 2 points and 30% above baseline.

    A baseline of 0 makes any rise 'at least 30%'. When 30% above the baseline is off the scale
    (baselines above 7.7) a score of 10, the top of the scale, counts as the 30%.
    """
    rise = score - baseline
    if rise < WORSE_MIN_POINTS:
        return False
    return rise >= WORSE_MIN_FRACTION * baseline or score >= PAIN_SCALE_MAX


def _is_jump(score: int, baseline: Fraction) -> bool:
    return score - baseline >= JUMP_MIN_POINTS and _is_worse(score, baseline)


def _baseline(
    report: PainReport, reports: Sequence[PainReport], onboarding: int
) -> tuple[Fraction, str]:
    """The baseline a report is compared with, and which one it was ("start" or "recent").

    The rolling median of the daily check-ins in the week before the report replaces the
    onboarding value when it is lower (pain has improved, so a return toward the old level is a
    worsening). It never replaces it when higher: a slow creep upward must still be caught
    against where the user started.
    """
    daily = [r for r in _before(reports, report) if r.kind in DAILY_KINDS]
    window = [r.score for r in daily if _days_apart(r.at, report.at) <= ROLLING_WINDOW_DAYS]
    if len(daily) >= ROLLING_MIN_TOTAL_CHECKINS and len(window) >= ROLLING_MIN_WINDOW_CHECKINS:
        recent = _median(window)
        if recent < onboarding:
            return recent, "recent"
    return Fraction(onboarding), "start"


# ---- standing rules --------------------------------------------------------------------------


def _symptom_rules(answers: Sequence[SymptomAnswer], findings: _Findings) -> None:
    """Any red-flag symptom whose latest answer is 'present'."""
    latest: dict[Symptom, SymptomAnswer] = {}
    for answer in answers:  # oldest first, so the last one wins
        latest[answer.symptom] = answer
    for question in SCREEN_QUESTIONS:
        found = latest.get(question.symptom)
        if found is None or not found.present:
            continue
        code = (
            Code.EMERGENCY_SYMPTOM
            if found.symptom in EMERGENCY_SYMPTOMS
            else Code.PHYSICIAN_SYMPTOM
        )
        findings.add(code, {"symptom": found.symptom.value, "answer_id": found.id})


def _worsening_rules(reports: Sequence[PainReport], onboarding: int, findings: _Findings) -> None:
    """The latest resting pain: a jump of 3, or a rise of 2 confirmed by the one before."""
    resting = [r for r in reports if r.kind in RESTING_KINDS]
    if not resting:
        return
    latest = resting[-1]
    base, which = _baseline(latest, reports, onboarding)
    detail: dict[str, object] = {"from": _num(base), "to": latest.score, "baseline": which}
    if _is_jump(latest.score, base):
        findings.add(Code.PAIN_JUMP, detail, [latest])
        return
    if not _is_worse(latest.score, base) or len(resting) < 2:
        return
    previous = resting[-2]
    previous_base, _ = _baseline(previous, reports, onboarding)
    if _is_worse(previous.score, previous_base):
        findings.add(Code.PAIN_WORSE, {**detail, "previous": previous.score}, [previous, latest])


def _latest_reach(reports: Sequence[PainReport]) -> PainReport | None:
    return next((r for r in reversed(reports) if r.reach is not None), None)


def _exercise_of(report: PainReport) -> str | None:
    if report.kind in (ReportKind.DURING_EXERCISE, ReportKind.AFTER_SESSION):
        return report.exercise_id
    return None


def _spread_rule(reports: Sequence[PainReport], baseline: Reach, findings: _Findings) -> None:
    """Peripheralisation: pain now reaches further down the leg than at the baseline."""
    latest = _latest_reach(reports)
    if latest is None or latest.reach is None or latest.reach <= baseline:
        return
    findings.add(
        Code.PAIN_SPREAD,
        {"from": baseline.name.lower(), "to": latest.reach.name.lower()},
        [latest],
        too_hard=_exercise_of(latest),
    )


def _severe_leg_pain_rule(
    reports: Sequence[PainReport], history: History, now: datetime, findings: _Findings
) -> None:
    """Severe leg pain still there six weeks into the program.

    'Not improving' is read as 'still severe': the median of the last week's check-ins is 7 or
    more. Leg pain that severe after six weeks of conservative care deserves a review however
    it started.
    """
    if now - history.program_start < SEVERE_AFTER:
        return
    latest = _latest_reach(reports)
    reach = history.baseline_reach if latest is None or latest.reach is None else latest.reach
    if reach < SEVERE_MIN_REACH:
        return
    week = [
        r for r in reports if r.kind in DAILY_KINDS and _days_apart(r.at, now) < SEVERE_WINDOW_DAYS
    ]
    if len(week) < SEVERE_MIN_CHECKINS:
        return
    typical = _median([r.score for r in week])
    if typical >= SEVERE_PAIN_SCORE:
        findings.add(
            Code.SEVERE_LEG_PAIN,
            {
                "score": _num(typical),
                "reach": reach.name.lower(),
                "weeks": (now - history.program_start) // timedelta(weeks=1),
            },
            week,
        )


# ---- event rules (judge the new report only) --------------------------------------------------


def _session_rules(new: PainReport, reports: Sequence[PainReport], findings: _Findings) -> None:
    """The pain-monitoring model: up to 5/10 during and after is acceptable, settled by morning."""
    if new.kind is ReportKind.DURING_EXERCISE and new.score > SESSION_PAIN_LIMIT:
        findings.add(
            Code.EXERCISE_PAIN,
            {"score": new.score, "limit": SESSION_PAIN_LIMIT, "exercise": new.exercise_id},
            [new],
            too_hard=new.exercise_id,
        )
    if new.kind is ReportKind.AFTER_SESSION and new.score > SESSION_PAIN_LIMIT:
        findings.add(
            Code.AFTER_SESSION_PAIN,
            {"score": new.score, "limit": SESSION_PAIN_LIMIT, "exercise": new.exercise_id},
            [new],
            too_hard=new.exercise_id,
        )
    if new.kind is not ReportKind.NEXT_MORNING:
        return
    before = next(
        (
            r
            for r in reversed(_before(reports, new))
            if r.kind is ReportKind.BEFORE_SESSION and new.at - r.at <= SETTLE_WINDOW
        ),
        None,
    )
    unsettled_answer = new.settled in (Settled.NOT_FULLY, Settled.WORSE)
    higher_than_before = before is not None and new.score > before.score
    if unsettled_answer or higher_than_before:
        findings.add(
            Code.NOT_SETTLED,
            {
                "settled": None if new.settled is None else new.settled.value,
                "before": None if before is None else before.score,
                "morning": new.score,
            },
            [new] if before is None else [before, new],
        )


def _weekly_means(
    report: PainReport, reports: Sequence[PainReport]
) -> tuple[Fraction, Fraction] | None:
    daily = [r for r in reports if r.kind in DAILY_KINDS and _report_key(r) <= _report_key(report)]
    this_week = [r.score for r in daily if 0 <= _days_apart(r.at, report.at) < 7]
    last_week = [r.score for r in daily if 7 <= _days_apart(r.at, report.at) < 14]
    if len(this_week) < WEEKLY_MIN_CHECKINS or len(last_week) < WEEKLY_MIN_CHECKINS:
        return None
    return _mean(last_week), _mean(this_week)


def _rising(means: tuple[Fraction, Fraction] | None) -> bool:
    return means is not None and means[1] - means[0] >= WEEKLY_RISE_POINTS


def _weekly_rise_rule(new: PainReport, reports: Sequence[PainReport], findings: _Findings) -> None:
    """Morning pain rising week on week.

    Fires on the check-in that makes the trend true, not on every check-in while it stays true,
    so a single trend is a single caution (a sustained rise is caught by the worsening rules).
    """
    if new.kind not in DAILY_KINDS:
        return
    means = _weekly_means(new, reports)
    if not _rising(means) or means is None:
        return
    previous = [r for r in _before(reports, new) if r.kind in DAILY_KINDS]
    if previous and _rising(_weekly_means(previous[-1], reports)):
        return
    findings.add(
        Code.WEEKLY_RISE,
        {"last_week": _num(means[0]), "this_week": _num(means[1])},
        [new],
    )


def _spreading_rule(
    new: PainReport, reports: Sequence[PainReport], baseline: Reach, findings: _Findings
) -> None:
    """Pain reaching further than anything in the past week, though not beyond the baseline.

    Typical after centralisation: the pain had settled in the back and now goes into the
    buttock again. Beyond the baseline it is a PAIN_SPREAD (physician) instead.
    """
    if new.reach is None or new.reach > baseline:
        return
    recent = [
        r.reach
        for r in _before(reports, new)
        if r.reach is not None and _days_apart(r.at, new.at) <= SPREAD_LOOKBACK_DAYS
    ]
    if recent and new.reach > max(recent):
        findings.add(
            Code.PAIN_SPREADING,
            {"from": max(recent).name.lower(), "to": new.reach.name.lower()},
            [new],
            too_hard=_exercise_of(new),
        )


def _centralised(new: PainReport, reports: Sequence[PainReport], baseline: Reach) -> bool:
    """Good news: the pain retreated toward the back since the previous report with a reach."""
    if new.reach is None:
        return False
    previous = _latest_reach(_before(reports, new))
    before = baseline if previous is None or previous.reach is None else previous.reach
    return new.reach < before
