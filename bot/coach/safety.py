"""The safety rules: when Backstep eases off, sends a user to their physician, or to emergency care.

This is the product's most important promise, so the module is deliberately pure: no clock, no
I/O, no Telegram, no database. ``assess`` takes everything it needs as arguments, so the same
inputs always give the same decision and every rule can be tested as a table of stories. The
rationale and sources for each threshold are in ``docs/safety.md``; the user-facing wording lives
in ``bot/content/safety.yaml`` (rendered by ``bot.coach.safety_messages``).

Levels, from least to most urgent:

* ``CAUTION``: the pain-monitoring model says a session was too much; ease the program.
* ``PHYSICIAN``: pain is clearly worse, severe and persisting, spreading, or a red-flag symptom
  needs checking soon.
* ``EMERGENCY``: a possible cauda equina symptom; stop and seek emergency care now.

The module never diagnoses. A reason says *what the user reported*, never what it means.

Pain rules reason over the user's **local days**, not over messages: the day's resting pain is
the highest resting score given that day, so one answer stored several times (a check-in, the
next-morning answer and a before-session score a minute apart) is one day, never two.

Conventions for calling ``assess`` (see its docstring): ``new`` is the record that prompted the
assessment. It may or may not already be in ``history``; both give the same decision. Records
timed after ``now`` are ignored, so a history can be replayed as of any moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
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
#: Minimal important change (Ostelo 2008, Farrar 2001: "2 points or 30%"). A change smaller than
#: this is noise. On an integer scale with a one-point noise floor, "2 points or 30%" is 2 points.
MINIMAL_IMPORTANT_CHANGE: Final = 2
#: A worsening (physician) counts when pain is at least this many points above the baseline ...
WORSE_MIN_POINTS: Final = MINIMAL_IMPORTANT_CHANGE
#: ... and at least this fraction above it (a score of 10 counts when 30% is beyond the scale).
WORSE_MIN_FRACTION: Final = Fraction(3, 10)
#: A single day this many points above baseline (and WORSE_MIN_FRACTION) needs no confirmation.
JUMP_MIN_POINTS: Final = 3
#: Severe, persisting pain: resting pain at least this high ...
PERSISTING_PAIN_SCORE: Final = 8
#: ... on at least this many consecutive days with a report reaches a physician, whatever the rise.
PERSISTING_PAIN_DAYS: Final = 2
#: Resting pain at or above this is too high to start a session's exercises without saying so.
TOO_HIGH_TO_EXERCISE: Final = PERSISTING_PAIN_SCORE
#: The rolling baseline is the median of the day values in this many days before a day ...
ROLLING_WINDOW_DAYS: Final = 7
#: ... once the user has reported on at least this many days before it ...
ROLLING_MIN_TOTAL_CHECKINS: Final = 7
#: ... and at least this many of them fall inside the window; otherwise the onboarding value.
ROLLING_MIN_WINDOW_CHECKINS: Final = 3
#: Severe leg pain: a weekly median at least this high ...
SEVERE_PAIN_SCORE: Final = 7
#: ... with pain reaching at least this far down the leg ...
SEVERE_MIN_REACH: Final = Reach.THIGH
#: ... still present this long after the program started ...
SEVERE_AFTER: Final = timedelta(weeks=6)
#: ... judged on the days of the last this-many days, needing at least two of them.
SEVERE_WINDOW_DAYS: Final = 7
SEVERE_MIN_CHECKINS: Final = 2
#: Pain-monitoring model: pain during an exercise above this is too much. After a session the
#: score must also be this high *and* a minimal important change above the pre-session score.
SESSION_PAIN_LIMIT: Final = 5
#: The next-morning check-in is compared with a before-session score from an earlier local day at
#: most this long ago.
SETTLE_WINDOW: Final = timedelta(hours=36)
#: Week-on-week: this week's mean daily pain at least this much above last week's ...
WEEKLY_RISE_POINTS: Final = 1
#: ... with at least this many days with a report in each of the two weeks.
WEEKLY_MIN_CHECKINS: Final = 3
#: Spreading (caution): compared with the furthest reach reported in this many days before.
SPREAD_LOOKBACK_DAYS: Final = 7
#: Cautions on this many different local days (today's included) within CAUTION_WINDOW mean
#: "see your physician". Several cautions on one day (one session) count as one.
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


#: Kinds that are the day's morning pain: the daily check-in, or the morning after a session.
DAILY_KINDS: Final = frozenset({ReportKind.CHECKIN, ReportKind.NEXT_MORNING})
#: Kinds that measure pain at rest. The day's pain is the highest of these given that local day;
#: every pain trend (worsening, rolling baseline, weekly rise, severe pain) is built from it.
RESTING_KINDS: Final = DAILY_KINDS | {ReportKind.BEFORE_SESSION}
#: Severe, persisting pain also counts the onboarding score as a day (starting at 10/10 and
#: staying there is two days at the ceiling).
_SEVERE_KINDS: Final = RESTING_KINDS | {ReportKind.ONBOARDING}


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
    """Why a decision was made. Each has a sentence in safety.yaml under ``reasons`` (or, for
    good news, under ``news``)."""

    EMERGENCY_SYMPTOM = "emergency_symptom"
    EMERGENCY_OPEN = "emergency_open"
    PHYSICIAN_SYMPTOM = "physician_symptom"
    PHYSICIAN_OPEN = "physician_open"
    PAIN_JUMP = "pain_jump"
    PAIN_WORSE = "pain_worse"
    SEVERE_PAIN = "severe_pain"
    PAIN_SPREAD = "pain_spread"
    SEVERE_LEG_PAIN = "severe_leg_pain"
    REPEATED_CAUTIONS = "repeated_cautions"
    EXERCISE_PAIN = "exercise_pain"
    AFTER_SESSION_PAIN = "after_session_pain"
    NOT_SETTLED = "not_settled"
    WEEKLY_RISE = "weekly_rise"
    PAIN_SPREADING = "pain_spreading"
    # Good news (level NONE): in Decision.news, never in Decision.reasons.
    CENTRALISED = "centralised"
    IMPROVED = "improved"


#: Codes of good news; they never raise a level.
NEWS_CODES: Final = frozenset({Code.CENTRALISED, Code.IMPROVED})

REASON_LEVELS: Final[Mapping[Code, Level]] = MappingProxyType(
    {
        Code.EMERGENCY_SYMPTOM: Level.EMERGENCY,
        Code.EMERGENCY_OPEN: Level.EMERGENCY,
        Code.PHYSICIAN_SYMPTOM: Level.PHYSICIAN,
        Code.PHYSICIAN_OPEN: Level.PHYSICIAN,
        Code.PAIN_JUMP: Level.PHYSICIAN,
        Code.PAIN_WORSE: Level.PHYSICIAN,
        Code.SEVERE_PAIN: Level.PHYSICIAN,
        Code.PAIN_SPREAD: Level.PHYSICIAN,
        Code.SEVERE_LEG_PAIN: Level.PHYSICIAN,
        Code.REPEATED_CAUTIONS: Level.PHYSICIAN,
        Code.EXERCISE_PAIN: Level.CAUTION,
        Code.AFTER_SESSION_PAIN: Level.CAUTION,
        Code.NOT_SETTLED: Level.CAUTION,
        Code.WEEKLY_RISE: Level.CAUTION,
        Code.PAIN_SPREADING: Level.CAUTION,
        Code.CENTRALISED: Level.NONE,
        Code.IMPROVED: Level.NONE,
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
    """One pain score on the 0-10 scale, with where it reaches and what it belongs to.

    ``local_date`` is the user's calendar day the report belongs to (storage keeps it); without
    it the day is ``at`` in ``History.timezone`` (or ``at``'s own date). ``session_id`` ties the
    before, during and after scores of one session together; without it an after-session score
    is compared with the latest before-session score of the same local day.
    """

    at: datetime
    score: int
    kind: ReportKind
    reach: Reach | None = None
    exercise_id: str | None = None
    settled: Settled | None = None
    id: int | None = None
    local_date: date | None = None
    session_id: int | None = None

    def __post_init__(self) -> None:
        _check_score(self.score, "PainReport.score")


@dataclass(frozen=True)
class SymptomAnswer:
    """A yes/no answer about one red-flag symptom (screen, /symptoms, or a confirmed scan).

    ``present=False`` is a deliberate "no" (the screen, or the resume flow) and clears an
    earlier "yes". A checklist item the user did not tick is *not* a "no": it must not be
    stored as an answer at all (see :func:`checklist_answers`).
    """

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

    ``open_level`` is the level of the escalation in force (the program is paused for it and
    the user has not resumed): ``Level.PHYSICIAN`` or ``Level.EMERGENCY``, else ``Level.NONE``.
    No decision is lower than it. ``resumed_at`` is when the user last resumed after a review:
    pain reports and cautions before it are not judged again. ``timezone`` is the user's zone,
    used for the local day of reports without ``local_date`` and of ``past_cautions``.
    """

    baseline_score: int
    baseline_reach: Reach
    program_start: datetime
    reports: Sequence[PainReport]
    symptoms: Sequence[SymptomAnswer] = ()
    past_cautions: Sequence[datetime] = ()
    open_level: Level = Level.NONE
    resumed_at: datetime | None = None
    timezone: tzinfo | None = None

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
    and the audit trail); ``too_hard`` the exercise ids to ease. ``news`` holds good news
    (``centralised``, ``improved``), found whatever the level; ``good_news`` is True when there
    is any. ``render`` says the news only when the level is NONE: a caution or worse speaks
    with one voice.
    """

    level: Level
    reasons: tuple[Reason, ...] = ()
    report_ids: tuple[int, ...] = ()
    too_hard: frozenset[str] = frozenset()
    good_news: bool = False
    news: tuple[Reason, ...] = ()

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(reason.code for reason in self.reasons)

    @property
    def holds_progression(self) -> bool:
        """True when no exercise may go up in this turn (a caution or worse)."""
        return self.level >= Level.CAUTION


def combine(decisions: Iterable[Decision]) -> Decision:
    """One decision for a turn that assessed several records (a checklist and a score, say).

    The level is the highest; reasons keep their first occurrence, most urgent first, so the
    reply speaks with the voice of the most urgent decision and never with two.
    """
    reasons: list[Reason] = []
    news: list[Reason] = []
    ids: set[int] = set()
    too_hard: set[str] = set()
    for decision in decisions:
        reasons += [r for r in decision.reasons if r not in reasons]
        news += [r for r in decision.news if r not in news]
        ids.update(decision.report_ids)
        too_hard |= decision.too_hard
    ordered = tuple(sorted(reasons, key=lambda r: -r.level))
    return Decision(
        level=max((r.level for r in ordered), default=Level.NONE),
        reasons=ordered,
        report_ids=tuple(sorted(ids)),
        too_hard=frozenset(too_hard),
        good_news=bool(news),
        news=tuple(news),
    )


def too_high_to_exercise(score: int) -> bool:
    """Resting pain too high to start a session's exercises without saying so.

    ``/today`` calls it with the before-session score: when True, it says so
    (``safety_messages.too_high_to_exercise``) and offers the gentle option instead of starting.
    """
    _check_score(score, "score")
    return score >= TOO_HIGH_TO_EXERCISE


def checklist_answers(at: datetime, ticked: Iterable[Symptom]) -> tuple[SymptomAnswer, ...]:
    """The answers a tick-what-applies checklist (``/symptoms``) gives: one "yes" per ticked
    symptom, in screen order, and nothing for the rest. An unticked item means "not reported
    now", never "absent", so it cannot clear an earlier "yes"."""
    wanted = set(ticked)
    return tuple(
        SymptomAnswer(at, q.symptom, True) for q in SCREEN_QUESTIONS if q.symptom in wanted
    )


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
      day's resting pain, severe persisting pain, spread beyond the baseline reach, severe leg
      pain after six weeks, an escalation still open). They repeat on every call for as long as
      the state lasts, so a worse user is told every time.
    * event rules judge ``new`` only (pain during or after a session, not settled by the next
      morning, week-on-week rise, spreading, and the good news of centralisation and
      improvement), so one event is one caution. With ``new=None`` only the standing rules run.
    """
    if new is not None and new.at > now:
        now = new.at
    merged = _merged(history.reports, new if isinstance(new, PainReport) else None)
    if history.resumed_at is not None:
        resumed = history.resumed_at
        merged = [r for r in merged if r.at >= resumed or (new is not None and _same(r, new))]
    reports = _reports_as_of(merged, now)
    answers = _answers_as_of(
        _merged(history.symptoms, new if isinstance(new, SymptomAnswer) else None), now
    )
    tz = history.timezone
    findings = _Findings()

    _symptom_rules(answers, findings)
    _worsening_rules(reports, history.baseline_score, tz, findings)
    _persisting_pain_rule(reports, tz, findings)
    _spread_rule(reports, history.baseline_reach, findings)
    _severe_leg_pain_rule(reports, history, now, findings)

    if isinstance(new, PainReport):
        new = next(r for r in reports if _same(r, new))  # the merged copy, with its id
        _session_rules(new, reports, tz, findings)
        _weekly_rise_rule(new, reports, tz, findings)
        _spreading_rule(new, reports, history.baseline_reach, tz, findings)
        _centralised(new, reports, history.baseline_reach, findings)
        _improved(new, reports, history.baseline_score, tz, findings)

    if any(r.level is Level.CAUTION for r in findings.reasons):
        _repeated_cautions(history, now, findings)

    _still_open(history.open_level, findings)

    reasons = tuple(sorted(findings.reasons, key=lambda r: -r.level))
    return Decision(
        level=max((r.level for r in reasons), default=Level.NONE),
        reasons=reasons,
        report_ids=tuple(sorted(findings.report_ids)),
        too_hard=frozenset(findings.too_hard),
        good_news=bool(findings.news),
        news=tuple(findings.news),
    )


class _Findings:
    """The reasons found so far, with the reports and exercises behind them."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.news: list[Reason] = []
        self.report_ids: set[int] = set()
        self.too_hard: set[str] = set()

    @property
    def level(self) -> Level:
        return max((r.level for r in self.reasons), default=Level.NONE)

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
        r.local_date or date.min,
        -1 if r.session_id is None else r.session_id,
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


