"""The clinic loop: invite links, sharing, dashboard sign-in, clinician actions and the digest.

A clinic recommends Backstep with an invite link; a patient who starts through it decides in
onboarding whether that clinic may see their answers, and can stop any time. Clinicians sign
in to the dashboard with a one-time link the bot sends them; every dashboard read and action is
one of these use cases, each scoped to the clinician's own clinic and to patients who share
now (:mod:`storage.clinics`), and each action is logged (who, what, when; never a note's text).

Messages to a patient (a clearance, a note) and a clinic's digest are written to the reply
outbox in the action's own transaction, so they are sent by any bot instance and never lost.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coach import adherence, schedule
from bot.coach.catalog import Catalog
from bot.coach.outcomes import Risk
from bot.coach.safety import MINIMAL_IMPORTANT_CHANGE
from bot.content.texts import quoted, t
from bot.program import history, lifecycle, outcomes
from bot.program.work import Work
from storage import clinics as store
from storage import outbox, sessions, stats
from storage.models import Clinic, Clinician, Escalation, User

INVITE_PREFIX = "c_"  # /start payload of a clinic's invite link: c_<code>
SIGN_IN_VALID = timedelta(minutes=10)
SESSION_VALID = timedelta(hours=8)
DIGEST_EVERY = timedelta(days=7)
LAPSED_AFTER_DAYS = 3
NOTE_MAX = 500
PAIN_KINDS = adherence.DAILY_KINDS  # at-rest pain, as /progress counts it


def token_hash(token: str) -> str:
    """Only hashes of sign-in links and session cookies are stored: a database copy signs
    nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


# -- clinics and clinicians (the operator's CLI) ----------------------------------------------


async def create_clinic(
    tx: AsyncSession, name: str, now: datetime, chat_id: int | None = None
) -> Clinic:
    """A new clinic; its first digest comes a week from now, when there is a week to tell."""
    clinic = store.add_clinic(tx, name, secrets.token_urlsafe(12), now, chat_id, now + DIGEST_EVERY)
    await tx.flush()
    return clinic


async def find_clinic(tx: AsyncSession, key: str) -> Clinic | None:
    """A clinic by its name or its id."""
    return await store.find_clinic(tx, key)


def invite_link(bot_username: str, clinic: Clinic) -> str:
    return f"https://t.me/{bot_username}?start={INVITE_PREFIX}{clinic.invite_code}"


async def add_clinician(
    tx: AsyncSession, clinic_key: str, telegram_id: int, now: datetime
) -> Clinic | None:
    """Make ``telegram_id`` a clinician of the clinic named (or numbered) ``clinic_key``."""
    clinic = await store.find_clinic(tx, clinic_key)
    if clinic is not None:
        await store.add_clinician(tx, clinic.id, telegram_id, now)
    return clinic


# -- the patient's side -----------------------------------------------------------------------


async def clinic_of_invite(tx: AsyncSession, payload: str) -> Clinic | None:
    """The clinic whose invite link carried ``payload`` (the /start argument), if any."""
    if not payload.startswith(INVITE_PREFIX):
        return None
    return await store.clinic_by_code(tx, payload.removeprefix(INVITE_PREFIX))


async def clinic_name(tx: AsyncSession, clinic_id: int) -> str | None:
    clinic = await store.get_clinic(tx, clinic_id)
    return clinic.name if clinic else None


async def join(work: Work, clinic_id: int, name: str, sharing: bool) -> None:
    """The patient's answer to "may this clinic see your answers?"."""
    await store.link_patient(work.tx, work.user.id, clinic_id, name[:64], sharing, work.now)


async def sharing_with(work: Work) -> str | None:
    """The name of the clinic the patient shares with now, if any."""
    link = await store.patient_link(work.tx, work.user.id)
    if link is None or not link.sharing:
        return None
    return await clinic_name(work.tx, link.clinic_id)


async def stop_sharing(work: Work) -> None:
    """From now on the clinic sees nothing of the patient (the link stays until /delete)."""
    await store.set_sharing(work.tx, work.user.id, False)


