"""Handled updates and the replies they still owe: the SQL of the reply outbox.

A receipt names its chat only while it owes that chat a reply: once sent, expired or dropped,
only the bare update id is left (for de-duplication), nothing that points at a person.

A turn records its update id and its replies in one row, in its own transaction
(:func:`record_turn`). The replies are then sent at once by the instance that handled the turn
and the row is cleared (:func:`replies_sent`); if Telegram refuses for now, the row keeps what
is left and when to try again, and any instance's outbox job takes it from there, oldest first
per chat (:func:`due_chats`, :func:`claim_oldest`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate, User


@dataclass(frozen=True)
class Owed:
    """A claimed row: the replies of one update still to send to one chat."""

    update_id: int
    chat_id: int
    at: datetime
    replies: list[Any]
    sent: int
    attempts: int


async def record_turn(
    tx: AsyncSession,
    update_id: int,
    now: datetime,
    *,
    chat_id: int | None = None,
    replies: list[Any] | None = None,
    hold_until: datetime | None = None,
) -> bool:
    """Record that ``update_id`` is handled, with its replies; False if it already was.

    ``hold_until`` keeps the outbox job away while the turn sends its replies itself.
    """
    dialect = tx.get_bind().dialect.name
    insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
    result = await tx.execute(
        insert_(HandledUpdate)
        .values(
            update_id=update_id,
            at=now,
            chat_id=chat_id if replies else None,
            replies=replies or None,
            sent=0,
            attempts=0,
            next_attempt_at=hold_until if replies else None,
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(HandledUpdate.update_id)
    )
    return result.first() is not None


async def replies_sent(tx: AsyncSession, update_id: int) -> None:
    """Every reply of ``update_id`` is with Telegram: nothing is owed any more."""
    await tx.execute(
        update(HandledUpdate)
        .where(HandledUpdate.update_id == update_id)
        .values(replies=None, next_attempt_at=None, chat_id=None)
    )


async def replies_sent_many(tx: AsyncSession, update_ids: Sequence[int]) -> None:
    """:func:`replies_sent` for many receipts at once (one statement)."""
    await tx.execute(
        update(HandledUpdate)
        .where(HandledUpdate.update_id.in_(update_ids))
        .values(replies=None, next_attempt_at=None, chat_id=None)
    )


async def replies_deferred(
    tx: AsyncSession, update_id: int, *, sent: int, attempts: int, retry_at: datetime
) -> None:
    """Some replies are still owed: resume at ``sent`` from ``retry_at``."""
    await tx.execute(
        update(HandledUpdate)
        .where(HandledUpdate.update_id == update_id)
        .values(sent=sent, attempts=attempts, next_attempt_at=retry_at)
    )


async def set_pending(tx: AsyncSession, user_id: int, pending: bool) -> None:
    """Whether later replies to this user must queue behind owed ones."""
    await tx.execute(update(User).where(User.id == user_id).values(replies_pending=pending))


async def due_chats(tx: AsyncSession, now: datetime, limit: int) -> Sequence[int]:
    """Chats whose oldest owed replies may be tried now."""
    result = await tx.execute(
        select(HandledUpdate.chat_id)
        .where(HandledUpdate.next_attempt_at <= now, HandledUpdate.replies.is_not(None))
        .group_by(HandledUpdate.chat_id)
        .limit(limit)
    )
    return [chat_id for chat_id in result.scalars() if chat_id is not None]


async def claim_oldest(
    tx: AsyncSession, chat_id: int, now: datetime, lease_until: datetime
) -> Owed | None:
    """The chat's oldest owed row if it is due, leased to the caller; None otherwise.

    A later row is never taken while an earlier one waits: replies keep the chat's order.
    """
    row = (
        await tx.execute(
            select(HandledUpdate)
            .where(HandledUpdate.chat_id == chat_id, HandledUpdate.replies.is_not(None))
            .order_by(HandledUpdate.update_id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None or row.next_attempt_at is None or row.next_attempt_at > now:
        return None
    claimed = await tx.execute(
        update(HandledUpdate)
        .where(
            HandledUpdate.update_id == row.update_id,
            HandledUpdate.next_attempt_at == row.next_attempt_at,
        )
        .values(next_attempt_at=lease_until)
        .returning(HandledUpdate.update_id)
    )
    if claimed.first() is None:
        return None  # another instance took it first
    assert row.replies is not None
    return Owed(row.update_id, chat_id, row.at, list(row.replies), row.sent, row.attempts)


async def chat_has_owed(tx: AsyncSession, chat_id: int) -> bool:
    found = await tx.execute(
        select(HandledUpdate.update_id)
        .where(HandledUpdate.chat_id == chat_id, HandledUpdate.replies.is_not(None))
        .limit(1)
    )
    return found.first() is not None


async def drop_owed(tx: AsyncSession, chat_id: int) -> int:
    """Forget every reply owed to ``chat_id`` (the user blocked the bot, or was erased)."""
    result = await tx.execute(
        update(HandledUpdate)
        .where(HandledUpdate.chat_id == chat_id, HandledUpdate.replies.is_not(None))
        .values(replies=None, next_attempt_at=None, chat_id=None)
        .returning(HandledUpdate.update_id)
    )
    return len(result.all())


async def forget_handled_updates(tx: AsyncSession, before: datetime) -> None:
    """Telegram keeps undelivered updates for 24 hours; older ids need not be remembered.

    Rows that still owe replies stay until the outbox job has expired them (and said so).
    """
    await tx.execute(
        delete(HandledUpdate).where(HandledUpdate.at < before, HandledUpdate.replies.is_(None))
    )


async def owe(tx: AsyncSession, chat_id: int, replies: list[Any], now: datetime) -> None:
    """Owe ``chat_id`` replies that answer no update (a clinician's note, a clinic digest):
    a receipt under an id of its own below every Telegram update id (negative, rising with
    time), sent by any instance's outbox job like any other owed reply."""
    base = int(now.timestamp() * 1_000_000) - 2**53
    for attempt in range(100):
        if await record_turn(
            tx, base + attempt, now, chat_id=chat_id, replies=replies, hold_until=now
        ):
            await set_pending(tx, chat_id, True)
            return
    raise RuntimeError("no free outbox id")  # pragma: no cover - 100 in one microsecond