def _before(reports: Sequence[PainReport], report: PainReport) -> list[PainReport]:
    key = _report_key(report)
    return [r for r in reports if _report_key(r) < key]


# ---- local days ------------------------------------------------------------------------------


def _local_day(at: datetime, tz: tzinfo | None) -> date:
    if tz is not None and at.tzinfo is not None:
        return at.astimezone(tz).date()
    return at.date()


def _day_of(report: PainReport, tz: tzinfo | None) -> date:
    return report.local_date or _local_day(report.at, tz)


@dataclass(frozen=True)
class _Day:
    """One local day's pain: the highest score of the wanted kinds given that day."""

    day: date
    score: int
    report: PainReport  # the report that gave the score (the latest of them on a tie)


def _days(
    reports: Sequence[PainReport],
    kinds: frozenset[ReportKind],
    tz: tzinfo | None,
    upto: date | None = None,
) -> list[_Day]:
    """The days with a report of ``kinds``, oldest first, up to and including ``upto``."""
    best: dict[date, PainReport] = {}
    for report in reports:  # oldest first, so a tie keeps the latest
        if report.kind not in kinds:
            continue
        day = _day_of(report, tz)
        if upto is not None and day > upto:
            continue
        held = best.get(day)
        if held is None or report.score >= held.score:
            best[day] = report
    return [_Day(day, best[day].score, best[day]) for day in sorted(best)]


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
    """At least 2 points and 30% above baseline (the physician-level worsening).

    A baseline of 0 makes any rise 'at least 30%'. When 30% above the baseline is off the scale
    (baselines above 7.7) a score of 10, the top of the scale, counts as the 30%.
    """
    rise = score - baseline
    if rise < WORSE_MIN_POINTS:
        return False
    return rise >= WORSE_MIN_FRACTION * baseline or score >= PAIN_SCALE_MAX