async def cleared_by_clinician(work: Work) -> bool:
    """A clinician of the patient's clinic cleared this safety pause (after it began)."""
    link = await store.patient_link(work.tx, work.user.id)
    paused_at = work.user.paused_at
    return (
        link is not None
        and link.cleared_at is not None
        and (paused_at is None or link.cleared_at >= paused_at)
        and lifecycle.is_safety_paused(work.user)
    )


# -- sign-in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInLink:
    clinic: str
    token: str


async def sign_in_links(tx: AsyncSession, telegram_id: int, now: datetime) -> list[SignInLink]:
    """One fresh one-time link per clinic the person is a clinician of (none: not one)."""
    links = []
    for clinician in await store.clinicians_of(tx, telegram_id):
        token = secrets.token_urlsafe(32)
        store.add_sign_in_link(tx, token_hash(token), clinician.id, now + SIGN_IN_VALID)
        name = await clinic_name(tx, clinician.clinic_id)
        links.append(SignInLink(name or "", token))
    return links


@dataclass(frozen=True)
class Signed:
    """A signed-in clinician: who, of which clinic, and the session's CSRF token."""

    clinician_id: int
    clinic_id: int
    telegram_id: int
    csrf: str


async def open_session(
    tx: AsyncSession, link_token: str, now: datetime
) -> tuple[str, Signed] | None:
    """Spend a sign-in link: the new session's cookie value, or None (unknown, used, expired)."""
    clinician_id = await store.use_sign_in_link(tx, token_hash(link_token), now)
    if clinician_id is None:
        return None
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    store.add_session(tx, token_hash(cookie), clinician_id, csrf, now, now + SESSION_VALID)
    await tx.flush()
    found = await store.live_session(tx, token_hash(cookie), now)
    assert found is not None
    clinician = found[1]
    store.log_action(tx, clinician.clinic_id, clinician.id, None, "sign_in", now)
    return cookie, _signed(clinician, csrf)


def _signed(clinician: Clinician, csrf: str) -> Signed:
    return Signed(clinician.id, clinician.clinic_id, clinician.telegram_id, csrf)


async def session_of(tx: AsyncSession, cookie: str, now: datetime) -> Signed | None:
    found = await store.live_session(tx, token_hash(cookie), now)
    return None if found is None else _signed(found[1], found[0].csrf)


async def sign_out(tx: AsyncSession, who: Signed, cookie: str, now: datetime) -> None:
    await store.end_session(tx, token_hash(cookie), now)
    store.log_action(tx, who.clinic_id, who.clinician_id, None, "sign_out", now)


# -- what the dashboard shows -----------------------------------------------------------------


@dataclass(frozen=True)
class PatientRow:
    user_id: int
    name: str
    days: int | None  # since the program began
    sessions_7: int
    sessions_14: int
    last_pain: int | None
    pains: tuple[float, ...]  # daily pain of the last 14 days with a score, oldest first
    reach: int | None
    status: str  # active | paused | paused_safety | onboarding | refused
    open_escalations: int


def status_label(user: User) -> str:
    if lifecycle.is_safety_paused(user):
        return "paused_safety"
    return str(lifecycle.status_of(user))


def _today(user: User, now: datetime) -> date:
    return schedule.local_date(now, user.timezone or "UTC")


