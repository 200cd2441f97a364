"""1. Update handling end to end: simulated users against the real bot, and against an echo bot.

Each bot runs in a process of its own (bench/botproc.py) and long-polls a stand-in in this
process, where the simulated users live. Two phases per bot, after an unmeasured warm-up:

- **saturation**: users act with no pause (each waits only for the bot's reply), each doing
  onboarding and guided sessions; throughput is all updates over the wall time. With no pause
  the latency is only queueing (Little's law: users / throughput), so it is not the latency
  figure.
- **latency**: ``latency_users`` users at once, each pausing 1-3 s (2 s on average) between a
  reply and their next action, which is far quicker than a person doing an exercise step; 90%
  of them are the onboarded users of the first phase doing sessions, 10% are new and onboard.
  Latency is from the user's action to the reply on their screen.

The baseline is a bare python-telegram-bot echo bot on the same stand-in, with the same update
concurrency, driven by users replaying a Backstep user's sequence of texts and taps; for each
of them it makes the calls Backstep made (answerCallbackQuery, as many edits and new messages),
so the ratio is what Backstep's own work costs on top of the framework's. The runs go SQLite,
echo, PostgreSQL, echo again: the gap between the two echo runs is the noise of the machine
during this invocation.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any

from bench.dbs import Scratch
from bench.report import Section, fmt_ms, fmt_rate, fmt_ratio, met, percentile
from bench.sizes import Sizes
from bench.users import (
    KINDS,
    Act,
    Log,
    Script,
    backstep_user,
    echo_user,
    returning_user,
    run_users,
)
from bot.stub.server import BotApiStub

TOKEN = "123456:BENCH-token"
USER_BASE = 700_000_000
P99_TARGET_S = 0.050
# issue 18: saturation throughput against echo's, per backend, and CPU per update
THROUGHPUT_TARGET = {"sqlite": 0.8, "postgresql": 0.9}
CPU_TARGET = 1.25
NEW_USER_SHARE = 0.1
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Phase:
    log: Log
    elapsed: float
    bot_cpu_s: float
    driver_cpu_s: float
    machine_busy: float  # cores' worth of CPU used by everything on the machine
    api_calls: int

    @property
    def updates(self) -> int:
        return len(self.log.steps)

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed else 0.0

    def p(self, q: float, kind: str | None = None) -> float:
        return percentile((s.latency for s in self.log.steps if kind is None or s.kind == kind), q)

    @property
    def cpu_per_update(self) -> float:
        return self.bot_cpu_s / self.updates if self.updates else 0.0

    def usage(self) -> str:
        bot = self.bot_cpu_s / self.elapsed if self.elapsed else 0.0
        driver = self.driver_cpu_s / self.elapsed if self.elapsed else 0.0
        return (
            f"bot process {bot:.0%} of a core, stand-in + users {driver:.0%}, "
            f"machine {self.machine_busy:.1f} of {os.cpu_count()} cores busy"
        )


@dataclass
class Run:
    label: str
    saturation: Phase
    latency: Phase
    script: Script
    bot_errors: list[str] = field(default_factory=list)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


class BotProcess:
    """A bot child process (bench/botproc.py) and its log."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.proc: asyncio.subprocess.Process | None = None
        self.result: dict[str, Any] = {}

    async def __aenter__(self) -> BotProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.botproc",
            json.dumps(self.config),
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        except TimeoutError:
            line = b""
        if line.strip() != b"READY":
            self.proc.kill()
            _, err = await self.proc.communicate()
            raise RuntimeError(f"bot process did not start: {err.decode()[-2000:]}")
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(b"STOP\n")
        await self.proc.stdin.drain()
        try:
            out, err = await asyncio.wait_for(self.proc.communicate(), 60)
        except TimeoutError:
            self.proc.kill()
            out, err = await self.proc.communicate()
        lines = out.decode().strip().splitlines()
        if lines:
            try:
                self.result = json.loads(lines[-1])
            except ValueError:
                self.result = {}
        if self.proc.returncode not in (0, None):
            raise RuntimeError(f"bot process failed: {err.decode()[-2000:]}")

    def errors(self) -> list[str]:
        """ERROR lines the bot logged (a failed update is logged at ERROR)."""
        path = Path(self.config["log_file"])
        if not path.exists():
            return []
        return [line for line in path.read_text().splitlines() if " ERROR " in line]


async def _phase(
    stub: BotApiStub, pid: int, ids: list[int], behaviour: Any, *args: Any, **options: Any
) -> Phase:
    stub.stats.reset()
    cpu0, own0, (busy0, total0) = _proc_cpu(pid), time.process_time(), _machine_ticks()
    log, elapsed = await run_users(stub, ids, behaviour, *args, **options)
    cpu1, own1, (busy1, total1) = _proc_cpu(pid), time.process_time(), _machine_ticks()
    cores = os.cpu_count() or 1
    busy = (busy1 - busy0) / (total1 - total0) * cores if total1 > total0 else 0.0
    api_calls = stub.stats.total - stub.stats.requests["getUpdates"]
    return Phase(log, elapsed, cpu1 - cpu0, own1 - own0, busy, api_calls)


