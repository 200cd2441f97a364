"""Text as Telegram sees it: markup parsed away, entities in UTF-16 offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.stub.errors import BotApiError
from bot.stub.formatting import command_entities, format_text, utf16_len


def test_html_becomes_plain_text_with_entities() -> None:
    formatted = format_text(
        '<b>Stop</b> &amp; call <a href="https://example.org">your doctor</a> 😀 <i>now</i>',
        "HTML",
    )

    assert formatted.text == "Stop & call your doctor 😀 now"
    assert formatted.entities == (
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "text_link", "offset": 12, "length": 11, "url": "https://example.org"},
        {"type": "italic", "offset": 27, "length": 3},  # the emoji counts two units
    )


def test_markdown_v2_with_escapes_parses_and_unescaped_reserved_characters_do_not() -> None:
    formatted = format_text(r"*Day 3*: pain 4/10 \(better\)\.", "MarkdownV2")

    assert formatted.text == "Day 3: pain 4/10 (better)."
    assert formatted.entities == ({"type": "bold", "offset": 0, "length": 5},)
    with pytest.raises(BotApiError, match="Character '!' is reserved"):
        format_text("Well done!", "MarkdownV2")
    with pytest.raises(BotApiError, match="Can't find end of Bold entity"):
        format_text("*never closed", "MarkdownV2")


def test_an_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(BotApiError, match="unsupported parse_mode"):
        format_text("hi", "RTF")


def test_leading_and_trailing_whitespace_is_trimmed_like_telegram() -> None:
    formatted = format_text("\n  <b>hi</b>  \n", "HTML")

    assert formatted.text == "hi"
    assert formatted.entities == ({"type": "bold", "offset": 0, "length": 2},)


def test_lengths_are_counted_in_utf16_code_units() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1


def test_user_commands_get_bot_command_entities() -> None:
    assert command_entities("/pain 4") == ({"type": "bot_command", "offset": 0, "length": 5},)
    assert command_entities("no command here") == ()


_PIECES = [*"ab <>/&;*_~|`[]()\\\n>.!é😀", "<b>", "</b>", "<i>", "</i>", '<a href="x">', "</a>"]
_PIECES += ["```", "||", "__", "&amp;", "&lt;", '<pre><code class="language-py">', "</code></pre>"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=25).map("".join),
    st.sampled_from(["HTML", "MarkdownV2", "Markdown", None]),
)
def test_any_text_is_either_parsed_into_valid_entities_or_refused(
    text: str, mode: str | None
) -> None:
    try:
        formatted = format_text(text, mode)
    except BotApiError as exc:
        assert exc.description.startswith("Bad Request: can't parse entities: ")
        return
    for entity in formatted.entities:
        assert entity["length"] > 0
        assert 0 <= entity["offset"] <= entity["offset"] + entity["length"] <= formatted.length
