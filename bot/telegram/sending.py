"""The one pipeline for what the bot sends on its own schedule: daily reminders, weekly summaries.

claim -> reserve send slots -> prepare -> wait for the slot -> send -> record, and on shutdown
release what was claimed and not finished. What differs per kind of message (which rows are due,
what to say, how the schedule moves on) is a :class:`Due`; everything else is here, once:

- **Claims** are leases on ``users`` rows (``users.reminder_claimed_until``, :data:`LEASE`),
  taken atomically (storage/reminders.py), so any number of instances run the pipeline at once
  and never claim the same row. A claim whose instance died is retaken after its lease.
- **Pacing**: all instances reserve their send slots in one token bucket kept in the database
  (``send_budget``), so together they stay under Telegram's per-token limit. Slots come at
  :func:`bot.telegram.flood.pace_per_second`: the same rate as the flood limiter's window
  (30 in any 1.05 s by default: 28.6/s), so the limiter in front of each send rarely waits.
  With ``BACKSTEP_PAID_BROADCAST`` the messages go out with ``allow_paid_broadcast`` (0.1
  Telegram Stars each) and slots come at up to 1,000 in any 1.05 s.
- **Prepare before the slot**: everything that can be decided and written before sending is
  committed before sending, and sends leave at their slots, not at slot + preparation time.
  Claims are prepared :data:`GROUP` to a transaction, :data:`LEAD` before the group's first
  slot: a few statements per group, not several per user.
- **Record after Telegram accepted**: ``reminder_log`` (unique per user, local day and kind)
  and the next instant, in one small transaction, shared by group commit with the records that
  arrive while another is being written. The one duplicate we accept is a crash between
  Telegram's answer and that commit (docs/reminders.md).
- **Failures**: 403 marks the user unreachable; any other failure (after the retries in
  :mod:`bot.telegram.delivery`), database errors included, releases the claim for the next tick.
- **Shutdown**: :meth:`Sender.close` starts nothing more (sends waiting for their slot give
  up); :meth:`Sender.release_claims` then hands back every unfinished claim, of every kind, so
  another instance (or the next start) sends them at once. Nothing lost, nothing sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from bot import metrics
from bot.telegram import delivery, flood
from bot.telegram.services import Services
from storage import reminders as reminder_store
from storage import users
from storage.db import Database
from storage.models import User

log = logging.getLogger(__name__)

BATCH = 500
LEASE = timedelta(minutes=2)
CONCURRENCY = 64
GROUP = 32  # claims prepared in one transaction
LEAD = 1.0  # seconds before its first slot a group is prepared
AHEAD = 2 * GROUP  # at most this many prepared and not yet sent (at 28.6/s: about 2 s' worth)


@dataclass(frozen=True)
class Claim:
    """A user row leased to this instance, and the instant that was due when it was claimed."""

    user_id: int
    due_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """What to send to a claimed user, and the ``reminder_log`` row it becomes once sent."""

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    kind: str  # reminder_log.kind
    day: date  # the user's local day
    replaces_card: int | None = None  # the dialog card whose buttons this message takes over


@dataclass(frozen=True)
class Prepared:
    """What :meth:`Sender._prepare` decided, with the user as it was then."""

    outgoing: Outgoing
    user: User
    now: datetime  # when it was decided (the record's time)


class Due(Protocol):
    """One kind of scheduled message: the parts of the pipeline that differ per kind."""

    @property
    def what(self) -> str:
        """How logs name it ("reminder", "weekly summary")."""
        ...

    async def claim(
        self, tx: AsyncSession, now: datetime, until: datetime, limit: int
    ) -> list[tuple[int, datetime]]:
        """Lease up to ``limit`` due users until ``until``: ``(user_id, due instant)`` each."""
        ...

    def due_at(self, user: User) -> datetime | None:
        """The user's due instant now (a claim whose instant moved meanwhile is dropped)."""
        ...

    async def prepare(
        self, tx: AsyncSession, group: list[tuple[User, Claim]], now: datetime
    ) -> list[Outgoing | None]:
        """What to send to each of ``group``, or None: nothing to send this time, the schedule
        moved on and the lease handed back (in ``tx``). Its reads are few statements for the
        whole group, not some per user (``tx`` does not autoflush meanwhile)."""
        ...

    def advance(self, user: User, claim: Claim, sent: Outgoing, now: datetime) -> None:
        """After ``sent`` went out: the user's next instant of this kind."""
        ...