async def patient_rows(tx: AsyncSession, clinic_id: int, now: datetime) -> list[PatientRow]:
    """The clinic's sharing patients, those with open escalations first."""
    patients = await store.shared_patients(tx, clinic_id)
    ids = [user.id for _, user in patients]
    if not ids:
        return []
    since = min(_today(user, now) for _, user in patients) - timedelta(days=14)
    pains: dict[int, list[stats.PainScore]] = defaultdict(list)
    for score in await stats.pain_scores(tx, ids, PAIN_KINDS, since):
        pains[score.user_id].append(score)
    days: dict[int, list[date]] = defaultdict(list)
    for uid, day in await stats.finished_session_days_of(tx, ids):
        days[uid].append(day)
    open_count: dict[int, int] = defaultdict(int)
    for escalation in await store.escalations_of_patients(tx, ids):
        if escalation.resolved_at is None:
            open_count[escalation.user_id] += 1
    rows = []
    for link, user in patients:
        today = _today(user, now)
        daily = _daily(pains[user.id], today - timedelta(days=13), today)
        rows.append(
            PatientRow(
                user_id=user.id,
                name=link.name,
                days=(today - user.onboarded_on).days if user.onboarded_on else None,
                sessions_7=adherence.sessions_between(days[user.id], today - timedelta(6), today),
                sessions_14=adherence.sessions_between(days[user.id], today - timedelta(13), today),
                last_pain=pains[user.id][-1].score if pains[user.id] else None,
                pains=tuple(daily[d] for d in sorted(daily)),
                reach=user.last_reach if user.last_reach is not None else user.baseline_reach,
                status=status_label(user),
                open_escalations=open_count[user.id],
            )
        )
    return sorted(rows, key=lambda r: (r.open_escalations == 0, r.name.lower(), r.user_id))


def _daily(scores: list[stats.PainScore], first: date, last: date) -> dict[date, float]:
    entries = [
        adherence.PainEntry(s.local_date, s.kind, s.score)
        for s in scores
        if first <= s.local_date <= last
    ]
    return adherence.daily_pain(entries)


@dataclass(frozen=True)
class SessionLine:
    day: date
    status: str
    pain_before: int | None
    pain_after: int | None
    skipped: tuple[str, ...]
    too_painful: tuple[str, ...]


@dataclass(frozen=True)
class EscalationLine:
    id: int
    at: datetime
    level: int
    reasons: tuple[dict[str, object], ...]  # as stored: {"code": ..., details}
    open: bool
    acknowledged: tuple[int, datetime] | None  # (clinician's Telegram id, when)


@dataclass(frozen=True)
class LevelLine:
    slot: str
    exercise: str
    notch: int
    adjustment: str | None  # omit | hold


@dataclass
class PatientPage:
    row: PatientRow
    daily: dict[date, float]  # the last 28 days
    baseline: int | None
    sessions: list[SessionLine] = field(default_factory=list)
    levels: list[LevelLine] = field(default_factory=list)
    escalations: list[EscalationLine] = field(default_factory=list)
    weeks: list[adherence.WeeklySummary] = field(default_factory=list)
    cleared_at: datetime | None = None
    risk: Risk | None = None  # STarT Back at onboarding (docs/outcomes.md)
    disability: outcomes.Disability | None = None  # Roland-Morris scores, change since start


async def patient_page(
    tx: AsyncSession, clinic_id: int, user_id: int, now: datetime, catalog: Catalog
) -> PatientPage | None:
    """Everything the clinician sees of one patient; None unless they share with the clinic."""
    found = await store.shared_patient(tx, clinic_id, user_id)
    if found is None:
        return None
    link, user = found
    row = next(r for r in await patient_rows(tx, clinic_id, now) if r.user_id == user_id)
    today = _today(user, now)
    first = today - timedelta(days=27)
    scores = await stats.pain_scores(tx, [user_id], PAIN_KINDS, first)
    page = PatientPage(row, _daily(list(scores), first, today), user.baseline_pain)
    page.cleared_at = link.cleared_at
    page.risk = await outcomes.risk_of(tx, user_id)
    page.disability = await outcomes.disability_of(tx, user_id)
    for session in reversed(await stats.sessions_between(tx, user_id, first, today)):
        steps = await sessions.steps_of(tx, session.id)
        ended = {s.position: s.action for s in steps if s.action in ("skip", "too_painful")}
        page.sessions.append(
            SessionLine(
                session.local_date,
                session.status,
                session.pain_before,
                session.pain_after,
                _names(catalog, session.plan, ended, "skip"),
                _names(catalog, session.plan, ended, "too_painful"),
            )
        )
    adjustments = await store.adjustments_of(tx, user_id)
    for level in await sessions.levels_of(tx, user_id):
        name = catalog.get(level.exercise_id).name if level.exercise_id in catalog else level.slot
        page.levels.append(LevelLine(level.slot, name, level.notch, adjustments.get(level.slot)))
    known = {line.slot for line in page.levels}
    for slot in catalog.slots():
        if slot not in known:
            name = catalog.get(slot).name if slot in catalog else slot
            page.levels.append(LevelLine(slot, name, 0, adjustments.get(slot)))
    found_escalations = await store.escalations_of_patients(tx, [user_id])
    acks = await store.acks_of(tx, [e.id for e in found_escalations])
    page.escalations = [_escalation_line(e, acks.get(e.id)) for e in found_escalations]
    entries = await history.pain_entries(tx, user_id, since=today - timedelta(days=35))
    session_days = await history.session_days(tx, user_id)
    for weeks_back in range(4):
        day = today - timedelta(days=7 * weeks_back)
        summary = adherence.weekly_summary(
            entries,
            session_days,
            baseline=user.baseline_pain,
            start=user.onboarded_on or user.created_at.date(),
            today=day,
            moves=[],
        )
        if summary is not None:
            page.weeks.append(summary)
    return page