async def measure(
    kind: str,
    label: str,
    sizes: Sizes,
    log_dir: Path,
    *,
    database_url: str | None = None,
    script: Script | None = None,
    profile_dir: Path | None = None,
) -> Run:
    """Start one bot, warm it up, then run the saturation and the latency phase."""
    rng = random.Random(9)
    low, high = sizes.think_s

    def think() -> float:
        return rng.uniform(low, high)

    async with BotApiStub(TOKEN) as stub:
        config = {
            "kind": kind,
            "token": TOKEN,
            "base_url": stub.base_url,
            "database_url": database_url,
            "log_file": str(log_dir / f"{label.replace(' ', '_')}.log"),
            "script": [[a.action, a.sent, a.edited] for a in script or []],
        }
        if profile_dir is not None:
            config["profile"] = str(profile_dir / f"{label.replace(' ', '_')}.prof")
        async with BotProcess(config) as bot:
            warm_ids = [USER_BASE + i for i in range(sizes.warmup_users)]
            ids = [USER_BASE + 10_000 + i for i in range(sizes.users)]
            new = max(1, round(sizes.latency_users * NEW_USER_SHARE))
            old = sizes.latency_users - new
            again = [ids[i % len(ids)] + (i // len(ids)) * 1_000_000 for i in range(old)]
            fresh = [USER_BASE + 20_000 + i for i in range(new)]
            if kind == "echo":
                steps = script or [Act("text", 1, 0)]
                warm, _ = await run_users(stub, warm_ids, echo_user, steps)
                saturation = await _phase(stub, bot.pid, ids, echo_user, steps)
                latency = await _phase(
                    stub,
                    bot.pid,
                    [*again, *fresh],
                    echo_user,
                    steps,
                    True,
                    think=think,
                    duration=sizes.latency_seconds,
                )
            else:
                warm, _ = await run_users(stub, warm_ids, backstep_user, sizes.sessions)
                if warm.errors:
                    raise RuntimeError(f"{label}: warm-up failed: {warm.errors[0]}")
                saturation = await _phase(stub, bot.pid, ids, backstep_user, sizes.sessions)
                # users beyond the saturation phase's (when latency_users is larger) onboard
                # unmeasured first, so that 90% of the latency phase are returning users
                extra = [i for i in again if i not in set(ids)]
                if extra:
                    await run_users(stub, extra, backstep_user, 0)
                returning = _phase(
                    stub,
                    bot.pid,
                    again,
                    returning_user,
                    think=think,
                    duration=sizes.latency_seconds,
                )
                latency = await _combined(
                    returning,
                    run_users(
                        stub,
                        fresh,
                        backstep_user,
                        None,
                        think=think,
                        duration=sizes.latency_seconds,
                    ),
                )
        run = Run(label, saturation, latency, warm.script_of(warm_ids[0]), bot.errors())
    return run


async def _combined(phase: Any, others: Any) -> Phase:
    """The returning users' phase, with the new users' steps (run at the same time) added."""
    measured, (log, _) = await asyncio.gather(phase, others)
    measured.log.steps += log.steps
    measured.log.errors += log.errors
    return measured  # type: ignore[no-any-return]


async def run(
    scratch: Scratch, sizes: Sizes, log_dir: Path, profile_dir: Path | None = None
) -> Section:
    section = Section(
        f"1. Update handling end to end (long polling; saturation with {sizes.users} users, "
        f"latency with {sizes.latency_users})"
    )
    runs: dict[str, Run] = {}
    # The echo users replay a Backstep user's actions (learned in the SQLite warm-up).
    script: Script = [Act("text", 1, 0)]
    order = [("sqlite", "backstep"), ("echo", "echo")]
    if "postgresql" in scratch.backends:
        order.append(("postgresql", "backstep"))
    if sizes.echo_twice:
        order.append(("echo 2", "echo"))
    for label, kind in order:
        url = await scratch.create(label, f"updates_{label}") if kind == "backstep" else None
        try:
            result = await measure(
                kind,
                label,
                sizes,
                log_dir,
                database_url=url,
                script=script,
                profile_dir=profile_dir,
            )
        except RuntimeError as exc:
            section.errors.append(str(exc))
            continue
        runs[label] = result
        if label == "sqlite":
            script = result.script
        for phase in (result.saturation, result.latency):
            section.errors += [f"{label}: {e}" for e in phase.log.errors[:3]]
        section.errors += [f"{label}: bot logged {e}" for e in result.bot_errors[:3]]
    _rows(section, runs, sizes)
    return section


def _rows(section: Section, runs: dict[str, Run], sizes: Sizes) -> None:
    echoes = [runs[k] for k in ("echo", "echo 2") if k in runs]
    if not echoes:
        section.errors.append("no echo baseline: nothing to compare with")
        return
    echo_rate = mean(r.saturation.rate for r in echoes)
    echo_cpu = mean(r.saturation.cpu_per_update for r in echoes)
    echo_p50 = mean(r.latency.p(50) for r in echoes)
    echo_p99 = mean(r.latency.p(99) for r in echoes)
    for echo in echoes:
        section.add(
            f"{echo.label}: updates/s at saturation",
            fmt_rate(echo.saturation.rate),
            baseline="(is the baseline)",
            bound=echo.saturation.usage(),
        )
    section.add(
        f"echo: p50 / p99 latency, {sizes.latency_users} users",
        f"{fmt_ms(echo_p50)} / {fmt_ms(echo_p99)}",
        baseline="(is the baseline)",
        bound="HTTP round trips through PTB and the stand-in; no work",
    )
    if len(echoes) == 2:
        one, two = (e.saturation for e in echoes)
        spread = abs(one.rate - two.rate) / echo_rate
        p99s = [e.latency.p(99) * 1000 for e in echoes]
        section.notes.append(
            f"Noise: the two echo runs differ by {spread:.0%} in throughput and their p99 "
            f"latencies are {p99s[0]:.1f} and {p99s[1]:.1f} ms; ratios are against their mean, "
            "so differences of that size are not findings."
        )
    for backend in ("sqlite", "postgresql"):
        result = runs.get(backend)
        if result is None:
            continue
        sat, lat = result.saturation, result.latency
        name = "SQLite" if backend == "sqlite" else "PostgreSQL"
        ratio = sat.rate / echo_rate if echo_rate else 0.0
        section.add(
            f"Backstep on {name}: updates/s at saturation",
            fmt_rate(sat.rate),
            baseline=f"echo {fmt_rate(echo_rate)}",
            ratio=f"{ratio:.0%} of echo",
            bound=sat.usage(),
            target=f">= {THROUGHPUT_TARGET[backend]:.0%} of echo: "
            f"{met(ratio >= THROUGHPUT_TARGET[backend])}",
        )
        section.add(
            f"Backstep on {name}: bot CPU per update",
            fmt_ms(sat.cpu_per_update),
            baseline=f"echo {fmt_ms(echo_cpu)}",
            ratio=fmt_ratio(sat.cpu_per_update / echo_cpu) if echo_cpu else "",
            bound=(
                f"one core: at most {1 / sat.cpu_per_update:,.0f} updates/s per process"
                if sat.cpu_per_update
                else ""
            ),
            target=f"<= {CPU_TARGET:g}x echo: "
            f"{met(bool(echo_cpu) and sat.cpu_per_update <= CPU_TARGET * echo_cpu)}",
        )
        section.add(
            f"Backstep on {name}: p50 / p99 latency, {sizes.latency_users} users",
            f"{fmt_ms(lat.p(50))} / {fmt_ms(lat.p(99))}",
            baseline=f"echo {fmt_ms(echo_p50)} / {fmt_ms(echo_p99)}",
            ratio=f"p99 {fmt_ratio(lat.p(99) / echo_p99)} echo's" if echo_p99 else "",
            bound=(
                f"{lat.rate:.0f} updates/s offered = {lat.rate / sat.rate:.0%} of saturation; "
                f"p99 is {lat.p(99) / P99_TARGET_S:.0%} of the 50 ms budget"
            ),
            target=f"p99 < 50 ms at {sizes.latency_users} users: {met(lat.p(99) < P99_TARGET_S)}",
        )
        by_kind = ", ".join(
            f"{kind} {fmt_ms(lat.p(50, kind))} / {fmt_ms(lat.p(99, kind))}"
            for kind in KINDS
            if any(s.kind == kind for s in lat.log.steps)
        )
        section.notes.append(
            f"{name}, latency phase, p50 / p99 by kind of update: {by_kind}. At saturation "
            f"(queueing only, {sizes.users} users with no pause): p50 {fmt_ms(sat.p(50))}, "
            f"p99 {fmt_ms(sat.p(99))}."
        )
    backstep = [runs[k] for k in ("sqlite", "postgresql") if k in runs]
    if backstep:
        first = backstep[0]
        counts = Counter(s.kind for s in first.saturation.log.steps)
        mix = ", ".join(f"{counts[k]} {k}s" for k in KINDS if counts[k])
        lat_counts = Counter(s.kind for s in first.latency.log.steps)
        lat_mix = ", ".join(f"{lat_counts[k]} {k}s" for k in KINDS if lat_counts[k])
        calls = ", ".join(
            f"{r.label} {r.saturation.api_calls / r.saturation.updates:.2f}"
            for r in [*echoes, *backstep]
            if r.saturation.updates
        )
        low, high = sizes.think_s
        section.notes.append(
            f"Saturation phase: {sizes.users} users x (onboarding + {sizes.sessions} "
            f"session(s)) = {first.saturation.updates} updates ({mix}), after an unmeasured "
            f"warm-up of {sizes.warmup_users} users. Latency phase: {sizes.latency_users} users "
            f"pausing {low:g}-{high:g} s before each action for {sizes.latency_seconds:g} s "
            f"({lat_mix} on {first.label}). Bot API calls per update (a count): {calls}."
        )
