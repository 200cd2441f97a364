"""Multi-day journeys: what a user reports day after day, and what Backstep must say each day.

Each journey is data (a baseline, then one :class:`Day` per local day) so it can be replayed by
more than one runner: :func:`run` replays it through the pure rules here (used by
``tests/unit/test_journeys.py``); an end-to-end runner can replay the same days through the
real check-in and session dialogs over HTTP and compare with the same expectations.

A day, in the order the bot meets it:

1. **morning check-in** (08:00): ``checkin`` and ``reach``. After a session day the bot also asks
   "had yesterday's pain settled?" (``settled``); as the bot stores it today, the same score is
   then stored twice, as a ``checkin`` and as a ``next_morning`` report. Progression "after the
   settled answer" runs in this turn.
2. **/symptoms** (12:00): the items the user ticked (``symptoms``), none means no checklist.
3. **session** (18:00): the before-session score, the highest pain during the exercise, and
   the after-session score, each its own turn. A before-session score the rules call too high
   (``safety.too_high_to_exercise``) stops here: the bot says so and offers the gentle option.
   While the program is paused (an open PHYSICIAN or EMERGENCY) no session is started.

``expect`` is the highest level said that day; ``codes`` must be among the day's reasons,
``news`` among the good news said; ``up`` (when not None) says whether an exercise may go up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from bot.coach import progression, safety, safety_messages
from bot.coach.catalog import Catalog, load_catalog
from bot.coach.program import ExerciseLevel
from bot.coach.safety import Code, Level, Reach, Settled, Symptom

START = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)  # onboarding: a Monday morning
EXERCISE = "bird_dog"

N, C, P, E = Level.NONE, Level.CAUTION, Level.PHYSICIAN, Level.EMERGENCY
BK, B, T, K, F = Reach.BACK, Reach.BUTTOCK, Reach.THIGH, Reach.BELOW_KNEE, Reach.FOOT


@dataclass(frozen=True)
class Session:
    """One session of the journey's exercise: pain before, the highest during, and after."""

    before: int
    during: int
    after: int
    too_painful: bool = False


@dataclass(frozen=True)
class Day:
    checkin: int | None = None
    reach: Reach | None = None
    settled: Settled | None = None
    session: Session | None = None
    symptoms: tuple[Symptom, ...] = ()
    resume: bool = False  # the user resumes after a clinician cleared them (before the check-in)
    expect: Level = Level.NONE
    codes: frozenset[str] = frozenset()
    news: frozenset[str] = frozenset()
    up: bool | None = None


@dataclass(frozen=True)
class Journey:
    name: str
    baseline: int
    reach: Reach
    days: tuple[Day, ...]
    notch: int = 0  # where the exercise starts on its ladder

    @property
    def id(self) -> str:
        return self.name


def d(
    checkin: int | None = None,
    reach: Reach | None = None,
    *,
    settled: Settled | None = None,
    session: tuple[int, int, int] | Session | None = None,
    symptoms: Sequence[Symptom] = (),
    resume: bool = False,
    expect: Level = Level.NONE,
    codes: Sequence[str] = (),
    news: Sequence[str] = (),
    up: bool | None = None,
) -> Day:
    """A day, tersely: ``d(3, session=(3, 4, 4), settled=Settled.YES, expect=N)``."""
    if isinstance(session, tuple):
        session = Session(*session)
    return Day(
        checkin,
        reach,
        settled,
        session,
        tuple(symptoms),
        resume,
        expect,
        frozenset(codes),
        frozenset(news),
        up,
    )


# ---- the runner (pure rules) ---------------------------------------------------------------------


@dataclass
class Turn:
    """One reply: the decisions made in it, what it said, and the progression it announced."""

    name: str
    decisions: list[safety.Decision] = field(default_factory=list)
    changes: tuple[progression.Change, ...] = ()
    text: str = ""

    @property
    def decided(self) -> Level:
        return max((x.level for x in self.decisions), default=Level.NONE)