def record_missed(
    tx: AsyncSession, user: User, claim: Claim, kind: str, day: date, now: datetime
) -> None:
    """Too late to be worth sending (the bot was down): logged as missed, never sent."""
    reminder_store.log_reminder(
        tx,
        reminder_store.reminder_row(
            user.id, day=day, kind=kind, status="missed", due_at=claim.due_at, at=now
        ),
    )
    metrics.REMINDERS.labels(outcome="missed").inc()


async def claim(db: Database, due: Due, now: datetime, limit: int = BATCH) -> list[Claim]:
    """Atomically lease up to ``limit`` users for whom ``due`` has come."""
    async with db.transaction() as tx:
        rows = await due.claim(tx, now, now + LEASE, limit)
    return [Claim(user_id, due_at) for user_id, due_at in rows]


async def release(db: Database, user_ids: Collection[int]) -> None:
    """Give claims back at once: the next tick of any instance takes them."""
    async with db.transaction() as tx:
        await reminder_store.release_claims(tx, user_ids)


async def reserve_slots(db: Database, count: int, rate: float) -> float:
    """Reserve ``count`` send slots in the shared bucket; returns the first slot's epoch time."""
    step = count / rate
    now = time.time()
    async with db.transaction() as tx:
        end = await reminder_store.reserve_send_time(tx, step, now)
    return end - step


async def backlog_seconds(db: Database) -> float:
    """How far ahead the shared send budget is booked."""
    async with db.transaction() as tx:
        booked = await reminder_store.send_budget_booked_until(tx)
    return max(0.0, booked - time.time())


@dataclass(frozen=True)
class _Sent:
    """A message Telegram accepted, to be recorded."""

    due: Due
    claim: Claim
    prepared: Prepared
    message_id: int


class _Records:
    """Records sent messages by group commit: a send whose record finds a write under way
    waits for it and goes in the next one, with every other send that arrived meanwhile.

    No record waits for a timer, so the window in which a crash causes a duplicate stays one
    transaction long; under load, one transaction records many sends. A group that fails is
    written again one by one, so a single bad row (a user erased meanwhile, a duplicate)
    costs only its own record."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[_Sent, asyncio.Future[None]]] = []
        self._writing = False

    async def add(self, sent: _Sent) -> None:
        """Record ``sent``; returns once its transaction committed (raises if it failed)."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((sent, done))
        if not self._writing:
            self._writing = True
            group: list[tuple[_Sent, asyncio.Future[None]]] = []
            try:
                while self._pending:
                    group, self._pending = self._pending, []
                    await self._write_group(group)
            except BaseException:  # cancelled mid-write: nobody is left to write the rest
                for _, waiting in [*group, *self._pending]:
                    _settle(waiting, RuntimeError("not recorded: the writer stopped"))
                self._pending = []
                raise
            finally:
                self._writing = False
        await done

    async def _write_group(self, group: list[tuple[_Sent, asyncio.Future[None]]]) -> None:
        try:
            await self._write([sent for sent, _ in group])
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][1], exc)
                return
            for sent, waiting in group:
                try:
                    await self._write([sent])
                except Exception as one:
                    _settle(waiting, one)
                else:
                    _settle(waiting)
        else:
            for _, waiting in group:
                _settle(waiting)

    async def _write(self, group: list[_Sent]) -> None:
        logged: list[dict[str, Any]] = []
        cards: dict[int, int] = {}
        for sent in group:
            # The user as prepared (not read again): the next instant moves on, the lease goes.
            outgoing, now, user = sent.prepared.outgoing, sent.prepared.now, sent.prepared.user
            sent.due.advance(user, sent.claim, outgoing, now)
            user.reminder_claimed_until = None
            logged.append(
                reminder_store.reminder_row(
                    user.id,
                    day=outgoing.day,
                    kind=outgoing.kind,
                    status="sent",
                    due_at=sent.claim.due_at,
                    at=now,
                    message_id=sent.message_id,
                )
            )
            if outgoing.markup is not None:  # a dialog card: the live one from now on
                cards[user.id] = sent.message_id
        try:
            async with self.db.transaction() as tx:
                await users.save_schedules(tx, [sent.prepared.user for sent in group])
                await reminder_store.log_reminders(tx, logged)
                if cards:
                    await users.set_live_cards(tx, cards)
        except IntegrityError:
            if len(group) > 1:
                raise  # which one: the group is written one by one
            await self._refused(group[0])

    async def _refused(self, sent: _Sent) -> None:
        """The log row was refused: the user was erased since (nothing of theirs to record),
        or the reminder was recorded already, by another instance (a duplicate went out)."""
        async with self.db.transaction() as tx:
            erased = not await users.exists(tx, sent.claim.user_id)
        outgoing = sent.prepared.outgoing
        if erased:
            log.info("a %s went to a user erased meanwhile; nothing to record", sent.due.what)
        else:
            log.error(
                "%s for %s/%s was already recorded: a duplicate was sent",
                sent.due.what,
                outgoing.day,
                outgoing.kind,
            )


