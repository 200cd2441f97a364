"""A morning's reminders against a Telegram that answers 429 to a 31st message in one second.

The real bot as ``backstep run`` builds it (its flood limiter, production's pacing) and the real
dispatcher send 70 due reminders to a stand-in that enforces Telegram's limits. Not one 429
comes back, and everyone gets their reminder once. With the paid broadcast on, the same
reminders go out with ``allow_paid_broadcast`` and count against the paid window instead.
"""

from __future__ import annotations

import pytest

from bot.stub.faults import RateLimits
from bot.stub.server import BotApiStub
from tests.harness import TOKEN
from tests.stories.morning import due_this_morning, send_the_morning

PATIENTS = [30_000 + n for n in range(70)]  # more than two seconds' worth at 30/s


@pytest.mark.slow  # 70 messages at 28.6/s: a few seconds of real pacing
async def test_seventy_reminders_go_out_without_a_single_429(sqlite_url: str) -> None:
    await due_this_morning(sqlite_url, PATIENTS)
    async with BotApiStub(TOKEN, enforce_limits=True, limits=RateLimits()) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)

        logged = await send_the_morning(stub, sqlite_url)

        assert stub.stats.too_many_requests == 0
        assert [len(stub.chat(uid).bot_messages) for uid in PATIENTS] == [1] * len(PATIENTS)
        assert logged == ["sent"] * len(PATIENTS)
        assert stub.limiter is not None
        assert stub.limiter.free.accepted == len(PATIENTS)
        assert stub.limiter.free.busiest <= 30


async def test_with_the_paid_broadcast_reminders_count_against_the_paid_window(
    sqlite_url: str,
) -> None:
    await due_this_morning(sqlite_url, PATIENTS)
    async with BotApiStub(TOKEN, enforce_limits=True, limits=RateLimits()) as stub:
        for uid in PATIENTS:
            stub.add_user(uid)

        logged = await send_the_morning(stub, sqlite_url, paid_broadcast=True)

        assert stub.stats.too_many_requests == 0
        assert logged == ["sent"] * len(PATIENTS)
        assert stub.limiter is not None
        assert stub.limiter.paid.accepted == len(PATIENTS), "every one sent as a paid broadcast"
        assert stub.limiter.free.accepted == 0, "none of them took the free 30/s"
