"""/exercises and /exercise NAME: the library, browsable at any time, outside any flow.

Library buttons are stateless (``lib:...``) so they never go stale; they are still checked
against the catalog because callback data is user input.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.coach.catalog import Catalog, Exercise, render_full
from bot.content.texts import t
from bot.telegram.keyboards import library_keyboard
from bot.telegram.media import animation_key
from bot.telegram.turn import Turn


def _categories_markup(catalog: Catalog) -> InlineKeyboardMarkup:
    return library_keyboard([[(t(f"category.{c}"), f"cat:{c}")] for c in catalog.categories()])


def show_library(turn: Turn) -> None:
    turn.show(t("library_intro"), _categories_markup(turn.services.catalog))


def _show_card(turn: Turn, exercise: Exercise) -> None:
    """The exercise's animation, then its full card with its easier and harder versions as
    "See also" buttons."""
    catalog = turn.services.catalog
    key = animation_key(exercise)
    if key is not None:
        turn.animate(key)
    related = [e for e in (catalog.easier(exercise), catalog.harder(exercise)) if e is not None]
    if not related:
        turn.say(render_full(exercise))
        return
    turn.say(
        f"{render_full(exercise)}\n\n{t('library_see_also')}",
        library_keyboard([[(e.name, f"ex:{e.id}")] for e in related]),
    )


def show_exercise(turn: Turn, query: str) -> None:
    catalog = turn.services.catalog
    query = query.strip()[:100]
    if not query:
        turn.say(t("library_usage"))
        return
    exact = catalog.exact(query)
    if exact is not None:
        _show_card(turn, exact)
        return
    matches = catalog.find(query)
    if not matches:
        turn.say(t("library_not_found", query=query), _categories_markup(catalog))
        return
    best = matches[0]
    _show_card(turn, best)
    others = [m for m in matches[1:4] if m.id != best.id]
    if others:
        turn.say(
            t("library_did_you_mean"),
            library_keyboard([[(m.name, f"ex:{m.id}")] for m in others]),
        )


def on_tap(turn: Turn, data: str) -> None:
    """``data`` is what follows ``lib:``."""
    catalog = turn.services.catalog
    kind, _, value = data.partition(":")
    if kind == "home":
        show_library(turn)
    elif kind == "cat" and value in catalog.categories():
        rows = [[(e.name, f"ex:{e.id}")] for e in catalog.by_category(value)]
        rows.append([(t("library_back"), "home:")])
        turn.show(t("library_category", category=t(f"category.{value}")), library_keyboard(rows))
    elif kind == "ex" and value in {e.id for e in catalog.all()}:
        _show_card(turn, catalog.get(value))
    else:
        turn.callback_answer = t("unknown_button")
