"""Clinics, their clinicians and shared patients, dashboard sign-in and sessions: their SQL.

Every read the dashboard makes about a patient goes through :func:`shared_patient` or
:func:`shared_patients`, which join on the clinic *and* on ``sharing``: a clinician of one
clinic cannot reach another clinic's patient (or one who stopped sharing) by any id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Clinic,
    ClinicAction,
    Clinician,
    ClinicPatient,
    DashboardSession,
    Escalation,
    EscalationAck,
    PlanAdjustment,
    SignInLink,
    User,
)

# -- clinics and clinicians -------------------------------------------------------------------


def add_clinic(
    tx: AsyncSession, name: str, code: str, now: datetime, chat_id: int | None, digest_at: datetime
) -> Clinic:
    clinic = Clinic(
        name=name, invite_code=code, chat_id=chat_id, created_at=now, next_digest_at=digest_at
    )
    tx.add(clinic)
    return clinic


async def find_clinic(tx: AsyncSession, key: str) -> Clinic | None:
    """A clinic by its id (digits) or its exact name."""
    where = Clinic.name == key
    if key.isdigit():
        where = or_(where, Clinic.id == int(key))
    return (await tx.scalars(select(Clinic).where(where).order_by(Clinic.id))).first()


async def clinic_by_code(tx: AsyncSession, code: str) -> Clinic | None:
    return (await tx.scalars(select(Clinic).where(Clinic.invite_code == code))).first()


async def get_clinic(tx: AsyncSession, clinic_id: int) -> Clinic | None:
    return await tx.get(Clinic, clinic_id)


async def add_clinician(
    tx: AsyncSession, clinic_id: int, telegram_id: int, now: datetime
) -> Clinician:
    """The clinician row (the existing one if they already are one)."""
    found = (
        await tx.scalars(
            select(Clinician).where(
                Clinician.clinic_id == clinic_id, Clinician.telegram_id == telegram_id
            )
        )
    ).first()
    if found is not None:
        return found
    clinician = Clinician(clinic_id=clinic_id, telegram_id=telegram_id, added_at=now)
    tx.add(clinician)
    await tx.flush()
    return clinician


async def clinicians_of(tx: AsyncSession, telegram_id: int) -> Sequence[Clinician]:
    """The clinician rows of one Telegram user (one per clinic)."""
    rows = await tx.scalars(
        select(Clinician).where(Clinician.telegram_id == telegram_id).order_by(Clinician.id)
    )
    return rows.all()


# -- patients ---------------------------------------------------------------------------------


async def link_patient(
    tx: AsyncSession, user_id: int, clinic_id: int, name: str, sharing: bool, now: datetime
) -> None:
    """The patient came through ``clinic_id``'s link (a later link replaces an earlier one)."""
    row = await tx.get(ClinicPatient, user_id)
    if row is None:
        tx.add(
            ClinicPatient(
                user_id=user_id, clinic_id=clinic_id, name=name, sharing=sharing, linked_at=now
            )
        )
        return
    row.clinic_id, row.name, row.sharing, row.linked_at = clinic_id, name, sharing, now


async def patient_link(tx: AsyncSession, user_id: int) -> ClinicPatient | None:
    return await tx.get(ClinicPatient, user_id)


async def set_sharing(tx: AsyncSession, user_id: int, sharing: bool) -> None:
    await tx.execute(
        update(ClinicPatient).where(ClinicPatient.user_id == user_id).values(sharing=sharing)
    )


async def shared_patients(tx: AsyncSession, clinic_id: int) -> list[tuple[ClinicPatient, User]]:
    rows = await tx.execute(
        select(ClinicPatient, User)
        .join(User, User.id == ClinicPatient.user_id)
        .where(ClinicPatient.clinic_id == clinic_id, ClinicPatient.sharing.is_(True))
        .order_by(ClinicPatient.linked_at, User.id)
    )
    return [(link, user) for link, user in rows.all()]