def _names(
    catalog: Catalog, plan: list[dict[str, object]], ended: dict[int, str], action: str
) -> tuple[str, ...]:
    """The names of the plan's exercises that ended with ``action``."""
    ids = [str(entry["exercise_id"]) for entry in plan]
    return tuple(
        catalog.get(ids[p]).name
        for p, a in sorted(ended.items())
        if a == action and p < len(ids) and ids[p] in catalog
    )


def _escalation_line(e: Escalation, ack: tuple[int, datetime] | None) -> EscalationLine:
    reasons = tuple(r for r in e.reasons if isinstance(r, dict))
    return EscalationLine(e.id, e.at, e.level, reasons, e.resolved_at is None, ack)


# -- what a clinician does --------------------------------------------------------------------


async def acknowledge(
    tx: AsyncSession, who: Signed, escalation_id: int, now: datetime
) -> int | None:
    """The patient's id; None when the escalation is not a sharing patient's of the clinic."""
    escalation = await store.clinic_escalation(tx, who.clinic_id, escalation_id)
    if escalation is None:
        return None
    if await store.acknowledge(tx, escalation.id, who.clinician_id, now):
        store.log_action(
            tx,
            who.clinic_id,
            who.clinician_id,
            escalation.user_id,
            "acknowledge",
            now,
            {"escalation_id": escalation.id},
        )
    return escalation.user_id