def _is_jump(score: int, baseline: Fraction) -> bool:
    return score - baseline >= JUMP_MIN_POINTS and _is_worse(score, baseline)


def _important_rise(score: int, reference: int) -> bool:
    """A rise of at least the minimal important change; one point is noise."""
    return score - reference >= MINIMAL_IMPORTANT_CHANGE


def _baseline(index: int, days: Sequence[_Day], onboarding: int) -> tuple[Fraction, str]:
    """The baseline day ``days[index]`` is compared with, and which one it was.

    The rolling median of the day values in the week before that day replaces the onboarding
    value when it is lower (pain has improved, so a return toward the old level is a
    worsening). It never replaces it when higher: a slow creep upward must still be caught
    against where the user started.
    """
    today = days[index].day
    earlier = days[:index]
    window = [d.score for d in earlier if (today - d.day).days <= ROLLING_WINDOW_DAYS]
    if len(earlier) >= ROLLING_MIN_TOTAL_CHECKINS and len(window) >= ROLLING_MIN_WINDOW_CHECKINS:
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


def _worsening_rules(
    reports: Sequence[PainReport], onboarding: int, tz: tzinfo | None, findings: _Findings
) -> None:
    """The latest day's resting pain: a jump of 3, or a rise of 2 confirmed by the day before
    (the previous day with a report, however long ago)."""
    days = _days(reports, RESTING_KINDS, tz)
    if not days:
        return
    latest = days[-1]
    base, which = _baseline(len(days) - 1, days, onboarding)
    detail: dict[str, object] = {"from": _num(base), "to": latest.score, "baseline": which}
    if _is_jump(latest.score, base):
        findings.add(Code.PAIN_JUMP, detail, [latest.report])
        return
    if not _is_worse(latest.score, base) or len(days) < 2:
        return
    previous = days[-2]
    previous_base, _ = _baseline(len(days) - 2, days, onboarding)
    if _is_worse(previous.score, previous_base):
        findings.add(
            Code.PAIN_WORSE,
            {**detail, "previous": previous.score},
            [previous.report, latest.report],
        )