def _settle(waiting: asyncio.Future[None], error: Exception | None = None) -> None:
    """Resolve a record's future, unless its sender stopped waiting (cancelled at shutdown)."""
    if waiting.done():
        return
    if error is None:
        waiting.set_result(None)
    else:
        waiting.set_exception(error)


class Sender:
    """Runs the pipeline for any :class:`Due`; one per process, safe with many processes."""

    def __init__(self, services: Services, bot: Bot, concurrency: int = CONCURRENCY) -> None:
        self.services = services
        self.bot = bot
        self.rate = flood.pace_per_second(services.settings)
        self.paid = services.settings.paid_broadcast
        self._gate = asyncio.Semaphore(min(concurrency, services.db.connection_limit))
        self._held: set[int] = set()  # claimed by this instance and not finished yet
        self._closing = asyncio.Event()
        self._records = _Records(services.db)

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    async def run(self, due: Due, limit: int = BATCH) -> int:
        """Claim one batch of ``due`` and send it at its slots; returns how many were claimed.

        The batch is prepared :data:`GROUP` claims to a transaction, each group shortly before
        its first slot (:data:`LEAD`), so a user's dialog moves to the reminder's at most a
        couple of seconds before the message arrives, and only when it keeps at most
        :data:`AHEAD` prepared and not yet sent, so a tick holds that many users in memory
        whatever the rate (with the rate limit off, every slot is now)."""
        if self.closing:
            return 0
        db = self.services.db
        claims = await claim(db, due, self.services.clock.now(), limit)
        if not claims:
            return 0
        self._held.update(c.user_id for c in claims)
        first = await reserve_slots(db, len(claims), self.rate)
        sends: list[asyncio.Task[None]] = []
        try:
            for start in range(0, len(claims), GROUP):
                group = claims[start : start + GROUP]
                if not await self._until(first + start / self.rate - LEAD):
                    break  # shutting down: release_claims() hands the rest back
                await self._room(sends)
                now = self.services.clock.now()
                ready = await self._prepare(due, group, now)
                for n, (one, prepared) in enumerate(zip(group, ready, strict=True)):
                    if prepared is None:
                        self._held.discard(one.user_id)  # nothing to send, or released
                        continue
                    slot = first + (start + n) / self.rate
                    sends.append(asyncio.create_task(self._paced(due, one, prepared, slot)))
            await asyncio.gather(*sends)
        except BaseException:  # cancelled (the job stopped): its sends stop with it
            for task in sends:
                task.cancel()
            raise
        return len(claims)

    async def _room(self, sends: list[asyncio.Task[None]]) -> None:
        """Until the next group fits: at most :data:`AHEAD` prepared and not yet finished."""
        while len(unfinished := [t for t in sends if not t.done()]) > AHEAD - GROUP:
            await asyncio.wait(unfinished, return_when=asyncio.FIRST_COMPLETED)

    async def _paced(self, due: Due, claim: Claim, prepared: Prepared, slot: float) -> None:
        async with self._gate:
            if self.closing:
                return  # shutting down: release_claims() hands the claim back
            try:
                if not await self.handle(due, claim, prepared, slot):
                    return  # shutting down before its slot: release_claims() hands it back
            except Exception as exc:
                await self._failed(due, claim.user_id, exc)
            self._held.discard(claim.user_id)

    async def _failed(self, due: Due, user_id: int, exc: Exception) -> None:
        """One claim failed: logged (a fault in our code with its traceback), handed back."""
        if isinstance(exc, SQLAlchemyError | TelegramError):  # the database or Telegram, for now
            log.warning("a %s failed (%s); the claim will be retried", due.what, exc)
        else:
            log.error("%s for a user failed; the claim will be retried", due.what, exc_info=exc)
        await release(self.services.db, [user_id])

    async def handle(self, due: Due, claim: Claim, prepared: Prepared, slot: float = 0.0) -> bool:
        """Wait for the send slot, send, record.

        Returns False only when the instance began shutting down before the slot came (the
        claim stays held for :meth:`release_claims`).
        """
        outgoing = prepared.outgoing
        if not await self._until(slot):
            return False
        message = await self._send(due, claim, outgoing)
        if message is None:
            return True
        if outgoing.replaces_card is not None:  # after the send: it must not delay the slot
            await self._strip(outgoing.chat_id, outgoing.replaces_card)
        await self._records.add(_Sent(due, claim, prepared, message.message_id))
        metrics.REMINDERS.labels(outcome="sent").inc()
        return True

    async def _prepare(self, due: Due, group: list[Claim], now: datetime) -> list[Prepared | None]:
        """What to send to each claim of ``group``, decided in one transaction; None where
        nothing is to be sent (the schedule moved on in that transaction) or where preparing
        failed (the claim released). If the group's transaction fails, each claim is
        prepared on its own, so one user's trouble holds up nobody else's reminder."""
        try:
            return await self._prepare_together(due, group, now)
        except Exception as exc:
            if len(group) > 1:  # each is logged as it fails on its own, below
                log.info(
                    "preparing %d %ss together failed (%r); one by one", len(group), due.what, exc
                )
                return [(await self._prepare(due, [one], now))[0] for one in group]
            await self._failed(due, group[0].user_id, exc)
            return [None]

    async def _prepare_together(
        self, due: Due, group: list[Claim], now: datetime
    ) -> list[Prepared | None]:
        async with self.services.db.transaction() as tx:
            found = await users.load_users(tx, [c.user_id for c in group])
            due_now: list[tuple[User, Claim]] = []
            for one in group:
                user = found.get(one.user_id)
                if user is None:
                    continue  # erased since the claim
                if due.due_at(user) != one.due_at:
                    user.reminder_claimed_until = None  # rescheduled since the claim
                    continue
                due_now.append((user, one))
            with tx.no_autoflush:  # the group's changes go in one flush, at commit
                decided = await due.prepare(tx, due_now, now)
        ready = {
            one.user_id: Prepared(outgoing, user, now)
            for (user, one), outgoing in zip(due_now, decided, strict=True)
            if outgoing is not None
        }
        return [ready.get(one.user_id) for one in group]

    async def _until(self, slot: float) -> bool:
        """Wait for a send slot; False when shutting down meanwhile."""
        delay = slot - time.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        return not self.closing

    async def _strip(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off the card the new one replaces; one attempt, never fatal."""
        try:
            await delivery.strip_buttons(self.bot, chat_id, message_id)
        except TelegramError as exc:
            log.info("an old card kept its buttons (%s)", exc)

    async def _send(self, due: Due, claim: Claim, outgoing: Outgoing) -> Message | None:
        """None unless Telegram accepted it. A 403 marks the user unreachable; any other
        failure (after the retries in :mod:`bot.telegram.delivery`) releases the claim."""
        try:
            paid = {"allow_paid_broadcast": True} if self.paid else {}
            return await delivery.send_text(
                self.bot, outgoing.chat_id, outgoing.text, outgoing.markup, **paid
            )
        except delivery.Blocked:
            async with self.services.db.transaction() as tx:
                await reminder_store.mark_blocked(tx, claim.user_id)
            metrics.REMINDERS.labels(outcome="blocked").inc()
            log.info("%s not sent: the user blocked the bot; marked unreachable", due.what)
        except TelegramError as exc:
            metrics.REMINDERS.labels(outcome="failed").inc()
            log.warning("%s not sent (%s); it will be retried", due.what, exc)
            await release(self.services.db, [claim.user_id])
        return None

    def close(self) -> None:
        """Start no more sends: messages still waiting for their slot give up at once."""
        self._closing.set()

    async def release_claims(self) -> int:
        """Give back this instance's unfinished claims so another instance sends them now.

        Call after :meth:`close` and after the job running the pipeline has stopped;
        otherwise the lease would keep those users waiting until it expires (``LEASE``).
        """
        held, self._held = self._held, set()
        if held:
            await release(self.services.db, held)
        return len(held)
