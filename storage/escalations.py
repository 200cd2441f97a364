"""Escalations: the safety decisions the bot acted on, kept as the record that it did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Escalation,
)

# -- clinician alerts: the escalations table is their outbox ---------------------------------


@dataclass(frozen=True)
class DueAlert:
    """A claimed escalation whose clinician alert is to be sent."""

    escalation_id: int
    user_id: int
    level: int
    reasons: list[dict[str, object]]


async def claim_due_alerts(
    tx: AsyncSession, now: datetime, lease: timedelta, limit: int
) -> list[DueAlert]:
    """Claim up to ``limit`` escalations whose alert is due and not claimed within ``lease``.

    The claim moves ``alerted_at`` to ``now``: a lease, so a crash before the alert is sent
    lets another tick take it again once ``lease`` has passed. On PostgreSQL, rows another
    instance is claiming are skipped rather than waited for.
    """
    due = select(Escalation.id).where(
        Escalation.alert_due.is_(True),
        (Escalation.alerted_at.is_(None)) | (Escalation.alerted_at < now - lease),
    )
    if tx.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    result = (
        await tx.execute(
            update(Escalation)
            .where(Escalation.id.in_(due.limit(limit).scalar_subquery()))
            .values(alerted_at=now)
            .returning(Escalation.id, Escalation.user_id, Escalation.level, Escalation.reasons)
        )
    ).all()
    return [DueAlert(row.id, row.user_id, row.level, row.reasons) for row in result]


async def release_alert(tx: AsyncSession, escalation_id: int) -> None:
    """Give a claimed alert back (it was not sent): the next tick tries it again."""
    await tx.execute(
        update(Escalation).where(Escalation.id == escalation_id).values(alerted_at=None)
    )


async def alert_sent(tx: AsyncSession, escalation_id: int) -> None:
    await tx.execute(
        update(Escalation).where(Escalation.id == escalation_id).values(alert_due=False)
    )


def add_escalation(
    tx: AsyncSession,
    user_id: int,
    *,
    at: datetime,
    level: int,
    reasons: list[dict[str, Any]],
    report_ids: list[int],
    alert_due: bool,
) -> Escalation:
    row = Escalation(
        user_id=user_id,
        at=at,
        level=level,
        reasons=reasons,
        report_ids=report_ids,
        alert_due=alert_due,
    )
    tx.add(row)
    return row


async def resolve_open(tx: AsyncSession, user_id: int, at: datetime) -> None:
    """A clinician cleared the user: their open escalations are resolved as of ``at``."""
    await tx.execute(
        update(Escalation)
        .where(Escalation.user_id == user_id, Escalation.resolved_at.is_(None))
        .values(resolved_at=at)
    )
