"""3. Reminders at scale: claim time, dispatch rate, start-up and memory, and the rate limit.

For each user count and backend a fresh database is bulk-loaded (bench/bulk.py: 10% due now,
the rest spread over the day) and then, in order:

- **claim**: one ``claim_due`` batch of up to 500, timed several times (each batch's lease is
  released before the next, so every batch does the same work), against a one-row primary key
  read through the same ``Database`` as the same-run baseline;
- **dispatch**: the real :class:`Dispatcher` with the rate limit off (a stand-in without
  limits, ``send_rate_per_second`` huge) sends reminders; the baseline is the same Bot API
  sends (the very texts and buttons the dispatcher sent) made by PTB with no database, at the
  same concurrency; both after an unmeasured warm-up of 20 (a dispatcher runs for days, so
  its steady state is the figure). Statements per reminder are counted;
- **start-up and memory** (bench/startup.py, a fresh process each): the bot as
  ``backstep run`` builds it, up to the end of its first dispatcher tick; and the naive
  baseline of one ``JobQueue.run_daily`` job per user, until it is too large to finish in its
  time limit.

Then the production configuration (``Settings()``'s defaults: 30 messages in any second with a
50 ms margin, bot/telegram/flood.py) against a stand-in that enforces Telegram's limits (30
messages in any one second overall, 1/s per chat): the achieved rate, the busiest second and
the 429s; on SQLite (both backends with ``--full``), once more at ``send_rate_per_second=29``,
and once with ``BACKSTEP_PAID_BROADCAST`` (``allow_paid_broadcast``, which the stand-in counts
against a 1,000/s window instead).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import make_url
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bench import bulk
from bench.dbs import Scratch
from bench.queries import (
    CURRENT,
    VERBS,
    Statement,
    StatementCounter,
    explain_postgres,
    explain_sqlite,
)
from bench.report import Section, fmt_mb, fmt_ms, fmt_rate, fmt_ratio, met
from bench.sizes import Sizes
from bot.app import build_application
from bot.clock import ManualClock
from bot.runtime import freeze_startup_heap
from bot.settings import Settings
from bot.stub.faults import RateLimits
from bot.stub.server import BotApiStub
from bot.telegram import flood, sending
from bot.telegram.reminders import Dispatcher, claim_due
from bot.telegram.services import SERVICES_KEY, Services
from storage.db import Database
from storage.models import Dialog, ReminderLog, User

TOKEN = "123456:BENCH-token"
REPO = Path(__file__).resolve().parents[1]
CLAIM_TARGET_S = 0.050
TELEGRAM_RATE = 30.0
RATE_29 = 29.0  # one message a second under Telegram's count, to show what that buys
TARGET_RATE = 28.0  # the rate-limited run's target: at least this, and no 429
CONCURRENCY = 64
LABEL = "dispatch"
BATCH = 500  # the claim batch, and the dispatcher's own (bot/telegram/reminders.py)


@dataclass
class Point:
    """Everything measured at one user count on one backend."""

    backend: str
    users: int
    bytes_per_user: float = 0.0
    claim_s: float = 0.0
    claim_batch: int = 0
    pk_read_s: float = 0.0
    sent: int = 0
    dispatch_s: float = 0.0
    bare_s: float = 0.0
    dispatch_cpu_s: float = 0.0  # this process (dispatcher and stand-in), per reminder
    bare_cpu_s: float = 0.0  # this process (PTB and stand-in), per bare send
    statements: dict[str, float] = field(default_factory=dict)
    commits: float = 0.0
    startup: dict[str, Any] = field(default_factory=dict)
    naive: dict[str, Any] = field(default_factory=dict)
    claim_plan: list[str] = field(default_factory=list)

    @property
    def dispatch_rate(self) -> float:
        return self.sent / self.dispatch_s if self.dispatch_s else 0.0

    @property
    def bare_rate(self) -> float:
        return self.sent / self.bare_s if self.bare_s else 0.0


def _settings(stub: BotApiStub, url: str, rate: float) -> Settings:
    return Settings(
        telegram_token=TOKEN,
        telegram_api_url=stub.base_url,
        database_url=url,
        send_rate_per_second=rate,
    )


async def _timed(make: Callable[[], Awaitable[Any]], times: int) -> float:
    """Median wall time of ``times`` calls."""
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await make()
        samples.append(time.perf_counter() - started)
    return median(samples)


async def measure_claims(database: Database, point: Point, times: int) -> None:
    """One claim batch of up to 500, timed; each lease is released before the next batch."""
    claimed: list[int] = []

    async def claim() -> None:
        claims = await claim_due(database, bulk.NOW, BATCH)
        claimed[:] = [c.user_id for c in claims]

    async def release() -> None:
        await sending.release(database, claimed)

    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await claim()
        samples.append(time.perf_counter() - started)
        point.claim_batch = len(claimed)
        await release()
    point.claim_s = median(samples)
    probe = bulk.user_id(point.users // 2)

    async def read_one() -> None:
        async with database.transaction() as tx:
            await tx.scalar(select(User.id).where(User.id == probe))

    point.pk_read_s = await _timed(read_one, max(times, 10))


async def reset_due(database: Database, users: int) -> None:
    """Make every 10th user due again (undo what a dispatch did), outside any timing."""
    ids = bulk.due_ids(users)
    async with database.transaction() as tx:
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            await tx.execute(
                update(User)
                .where(User.id.in_(chunk))
                .values(next_reminder_at=bulk.MINUTE, reminder_claimed_until=None, snooze_at=None)
            )
            await tx.execute(
                update(Dialog)
                .where(Dialog.user_id.in_(chunk))
                .values(flow="none", step="", payload={}, version=0)
            )
        await tx.execute(delete(ReminderLog))


WARM_UP = 20  # reminders (and bare sends) before the dispatch is measured


async def measure_dispatch(stub: BotApiStub, url: str, point: Point, target: int) -> None:
    """The dispatcher at full speed (no rate limit), then the bare sends it is bounded by."""
    clock = ManualClock(bulk.NOW)
    app = build_application(
        _settings(stub, url, 1_000_000),
        clock=clock,
        migrate=False,
        jobs=False,
        rate_limit=False,
    )
    await app.initialize()
    services: Services = app.bot_data[SERVICES_KEY]
    counter = StatementCounter(origins=False)
    counter.attach(services.db)
    dispatcher = Dispatcher(services, app.bot, CONCURRENCY)
    chats = bulk.due_ids(point.users)
    for chat in chats:
        stub.add_user(chat)
    try:
        # Unmeasured warm-up of both (compiled statements, connections, first sends): the
        # steady state of a dispatcher that runs for days is what is measured.
        warm = await dispatcher.run(dispatcher.reminders, WARM_UP)
        # As the serving bot does (bot.runtime): what exists now, here including the earlier
        # benchmarks' stand-ins, stays out of the collections during both measurements.
        freeze_startup_heap()
        sent = 0
        marker = CURRENT.set(LABEL)
        cpu = time.process_time()
        started = time.perf_counter()
        try:
            while sent < target:
                handled = await dispatcher.tick()
                if handled == 0:
                    break
                sent += handled
        finally:
            CURRENT.reset(marker)
        point.dispatch_s = time.perf_counter() - started
        point.dispatch_cpu_s = (time.process_time() - cpu) / max(sent, 1)
        point.sent = sent
        counts = counter.by_key[LABEL]
        point.statements = {v: counts[v] / max(sent, 1) for v in VERBS if counts[v]}
        point.commits = counter.commits[LABEL] / max(sent, 1)
        gate = asyncio.Semaphore(CONCURRENCY)
        # The bare send is the message the dispatcher sent, text and buttons, sent by PTB with
        # nothing else: the Bot API call a reminder is, whoever makes it.
        sample = [m[-1] for c in chats if (m := stub.chat(c).bot_messages)][: max(sent, 1)]
        shown = [(m.text, m.button_rows) for m in sample] or [("Time to move!", [])]

        async def bare(chat: int, text: str, rows: list[list[tuple[str, str | None]]]) -> None:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                    for row in rows
                ]
            )
            async with gate:
                await app.bot.send_message(chat, text, reply_markup=markup if rows else None)

        for i in range(warm):
            await bare(chats[i], *shown[i % len(shown)])
        cpu = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(
            *(bare(chats[i % len(chats)], *shown[i % len(shown)]) for i in range(max(sent, 1)))
        )
        point.bare_s = time.perf_counter() - started
        point.bare_cpu_s = (time.process_time() - cpu) / max(sent, 1)
    finally:
        gc.unfreeze()
        await app.shutdown()
        await services.db.close()


async def run_child(config: dict[str, Any], time_limit: float) -> dict[str, Any]:
    """bench/startup.py in a fresh interpreter; {"timeout": s} when it did not finish."""
    config = {**config, "spawned": time.time()}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.startup",
        json.dumps(config),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), time_limit)
    except TimeoutError:
        proc.kill()
        await proc.communicate()
        return {"timeout": time_limit}
    if proc.returncode != 0:
        return {"error": err.decode().strip().splitlines()[-1:] or ["?"]}
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def measure_point(
    scratch: Scratch, backend: str, users: int, sizes: Sizes, naive_gave_up: set[str]
) -> Point:
    point = Point(backend, users)
    url = await scratch.create(backend, f"reminders_{users}")
    try:
        empty = await scratch.size_bytes(backend, url)
        await bulk.load(backend, url, users)
        point.bytes_per_user = (await scratch.size_bytes(backend, url) - empty) / users
        # Each step opens and closes its own connections: PostgreSQL's connection limit is
        # shared with whatever else runs on the server.
        database = Database(url)
        counter = StatementCounter(origins=False)
        counter.attach(database)
        try:
            await measure_claims(database, point, sizes.claims)
        finally:
            await database.close()
        await _claim_plan(backend, url, counter, point)
        async with BotApiStub(TOKEN) as stub:
            await measure_dispatch(stub, url, point, sizes.dispatch)
            database = Database(url)
            try:
                await reset_due(database, users)
            finally:
                await database.close()
            config = {"token": TOKEN, "base_url": stub.base_url, "database_url": url}
            point.startup = await run_child(
                {**config, "mode": "backstep", "now": bulk.NOW.isoformat()},
                sizes.startup_timeout_s,
            )
            if backend in naive_gave_up:
                point.naive = {"skipped": True}
            else:
                point.naive = await run_child({**config, "mode": "naive"}, sizes.naive_timeout_s)
                if "timeout" in point.naive or "error" in point.naive:
                    naive_gave_up.add(backend)
    finally:
        await scratch.drop(backend, url)
    return point


async def _claim_plan(backend: str, url: str, counter: StatementCounter, point: Point) -> None:
    """The claim's plan on the loaded table, as the planner picks it with real statistics."""
    claims: list[Statement] = [
        s for s in counter.statements.values() if s.verb == "UPDATE" and "LIMIT" in s.sql.upper()
    ]
    if not claims:
        return
    if backend == "sqlite":
        explain_sqlite(Path(make_url(url).database or ""), claims[:1])
    else:
        await explain_postgres(url, claims[:1], seqscan_off=False)
    point.claim_plan = claims[0].plan