def _persisting_pain_rule(
    reports: Sequence[PainReport], tz: tzinfo | None, findings: _Findings
) -> None:
    """Severe pain (8/10 or more, the ceiling included) on the latest two or more consecutive
    days with a report, whatever the rise: a user who starts at 10 and stays there is seen."""
    days = _days(reports, _SEVERE_KINDS, tz)
    run: list[_Day] = []
    for day in reversed(days):
        if day.score < PERSISTING_PAIN_SCORE:
            break
        run.append(day)
    if len(run) < PERSISTING_PAIN_DAYS:
        return
    run.reverse()
    findings.add(
        Code.SEVERE_PAIN,
        {
            "scores": [d.score for d in run],
            "previous": run[-2].score,
            "to": run[-1].score,
            "days": len(run),
            "limit": PERSISTING_PAIN_SCORE,
        },
        [d.report for d in run],
    )


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

    'Not improving' is read as 'still severe': the median of the last week's days is 7 or
    more. Leg pain that severe after six weeks of conservative care deserves a review however
    it started.
    """
    if now - history.program_start < SEVERE_AFTER:
        return
    latest = _latest_reach(reports)
    reach = history.baseline_reach if latest is None or latest.reach is None else latest.reach
    if reach < SEVERE_MIN_REACH:
        return
    today = _local_day(now, history.timezone)
    week = [
        d
        for d in _days(reports, DAILY_KINDS, history.timezone, today)
        if (today - d.day).days < SEVERE_WINDOW_DAYS
    ]
    if len(week) < SEVERE_MIN_CHECKINS:
        return
    typical = _median([d.score for d in week])
    if typical >= SEVERE_PAIN_SCORE:
        findings.add(
            Code.SEVERE_LEG_PAIN,
            {
                "score": _num(typical),
                "reach": reach.name.lower(),
                "weeks": (now - history.program_start) // timedelta(weeks=1),
            },
            [d.report for d in week],
        )


def _still_open(open_level: Level, findings: _Findings) -> None:
    """An open escalation is never lowered: while the program is paused for it, every decision
    is at least its level, so no answer can be met with a milder message."""
    if open_level < Level.PHYSICIAN or findings.level >= open_level:
        return
    code = Code.EMERGENCY_OPEN if open_level >= Level.EMERGENCY else Code.PHYSICIAN_OPEN
    findings.add(code, {"level": open_level.name.lower()})


# ---- event rules (judge the new report only) --------------------------------------------------


def _session_before(
    new: PainReport, reports: Sequence[PainReport], tz: tzinfo | None
) -> PainReport | None:
    """The pre-session score of ``new``'s session: the same ``session_id``, else the latest
    before-session score of the same local day."""
    earlier = [r for r in _before(reports, new) if r.kind is ReportKind.BEFORE_SESSION]
    if new.session_id is not None:
        linked = [r for r in earlier if r.session_id == new.session_id]
        if linked:
            return linked[-1]
    today = _day_of(new, tz)
    same_day = [r for r in earlier if _day_of(r, tz) == today]
    return same_day[-1] if same_day else None


def _session_rules(
    new: PainReport, reports: Sequence[PainReport], tz: tzinfo | None, findings: _Findings
) -> None:
    """The pain-monitoring model (Silbernagel 2007).

    * during an exercise: up to 5/10 is acceptable;
    * after the session: too much only when above 5/10 *and* a minimal important change above
      the user's own pre-session pain (a session that did not raise the pain was not too much);
    * next morning: settled means back within the minimal important change of the pre-session
      level, and the user's own answer counts: "not fully" or "worse" is a caution, and a "yes"
      stands unless the score says otherwise by at least the minimal important change.
    """
    if new.kind is ReportKind.DURING_EXERCISE and new.score > SESSION_PAIN_LIMIT:
        findings.add(
            Code.EXERCISE_PAIN,
            {"score": new.score, "limit": SESSION_PAIN_LIMIT, "exercise": new.exercise_id},
            [new],
            too_hard=new.exercise_id,
        )
    if new.kind is ReportKind.AFTER_SESSION and new.score > SESSION_PAIN_LIMIT:
        before = _session_before(new, reports, tz)
        if before is None or _important_rise(new.score, before.score):
            findings.add(
                Code.AFTER_SESSION_PAIN,
                {
                    "score": new.score,
                    "limit": SESSION_PAIN_LIMIT,
                    "before": None if before is None else before.score,
                    "exercise": new.exercise_id,
                },
                [new] if before is None else [before, new],
                too_hard=new.exercise_id,
            )
    if new.kind is not ReportKind.NEXT_MORNING:
        return
    today = _day_of(new, tz)
    before = next(
        (
            r
            for r in reversed(_before(reports, new))
            if r.kind is ReportKind.BEFORE_SESSION
            and new.at - r.at <= SETTLE_WINDOW
            and _day_of(r, tz) < today
        ),
        None,
    )
    unsettled_answer = new.settled in (Settled.NOT_FULLY, Settled.WORSE)
    clearly_higher = before is not None and _important_rise(new.score, before.score)
    if unsettled_answer or clearly_higher:
        findings.add(
            Code.NOT_SETTLED,
            {
                "settled": None if new.settled is None else new.settled.value,
                "before": None if before is None else before.score,
                "morning": new.score,
            },
            [new] if before is None else [before, new],
        )


def _weekly_means(day_index: int, days: Sequence[_Day]) -> tuple[Fraction, Fraction] | None:
    today = days[day_index].day
    upto = days[: day_index + 1]
    this_week = [d.score for d in upto if 0 <= (today - d.day).days < 7]
    last_week = [d.score for d in upto if 7 <= (today - d.day).days < 14]
    if len(this_week) < WEEKLY_MIN_CHECKINS or len(last_week) < WEEKLY_MIN_CHECKINS:
        return None
    return _mean(last_week), _mean(this_week)


def _rising(means: tuple[Fraction, Fraction] | None) -> bool:
    return means is not None and means[1] - means[0] >= WEEKLY_RISE_POINTS


def _weekly_rise_rule(
    new: PainReport, reports: Sequence[PainReport], tz: tzinfo | None, findings: _Findings
) -> None:
    """Daily pain rising week on week.

    Fires on the day that makes the trend true, not on every day while it stays true, so a
    single trend is a single caution (a sustained rise is caught by the worsening rules).
    """
    if new.kind not in DAILY_KINDS:
        return
    days = _days(reports, RESTING_KINDS, tz, _day_of(new, tz))
    if not days or days[-1].day != _day_of(new, tz):
        return
    means = _weekly_means(len(days) - 1, days)
    if not _rising(means) or means is None:
        return
    if len(days) >= 2 and _rising(_weekly_means(len(days) - 2, days)):
        return
    findings.add(
        Code.WEEKLY_RISE,
        {"last_week": _num(means[0]), "this_week": _num(means[1])},
        [new],
    )


def _spreading_rule(
    new: PainReport,
    reports: Sequence[PainReport],
    baseline: Reach,
    tz: tzinfo | None,
    findings: _Findings,
) -> None:
    """Pain reaching further than anything in the past week, though not beyond the baseline.

    Typical after centralisation: the pain had settled in the back and now goes into the
    buttock again. Beyond the baseline it is a PAIN_SPREAD (physician) instead. The onboarding
    report's reach is the baseline itself, not a recent report: back at the baseline reach a
    few days after starting is still going further than the days since.
    """
    if new.reach is None or new.reach > baseline:
        return
    today = _day_of(new, tz)
    recent = [
        r.reach
        for r in _before(reports, new)
        if r.reach is not None
        and r.kind is not ReportKind.ONBOARDING
        and (today - _day_of(r, tz)).days <= SPREAD_LOOKBACK_DAYS
    ]
    if recent and new.reach > max(recent):
        findings.add(
            Code.PAIN_SPREADING,
            {"from": max(recent).name.lower(), "to": new.reach.name.lower()},
            [new],
            too_hard=_exercise_of(new),
        )


def _centralised(
    new: PainReport, reports: Sequence[PainReport], baseline: Reach, findings: _Findings
) -> None:
    """Good news: the pain retreated toward the back since the previous report with a reach."""
    if new.reach is None:
        return
    previous = _latest_reach(_before(reports, new))
    before = baseline if previous is None or previous.reach is None else previous.reach
    if new.reach < before:
        findings.news.append(
            Reason(Code.CENTRALISED, {"from": before.name.lower(), "to": new.reach.name.lower()})
        )


def _improved(
    new: PainReport,
    reports: Sequence[PainReport],
    onboarding: int,
    tz: tzinfo | None,
    findings: _Findings,
) -> None:
    """Good news: the day's resting pain is down by the minimal important change from the
    baseline, said on the first day it is (not again while it stays so)."""
    if new.kind not in RESTING_KINDS:
        return
    today = _day_of(new, tz)
    days = _days(reports, RESTING_KINDS, tz, today)
    if not days or days[-1].day != today:
        return

    def improved(score: int) -> bool:
        return onboarding - score >= MINIMAL_IMPORTANT_CHANGE

    if not improved(days[-1].score):
        return
    if len(days) >= 2 and improved(days[-2].score):
        return
    findings.news.append(Reason(Code.IMPROVED, {"from": onboarding, "to": days[-1].score}))


def _repeated_cautions(history: History, now: datetime, findings: _Findings) -> None:
    """Cautions on three different local days within 14 days: the program keeps being too
    much. Several cautions on one day (one session) count as one day."""
    tz = history.timezone
    since = history.resumed_at
    days = {
        _local_day(t, tz)
        for t in history.past_cautions
        if timedelta(0) <= now - t <= CAUTION_WINDOW and (since is None or t >= since)
    }
    days.add(_local_day(now, tz))
    if len(days) >= CAUTIONS_FOR_PHYSICIAN:
        findings.add(
            Code.REPEATED_CAUTIONS,
            {"count": len(days), "days": CAUTION_WINDOW // _DAY},
        )