class Refused(Exception):
    """The action does not apply (a 409). ``reason``: ``not_paused`` (clearing a patient who is
    not paused for safety), ``empty_note``, ``unknown_adjustment``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _patient(tx: AsyncSession, who: Signed, user_id: int) -> tuple[str, User] | None:
    found = await store.shared_patient(tx, who.clinic_id, user_id)
    return None if found is None else (found[0].name, found[1])


async def clear(tx: AsyncSession, who: Signed, user_id: int, now: datetime) -> bool:
    """Clear a safety-paused patient to resume; they are told in the chat. False: not found."""
    found = await _patient(tx, who, user_id)
    if found is None:
        return False
    _, user = found
    if not lifecycle.is_safety_paused(user):
        raise Refused("not_paused")
    await store.set_cleared(tx, user_id, now)
    store.log_action(tx, who.clinic_id, who.clinician_id, user_id, "clear", now)
    clinic = await clinic_name(tx, who.clinic_id) or ""
    await outbox.owe(tx, user.chat_id, [{"text": t("clinic_cleared", clinic=clinic)}], now)
    return True


async def send_note(tx: AsyncSession, who: Signed, user_id: int, text: str, now: datetime) -> bool:
    """A short note to the patient through the bot (the log keeps that one was sent, not what)."""
    found = await _patient(tx, who, user_id)
    if found is None:
        return False
    words = quoted(text, NOTE_MAX)
    if not words:
        raise Refused("empty_note")
    _, user = found
    clinic = await clinic_name(tx, who.clinic_id) or ""
    await outbox.owe(tx, user.chat_id, [{"text": t("clinic_note", clinic=clinic, note=words)}], now)
    store.log_action(tx, who.clinic_id, who.clinician_id, user_id, "note", now)
    return True


ADJUSTMENTS = ("omit", "hold", "none")


async def adjust(
    tx: AsyncSession,
    who: Signed,
    user_id: int,
    slot: str,
    kind: str,
    now: datetime,
    catalog: Catalog,
) -> bool:
    """Leave a slot out of the plan, hold it at its level, or undo that. False: not found."""
    if await _patient(tx, who, user_id) is None:
        return False
    if kind not in ADJUSTMENTS or slot not in set(catalog.slots()):
        raise Refused("unknown_adjustment")
    await store.set_adjustment(tx, user_id, slot, None if kind == "none" else kind, now)
    store.log_action(
        tx, who.clinic_id, who.clinician_id, user_id, "adjust", now, {"slot": slot, "kind": kind}
    )
    return True


async def report_opened(tx: AsyncSession, who: Signed, user_id: int, now: datetime) -> None:
    store.log_action(tx, who.clinic_id, who.clinician_id, user_id, "report", now)


async def plan_adjustments(work: Work) -> dict[str, str]:
    """``slot -> omit | hold``: what the patient's clinician changed in the plan."""
    return await store.adjustments_of(work.tx, work.user.id)


# -- the weekly digest ------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    active: int
    lapsed: int
    improved: int
    worsened: int
    open_escalations: int


async def digest_of(tx: AsyncSession, clinic_id: int, now: datetime) -> Digest:
    """The week in numbers. Lapsed: no check-in for ``LAPSED_AFTER_DAYS`` days. Improved or
    worsened: this week's mean pain against the baseline by the minimal important change."""
    rows = await patient_rows(tx, clinic_id, now)
    patients = await store.shared_patients(tx, clinic_id)
    users = {user.id: user for _, user in patients}
    ids = list(users)
    recent: dict[int, list[stats.PainScore]] = defaultdict(list)
    since = now.date() - timedelta(days=8)
    for score in await stats.pain_scores(tx, ids, PAIN_KINDS, since) if ids else []:
        recent[score.user_id].append(score)
    active = lapsed = improved = worsened = 0
    for row in rows:
        user = users[row.user_id]
        if row.status != "active":
            continue
        today = _today(user, now)
        last = max((s.local_date for s in recent[row.user_id]), default=None)
        if last is None or (today - last).days >= LAPSED_AFTER_DAYS:
            lapsed += 1
        else:
            active += 1
        week = _daily(recent[row.user_id], today - timedelta(days=6), today)
        if week and user.baseline_pain is not None:
            change = sum(week.values()) / len(week) - user.baseline_pain
            improved += change <= -MINIMAL_IMPORTANT_CHANGE
            worsened += change >= MINIMAL_IMPORTANT_CHANGE
    return Digest(active, lapsed, improved, worsened, sum(r.open_escalations for r in rows))


async def owe_due_digests(tx: AsyncSession, now: datetime) -> int:
    """Write each due clinic's digest to its chat's outbox; returns how many."""
    due = await store.claim_due_digests(tx, now, now + DIGEST_EVERY)
    for clinic in due:
        assert clinic.chat_id is not None
        d = await digest_of(tx, clinic.id, now)
        text = t(
            "clinic_digest",
            clinic=clinic.name,
            active=d.active,
            lapsed=d.lapsed,
            improved=d.improved,
            worsened=d.worsened,
            open=d.open_escalations,
            days=LAPSED_AFTER_DAYS,
            mic=MINIMAL_IMPORTANT_CHANGE,
        )
        await outbox.owe(tx, clinic.chat_id, [{"text": text}], now)
    return len(due)
