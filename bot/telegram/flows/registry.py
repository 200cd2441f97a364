"""Every dialog the bot has, by the name its ``dialogs`` rows carry: the one table of flows."""

from __future__ import annotations

from typing import Any

from bot.telegram.flows import (
    checkin,
    confirm,
    erase,
    onboarding,
    questionnaire,
    resume,
    screen,
    session,
    settings,
    sharing,
)
from bot.telegram.flows.graph import Graph

GRAPHS: dict[str, Graph[Any, Any]] = {
    graph.name: graph
    for graph in (
        onboarding.GRAPH,
        screen.GRAPH,
        checkin.GRAPH,
        session.GRAPH,
        confirm.GRAPH,
        resume.GRAPH,
        settings.GRAPH,
        erase.GRAPH,
        sharing.GRAPH,
        questionnaire.GRAPH,
    )
}
