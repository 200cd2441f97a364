"""Simulated users: they talk to whatever bot polls the stand-in, and time every answer.

A user acts (sends a text, presses a button), then waits until the bot's reply is on their
screen, and optionally pauses ("thinks") before the next action. The stand-in's own
``next_event`` wakes *every* waiting reader on each event; with a hundred users that
thundering herd would cost more CPU than the bot under test, so a single :class:`Watcher` task
looks at only the chats whose user is waiting and wakes that user alone.

The scenario is the one the story tests walk (tests/stories/helpers.py): onboarding, then a
guided session with its pain reports. Each step names its kind ("onboarding answer", "session
step", ...) so the query counter and the latency report can be split by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.stub.chat import ChatMessage
from bot.stub.server import BotApiStub

REPLY_KINDS = frozenset({"message", "edit"})

COMMAND = "command"
ONBOARDING = "onboarding answer"
SESSION_STEP = "session step"
PAIN_REPORT = "pain report"
CHECKIN = "check-in answer"
KINDS = (COMMAND, ONBOARDING, PAIN_REPORT, SESSION_STEP, CHECKIN)


class ScenarioError(AssertionError):
    """The bot did not answer as the scenario expects (a wrong reply, or none in time)."""


class TimeUp(Exception):
    """The run's time is over: the user stops before their next action (not an error)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One user action, how long its reply took, and what the bot did in the chat for it."""

    user_id: int
    kind: str
    action: str  # "text" or "tap"
    update_id: int
    started: float
    ended: float
    sent: int = 0  # new messages in the chat (animations included)
    edited: int = 0  # edits of messages (cards closed or stripped included)

    @property
    def latency(self) -> float:
        return self.ended - self.started


@dataclass
class Log:
    """Everything every user did in one run."""

    steps: list[Step] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def kinds_by_update(self) -> dict[int, str]:
        return {s.update_id: s.kind for s in self.steps}

    def script_of(self, user_id: int) -> Script:
        """What one user did and what the bot did in answer, in order (the echo bot and its
        users replay it)."""
        return [Act(s.action, s.sent, s.edited) for s in self.steps if s.user_id == user_id]


@dataclass(frozen=True, slots=True)
class Act:
    """One action of a script and the Bot API messages the bot answered it with: ``sent``
    new messages and ``edited`` edits (a tap is also answered with answerCallbackQuery)."""

    action: str
    sent: int
    edited: int


Script = list[Act]


class Watcher:
    """Wakes a waiting user when enough bot replies have landed in their chat."""

    def __init__(self, stub: BotApiStub) -> None:
        self.stub = stub
        self._waiting: dict[int, SimUser] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    async def __aenter__(self) -> Watcher:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        # The flag, not only the cancellation: on Python 3.11 ``wait_for`` can swallow a
        # cancellation that arrives as its inner wait completes.
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopped:
            await self.stub.state.wait_news(1.0)
            now = time.perf_counter()
            for user in list(self._waiting.values()):
                user.check(now)

    def wait(self, user: SimUser) -> None:
        self._waiting[user.user_id] = user

    def done(self, user: SimUser) -> None:
        self._waiting.pop(user.user_id, None)


