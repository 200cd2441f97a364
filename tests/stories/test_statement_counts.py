"""How many SQL statements a pain report costs: a count, not a timing (issue 18).

A pain report runs the safety rules over the user's history, and the one that ends a session
runs progression and picks a lesson. Each reads the user's record in one statement
(``storage/record.py``) and the recent sessions with their steps in one more, so a pain
report's turn stays within :data:`PAIN_REPORT_LIMIT` statements whatever the history holds.
Counted as ``bench/queries.py`` counts them: a ``before_cursor_execute`` hook on the bot's
engine, here from the tap to the commit of its turn (sending the replies afterwards, an
exercise animation's file_id or a new card's message id, is the outbox's and not counted).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bot.stub.chat import ChatMessage
from tests.harness import BotUnderTest
from tests.stories.helpers import finish_exercises, onboard

PAIN_REPORT_LIMIT = 8
ALEX = 2101


@dataclass
class Statements:
    """Statements run on the bot's engine, in order, up to the first commit."""

    sql: list[str] = field(default_factory=list)
    committed: bool = False

    def summary(self) -> str:
        return "\n".join(" ".join(s.split())[:120] for s in self.sql)


@contextmanager
def counting(bot: BotUnderTest) -> Iterator[Statements]:
    found = Statements()
    engine = bot.db.engine.sync_engine

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not found.committed:
            found.sql.append(statement)

    def on_commit(conn: Any) -> None:
        found.committed = found.committed or bool(found.sql)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


async def tap_counted(
    bot: BotUnderTest, message: ChatMessage, label: str
) -> tuple[ChatMessage, Statements]:
    await bot.handled()
    with counting(bot) as statements:
        shown = await bot.tap(ALEX, message, label)
        await bot.handled()
    assert statements.committed, "the turn committed"
    return shown, statements


def within_limit(statements: Statements, what: str) -> None:
    assert len(statements.sql) <= PAIN_REPORT_LIMIT, (
        f"{what} cost {len(statements.sql)} statements (limit {PAIN_REPORT_LIMIT}):\n"
        + statements.summary()
    )


async def test_a_pain_report_costs_at_most_eight_statements(bot: BotUnderTest) -> None:
    summary = await onboard(bot, ALEX)
    ask = await bot.tap(ALEX, summary, "Start today's session")
    step, before = await tap_counted(bot, ask, "2")
    within_limit(before, "the pain before the session")

    hurt = await bot.tap(ALEX, step, "Too painful")
    _, during = await tap_counted(bot, hurt, "6")
    within_limit(during, "the pain during an exercise")

    await bot.unread(ALEX)  # what was said about it: read
    (next_exercise,) = await bot.live_cards(ALEX)
    ask_after = await finish_exercises(bot, ALEX, next_exercise)
    shown, after = await tap_counted(bot, ask_after, "2")
    assert "Session finished" in shown.text
    within_limit(after, "the pain after the session (rules, progression and the lesson)")
