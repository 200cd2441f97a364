"""Progression on a Telegram turn: runs :mod:`bot.program.progression` with the turn's unit of
work and queues what it has to tell the user as one reply.

Kept so the flows can go on calling ``progressing.after_session(turn, session)`` and
``progressing.after_settled(turn)``; new callers can call the program layer directly.
"""

from __future__ import annotations

from bot.program import progression
from bot.telegram.turn import Turn
from storage import models


def _tell(turn: Turn, outcome: progression.Progressed) -> list[str]:
    message = outcome.message
    if message is not None:
        turn.say(message)
    return list(outcome.lines)


async def after_session(turn: Turn, session: models.ExerciseSession) -> list[str]:
    """Call when a session has ended (status set): eases what hurt, tells the user."""
    return _tell(turn, await progression.after_session(turn.work, session))


async def after_settled(turn: Turn) -> list[str]:
    """Call when the next morning's "settled?" answer is stored: moves up what went well twice
    (never while the program is paused), tells the user."""
    return _tell(turn, await progression.after_settled(turn.work))