# -- the rate-limited run --------------------------------------------------------------------


@dataclass
class Limited:
    backend: str
    setting: str  # what differs from production ("" for production's settings)
    sent: int  # messages the stand-in accepted
    rate: float  # accepted messages per second, first to last (the stand-in's clock)
    busiest_second: int  # the most accepted inside any one of the stand-in's windows
    too_many: int  # 429 answers
    limit: float  # Telegram's limit for these messages (30/s, or 1,000/s paid)
    pace: float  # the rate the dispatcher paces to (flood.pace_per_second)
    paid: bool = False


async def measure_limited(
    scratch: Scratch,
    backend: str,
    count: int,
    *,
    rate: float | None = None,
    paid: bool = False,
    limiter: bool = True,
) -> Limited:
    """Production settings (``Settings()``'s) against Telegram's enforced limits.

    ``rate`` overrides ``send_rate_per_second``; ``paid`` turns ``paid_broadcast`` on;
    ``limiter`` off leaves only the dispatcher's own pacing (to try by hand).
    """
    users = count * bulk.DUE_EVERY
    url = await scratch.create(backend, "rate_limited")
    await bulk.load(backend, url, users)
    overrides: dict[str, Any] = {"paid_broadcast": paid}
    if rate is not None:
        overrides["send_rate_per_second"] = rate
    try:
        async with BotApiStub(TOKEN, enforce_limits=True, limits=RateLimits()) as stub:
            for chat in bulk.due_ids(users):
                stub.add_user(chat)
            settings = Settings(
                telegram_token=TOKEN,
                telegram_api_url=stub.base_url,
                database_url=url,
                **overrides,
            )
            app = build_application(
                settings,
                clock=ManualClock(bulk.NOW),
                migrate=False,
                jobs=False,
                rate_limit=limiter,
            )
            await app.initialize()
            services: Services = app.bot_data[SERVICES_KEY]
            try:
                dispatcher = Dispatcher(services, app.bot)
                while await dispatcher.tick() >= BATCH:  # as the reminder job does
                    pass
            finally:
                await app.shutdown()
                await services.db.close()
            assert stub.limiter is not None
            window = stub.limiter.paid if paid else stub.limiter.free
            limits = stub.limiter.limits
            setting = "paid broadcast" if paid else ""
            if rate is not None:
                setting = f"send_rate_per_second={rate:g}"
            return Limited(
                backend,
                setting,
                window.accepted,
                window.per_second,
                window.busiest,
                stub.stats.too_many_requests,
                limits.paid_per_second if paid else limits.overall_per_second,
                flood.pace_per_second(settings),
                paid,
            )
    finally:
        await scratch.drop(backend, url)


