"""Hold timers counting down on session cards: the rows bot/telegram/timers.py ticks.

A timer is a row, not a task in one process, so it survives a restart and any instance can
tick it. Ticking claims a due row by moving its ``next_tick_at`` on with one conditional
``UPDATE``, so two instances never edit the same card for the same tick.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HoldTimer


async def start(
    tx: AsyncSession,
    *,
    user_id: int,
    chat_id: int,
    message_id: int,
    session_id: int,
    pos: int,
    step: int,
    ends_at: datetime,
    next_tick_at: datetime,
) -> None:
    """The user's timer (a new one replaces any running one: one card, one timer)."""
    await tx.execute(delete(HoldTimer).where(HoldTimer.user_id == user_id))
    tx.add(
        HoldTimer(
            user_id=user_id,
            chat_id=chat_id,
            message_id=message_id,
            session_id=session_id,
            pos=pos,
            step=step,
            ends_at=ends_at,
            next_tick_at=next_tick_at,
        )
    )


async def due(tx: AsyncSession, now: datetime, limit: int) -> list[HoldTimer]:
    """Timers whose card is due for an edit, oldest first."""
    rows = await tx.scalars(
        select(HoldTimer)
        .where(HoldTimer.next_tick_at <= now)
        .order_by(HoldTimer.next_tick_at)
        .limit(limit)
    )
    return list(rows)


async def claim(tx: AsyncSession, timer: HoldTimer, until: datetime) -> bool:
    """Take this tick of ``timer``; False if another instance took it first."""
    result = await tx.execute(
        update(HoldTimer)
        .where(HoldTimer.user_id == timer.user_id, HoldTimer.next_tick_at == timer.next_tick_at)
        .values(next_tick_at=until)
        .returning(HoldTimer.user_id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def stop(tx: AsyncSession, user_id: int) -> None:
    await tx.execute(delete(HoldTimer).where(HoldTimer.user_id == user_id))
