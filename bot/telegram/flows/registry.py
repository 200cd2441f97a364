"""Flow name -> flow, so the dispatcher can find the flow a dialog row names."""

from __future__ import annotations

from functools import cache

from bot.telegram.flows.base import Flow


@cache
def _flows() -> dict[str, Flow]:
    from bot.telegram.flows import (
        checkin,
        confirm,
        erase,
        onboarding,
        resume,
        screen,
        session,
        settings,
    )

    return {
        f.name: f
        for f in (
            onboarding.FLOW,
            screen.FLOW,
            session.FLOW,
            confirm.FLOW,
            checkin.FLOW,
            settings.FLOW,
            resume.FLOW,
            erase.FLOW,
        )
    }


def get(name: str) -> Flow | None:
    return _flows().get(name)