# -- the section -----------------------------------------------------------------------------


def _name(backend: str) -> str:
    return "SQLite" if backend == "sqlite" else "PostgreSQL"


def _mem(result: dict[str, Any]) -> str:
    if "maxrss_kb" in result:
        return fmt_mb(result["maxrss_kb"])
    if "timeout" in result:
        return f"did not finish in {result['timeout']:.0f} s"
    if result.get("skipped"):
        return "not tried (a smaller count did not finish)"
    return f"failed: {result.get('error')}"


def _start(result: dict[str, Any], key: str = "ticked_s") -> str:
    return f"{result[key]:.2f} s" if key in result else _mem(result)


async def run(scratch: Scratch, sizes: Sizes) -> Section:
    section = Section("3. Reminders at scale (10% of users due in the same minute)")
    points: list[Point] = []
    for backend in scratch.backends:
        gave_up: set[str] = set()
        for users in sizes.reminder_users:
            try:
                points.append(await measure_point(scratch, backend, users, sizes, gave_up))
            except Exception as exc:
                section.errors.append(f"{backend} {users:,} users: {exc!r}")
    limited: list[Limited] = []
    backends = scratch.backends if sizes.name == "full" else ("sqlite",)
    # production's settings on each backend, then at 29/s, then paid broadcast
    runs: list[tuple[str, float | None, bool]] = [(backend, None, False) for backend in backends]
    runs += [("sqlite", RATE_29, False), ("sqlite", None, True)]
    for backend, rate, paid in runs:
        try:
            limited.append(
                await measure_limited(scratch, backend, sizes.rate_limited, rate=rate, paid=paid)
            )
        except Exception as exc:
            what = "paid broadcast" if paid else f"rate {rate or 'default'}"
            section.errors.append(f"rate-limited run on {backend} ({what}): {exc!r}")
    _rows(section, points, limited)
    return section


