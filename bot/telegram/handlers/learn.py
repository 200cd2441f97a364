"""/learn: every short lesson, in the order of the user's risk group (✓: given already);
``/learn N`` reads one.

The lessons themselves come one at a time after sessions (:func:`bot.program.outcomes.next_lesson`);
here the user can reread one, or read ahead. Reading one here does not mark it as given.
"""

from __future__ import annotations

from bot.coach.numbers import parse_int
from bot.coach.outcomes import Risk
from bot.content.lessons import lesson_text, lessons
from bot.content.texts import quoted, t
from bot.program import outcomes
from bot.telegram.turn import Turn


async def show_lessons(turn: Turn, argument: str) -> None:
    group = await outcomes.risk(turn.work) or Risk.LOW
    ordered = lessons().ordered(group.value)
    if argument.strip():
        number = parse_int(argument.strip(), 1, len(ordered))
        if number is None:
            turn.say(t("learn_bad", text=quoted(argument.strip(), 20)))
        else:
            turn.say(lesson_text(ordered[number - 1]))
        return
    given = await outcomes.lessons_given(turn.work)
    lines = [
        t("learn_line_read" if lesson.id in given else "learn_line", number=n, title=lesson.title)
        for n, lesson in enumerate(ordered, start=1)
    ]
    turn.say(t("learn_list", lines="\n".join(lines)))
