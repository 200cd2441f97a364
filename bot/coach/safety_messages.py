"""The words for safety decisions, from ``bot/content/safety.yaml``.

Kept apart from the rules so the rules stay free of wording and the wording can be reviewed (by a
clinician, or a translator) in one file. Everything here is pure: a decision in, plain text out.
The texts never diagnose; see the rules at the top of safety.yaml.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any, Final

import yaml

from bot.coach.safety import (
    MINIMAL_IMPORTANT_CHANGE,
    NEWS_CODES,
    SCREEN_QUESTIONS,
    TOO_HIGH_TO_EXERCISE,
    Code,
    Decision,
    Level,
    Reach,
    Reason,
    Symptom,
)

#: Telegram's limit for one message.
MAX_MESSAGE_CHARS: Final = 4096


@cache
def _texts() -> Mapping[str, Any]:
    raw = files("bot.content").joinpath("safety.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError("safety.yaml must be a mapping")
    missing = sorted(_required_keys() - _flat_keys(data))
    if missing:
        # Fail at first use rather than send a half-empty safety message.
        raise ValueError(f"safety.yaml lacks: {', '.join(missing)}")
    return data


def _flat_keys(data: Mapping[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            keys |= _flat_keys(value, f"{name}.")
        else:
            keys.add(name)
    return keys


def _required_keys() -> set[str]:
    reason_keys = {
        f"reasons.{code.value}"
        for code in Code
        if code is not Code.NOT_SETTLED and code not in NEWS_CODES
    }
    news_keys = {f"news.{code.value}" for code in NEWS_CODES}
    return {
        "call.operator",
        "call.fallback",
        "emergency",
        "physician",
        "caution",
        "caution_action.too_hard",
        "caution_action.too_hard_many",
        "caution_action.ease",
        "caution_action.left_out",
        "caution_action.left_out_many",
        "good_news",
        "too_high_to_exercise",
        "reasons.after_session_pain_rise",
        "bullet",
        "baseline.start",
        "baseline.recent",
        "this_exercise",
        "screen.intro",
        "reasons.not_settled",
        "reasons.not_settled_scores",
        "reasons.not_settled_worse",
        *reason_keys,
        *news_keys,
        *(f"reach.{reach.name.lower()}" for reach in Reach),
        *(f"symptoms.{symptom.value}" for symptom in Symptom),
        *(question.key for question in SCREEN_QUESTIONS),
    }


def text(key: str, **values: object) -> str:
    """The text at a dotted ``key`` (``"screen.intro"``) with its ``{placeholders}`` filled."""
    node: Any = _texts()
    for part in key.split("."):
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{key} is a section, not a text")
    return node.strip().format_map(values)


def emergency_call(number: str | None) -> str:
    """'call 112' with the operator's number, else a plain pointer to the local number."""
    number = (number or "").strip()
    if number:
        return text("call.operator", number=number)
    return text("call.fallback")


def symptom_phrase(symptom: Symptom) -> str:
    """A symptom in a few plain words, for use inside a sentence or as a list item."""
    return text(f"symptoms.{symptom.value}")


def screen_question(symptom: Symptom) -> str:
    """The yes/no question the red-flag screen asks about ``symptom``."""
    return text(f"screen.{symptom.value}")


def render(
    decision: Decision,
    emergency_number: str | None = None,
    *,
    exercise_names: Mapping[str, str] | None = None,
    at_easiest: Collection[str] = (),
) -> str:
    """The message for ``decision``; an empty string when there is nothing to say.

    EMERGENCY names only the emergency reasons, so nothing distracts from "go now". PHYSICIAN
    lists every reason. CAUTION lists its reasons and says what will be eased. NONE speaks only
    when there is good news (``decision.news``: centralising, or improved by the minimal
    important change); callers must call ``render`` for NONE decisions too, or the good news is
    lost. A caution or worse never adds good news: one voice per reply.

    ``at_easiest`` are the exercise ids among ``decision.too_hard`` that are already at their
    easiest step (progression said ``at_easiest``): the caution says they are left out rather
    than promising an easier version.
    """
    names = exercise_names or {}
    call = emergency_call(emergency_number)
    if decision.level is Level.EMERGENCY:
        shown = [r for r in decision.reasons if r.level is Level.EMERGENCY]
        return _fit("emergency", shown, names, call=call)
    if decision.level is Level.PHYSICIAN:
        return _fit("physician", list(decision.reasons), names, call=call)
    if decision.level is Level.CAUTION:
        action = _action(decision, names, frozenset(at_easiest))
        return _fit("caution", list(decision.reasons), names, action=action)
    return good_news(decision)