@dataclass
class DayResult:
    day: int
    turns: list[Turn]
    too_high: bool = False
    skipped_session: bool = False

    @property
    def level(self) -> Level:
        return max((t.decided for t in self.turns), default=Level.NONE)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for t in self.turns for x in t.decisions for r in x.reasons)

    @property
    def news(self) -> frozenset[str]:
        """Good news *said* (only a turn whose level is NONE says it)."""
        return frozenset(
            r.code
            for t in self.turns
            if t.decided is Level.NONE
            for x in t.decisions
            for r in x.news
        )

    @property
    def went_up(self) -> bool:
        return any(c.direction == "up" for t in self.turns for c in t.changes)


def said_level(text: str) -> Level:
    """The level a reply speaks with, read from its words (the safety.yaml templates)."""
    if "seek emergency care now" in text:
        return Level.EMERGENCY
    if "Please see your physician" in text:
        return Level.PHYSICIAN
    if text.startswith(safety_messages.text("caution", reasons="", action="")[:18]):
        return Level.CAUTION
    return Level.NONE


def says_up(text: str) -> bool:
    """Whether a reply announces an exercise going up (progression_texts.yaml, up*)."""
    return " goes up to " in text or " moves on to " in text


class Replay:
    """The state the bot keeps between turns, fed to the pure rules as a History."""

    def __init__(self, journey: Journey, catalog: Catalog) -> None:
        self.journey = journey
        self.catalog = catalog
        self.baseline = journey.baseline
        self.baseline_reach = journey.reach
        self.reports: list[safety.PainReport] = [
            # As the bot stores it: the onboarding score, with a reach only when it is 0.
            safety.PainReport(
                START,
                journey.baseline,
                safety.ReportKind.ONBOARDING,
                Reach.BACK if journey.baseline == 0 else None,
                id=1,
                local_date=START.date(),
            )
        ]
        self.symptoms: list[safety.SymptomAnswer] = []
        self.cautions: list[datetime] = []
        self.open = Level.NONE
        self.resumed_at: datetime | None = None
        self.level = ExerciseLevel(EXERCISE, journey.notch)
        self.outcomes: list[progression.ExerciseOutcome] = []
        self.day_level = Level.NONE

    def history(self) -> safety.History:
        return safety.History(
            baseline_score=self.baseline,
            baseline_reach=self.baseline_reach,
            program_start=START,
            reports=list(self.reports),
            symptoms=list(self.symptoms),
            past_cautions=list(self.cautions),
            open_level=self.open,
            resumed_at=self.resumed_at,
            timezone=UTC,
        )

    def pain(
        self,
        turn: Turn,
        at: datetime,
        score: int,
        kind: safety.ReportKind,
        **extra: object,
    ) -> None:
        report = safety.PainReport(
            at,
            score,
            kind,
            id=len(self.reports) + 1,
            local_date=at.date(),
            **extra,  # type: ignore[arg-type]
        )
        self.reports.append(report)
        turn.decisions.append(safety.assess(self.history(), at, report))

    def finish(self, turn: Turn, proposed: Sequence[progression.Change] = ()) -> Turn:
        """Say the turn with one voice, and remember what it decided."""
        decision = safety.combine(turn.decisions)
        self.day_level = max(self.day_level, decision.level)
        turn.changes = progression.one_voice(self.day_level, proposed)
        for change in turn.changes:
            if change.direction != "stay":
                self.level = change.after
        lines = [safety_messages.render(decision, None)]
        lines += [progression.explain(self.catalog, c) for c in turn.changes]
        turn.text = "\n\n".join(line for line in lines if line)
        if decision.level is Level.CAUTION:
            self.cautions.append(max(x.at for x in self.reports))
        if decision.level >= Level.PHYSICIAN:
            self.open = max(self.open, decision.level)
        return turn

    def decide(self) -> list[progression.Change]:
        change = progression.decide(
            self.catalog, self.level, self.outcomes, paused=self.open >= Level.PHYSICIAN
        )
        return [change] if change.direction != "stay" else []

    def day(self, n: int, plan: Day) -> DayResult:
        today = (START + timedelta(days=n)).date()
        result = DayResult(n, [])
        self.day_level = Level.NONE
        morning = _at(today, 8)
        if plan.resume:
            self.open = Level.NONE
            self.resumed_at = _at(today, 7)
            self.symptoms += [safety.SymptomAnswer(_at(today, 7), s, False) for s in Symptom]
            if plan.checkin is not None:
                self.baseline = plan.checkin
            if plan.reach is not None:
                self.baseline_reach = plan.reach
        if plan.checkin is not None:
            turn = Turn("checkin")
            self.pain(turn, morning, plan.checkin, safety.ReportKind.CHECKIN, reach=plan.reach)
            proposed: list[progression.Change] = []
            if plan.settled is not None:
                self.pain(
                    turn,
                    morning + timedelta(seconds=20),
                    plan.checkin,
                    safety.ReportKind.NEXT_MORNING,
                    reach=plan.reach,
                    settled=plan.settled,
                )
                if self.outcomes and self.outcomes[-1].settled_next_morning is None:
                    self.outcomes[-1] = replace(
                        self.outcomes[-1], settled_next_morning=plan.settled is Settled.YES
                    )
                    proposed = self.decide()
            result.turns.append(self.finish(turn, proposed))
        if plan.symptoms:
            turn = Turn("symptoms")
            answers = safety.checklist_answers(_at(today, 12), plan.symptoms)
            self.symptoms += answers
            turn.decisions.append(safety.assess(self.history(), _at(today, 12), answers[0]))
            result.turns.append(self.finish(turn))
        if plan.session is not None:
            if self.open >= Level.PHYSICIAN:
                result.skipped_session = True
            else:
                self.session(n, today, plan.session, result)
        return result

    def session(self, n: int, today: date, s: Session, result: DayResult) -> None:
        at = _at(today, 18)
        turn = Turn("before")
        self.pain(turn, at, s.before, safety.ReportKind.BEFORE_SESSION, session_id=n)
        if safety.too_high_to_exercise(s.before):
            result.too_high = True
            self.finish(turn)
            turn.text = "\n\n".join(
                x for x in (turn.text, safety_messages.too_high_to_exercise(s.before)) if x
            )
            result.turns.append(turn)
            return
        result.turns.append(self.finish(turn))
        if self.open >= Level.PHYSICIAN:
            return  # paused by the before-session score: the session stops here
        turn = Turn("during")
        self.pain(
            turn,
            at + timedelta(minutes=5),
            s.during,
            safety.ReportKind.DURING_EXERCISE,
            exercise_id=EXERCISE,
            session_id=n,
        )
        result.turns.append(self.finish(turn))
        turn = Turn("after")
        self.pain(
            turn, at + timedelta(minutes=20), s.after, safety.ReportKind.AFTER_SESSION, session_id=n
        )
        self.outcomes.append(progression.ExerciseOutcome(s.during, s.too_painful, None, self.level))
        result.turns.append(self.finish(turn, self.decide()))


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def run(journey: Journey, catalog: Catalog | None = None) -> list[DayResult]:
    """Replay ``journey`` through the pure rules: one result per day, day 1 first."""
    replay = Replay(journey, catalog or load_catalog())
    return [replay.day(n, plan) for n, plan in enumerate(journey.days, start=1)]


