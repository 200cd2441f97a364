"""2. Database work per update: SQL statements by kind, where they come from, and their plans.

The real bot runs in this process against the stand-in, on a hand-moved clock, and simulated
users walk the story tests' conversation one user at a time: onboarding, a guided session,
then the reminder and its check-in, today and the next morning. A ``before_cursor_execute``
hook on the bot's engine counts every statement against the update being handled (a context
variable set by a handler in the first group, which PTB runs in the same task as the update's
other handlers), and records where in ``bot/`` or ``storage/`` it was issued. Counts do not
depend on the machine's speed.

Every distinct statement is then explained: SQLite ``EXPLAIN QUERY PLAN`` (SQLite has no
statistics here, so it picks an index whenever one is usable) and PostgreSQL
``EXPLAIN (FORMAT JSON)`` with ``enable_seqscan = off`` (so a sequential scan, or an index
scan with no index condition, means that no index can serve the query; with small tables
PostgreSQL would otherwise pick a sequential scan whatever the indexes). A scan of a per-user
table that reads the whole table is flagged.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean
from typing import Any

import greenlet  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bench.dbs import Scratch
from bench.report import Section
from bench.sizes import Sizes
from bench.users import (
    CHECKIN,
    KINDS,
    PAIN_REPORT,
    SESSION_STEP,
    Log,
    SimUser,
    Watcher,
    backstep_user,
)
from bot.app import ALLOWED_UPDATES, build_application
from bot.clock import ManualClock
from bot.settings import Settings
from bot.stub.chat import ChatMessage
from bot.stub.server import BotApiStub
from bot.telegram.reminders import Dispatcher
from bot.telegram.services import SERVICES_KEY, Services
from storage.db import Database
from storage.models import PER_USER_TABLES, Base, User

TOKEN = "123456:BENCH-token"
# A Monday 06:00 in Berlin; onboarding picks 07:30, due 1.5 h later (as the story tests).
START = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)
FIRST_REMINDER = START + timedelta(hours=1, minutes=30)
USER_BASE = 800_000_000
REMINDER = "reminder (dispatcher, per reminder sent)"
HOT_PATH_TARGET = 4
HOT_PATH_FLOOR = 3  # read the user's state, record the step, move the dialog on
PAIN_REPORT_TARGET = 8  # on average (issue 18): the rules' history in one read, not eight
REPO = Path(__file__).resolve().parents[1]
PER_USER = frozenset({User.__tablename__, *(m.__tablename__ for m in PER_USER_TABLES)})
VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "other")

CURRENT: ContextVar[object] = ContextVar("bench_current_update", default=None)


def verb_of(sql: str) -> str:
    word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return word if word in VERBS else "other"


def tables_of(sql: str) -> list[str]:
    """The tables a statement touches, in order of appearance."""
    found = re.findall(
        r"\b(?:FROM|JOIN|INTO|UPDATE)\s+\"?([a-z_][a-z0-9_]*)\"?", sql, flags=re.IGNORECASE
    )
    seen: list[str] = []
    for name in found:
        if name.lower() not in seen and name.upper() not in ("SELECT", "SET"):
            seen.append(name.lower())
    return seen


_RELATIVE: dict[str, str | None] = {}


def _relative(filename: str) -> str | None:
    """``bot/...`` or ``storage/...`` for the project's own files, else None (cached)."""
    if filename not in _RELATIVE:
        try:
            relative = Path(filename).resolve().relative_to(REPO)
        except ValueError:
            _RELATIVE[filename] = None
        else:
            inside = relative.parts[0] in ("bot", "storage")
            _RELATIVE[filename] = relative.as_posix() if inside else None
    return _RELATIVE[filename]


def _repo_frames() -> Iterator[str]:
    """Frames of bot/ and storage/ code that led to the statement being executed, innermost
    first: the sync stack of the greenlet SQLAlchemy runs in, then the awaiting coroutines."""
    tops: list[Any] = [sys._getframe(1)]
    parent = greenlet.getcurrent().parent
    if parent is not None and parent.gr_frame is not None:
        tops.append(parent.gr_frame)
    for frame in tops:
        while frame is not None:
            relative = _relative(frame.f_code.co_filename)
            if relative is not None:
                yield f"{relative}:{frame.f_code.co_name}"
            frame = frame.f_back


