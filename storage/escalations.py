"""Escalations: the safety decisions the bot acted on, kept as the record that it did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Escalation,
)


async def escalations_since(
    tx: AsyncSession, user_id: int, since: datetime
) -> Sequence[Escalation]:
    result = await tx.execute(
        select(Escalation)
        .where(Escalation.user_id == user_id, Escalation.at >= since)
        .order_by(Escalation.at)
    )
    return result.scalars().all()
