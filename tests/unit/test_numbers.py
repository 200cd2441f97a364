"""One parser for every number a user sends: ASCII digits, bounded, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.coach.numbers import parse_int
from bot.telegram.flows.answers import PAIN
from bot.telegram.flows.base import parse_pain
from bot.telegram.keyboards import decode


@pytest.mark.parametrize("text", ["²", "①", "٣", "７", "1²", "1\n", " 1", "-1", "+1", "", "1e3"])
def test_anything_but_ascii_digits_is_not_a_number(text: str) -> None:
    assert parse_int(text, 0, 10) is None


def test_ascii_digits_within_the_range_are_read() -> None:
    assert parse_int("0", 0, 10) == 0
    assert parse_int("10", 0, 10) == 10
    assert parse_int("11", 0, 10) is None
    assert parse_int("9" * 10, 0, 2**31) is None, "at most nine digits"


@pytest.mark.parametrize(
    "data", ["onboard:7:pain.²", "onboard:²:pain.7", "onboard:٣:x", "ｏｎ:1:x"]
)
def test_forged_callback_data_decodes_to_nothing_or_a_score_of_nothing(data: str) -> None:
    tap = decode(data)
    assert tap is None or PAIN.match(tap.action) is None


def test_a_typed_score_may_be_written_with_full_width_digits() -> None:
    assert parse_pain("７/10") == 7  # NFKC turns a phone's full-width digits into ASCII
    assert parse_pain("٧") is None


@given(st.text(max_size=70))
def test_decoding_any_callback_data_never_raises(data: str) -> None:
    tap = decode(data)
    if tap is not None:
        assert 0 <= tap.version < 2**31
        PAIN.match(tap.action)
