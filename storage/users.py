"""A user and their dialog: loaded together (one query per update), created, erased.

The dialog row is the conversation's only state, so it travels with the user; erasure is one
``DELETE`` because every per-user table cascades from ``users``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import (
    Dialog,
    User,
)
from storage.outbox import drop_owed


async def load_user(tx: AsyncSession, user_id: int) -> User | None:
    """The user with their dialog, in one query."""
    result = await tx.execute(
        select(User).options(joinedload(User.dialog)).where(User.id == user_id)
    )
    return result.scalars().first()


async def load_users(tx: AsyncSession, user_ids: Collection[int]) -> dict[int, User]:
    """Many users with their dialogs, in one query (the reminder pipeline's group)."""
    result = await tx.execute(
        select(User).options(joinedload(User.dialog)).where(User.id.in_(user_ids))
    )
    return {user.id: user for user in result.scalars().unique()}


def new_user(tx: AsyncSession, user_id: int, chat_id: int, now: datetime) -> User:
    user = User(
        id=user_id,
        chat_id=chat_id,
        created_at=now,
        status="onboarding",
        reachable=True,
        weekly_summary_day=6,
    )
    user.dialog = Dialog(flow="none", step="", payload={}, version=0, updated_at=now)
    tx.add(user)
    return user


async def mark_unreachable(tx: AsyncSession, user_id: int) -> None:
    await tx.execute(update(User).where(User.id == user_id).values(reachable=False))


async def erase_user(tx: AsyncSession, user_id: int) -> None:
    """Delete every row about the user (all per-user tables cascade from ``users``), and the
    replies still owed to their chat (an export or a chart may be among them)."""
    await tx.execute(delete(User).where(User.id == user_id))
    await drop_owed(tx, user_id)  # a private chat's id is the user's id


async def next_sends(
    tx: AsyncSession, user_id: int
) -> tuple[datetime | None, datetime | None] | None:
    """``(next_reminder_at, next_weekly_at)``: when the bot next writes to the user on its own;
    None if there is no such user."""
    row = (
        await tx.execute(
            select(User.next_reminder_at, User.next_weekly_at).where(User.id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def set_card(tx: AsyncSession, user_id: int, message_id: int) -> None:
    """The message just sent is the dialog's live card (its buttons are the working ones)."""
    await set_live_cards(tx, {user_id: message_id})


SCHEDULE_COLUMNS = ("next_reminder_at", "next_weekly_at", "snooze_at", "reminder_claimed_until")


async def save_schedules(tx: AsyncSession, schedules: list[User]) -> None:
    """Write the schedule columns of many users (loaded earlier, changed since) in one
    statement; nothing else of their rows. A user erased meanwhile is simply not updated."""
    table = User.__table__
    assert isinstance(table, Table)
    await tx.execute(
        update(table)
        .where(table.c.id == bindparam("uid"))
        .values({name: bindparam(name) for name in SCHEDULE_COLUMNS}),
        [
            {"uid": user.id} | {name: getattr(user, name) for name in SCHEDULE_COLUMNS}
            for user in schedules
        ],
    )


async def exists(tx: AsyncSession, user_id: int) -> bool:
    return await tx.scalar(select(User.id).where(User.id == user_id)) is not None


async def set_live_cards(tx: AsyncSession, cards: Mapping[int, int]) -> None:
    """:func:`set_card` for many chats in one statement: ``{user_id: message_id}``."""
    table = Dialog.__table__
    assert isinstance(table, Table)
    await tx.execute(
        update(table)
        .where(table.c.user_id == bindparam("u"))
        .values(card_message_id=bindparam("m")),
        [{"u": user, "m": card} for user, card in cards.items()],
    )


async def set_cards(tx: AsyncSession, cards: Mapping[int, tuple[int, int]]) -> None:
    """:func:`set_card` for many chats in one statement: ``{user_id: (version, message_id)}``,
    each only where the dialog is still at that version with no card recorded since."""
    table = Dialog.__table__
    assert isinstance(table, Table)
    await tx.execute(
        update(table)
        .where(
            table.c.user_id == bindparam("u"),
            table.c.version == bindparam("v"),
            table.c.card_message_id.is_(None),
        )
        .values(card_message_id=bindparam("m")),
        [{"u": user, "v": version, "m": card} for user, (version, card) in cards.items()],
    )
