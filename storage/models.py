"""What the coach keeps, as typed SQLAlchemy 2 models.

The database is the only shared state between bot instances: a user's place in a dialog, their
reminder schedule and every record the safety rules read live here, never in process memory.
Every table that holds something about a person has a ``user_id`` foreign key with
``ON DELETE CASCADE`` so an erasure request is one ``DELETE`` of the user row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite would otherwise return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        from datetime import UTC

        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _user_fk() -> Any:
    return mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    """A Telegram user and their preferences; also carries their reminder schedule."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    consent_at: Mapped[datetime | None]
    # onboarding | active | paused | refused
    status: Mapped[str] = mapped_column(String(16), default="onboarding")
    # False once Telegram said the user blocked the bot; True again when they write.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # True while an earlier turn's replies wait in the outbox: later replies queue behind them.
    replies_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_level: Mapped[int | None] = mapped_column(SmallInteger)
    paused_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    baseline_pain: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_reach: Mapped[int | None] = mapped_column(SmallInteger)
    last_reach: Mapped[int | None] = mapped_column(SmallInteger)
    timezone: Mapped[str | None] = mapped_column(String(64))
    reminder_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local
    weekly_summary_day: Mapped[int] = mapped_column(SmallInteger, default=6)
    next_reminder_at: Mapped[datetime | None]
    reminder_claimed_until: Mapped[datetime | None]
    snooze_at: Mapped[datetime | None]
    next_weekly_at: Mapped[datetime | None]
    last_session_on: Mapped[date | None] = mapped_column(Date)
    onboarded_on: Mapped[date | None] = mapped_column(Date)
    redflag_screen_at: Mapped[datetime | None]
    # When the user last resumed after a clinician's review: the safety rules judge nothing older.
    resumed_at: Mapped[datetime | None]

    dialog: Mapped[Dialog | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )

    __table_args__ = (
        Index("ix_users_next_reminder_at", "next_reminder_at"),
        Index("ix_users_next_weekly_at", "next_weekly_at"),
    )


class Dialog(Base):
    """Where a user is in a conversation; ``version`` makes old buttons detectably stale."""

    __tablename__ = "dialogs"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(16), default="none")
    step: Mapped[str] = mapped_column(String(32), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The dialog's live card: the one message whose buttons still work (None: no such card).
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="dialog")


class ExerciseSession(Base):
    """One guided session: the plan it followed and how far the user got."""

    __tablename__ = "exercise_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _user_fk()
    started_at: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date)
    finished_at: Mapped[datetime | None]
    # in_progress | done | stopped
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    plan: Mapped[list[Any]] = mapped_column(default=list)  # [{"exercise_id", "notch"}]
    pain_before: Mapped[int | None] = mapped_column(SmallInteger)
    pain_after: Mapped[int | None] = mapped_column(SmallInteger)


class SessionStep(Base):
    """Every step a user took in a session, stored as it happened."""

    __tablename__ = "session_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = _user_fk()
    at: Mapped[datetime]
    exercise_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(SmallInteger)
    step_index: Mapped[int] = mapped_column(SmallInteger)
    # next | done | skip | too_painful
    action: Mapped[str] = mapped_column(String(16))
    notch: Mapped[int] = mapped_column(SmallInteger, default=0)


class PainReport(Base):
    """A 0-10 pain score with its context; the safety rules read these."""

    __tablename__ = "pain_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_pain_reports_user_at, whose first column is user_id.
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date)
    # onboarding | checkin | before_session | during_exercise | after_session | next_morning
    kind: Mapped[str] = mapped_column(String(24))
    score: Mapped[int] = mapped_column(SmallInteger)
    reach: Mapped[int | None] = mapped_column(SmallInteger)
    settled: Mapped[str | None] = mapped_column(String(16))
    exercise_id: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_sessions.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_pain_reports_user_at", "user_id", "at"),
        # Progression reads a session's reports; erasure's SET NULL looks them up too.
        Index("ix_pain_reports_session_id", "session_id"),
    )


class SymptomAnswer(Base):
    """An answer to a red-flag question (screen, /symptoms, or a confirmed free-text hit)."""

    __tablename__ = "symptom_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _user_fk()
    at: Mapped[datetime]
    symptom: Mapped[str] = mapped_column(String(32))
    present: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # screen | symptoms | text


class Escalation(Base):
    """A safety decision the bot acted on; kept until the user's own erasure request."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _user_fk()
    at: Mapped[datetime]
    level: Mapped[int] = mapped_column(SmallInteger)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    report_ids: Mapped[list[Any]] = mapped_column(default=list)
    alert_due: Mapped[bool] = mapped_column(Boolean, default=False)
    alerted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_escalations_alert_due", "alert_due"),)


class ExerciseLevel(Base):
    """The user's current variant and dosage notch for one slot of their program."""

    __tablename__ = "exercise_levels"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(64))
    notch: Mapped[int] = mapped_column(SmallInteger, default=0)
    updated_at: Mapped[datetime]