def _rows(section: Section, points: list[Point], limited: list[Limited]) -> None:
    for backend in ("sqlite", "postgresql"):
        mine = [p for p in points if p.backend == backend]
        if not mine:
            continue
        name = _name(backend)
        small = mine[0]
        for point in mine:
            users = f"{point.users:,}"
            section.add(
                f"{name}, {users} users: one claim batch ({point.claim_batch} claimed)",
                fmt_ms(point.claim_s),
                baseline=f"1-row PK read {fmt_ms(point.pk_read_s)}",
                ratio=f"{fmt_ratio(point.claim_s / point.pk_read_s)} a PK read"
                + (
                    f"; {fmt_ratio(point.claim_s / small.claim_s)} the {small.users:,} claim"
                    if point is not small and small.claim_s
                    else ""
                ),
                bound=f"{point.claim_s / CLAIM_TARGET_S:.0%} of the 50 ms budget; an index "
                "range scan of the due minute, so it grows with the batch, not the users",
                target=(
                    f"< 50 ms at 1M: {met(point.claim_s < CLAIM_TARGET_S)}"
                    if point.users >= 1_000_000
                    else ""
                ),
            )
        for point in mine:
            users = f"{point.users:,}"
            statements = sum(point.statements.values())
            split = ", ".join(f"{n:.1f} {v}" for v, n in point.statements.items())
            section.add(
                f"{name}, {users} users: reminders dispatched/s, rate limit off "
                f"({point.sent} sent)",
                fmt_rate(point.dispatch_rate),
                baseline=f"bare sendMessage {fmt_rate(point.bare_rate)}",
                ratio=f"{point.dispatch_rate / point.bare_rate:.0%} of bare sends"
                if point.bare_rate
                else "",
                bound=f"{fmt_ratio(point.dispatch_rate / TELEGRAM_RATE)} Telegram's 30/s; CPU "
                f"{fmt_ms(point.dispatch_cpu_s)} per reminder vs {fmt_ms(point.bare_cpu_s)} per "
                f"bare send; {statements:.1f} statements ({split}), {point.commits:.1f} commits "
                "per reminder",
                target=f"CPU <= 2x a bare send: {met(point.dispatch_cpu_s <= 2 * point.bare_cpu_s)}"
                if point.bare_cpu_s
                else "",
            )
        for point in mine:
            users = f"{point.users:,}"
            startup, naive = point.startup, point.naive
            ready_kb, base_ready = startup.get("ready_kb"), small.startup.get("ready_kb")
            flat = (
                f"{ready_kb / base_ready:.2f}x the RSS and "
                f"{startup['ready_s'] / small.startup['ready_s']:.2f}x the start-up at "
                f"{small.users:,} users"
                if point is not small and ready_kb and base_ready
                else "imports, catalog, connection pool: nothing per user"
                + (
                    f" ({startup['imports_s']:.2f} s of it imports)"
                    if "imports_s" in startup
                    else ""
                )
            )
            section.add(
                f"{name}, {users} users: start-up (build, initialize, schema check)",
                f"{_mem({'maxrss_kb': ready_kb} if ready_kb else startup)}, "
                f"{_start(startup, 'ready_s')}",
                baseline=f"naive run_daily: {_mem(naive)}"
                + (f", {naive['ready_s']:.2f} s" if "ready_s" in naive else ""),
                ratio=(
                    f"{ready_kb / naive['maxrss_kb']:.2f}x RSS, "
                    f"{startup['ready_s'] / naive['ready_s']:.2f}x time of naive"
                    if ready_kb and naive.get("maxrss_kb")
                    else ""
                ),
                bound=flat,
            )
        for point in mine:
            users = f"{point.users:,}"
            startup = point.startup
            rss, base_rss = startup.get("maxrss_kb"), small.startup.get("maxrss_kb")
            target = ""
            if point.users >= 1_000_000 and rss and base_rss:
                target = f"1M within 10% of 1k: {met(rss <= base_rss * 1.1)}"
            tick = (
                f"{startup['ticked_s'] - startup['ready_s']:.2f} s"
                if "ticked_s" in startup
                else _mem(startup)
            )
            section.add(
                f"{name}, {users} users: peak RSS after the first tick ({startup.get('sent', 0)} "
                "sent)",
                f"{_mem(startup)}; tick {tick}",
                baseline=f"{small.users:,} users: {_mem(small.startup)}",
                ratio=f"{rss / base_rss:.2f}x" if rss and base_rss and point is not small else "",
                bound="a tick holds one batch (at most 500 reminders) in memory, not the users",
                target=target,
            )
        largest = mine[-1]
        if largest.claim_plan:
            section.notes.append(
                f"{name} plan of the claim at {largest.users:,} users (after ANALYZE): "
                + "; ".join(largest.claim_plan)
                + "."
            )
        per_user = ", ".join(f"{p.users:,}: {p.bytes_per_user:,.0f}" for p in mine)
        section.notes.append(
            f"{name} database size per user (bytes, users + dialogs rows and their indexes; "
            f"a count): {per_user}."
        )
        naive_points = [p for p in mine if "maxrss_kb" in p.naive]
        if len(naive_points) >= 2:
            a, b = naive_points[0], naive_points[-1]
            grow = (b.naive["maxrss_kb"] - a.naive["maxrss_kb"]) * 1024 / (b.users - a.users)
            section.notes.append(
                f"{name}: the naive baseline grows by about {grow:,.0f} bytes of RSS per user "
                f"({a.users:,} to {b.users:,} users), and start-up from "
                f"{a.naive['ready_s']:.2f} s to {b.naive['ready_s']:.2f} s."
            )
    for run in limited:
        name = _name(run.backend)
        setting = run.setting or "production settings"
        row = f"{name}: rate-limited dispatch, {setting} ({run.sent:,} reminders)"
        value = (
            f"{fmt_rate(run.rate, ' msg/s')}, busiest second {run.busiest_second}, "
            f"{run.too_many} x 429"
        )
        if run.paid:
            section.add(
                row,
                value,
                baseline=f"paid broadcast limit {run.limit:,.0f} msg/s",
                ratio=f"{run.rate / TELEGRAM_RATE:.1f}x the free 30/s",
                bound=f"paced at {run.pace:,.0f}/s, the paid window's rate"
                if run.rate >= 0.9 * run.pace
                else f"the dispatcher's own speed (CPU per reminder), under its pacing of "
                f"{run.pace:,.0f}/s",
                target=f"above 30 msg/s and 0 x 429: {met(run.too_many == 0 and run.rate > 30)}",
            )
            continue
        section.add(
            row,
            value,
            baseline=f"Telegram's limit {run.limit:g} msg/s",
            ratio=f"{run.rate / run.limit:.0%} of the limit",
            bound=f"the flood window: paced at {run.pace:.1f}/s "
            f"({run.rate / run.pace:.0%} of it achieved)",
            target=(
                f">= {TARGET_RATE:g} msg/s and 0 x 429: "
                f"{met(run.too_many == 0 and run.rate >= TARGET_RATE)}"
                if not run.setting
                else f"0 x 429: {met(run.too_many == 0)}"  # paced under 28/s by its own setting
            ),
        )