async def shared_patient(
    tx: AsyncSession, clinic_id: int, user_id: int
) -> tuple[ClinicPatient, User] | None:
    """The patient if they share with ``clinic_id`` now; None for anyone else."""
    row = (
        await tx.execute(
            select(ClinicPatient, User)
            .join(User, User.id == ClinicPatient.user_id)
            .where(
                ClinicPatient.user_id == user_id,
                ClinicPatient.clinic_id == clinic_id,
                ClinicPatient.sharing.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def set_cleared(tx: AsyncSession, user_id: int, at: datetime | None) -> None:
    await tx.execute(
        update(ClinicPatient).where(ClinicPatient.user_id == user_id).values(cleared_at=at)
    )


# -- escalations as a clinic sees them --------------------------------------------------------


async def escalations_of_patients(
    tx: AsyncSession, user_ids: Sequence[int]
) -> Sequence[Escalation]:
    """Every escalation of the patients, newest first."""
    if not user_ids:
        return []
    rows = await tx.scalars(
        select(Escalation)
        .where(Escalation.user_id.in_(user_ids))
        .order_by(Escalation.at.desc(), Escalation.id.desc())
    )
    return rows.all()


async def clinic_escalation(
    tx: AsyncSession, clinic_id: int, escalation_id: int
) -> Escalation | None:
    """The escalation if its patient shares with ``clinic_id``; None otherwise."""
    row = await tx.scalars(
        select(Escalation)
        .join(ClinicPatient, ClinicPatient.user_id == Escalation.user_id)
        .where(
            Escalation.id == escalation_id,
            ClinicPatient.clinic_id == clinic_id,
            ClinicPatient.sharing.is_(True),
        )
    )
    return row.first()


async def acks_of(
    tx: AsyncSession, escalation_ids: Sequence[int]
) -> dict[int, tuple[int, datetime]]:
    """``escalation id -> (clinician's Telegram id, when)`` for the acknowledged ones."""
    if not escalation_ids:
        return {}
    rows = await tx.execute(
        select(EscalationAck.escalation_id, Clinician.telegram_id, EscalationAck.at)
        .join(Clinician, Clinician.id == EscalationAck.clinician_id)
        .where(EscalationAck.escalation_id.in_(escalation_ids))
    )
    return {eid: (who, at) for eid, who, at in rows.all()}


async def acknowledge(
    tx: AsyncSession, escalation_id: int, clinician_id: int, now: datetime
) -> bool:
    """Record the acknowledgement; False if it was acknowledged before."""
    if await tx.get(EscalationAck, escalation_id) is not None:
        return False
    tx.add(EscalationAck(escalation_id=escalation_id, clinician_id=clinician_id, at=now))
    return True


# -- plan adjustments -------------------------------------------------------------------------


async def adjustments_of(tx: AsyncSession, user_id: int) -> dict[str, str]:
    """``slot -> omit | hold`` of the user's plan."""
    rows = await tx.execute(
        select(PlanAdjustment.slot, PlanAdjustment.kind).where(PlanAdjustment.user_id == user_id)
    )
    return dict(rows.all())


async def set_adjustment(
    tx: AsyncSession, user_id: int, slot: str, kind: str | None, now: datetime
) -> None:
    """``kind`` for the slot (omit or hold), or None to take the adjustment back."""
    await tx.execute(
        delete(PlanAdjustment).where(PlanAdjustment.user_id == user_id, PlanAdjustment.slot == slot)
    )
    if kind is not None:
        tx.add(PlanAdjustment(user_id=user_id, slot=slot, kind=kind, at=now))


# -- sign-in links and sessions ---------------------------------------------------------------


def add_sign_in_link(
    tx: AsyncSession, token_hash: str, clinician_id: int, expires_at: datetime
) -> None:
    tx.add(SignInLink(token_hash=token_hash, clinician_id=clinician_id, expires_at=expires_at))


async def use_sign_in_link(tx: AsyncSession, token_hash: str, now: datetime) -> int | None:
    """Spend the link: its clinician's id, or None if it is unknown, expired or used."""
    result = await tx.execute(
        update(SignInLink)
        .where(
            SignInLink.token_hash == token_hash,
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(SignInLink.clinician_id)
    )
    return result.scalar_one_or_none()


def add_session(
    tx: AsyncSession,
    token_hash: str,
    clinician_id: int,
    csrf: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    tx.add(
        DashboardSession(
            token_hash=token_hash,
            clinician_id=clinician_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def live_session(
    tx: AsyncSession, token_hash: str, now: datetime
) -> tuple[DashboardSession, Clinician] | None:
    """The session and its clinician while it has neither expired nor been ended."""
    row = (
        await tx.execute(
            select(DashboardSession, Clinician)
            .join(Clinician, Clinician.id == DashboardSession.clinician_id)
            .where(
                DashboardSession.token_hash == token_hash,
                DashboardSession.ended_at.is_(None),
                DashboardSession.expires_at > now,
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def end_session(tx: AsyncSession, token_hash: str, now: datetime) -> None:
    await tx.execute(
        update(DashboardSession)
        .where(DashboardSession.token_hash == token_hash)
        .values(ended_at=now)
    )


# -- the log and the digest -------------------------------------------------------------------


def log_action(
    tx: AsyncSession,
    clinic_id: int,
    clinician_id: int | None,
    user_id: int | None,
    kind: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    tx.add(
        ClinicAction(
            clinic_id=clinic_id,
            clinician_id=clinician_id,
            user_id=user_id,
            kind=kind,
            detail=detail or {},
            at=now,
        )
    )


async def claim_due_digests(tx: AsyncSession, now: datetime, next_at: datetime) -> Sequence[Clinic]:
    """Clinics with a chat whose digest is due, moved on to ``next_at`` (atomic: any number
    of instances may ask, each clinic is taken once)."""
    due = (
        Clinic.chat_id.is_not(None),
        or_(Clinic.next_digest_at.is_(None), Clinic.next_digest_at <= now),
    )
    ids = (
        await tx.scalars(
            update(Clinic).where(*due).values(next_digest_at=next_at).returning(Clinic.id)
        )
    ).all()
    if not ids:
        return []
    return (await tx.scalars(select(Clinic).where(Clinic.id.in_(ids)))).all()