def origin() -> str:
    """Where the statement being executed comes from: the innermost project function and its
    caller, or "flush at commit of X" for writes the unit of work flushed on commit."""
    frames = list(dict.fromkeys(_repo_frames()))
    if not frames:
        return "?"
    if frames[0] == "storage/db.py:transaction":
        caller = frames[1] if len(frames) > 1 else "?"
        return f"flush at commit of {caller}"
    return " < ".join(frames[:2])


@dataclass
class Statement:
    sql: str
    params: Any
    verb: str
    tables: list[str]
    origins: Counter[str] = field(default_factory=Counter)
    plan: list[str] = field(default_factory=list)
    full_scans: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.verb} {', '.join(self.tables) or '?'}"


class StatementCounter:
    """Counts statements and commits per current update (or other label).

    With ``origins`` it also records where each statement came from, which walks the stack:
    leave it off where the counter runs inside a timed measurement.
    """

    def __init__(self, *, origins: bool = True) -> None:
        self.track_origins = origins
        self.by_key: dict[object, Counter[str]] = defaultdict(Counter)
        self.commits: Counter[object] = Counter()
        self.statements: dict[str, Statement] = {}
        self.labels: dict[object, str] = {}
        # per update (or label): each statement with where it came from ("" untracked)
        self.sequences: dict[object, list[tuple[Statement, str]]] = defaultdict(list)

    def attach(self, database: Database) -> None:
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._on_execute)
        event.listen(database.engine.sync_engine, "commit", self._on_commit)

    def _on_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        key = CURRENT.get()
        verb = verb_of(statement)
        self.by_key[key][verb] += 1
        found = self.statements.get(statement)
        if found is None:
            params = parameters
            if executemany and parameters and isinstance(parameters[0], (tuple, list, dict)):
                params = parameters[0]
            found = Statement(statement, params, verb, tables_of(statement))
            self.statements[statement] = found
        where = origin() if self.track_origins else ""
        if where:
            found.origins[where] += 1
        self.sequences[key].append((found, where))

    def _on_commit(self, conn: Any) -> None:
        self.commits[CURRENT.get()] += 1

    def origins_for(self, label: str) -> list[tuple[str, str, float]]:
        """(statement summary, origin, times per update) for updates of kind ``label``, in the
        order they first ran."""
        keys = [key for key, kind in self.labels.items() if kind == label]
        seen: Counter[tuple[str, str]] = Counter()
        for key in keys:
            for statement, where in self.sequences.get(key, []):
                seen[(statement.summary, where)] += 1
        return [(summary, where, n / len(keys)) for (summary, where), n in seen.items()]