# ---- the journeys ------------------------------------------------------------------------------

YES, NOT_FULLY, WORSE = Settled.YES, Settled.NOT_FULLY, Settled.WORSE
CENTRALISED, IMPROVED = Code.CENTRALISED, Code.IMPROVED


def _stable_fortnight() -> tuple[Day, ...]:
    days = [d(3, session=(3, 4, 4), up=None)]
    for n in range(2, 15):
        morning = 4 if n % 3 == 0 else 3  # a one-point wobble every third morning
        days.append(d(morning, settled=YES, session=(3, 4, 4)))
    return tuple(days)


# fmt: off
JOURNEYS: tuple[Journey, ...] = (
    Journey("stable user exercising daily for two weeks: no caution, no escalation", 3, B,
            _stable_fortnight()),
    Journey("stable user whose mornings are a point above the session's start, answering yes", 3, B,
            (d(3, session=(3, 4, 4)), d(4, settled=YES, session=(3, 4, 4)),
             d(4, settled=YES, session=(3, 4, 4)), d(4, settled=YES, session=(3, 4, 4)),
             d(4, settled=YES))),
    Journey("improving user: 6 down to 3, told once when it is 2 points better", 6, T,
            (d(6, session=(6, 5, 6)), d(5, settled=YES, session=(5, 5, 5)),
             d(4, settled=YES, session=(4, 4, 4), news=[IMPROVED]),
             d(4, settled=YES, session=(4, 4, 4)), d(3, settled=YES))),
    Journey("improving user at 6 before and 6 after a session: the session did not raise it", 6, B,
            (d(6, session=(6, 5, 6)), d(6, settled=YES, session=(6, 5, 6)), d(6, settled=YES))),
    Journey("centralising pain with a small rise in back pain: good news, no escalation", 3, T,
            (d(4, B, news=[CENTRALISED]), d(4, BK, news=[CENTRALISED]), d(4, BK), d(3, BK))),
    Journey("centralised, then into the buttock again: a caution", 3, T,
            (d(3, BK, news=[CENTRALISED]), d(3, BK),
             d(3, B, expect=C, codes=[Code.PAIN_SPREADING]))),
    Journey("10/10 at the ceiling, persisting from onboarding: physician on the first check-in",
            10, F, (d(10, F, expect=P, codes=[Code.SEVERE_PAIN]), d(10, F, expect=P),
                    d(10, F, expect=P))),
    Journey("8/10 persisting from a baseline of 7: physician on the second day at 8", 7, T,
            (d(8, expect=N), d(8, expect=P, codes=[Code.SEVERE_PAIN]))),
    Journey("8/10, too high to exercise, then 7: no session that day, no escalation", 7, T,
            (d(8, session=(8, 5, 8)), d(7), d(7, session=(7, 5, 7)))),
    Journey("a rise spread over a week: physician once two days are 2 points up", 3, B,
            (d(3), d(3), d(4), d(4), d(5), d(5, expect=P, codes=[Code.PAIN_WORSE]))),
    Journey("an emergency followed by a milder checklist: the emergency stands", 3, B,
            (d(3, symptoms=[Symptom.BLADDER_BOWEL], expect=E),
             d(3, symptoms=[Symptom.NIGHT_PAIN], expect=E, codes=[Code.PHYSICIAN_SYMPTOM]),
             d(2, expect=E, session=(2, 2, 2)))),
    Journey("a caution followed by progression on the same day: no 'up' is said", 3, B,
            (d(3, BK, session=(3, 4, 4), news=[CENTRALISED]),
             d(3, BK, settled=YES, session=(3, 4, 4)),
             d(3, B, settled=YES, expect=C, codes=[Code.PAIN_SPREADING], up=False),
             d(3, B, session=(3, 4, 4)), d(3, B, settled=YES, up=True))),
    Journey("exercise going well: it goes up after two good sessions", 3, B,
            (d(3, session=(3, 4, 3)), d(3, settled=YES, session=(3, 4, 3)),
             d(3, settled=YES, up=True))),
    Journey("same score tapped as check-in, settled answer and before-session: one day", 3, B,
            (d(3, session=(3, 4, 4)), d(5, settled=YES, expect=C, session=(5, 5, 5),
                                         codes=[Code.NOT_SETTLED]),
             d(5, settled=YES, expect=P, codes=[Code.PAIN_WORSE]))),
    Journey("a single 5 from a baseline of 3, then back: nothing", 3, B,
            (d(5), d(3), d(5), d(3))),
    Journey("a jump from 3 to 6: physician at once", 3, B,
            (d(6, expect=P, codes=[Code.PAIN_JUMP]),)),
    Journey("missed days between two 5s from a baseline of 3: consecutive days with a report", 3, B,
            (d(5), d(), d(), d(5, expect=P, codes=[Code.PAIN_WORSE]))),
    Journey("8, 7, 8 from a baseline of 7: severe, but never two days running", 7, T,
            (d(8), d(7), d(8), d(7))),
    Journey("pain during the exercise above 5: a caution, and the exercise eases", 3, B,
            (d(3, session=(3, 7, 4), expect=C, codes=[Code.EXERCISE_PAIN], up=False),
             d(3, settled=YES))),
    Journey("after-session pain up 3 points to 6: a caution", 3, B,
            (d(3, session=(3, 5, 6), expect=C, codes=[Code.AFTER_SESSION_PAIN]),
             d(3, settled=YES))),
    Journey("after-session pain one point over the limit from 5: noise", 5, B,
            (d(5, session=(5, 5, 6)), d(5, settled=YES))),
    Journey("high but stable at 7: sessions at 7 before and after, no caution", 7, T,
            (d(7, session=(7, 5, 7)), d(7, settled=YES, session=(7, 5, 7)),
             d(6, settled=YES, session=(6, 5, 7)), d(7, settled=YES))),
    Journey("from 7 to 9 after a session: a caution (2 points above the start, above 5)", 7, T,
            (d(7, session=(7, 5, 9), expect=C, codes=[Code.AFTER_SESSION_PAIN]),
             d(7, settled=YES))),
    Journey("the user says the pain had not fully settled: their answer counts", 3, B,
            (d(3, session=(3, 4, 4)),
             d(3, settled=NOT_FULLY, expect=C, codes=[Code.NOT_SETTLED], up=False))),
    Journey("the user says the pain was worse next morning: a caution", 3, B,
            (d(3, session=(3, 4, 4)), d(4, settled=WORSE, expect=C, codes=[Code.NOT_SETTLED]))),
    Journey("two cautions in one session count as one day; the third day is a physician", 3, B,
            (d(3, session=(3, 7, 7), expect=C), d(3, settled=NOT_FULLY, expect=C),
             d(3), d(3, session=(3, 6, 4), expect=P, codes=[Code.REPEATED_CAUTIONS]))),
    Journey("one caution a week: never three in two weeks, never a physician", 3, B,
            (d(3, session=(3, 6, 4), expect=C), *[d(3) for _ in range(7)],
             d(3, session=(3, 6, 4), expect=C), *[d(3) for _ in range(7)],
             d(3, session=(3, 6, 4), expect=C))),
    Journey("morning pain up a point week on week: one caution on the day it shows", 5, B,
            (d(2, news=[IMPROVED]), *[d(2) for _ in range(6)], *[d(3) for _ in range(6)],
             d(3, expect=C, codes=[Code.WEEKLY_RISE]), d(3))),
    Journey("pain spreads to the foot: physician, session not started while paused", 3, B,
            (d(3, B), d(3, F, expect=P, codes=[Code.PAIN_SPREAD], session=(3, 4, 4)),
             d(3, B, expect=P, codes=[Code.PHYSICIAN_OPEN]))),
    Journey("a physician symptom, checked and cleared: back to normal after resuming", 3, B,
            (d(3, symptoms=[Symptom.FEVER_UNWELL], expect=P),
             d(3, expect=P, codes=[Code.PHYSICIAN_SYMPTOM]),
             d(3, resume=True, session=(3, 4, 4)), d(3, settled=YES))),
    Journey("severe persisting pain, reviewed and cleared at 8: not re-judged on old days", 7, T,
            (d(8), d(8, expect=P, codes=[Code.SEVERE_PAIN]), d(8, resume=True),
             d(8, expect=P, codes=[Code.SEVERE_PAIN]))),
    Journey("baseline 0 with one-point wobbles: nothing", 0, BK,
            (d(1), d(1), d(0), d(1), d(0))),
    Journey("emergency said in the morning, then an ordinary day: still emergency, no session", 3,
            B, (d(3, symptoms=[Symptom.SADDLE_NUMBNESS], expect=E, session=(3, 4, 4)),
                d(3, expect=E, codes=[Code.EMERGENCY_SYMPTOM]))),
    Journey("the before-session score jumps: physician, and the session stops", 3, B,
            (d(3, session=(6, 4, 4), expect=P, codes=[Code.PAIN_JUMP]),)),
    Journey("too painful at the easiest step: it stays, nothing goes up", 3, B,
            (d(3, session=Session(3, 4, 4, too_painful=True), up=False), d(3, settled=YES))),
)
# fmt: on