def good_news(decision: Decision) -> str:
    """The good-news lines of ``decision`` (empty when it has none)."""
    lines = [news_sentence(r) for r in decision.news]
    if not lines and decision.good_news:
        lines = [text("news.centralised")]
    if not lines:
        return ""
    return text("good_news", news="\n".join(lines))


def news_sentence(reason: Reason) -> str:
    """One piece of good news in plain words."""
    return text(f"news.{reason.code}", **dict(reason.detail))


def too_high_to_exercise(score: int) -> str:
    """What ``/today`` says before a session when ``safety.too_high_to_exercise(score)``: the
    pain is too high to start the exercises; the gentle option is offered instead."""
    return text("too_high_to_exercise", score=score, limit=TOO_HIGH_TO_EXERCISE)


def _fit(template: str, reasons: list[Reason], names: Mapping[str, str], **values: str) -> str:
    """Render ``template``, dropping trailing reasons if it would not fit one message."""
    lines = [text("bullet", text=reason_sentence(r, names)) for r in reasons]
    for keep in range(len(lines), 0, -1):
        shown = lines[:keep]
        if keep < len(lines):
            shown.append(text("bullet", text="…"))
        message = text(template, reasons="\n".join(shown), **values)
        if len(message) <= MAX_MESSAGE_CHARS:
            return message
    return text(template, reasons="", **values)[:MAX_MESSAGE_CHARS]


def _exercise_name(exercise_id: object, names: Mapping[str, str]) -> str:
    if not isinstance(exercise_id, str) or not exercise_id:
        return text("this_exercise")
    return names.get(exercise_id) or exercise_id.replace("_", " ")


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _action(decision: Decision, names: Mapping[str, str], at_easiest: frozenset[str]) -> str:
    if not decision.too_hard:
        return text("caution_action.ease")
    lines: list[str] = []
    easier = sorted(decision.too_hard - at_easiest)
    if easier:
        exercises = [_exercise_name(e, names) for e in easier]
        key = "caution_action.too_hard" if len(exercises) == 1 else "caution_action.too_hard_many"
        lines.append(text(key, exercises=_join(exercises)))
    lowest = sorted(decision.too_hard & at_easiest)
    if lowest:
        exercises = [_exercise_name(e, names) for e in lowest]
        key = "caution_action.left_out" if len(exercises) == 1 else "caution_action.left_out_many"
        lines.append(text(key, exercises=_join(exercises)))
    return "\n".join(lines)


def reason_sentence(reason: Reason, exercise_names: Mapping[str, str] | None = None) -> str:
    """One reason in plain words, e.g. "Your pain is now 7/10, up from about 3/10 when you
    started." Unknown details fall back to neutral wording rather than failing."""
    names = exercise_names or {}
    d = dict(reason.detail)
    code = Code(reason.code)
    values: dict[str, object] = dict(d)
    if code in (Code.EMERGENCY_SYMPTOM, Code.PHYSICIAN_SYMPTOM):
        values["symptom"] = symptom_phrase(Symptom(str(d["symptom"])))
    if code in (Code.PAIN_JUMP, Code.PAIN_WORSE):
        values["baseline"] = text(f"baseline.{d.get('baseline', 'start')}")
    if code in (Code.PAIN_SPREAD, Code.PAIN_SPREADING):
        values["from"] = text(f"reach.{d['from']}")
        values["to"] = text(f"reach.{d['to']}")
    if code in NEWS_CODES:
        return news_sentence(reason)
    if code is Code.SEVERE_LEG_PAIN:
        values["reach"] = text(f"reach.{d['reach']}")
    if code in (Code.EXERCISE_PAIN, Code.AFTER_SESSION_PAIN):
        values["exercise"] = _exercise_name(d.get("exercise"), names)
    key = f"reasons.{code.value}"
    if code is Code.AFTER_SESSION_PAIN and isinstance(d.get("before"), int):
        key = "reasons.after_session_pain_rise"
    if code is Code.NOT_SETTLED:
        before, morning = d.get("before"), d.get("morning")
        if (
            isinstance(before, int)
            and isinstance(morning, int)
            and morning - before >= MINIMAL_IMPORTANT_CHANGE
        ):
            key = "reasons.not_settled_scores"
        elif d.get("settled") == "worse":
            key = "reasons.not_settled_worse"
    return text(key, **values)


def symptom_list(symptoms: Iterable[Symptom]) -> str:
    """Symptoms as plain-word bullets in screen order (for a scanner confirmation prompt)."""
    wanted = set(symptoms)
    return "\n".join(
        text("bullet", text=symptom_phrase(q.symptom))
        for q in SCREEN_QUESTIONS
        if q.symptom in wanted
    )