async def _mark(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    CURRENT.set(update.update_id)


async def answer_checkin(user: SimUser, message: ChatMessage) -> None:
    """Answer a reminder's check-in the usual way: pain 2, buttock, settled, no red flags, and
    skip today's session."""
    for _ in range(8):
        labels = message.button_labels
        if "10" in labels:
            message = await user.tap(message, "2", CHECKIN)
        elif "Buttock" in labels:
            message = await user.tap(message, "Buttock", CHECKIN)
        elif "Yes" in labels:
            message = await user.tap(message, "Yes", CHECKIN)
        elif "No, none of these" in labels:
            message = await user.tap(message, "No, none of these", CHECKIN, replies=2)
        elif "Skip today" in labels:
            message = await user.tap(message, "Skip today", CHECKIN)
        else:
            return


async def drive(url: str, users: int) -> tuple[StatementCounter, Log, int]:
    """The scenario on one database; returns the counts, the users' log, reminders sent."""
    clock = ManualClock(START)
    counter = StatementCounter()
    log = Log()
    sent = 0
    async with BotApiStub(TOKEN, clock=lambda: clock.now().timestamp()) as stub:
        database = Database(url)
        counter.attach(database)
        settings = Settings(
            telegram_token=TOKEN,
            telegram_api_url=stub.base_url,
            database_url=url,
            send_rate_per_second=1_000_000,
        )
        app = build_application(
            settings,
            db=database,
            clock=clock,
            migrate=False,
            jobs=False,
            rate_limit=False,
            on_handled=stub.report_handled,
        )
        app.add_handler(TypeHandler(Update, _mark), group=-100)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        services: Services = app.bot_data[SERVICES_KEY]
        ids = [USER_BASE + i for i in range(users)]
        try:
            async with Watcher(stub) as watcher:
                for user_id in ids:
                    await backstep_user(SimUser(stub, watcher, user_id, log), 1)
                for due in (FIRST_REMINDER, FIRST_REMINDER + timedelta(days=1)):
                    clock.set(due)
                    marker = CURRENT.set(REMINDER)
                    try:
                        sent += await Dispatcher(services, app.bot).tick()
                    finally:
                        CURRENT.reset(marker)
                    for user_id in ids:
                        reminder = stub.chat(user_id).last_bot_message
                        if reminder is not None and reminder.buttons:
                            user = SimUser(stub, watcher, user_id, log)
                            await answer_checkin(user, reminder)
            await stub.wait_handled()
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    for update_id, kind in log.kinds_by_update().items():
        counter.labels[update_id] = kind
    counter.labels[REMINDER] = REMINDER
    return counter, log, sent


# -- plans ------------------------------------------------------------------------------------


def explain_sqlite(path: Path, statements: list[Statement]) -> None:
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            try:
                rows = connection.execute(
                    f"EXPLAIN QUERY PLAN {statement.sql}", statement.params
                ).fetchall()
            except sqlite3.Error as exc:
                statement.plan = [f"(not explained: {exc})"]
                continue
            statement.plan = [str(row[3]) for row in rows]
            for detail in statement.plan:
                match = re.match(r"SCAN (?:TABLE )?(\w+)", detail)
                if match and match.group(1).lower() in PER_USER:
                    statement.full_scans.append(detail)
    finally:
        connection.close()


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


async def explain_postgres(
    url: str, statements: list[Statement], *, seqscan_off: bool = True
) -> None:
    """Plans on PostgreSQL; ``seqscan_off`` False asks for the plan the planner would really
    pick with the table statistics it has (for the big bulk-loaded tables)."""
    import asyncpg  # type: ignore[import-untyped]

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        if seqscan_off:
            await connection.execute("SET enable_seqscan = off")
        for statement in statements:
            params = list(statement.params or ())
            try:
                async with connection.transaction():
                    raw = await connection.fetchval(
                        f"EXPLAIN (FORMAT JSON) {statement.sql}", *params
                    )
            except Exception as exc:
                statement.plan = [f"(not explained: {exc.__class__.__name__}: {exc})"]
                continue
            plan = json.loads(raw) if isinstance(raw, str) else raw
            for node in _walk(plan[0]["Plan"]):
                kind = node.get("Node Type", "")
                relation = node.get("Relation Name")
                label = f"{kind} on {relation}" if relation else kind
                if "Index Name" in node:
                    label += f" using {node['Index Name']}"
                if "Index Cond" in node:
                    label += f" ({node['Index Cond']})"
                statement.plan.append(label)
                whole = kind == "Seq Scan" or (
                    kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
                )
                if whole and relation in PER_USER:
                    statement.full_scans.append(label)
    finally:
        await connection.close()


def unindexed_foreign_keys() -> list[str]:
    """Foreign keys whose referencing columns lead no index: deleting (or updating the key of)
    a referenced row then scans the whole referencing table, once per row deleted."""
    missing = []
    for table in Base.metadata.sorted_tables:
        leads = [[c.name for c in index.columns] for index in table.indexes]
        leads.append([c.name for c in table.primary_key.columns])
        for constraint in table.constraints:
            columns = getattr(constraint, "columns", None)
            if columns is not None and constraint.__class__.__name__ == "UniqueConstraint":
                leads.append([c.name for c in columns])
        for fk in table.foreign_key_constraints:
            cols = [c.name for c in fk.columns]
            if not any(lead[: len(cols)] == cols for lead in leads):
                target = fk.referred_table.name
                action = fk.ondelete or "NO ACTION"
                missing.append(f"{table.name}.{', '.join(cols)} -> {target} (ON DELETE {action})")
    return missing


# -- the section ------------------------------------------------------------------------------


@dataclass
class BackendCounts:
    backend: str
    counter: StatementCounter
    log: Log
    sent: int

    def per_kind(self, kind: str) -> list[Counter[str]]:
        return [self.counter.by_key[s.update_id] for s in self.log.steps if s.kind == kind]

    def commits_per_kind(self, kind: str) -> list[int]:
        return [self.counter.commits[s.update_id] for s in self.log.steps if s.kind == kind]


def _describe(counts: list[Counter[str]]) -> tuple[float, int, str]:
    totals = [sum(c.values()) for c in counts]
    verbs = Counter[str]()
    for c in counts:
        verbs.update(c)
    split = ", ".join(f"{verbs[v] / len(counts):.1f} {v}" for v in VERBS if verbs[v])
    return mean(totals), max(totals), split


async def run(scratch: Scratch, sizes: Sizes) -> Section:
    section = Section("2. Database work per update (SQL statements, counted; plans)")
    results: list[BackendCounts] = []
    for backend in scratch.backends:
        url = await scratch.create(backend, "queries")
        counter, log, sent = await drive(url, sizes.query_users)
        section.errors += [f"{backend}: {e}" for e in log.errors[:3]]
        statements = list(counter.statements.values())
        if backend == "sqlite":
            explain_sqlite(Path(make_url(url).database or ""), statements)
        else:
            await explain_postgres(url, statements)
        results.append(BackendCounts(backend, counter, log, sent))
    if not results:
        return section
    first = results[0]
    for kind in KINDS:
        if not first.per_kind(kind):
            continue
        values = []
        for result in results:
            avg, top, _ = _describe(result.per_kind(kind))
            name = "SQLite" if result.backend == "sqlite" else "PostgreSQL"
            values.append(f"{name} {avg:.1f} (max {top})")
        _, top, split = _describe(first.per_kind(kind))
        commits = mean(first.commits_per_kind(kind))
        bound = f"{split}; {commits:.1f} commit per update"
        target = ""
        if kind == SESSION_STEP:
            worst = max(_describe(r.per_kind(kind))[1] for r in results)
            bound += (
                f"; floor {HOT_PATH_FLOOR} (read state, record the step, move the dialog), "
                f"{worst - HOT_PATH_FLOOR} above it"
            )
            target = f"<= {HOT_PATH_TARGET} on the hot path: {'met' if worst <= 4 else 'NOT met'}"
        elif kind == PAIN_REPORT:
            average = max(_describe(r.per_kind(kind))[0] for r in results)
            met = "met" if average <= PAIN_REPORT_TARGET else "NOT met"
            target = f"<= {PAIN_REPORT_TARGET} on average: {met}"
        section.add(
            f"{kind}: statements per update ({len(first.per_kind(kind))} seen)",
            ", ".join(values),
            baseline="a count",
            bound=bound,
            target=target,
        )
    if first.sent:
        values = []
        for result in results:
            total = sum(result.counter.by_key[REMINDER].values())
            name = "SQLite" if result.backend == "sqlite" else "PostgreSQL"
            values.append(f"{name} {total / max(result.sent, 1):.1f}")
        verbs = first.counter.by_key[REMINDER]
        split = ", ".join(f"{verbs[v] / first.sent:.1f} {v}" for v in VERBS if verbs[v])
        commits = first.counter.commits[REMINDER] / first.sent
        section.add(
            f"reminder sent by the dispatcher: statements per reminder ({first.sent} sent)",
            ", ".join(values),
            baseline="a count",
            bound=f"{split}; {commits:.1f} commits per reminder (claim and slot reservation "
            "are shared by a batch of up to 500; with this few users they are not amortised)",
        )
    for result in results:
        name = "SQLite" if result.backend == "sqlite" else "PostgreSQL"
        statements = list(result.counter.statements.values())
        scans = [s for s in statements if s.full_scans]
        unexplained = [s for s in statements if s.plan and s.plan[0].startswith("(not explained")]
        section.add(
            f"{name}: distinct statements explained / full scans of per-user tables",
            f"{len(statements) - len(unexplained)} / {len(scans)}",
            baseline="a count",
            target=f"no full scan: {'met' if not scans else 'NOT met'}",
        )
        for statement in scans:
            where = ", ".join(statement.origins)
            section.notes.append(
                f"{name} full scan: `{statement.summary}` from {where}: "
                f"{'; '.join(statement.full_scans)}. SQL: `{_short(statement.sql)}`"
            )
        for statement in unexplained:
            section.errors.append(f"{name}: {statement.plan[0]} for `{_short(statement.sql)}`")
    for kind in (SESSION_STEP, PAIN_REPORT):
        found = first.counter.origins_for(kind)
        if found:
            section.notes.append(
                f"Where a {kind}'s statements come from ({first.backend}, in order): "
                + "; ".join(
                    f"`{summary}`{f' x{n:.1f}' if n != 1 else ''} ({where})"
                    for summary, where, n in found
                )
                + "."
            )
    for fk in unindexed_foreign_keys():
        section.notes.append(
            f"Foreign key without an index on its referencing side (not visible in any plan "
            f"above; it costs a scan of the referencing table for every referenced row "
            f"deleted): {fk}."
        )
    return section


def _short(sql: str, limit: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