class SimUser:
    """One person in a chat with the bot, acting only on what their screen shows."""

    def __init__(
        self,
        stub: BotApiStub,
        watcher: Watcher,
        user_id: int,
        log: Log,
        *,
        timeout: float = 60.0,
        think: Callable[[], float] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.stub = stub
        self.watcher = watcher
        self.user_id = user_id
        self.log = log
        self.timeout = timeout
        self.think = think
        self.deadline = deadline
        chat = stub.state.chats.get(user_id)
        self._seen = len(chat.events) if chat is not None else 0  # a returning user's history
        self._needed = 0
        self._replies: list[ChatMessage] = []
        self._sent = 0
        self._edited = 0
        self._future: asyncio.Future[float] | None = None

    def check(self, now: float) -> None:
        """Collect new replies; resolve the wait once the expected number arrived."""
        chat = self.stub.state.chats.get(self.user_id)
        if chat is None or self._future is None:
            return
        events = chat.events
        while self._seen < len(events):
            event = events[self._seen]
            self._seen += 1
            message = event.message
            if event.kind not in REPLY_KINDS or message is None:
                continue
            if event.kind == "message":
                self._sent += 1
            else:
                self._edited += 1
            if event.action == "stripped" or message.kind == "animation":
                continue  # an old card's buttons going, an exercise's animation: not a reply
            self._replies.append(message)
        if len(self._replies) >= self._needed and not self._future.done():
            self._future.set_result(now)

    async def _act(
        self, kind: str, action: str, update: dict[str, Any], started: float, replies: int
    ) -> list[ChatMessage]:
        loop = asyncio.get_running_loop()
        self._future = loop.create_future()
        self._needed = replies
        self.watcher.wait(self)
        self.check(time.perf_counter())
        try:
            ended = await asyncio.wait_for(self._future, self.timeout)
        except TimeoutError:
            texts = [m.text[:40] for m in self._replies]
            raise ScenarioError(
                f"user {self.user_id}: {kind} ({action}) got {len(texts)} of {replies} "
                f"replies within {self.timeout:.0f}s: {texts}"
            ) from None
        finally:
            self.watcher.done(self)
            self._future = None
        # What lands after the wait (a late strip) is counted with the next action.
        sent, edited, self._sent, self._edited = self._sent, self._edited, 0, 0
        self.log.steps.append(
            Step(self.user_id, kind, action, int(update["update_id"]), started, ended, sent, edited)
        )
        got, self._replies = self._replies, []
        return got

    async def _pause(self) -> float:
        """Think before acting (when the run has a think time); stop when time is up."""
        if self.think is not None:
            pause = self.think()
            if self.deadline is not None and time.perf_counter() + pause >= self.deadline:
                raise TimeUp
            await asyncio.sleep(pause)
        now = time.perf_counter()
        if self.deadline is not None and now >= self.deadline:
            raise TimeUp
        self._replies = []
        return now

    async def send(self, text: str, kind: str, replies: int = 1) -> ChatMessage:
        """Write ``text``; returns the last of the ``replies`` messages the bot answers with."""
        started = await self._pause()
        update = await self.stub.send_text(self.user_id, text, first_name="Alex")
        return (await self._act(kind, "text", update, started, replies))[-1]

    async def tap(
        self, message: ChatMessage, label: str, kind: str, replies: int = 1
    ) -> ChatMessage:
        """Press the button labelled ``label`` under ``message``."""
        try:
            data = message.button(label)
        except LookupError as exc:
            raise ScenarioError(f"user {self.user_id}: {exc}") from None
        return await self.tap_data(message, data, kind, replies)

    async def tap_data(
        self, message: ChatMessage, data: str, kind: str, replies: int = 1
    ) -> ChatMessage:
        started = await self._pause()
        update = await self.stub.press(self.user_id, message.message_id, data)
        return (await self._act(kind, "tap", update, started, replies))[-1]


def expect(message: ChatMessage, fragment: str, user: SimUser) -> ChatMessage:
    if fragment.lower() not in message.text.lower():
        raise ScenarioError(
            f"user {user.user_id}: expected {fragment!r} in the bot's reply, got "
            f"{message.text[:120]!r}"
        )
    return message


# -- the Backstep conversation ---------------------------------------------------------------


async def onboard(user: SimUser) -> ChatMessage:
    """/start to the summary (as tests/stories/helpers.py ``onboard``): 40 updates.

    Each answered question is closed as its answer (an edit) and the next comes as a new
    card: two replies a tap."""
    greeting = await user.send("/start", COMMAND)
    screen = await user.tap(greeting, "I agree", ONBOARDING, replies=2)
    baseline = await user.tap(screen, "No, none of these", ONBOARDING, replies=2)
    expect(baseline, "0 (no pain) to 10", user)
    after_pain = await user.tap(baseline, "3", ONBOARDING, replies=2)
    after_reach = await user.tap(after_pain, "Buttock", ONBOARDING, replies=2)
    expect(after_reach, "daily reminder", user)
    ask_zone = await user.tap(after_reach, "07:30", ONBOARDING, replies=2)
    expect(ask_zone, "time zone", user)
    card = await user.send("Europe/Berlin", ONBOARDING, replies=2)
    # STarT Back (low risk), then Roland-Morris (every sentence left blank), one item a card;
    # the last item of each also says what its score means.
    for label, count in (("Disagree", 8), ("Not at all", 1), ("Leave blank", 24)):
        for n in range(count):
            last = label != "Disagree" and n == count - 1
            expect(card, "question", user)
            card = await user.tap(card, label, ONBOARDING, replies=3 if last else 2)
    return expect(card, "All set", user)


async def session(user: SimUser, summary: ChatMessage | None) -> ChatMessage:
    """One guided session: open it, pain before, every step, pain after; returns the summary.

    From the onboarding summary the user taps "Start today's session"; later sessions start
    with /today, and on a day whose session is done with its "Extra gentle session".
    """
    if summary is not None:
        ask = await user.tap(summary, "Start today's session", COMMAND)
    else:
        ask = await user.send("/today", COMMAND)
        if ask.has_button("Extra gentle session"):  # the day's session is done already
            ask = await user.tap(ask, "Extra gentle session", COMMAND)
    expect(ask, "how bad is your pain right now", user)
    step = await user.tap(ask, "2", PAIN_REPORT, replies=2)
    for _ in range(200):
        if "last one" in step.text:
            break
        label = "Done" if step.has_button("Done") else "Next"
        step = await user.tap(step, label, SESSION_STEP)
    else:
        raise ScenarioError(f"user {user.user_id}: the session never ended")
    return await user.tap(step, "2", PAIN_REPORT, replies=2)


async def backstep_user(user: SimUser, sessions: int | None) -> None:
    """A new user: onboarding, then ``sessions`` guided sessions (None: until time is up)."""
    opener: ChatMessage | None = await onboard(user)
    done = 0
    while sessions is None or done < sessions:
        await session(user, opener)
        opener = None
        done += 1


async def returning_user(user: SimUser) -> None:
    """An onboarded user doing guided sessions with /today until time is up."""
    while True:
        await session(user, None)


# -- the echo baseline's users ---------------------------------------------------------------


async def echo_user(user: SimUser, script: Script, repeat: bool = False) -> None:
    """Replays a Backstep user's actions against the echo bot, which answers each with the
    same number of new messages and edits Backstep did (bench/botproc.py), so both bots get
    the same mix of messages and button presses and make the same Bot API calls.
    With ``repeat`` it starts over until time is up.
    """
    last: ChatMessage | None = None
    while True:
        for n, act in enumerate(script):
            replies = max(1, act.sent + act.edited)  # every Backstep answer shows something
            if act.action == "tap" and last is not None and last.buttons:
                last = await user.tap_data(last, "again", COMMAND, replies)
            else:
                last = await user.send(f"echo {n}", COMMAND, replies)
        if not repeat:
            return


async def run_users(
    stub: BotApiStub,
    ids: Sequence[int],
    behaviour: Any,
    *args: Any,
    reply_within: float = 60.0,
    think: Callable[[], float] | None = None,
    duration: float | None = None,
) -> tuple[Log, float]:
    """Run one simulated user per id concurrently; returns their log and the wall time.

    With ``duration`` users stop at their first action after that many seconds.
    """
    log = Log()
    async with Watcher(stub) as watcher:
        deadline = time.perf_counter() + duration if duration is not None else None

        async def one(user_id: int) -> None:
            user = SimUser(
                stub, watcher, user_id, log, timeout=reply_within, think=think, deadline=deadline
            )
            try:
                await behaviour(user, *args)
            except TimeUp:
                pass
            except ScenarioError as exc:
                log.errors.append(str(exc))

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in ids))
        elapsed = time.perf_counter() - started
    return log, elapsed
