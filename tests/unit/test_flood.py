"""Telegram's flood limits, kept before each message leaves (bot/telegram/flood.py).

The limiter runs on a fake clock: its sleeps move the clock instead of waiting, so these
stories take no real time and say exactly when each message left.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.settings import Settings, SettingsError, load_settings
from bot.telegram.flood import FloodLimiter, pace_per_second

WINDOW = 1.05  # 30 in any 1 s + the 50 ms margin


class FakeTime:
    """A monotonic clock that moves only when every task is asleep, to the earliest wake-up."""

    def __init__(self) -> None:
        self.now = 100.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + seconds, self._seq, woken))
        await woken

    async def run(self, *steps: Awaitable[Any]) -> list[Any]:
        """Run ``steps`` together, moving the clock whenever nothing else can happen."""
        together = asyncio.gather(*steps)
        while True:
            for _ in range(4 * len(asyncio.all_tasks()) + 10):  # every runnable task runs
                await asyncio.sleep(0)
            if together.done():
                return together.result()
            assert self._sleepers, "stuck, and nobody is waiting for the clock"
            at, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            woken.set_result(None)


class Telegram:
    """Records when each request reached it; answers 429 when told to."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.arrived: list[tuple[float, Any]] = []
        self.flood_next: int | None = None  # retry_after of the next answer
        self.answer_after = 0.0  # how long each request takes to be answered

    async def request(self, chat_id: Any) -> bool:
        if self.flood_next is not None:
            wait, self.flood_next = self.flood_next, None
            raise RetryAfter(wait)
        self.arrived.append((self.time.now, chat_id))
        if self.answer_after:
            await self.time.sleep(self.answer_after)
        return True

    def times(self) -> list[float]:
        return [at for at, _ in self.arrived]


def limiter(time: FakeTime, **kwargs: Any) -> FloodLimiter:
    return FloodLimiter(30, 0.05, clock=time.clock, sleep=time.sleep, **kwargs)


async def send(
    flood: FloodLimiter,
    telegram: Telegram,
    chat_id: Any,
    endpoint: str = "sendMessage",
    **data: Any,
) -> Any:
    return await flood.process_request(
        telegram.request, (chat_id,), {}, endpoint, {"chat_id": chat_id, **data}, None
    )


async def test_a_31st_message_never_leaves_inside_one_window_of_a_second_plus_the_margin() -> None:
    time = FakeTime()
    telegram = Telegram(time)
    flood = limiter(time)

    await time.run(*(send(flood, telegram, 1000 + n) for n in range(100)))

    times = telegram.times()
    assert len(times) == 100
    assert times[:30] == [100.0] * 30, "the first 30 leave at once: no needless wait"
    spans = [later - earlier for earlier, later in zip(times, times[30:], strict=False)]
    assert min(spans) == pytest.approx(WINDOW) and min(spans) > 1.0, (
        "any 31 messages span at least 1.05 s"
    )
    assert [chat for _, chat in telegram.arrived] == [1000 + n for n in range(100)], "in order"
    assert times[-1] == pytest.approx(100.0 + 3 * WINDOW), "and no slower than the window"


async def test_a_message_counts_until_a_second_after_telegram_answered_it() -> None:
    time = FakeTime()
    telegram = Telegram(time)
    telegram.answer_after = 0.2  # a slow way there and back: Telegram counted it somewhere in it
    flood = limiter(time)

    await time.run(*(send(flood, telegram, 1000 + n) for n in range(31)))

    times = telegram.times()
    assert times[:30] == [100.0] * 30
    assert times[30] == pytest.approx(100.0 + 0.2 + 1.0), "a second after the answers, not 1.05 s"


async def test_a_429_holds_every_message_for_the_wait_telegram_asked_for() -> None:
    time = FakeTime()
    telegram = Telegram(time)
    flood = limiter(time)
    telegram.flood_next = 7

    with pytest.raises(RetryAfter):  # the caller retries (and logs) it, not the limiter
        await send(flood, telegram, 2001)
    await time.run(send(flood, telegram, 2002), send(flood, telegram, -100200))

    assert telegram.times() == [107.0, 107.0], "nothing left until the 7 s were over"


async def test_a_request_that_names_no_chat_is_not_counted_nor_held() -> None:
    time = FakeTime()
    telegram = Telegram(time)
    flood = limiter(time)
    telegram.flood_next = 5
    with pytest.raises(RetryAfter):
        await send(flood, telegram, 2001)

    answered = await flood.process_request(
        telegram.request, (None,), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
    )

    assert answered is True and telegram.times() == [100.0]


async def test_paid_broadcast_messages_count_against_their_own_window_of_1000() -> None:
    time = FakeTime()
    telegram = Telegram(time)
    flood = limiter(time)
    await time.run(*(send(flood, telegram, 3000 + n) for n in range(30)))  # free: full

    paid = [send(flood, telegram, 4000 + n, allow_paid_broadcast=True) for n in range(1001)]
    await time.run(*paid)

    times = telegram.times()
    assert times[: 30 + 1000] == [100.0] * 1030, "1,000 paid messages leave beside the free 30"
    assert times[-1] == pytest.approx(100.0 + WINDOW), "the 1,001st waits for its own window"


async def test_a_group_gets_20_messages_a_minute_and_private_chats_do_not_wait_for_it() -> None:
    time = FakeTime()
    telegram = Telegram(time)
    flood = limiter(time)
    group = -100123
    await time.run(*(send(flood, telegram, group) for _ in range(20)))

    async def a_private_chat_meanwhile() -> None:
        await asyncio.sleep(0)  # once the group's 21st is waiting
        await send(flood, telegram, 5001)

    await time.run(send(flood, telegram, group), a_private_chat_meanwhile())

    assert telegram.arrived[20] == (100.0, 5001)
    assert telegram.arrived[21] == (pytest.approx(100.0 + 60 * WINDOW), group)


def test_the_dispatcher_paces_to_the_window_and_paid_broadcast_to_1000_a_second() -> None:
    assert pace_per_second(Settings()) == pytest.approx(30 / 1.05)  # 28.6/s
    assert pace_per_second(Settings(send_rate_per_second=29)) == pytest.approx(29 / 1.05)
    assert pace_per_second(Settings(paid_broadcast=True)) == pytest.approx(1000 / 1.05)
    assert pace_per_second(Settings(send_rate_per_second=0.2)) == pytest.approx(0.2 / 1.05)


@pytest.mark.parametrize("value", ["-0.01", "1.5", "nan"])
def test_a_bad_margin_stops_with_one_line_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(send_margin_seconds=value)
    assert str(error.value) == (
        "BACKSTEP_SEND_MARGIN_SECONDS is invalid: "
        "must be 0 to 1 seconds (added to Telegram's one-second window)"
    )
