"""The /progress chart against reviewed images: a change to the chart is a reviewed change.

Each case renders a user's data and compares it with ``tests/unit/chart_baselines/NAME.png``
using matplotlib's own image comparison (RMS over pixels, with a small tolerance for
FreeType and anti-aliasing differences between machines). A failing comparison leaves the
new picture and the difference in ``test-artifacts/charts/``. After an intended change, look
at the new pictures, then write them as the baselines with
``BACKSTEP_UPDATE_CHART_BASELINES=1 .venv/bin/pytest tests/unit/test_charts.py`` and commit
them with the change.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import charts
from bot.charts import render_pain_chart
from bot.telegram.handlers.progress import chart_labels

BASELINES = Path(__file__).with_name("chart_baselines")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "charts"
#: RMS difference (0-255 scale) allowed: text edges vary a little between FreeType builds.
TOLERANCE = 2.0
TODAY = date(2026, 3, 4)  # a Wednesday


@dataclass(frozen=True)
class History:
    daily: dict[date, float]
    sessions: frozenset[date]
    reach: dict[date, int]
    baseline: int
    first: date


def days_back(count: int) -> list[date]:
    return [TODAY - timedelta(days=count - 1 - i) for i in range(count)]


def three_days() -> History:
    days = days_back(3)
    return History(
        daily=dict(zip(days, (6.0, 5.5, 5.0), strict=True)),
        sessions=frozenset(days[1:]),
        reach=dict(zip(days, (3, 3, 2), strict=True)),
        baseline=6,
        first=TODAY - timedelta(days=6),  # a week wide, the data on the right
    )


def three_weeks() -> History:
    """Pain easing from 6 to 3 and centralising from below the knee to the back."""
    days = days_back(21)
    pain = [6, 6, 7, 6, 5, 6, 5, 5, 4, 5, 4, 4, 5, 4, 3, 4, 3, 3, 4, 3, 3]
    reach = [3, 3, 3, 3, 2, 3, 2, 2, 2, 2, 1, 2, 1, 1, 1, 1, 0, 1, 0, 0, 0]
    return History(
        daily=dict(zip(days, map(float, pain), strict=True)),
        sessions=frozenset(d for i, d in enumerate(days) if i % 7 not in (3, 6)),
        reach=dict(zip(days, reach, strict=True)),
        baseline=6,
        first=days[0],
    )


def eight_weeks() -> History:
    """Eight weeks with quiet spells: a flare in week four that spread to the thigh, and
    days without a score (the line joins the days that have one)."""
    days = days_back(56)
    daily: dict[date, float] = {}
    reach: dict[date, int] = {}
    for i, day in enumerate(days):
        if i % 9 in (4, 5):
            continue  # no check-in that day
        flare = 2 if 21 <= i <= 26 else 0
        daily[day] = max(0.0, 5.5 - i / 14 + flare + (i % 3) * 0.5)
        reach[day] = 2 if flare else (1 if i < 35 else 0)
    return History(
        daily=daily,
        sessions=frozenset(d for i, d in enumerate(days) if i % 9 not in (4, 5, 7)),
        reach=reach,
        baseline=5,
        first=days[0],
    )


CASES = {"3-days": three_days, "3-weeks": three_weeks, "8-weeks": eight_weeks}


def render(history: History) -> bytes:
    return render_pain_chart(
        history.daily,
        history.sessions,
        history.reach,
        baseline=history.baseline,
        first=history.first,
        last=TODAY,
        labels=chart_labels(),
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_chart_looks_like_its_reviewed_image(name: str, tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    actual = tmp_path / f"{name}.png"
    actual.write_bytes(render(CASES[name]()))
    expected = BASELINES / f"{name}.png"
    if os.environ.get("BACKSTEP_UPDATE_CHART_BASELINES"):
        BASELINES.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
    assert expected.exists(), f"no baseline {expected}: see this module's docstring"
    problem = compare_images(str(expected), str(actual), tol=TOLERANCE)
    if problem is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for made in tmp_path.iterdir():
            shutil.copyfile(made, ARTIFACTS / made.name)
        pytest.fail(f"{name}: {problem} (new picture in {ARTIFACTS})")


def test_the_picture_is_for_a_phone() -> None:
    width, height = (round(side * charts.DPI) for side in charts.SIZE_INCHES)
    assert (width, height) == (720, 880)
    shown = 330 / width  # Telegram shows a photo about 330 px wide on a phone
    smallest_px = charts.FONT_POINTS / 72 * charts.DPI * shown
    assert smallest_px >= 10, "every word stays readable on the phone"


@pytest.mark.parametrize(
    ("span", "ticks"),
    [(6, [0, 2, 4, 6]), (20, [6, 13, 20]), (55, [13, 27, 41, 55]), (2, [0, 1, 2])],
)
def test_dates_under_the_chart_end_on_today_and_fit(span: int, ticks: list[int]) -> None:
    assert charts.tick_days(span) == ticks