class ReminderLog(Base):
    """One row per reminder per local day: "one reminder a day" as a database fact."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _user_fk()
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # daily | nudge | weekly | checkin | summary
    status: Mapped[str] = mapped_column(String(16))  # sent | missed | failed
    due_at: Mapped[datetime]
    at: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("user_id", "local_date", "kind"),)


class QuestionnaireResult(Base):
    """A finished questionnaire (STarT Back at onboarding, Roland-Morris then every 4 weeks):
    every answer and the score, so a score can be checked against its answers (health data:
    exported, erased with the user; docs/outcomes.md)."""

    __tablename__ = "questionnaire_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _user_fk()
    instrument: Mapped[str] = mapped_column(String(16))  # startback | rmdq
    at: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date)
    answers: Mapped[list[Any]]  # item values in item order
    score: Mapped[int] = mapped_column(SmallInteger)
    subscale: Mapped[int | None] = mapped_column(SmallInteger)  # STarT Back distress (5-9)
    risk: Mapped[str | None] = mapped_column(String(8))  # STarT Back: low | medium | high


class LessonShown(Base):
    """A lesson the user was given, so none comes twice."""

    __tablename__ = "lessons_shown"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime]


PER_USER_TABLES = (
    Dialog,
    ExerciseSession,
    SessionStep,
    PainReport,
    SymptomAnswer,
    Escalation,
    ExerciseLevel,
    ReminderLog,
    QuestionnaireResult,
    LessonShown,
)


class SendBudget(Base):
    """The deployment-wide send budget: every instance reserves its send slots here.

    Telegram's ~30 messages/second limit is per bot token, not per process, so instances share
    one token bucket. ``next_free`` is the wall-clock second (epoch) from which the next slot is
    free; reserving ``n`` slots moves it on by ``n / rate`` in one atomic UPDATE.
    """

    __tablename__ = "send_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    next_free: Mapped[float] = mapped_column(Float, default=0.0)


class HandledUpdate(Base):
    """The receipt of a handled update: its id, so a redelivery (webhook retry, a crash before
    the polling offset was confirmed) is recognised and not applied twice, and the replies the
    turn still owes the chat. Both are written in the turn's own transaction, so a reply can no
    more be lost than the record it answers (bot/telegram/outbox.py sends them)."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # only while replies are owed
    # The replies not yet accepted by Telegram (None once all were); see outbox.encode().
    replies: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    sent: Mapped[int] = mapped_column(SmallInteger, default=0)  # replies[:sent] went out
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    # When any instance may (re)try; a turn sending its own replies holds it a grace period.
    next_attempt_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_handled_updates_at", "at"),
        Index("ix_handled_updates_next_attempt_at", "next_attempt_at"),
        Index("ix_handled_updates_chat_id", "chat_id"),
    )


class MediaFile(Base):
    """Telegram's file_id of a file the bot uploaded once (an exercise animation), per bot:
    a file_id is only valid for the bot that uploaded it."""

    __tablename__ = "media_files"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class HoldTimer(Base):
    """A hold timer counting down on a session card (bot/telegram/timers.py): which card,
    which step of which session, when it ends and when it is next edited (or claimed until)."""

    __tablename__ = "hold_timers"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    session_id: Mapped[int] = mapped_column(Integer)
    pos: Mapped[int] = mapped_column(SmallInteger)
    step: Mapped[int] = mapped_column(SmallInteger)
    ends_at: Mapped[datetime]
    next_tick_at: Mapped[datetime] = mapped_column(index=True)


# -- clinics: invite links, clinicians, shared patients, the dashboard (bot/program/clinic.py) --


class Clinic(Base):
    """A practice that recommends Backstep: its invite code and its digest chat."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the weekly digest goes here
    created_at: Mapped[datetime]
    next_digest_at: Mapped[datetime | None]


class Clinician(Base):
    """A Telegram user who may sign in to one clinic's dashboard."""

    __tablename__ = "clinicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    added_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("clinic_id", "telegram_id"),)


class ClinicPatient(Base):
    """A patient who came through a clinic's link; the clinic sees them only while sharing."""

    __tablename__ = "clinic_patients"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")  # as the patient shares it
    sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_at: Mapped[datetime]
    # A clinician of the clinic cleared the safety pause: /resume asks no self-declaration.
    cleared_at: Mapped[datetime | None]


class PlanAdjustment(Base):
    """A clinician's change to a patient's plan: a slot left out, or held at its level."""

    __tablename__ = "plan_adjustments"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # omit | hold
    at: Mapped[datetime]


class EscalationAck(Base):
    """A clinician acknowledged an escalation (who and when)."""

    __tablename__ = "escalation_acks"

    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True
    )
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id", ondelete="CASCADE"))
    at: Mapped[datetime]


class SignInLink(Base):
    """A one-time dashboard sign-in link (only its SHA-256 is kept)."""

    __tablename__ = "sign_in_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DashboardSession(Base):
    """A signed-in browser (only its cookie's SHA-256 is kept), with its CSRF token."""

    __tablename__ = "dashboard_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ClinicAction(Base):
    """The dashboard's log: who did what, to which patient, when (never the note's text)."""

    __tablename__ = "clinic_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]
