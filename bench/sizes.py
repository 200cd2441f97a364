"""How big each benchmark runs: ``quick`` for ``make bench``, ``full`` for the docs, ``tiny``
for the smoke test that only proves the benchmarks still work."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    name: str
    # 1. updates: saturation (users acting with no pause, onboarding + sessions each), then
    #    latency (users acting every 1-3 s for a while), after a warm-up
    users: int
    sessions: int
    warmup_users: int
    latency_users: int
    latency_seconds: float
    # 2. queries: users walked through the scenario one update at a time
    query_users: int
    # 3. reminders: users in the database, reminders sent per dispatch measurement,
    #    reminders in the rate-limited run, claim batches timed, naive baseline time limit
    reminder_users: tuple[int, ...]
    dispatch: int
    rate_limited: int
    claims: int
    naive_timeout_s: float
    # per-subprocess time limit for the start-up measurement
    startup_timeout_s: float = 300.0
    # the latency phase's pause between a reply and the user's next action (uniform)
    think_s: tuple[float, float] = (1.0, 3.0)
    # run the echo baseline a second time, to show the machine's noise
    echo_twice: bool = True


QUICK = Sizes(
    name="quick",
    users=50,
    sessions=1,
    warmup_users=5,
    latency_users=100,
    latency_seconds=8.0,
    query_users=2,
    reminder_users=(1_000, 10_000),
    dispatch=1_000,
    rate_limited=300,
    claims=7,
    naive_timeout_s=60.0,
)

FULL = Sizes(
    name="full",
    users=100,
    sessions=2,
    warmup_users=10,
    latency_users=100,
    latency_seconds=60.0,
    query_users=3,
    reminder_users=(1_000, 10_000, 100_000, 1_000_000),
    dispatch=2_000,
    rate_limited=3_000,
    claims=15,
    naive_timeout_s=180.0,
    startup_timeout_s=600.0,
)

TINY = Sizes(
    name="tiny",
    users=3,
    sessions=1,
    warmup_users=1,
    latency_users=4,
    latency_seconds=1.0,
    query_users=1,
    reminder_users=(200,),
    dispatch=20,
    rate_limited=10,
    claims=2,
    naive_timeout_s=30.0,
    startup_timeout_s=60.0,
    think_s=(0.1, 0.3),
    echo_twice=False,
)

BY_NAME = {s.name: s for s in (QUICK, FULL, TINY)}
