"""Message text as Telegram sees it: formatting parsed out, length counted in UTF-16.

Limits such as "1-4096 characters after entities parsing" apply to the text a user reads,
with HTML tags or MarkdownV2 markers removed, and Telegram counts characters in UTF-16 code
units (an emoji outside the Basic Multilingual Plane counts twice).  A bot that builds long
messages or sends unescaped "<" or "." must fail here exactly where it would fail on
Telegram, so this module parses the three ``parse_mode`` dialects far enough to reproduce
Telegram's refusals ("can't parse entities: ...") and to produce the resulting entities.

Not emulated: automatic detection of URLs, mentions and hashtags in bot messages, and the
finer points of MarkdownV2 (nested underline/italic ambiguity, expandable blockquotes).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.stub.errors import bad_request

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity covers (``offset`` and ``length`` in UTF-16 units)."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


class EntityParseError(Exception):
    """The text's markup is malformed; the message is Telegram's wording after the prefix."""


@dataclass(frozen=True, slots=True)
class FormattedText:
    """Text as delivered to the user, with its entities (offsets in UTF-16 units)."""

    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def format_text(
    text: str, parse_mode: str | None, entities: Iterable[Mapping[str, Any]] | None = None
) -> FormattedText:
    """Parse ``text`` the way Telegram does for ``parse_mode`` (or take explicit ``entities``).

    Leading and trailing whitespace is removed, as Telegram removes it, so a text of only
    spaces is empty.  Raises :class:`BotApiError` for an unknown mode or broken markup.
    """
    if entities is not None:
        result = FormattedText(text, tuple(dict(e) for e in entities))
    elif not parse_mode:
        result = FormattedText(text)
    else:
        mode = parse_mode.lower()
        parser = _PARSERS.get(mode)
        if parser is None:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        try:
            result = parser(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    return _strip(result)


def _strip(formatted: FormattedText) -> FormattedText:
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    if not stripped:
        return FormattedText("")
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(0, int(entity["offset"]) - shift)
        end = min(size, int(entity["offset"]) + int(entity["length"]) - shift)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, tuple(entities))


@dataclass
class _Builder:
    """Accumulates plain text and knows the current UTF-16 offset."""

    parts: list[str] = field(default_factory=list)
    offset: int = 0
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update(extra)

    def result(self) -> FormattedText:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), tuple(self.entities))


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


# -- HTML -------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR = re.compile(r"""([A-Za-z-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_HTML_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|lt|gt|amp|quot|apos|nbsp);")


@dataclass
class _OpenTag:
    name: str
    kind: str
    start: int
    attrs: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape((m.group(2) or "").strip("\"'"))
        for m in _ATTR.finditer(text)
    }


def parse_html(src: str) -> FormattedText:
    """Telegram's HTML dialect: a fixed set of tags, properly nested, ``&``-escapes."""
    out = _Builder()
    stack: list[_OpenTag] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            match = _HTML_ENTITY.match(src, i)
            if match:
                out.add(html.unescape(match.group(0)))
                i = match.end()
                continue
            out.add(ch)
            i += 1
        elif ch != "<":
            j = min((k for k in (src.find("<", i), src.find("&", i)) if k != -1), default=n)
            out.add(src[i:j])
            i = j
        elif src.startswith("</", i):
            i = _close_tag(src, i, stack, out)
        else:
            i = _open_tag(src, i, stack, out)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _open_tag(src: str, i: int, stack: list[_OpenTag], out: _Builder) -> int:
    match = _TAG_NAME.match(src, i + 1)
    end = src.find(">", i)
    name = match.group(0).lower() if match else ""
    if not match or name not in _HTML_TAGS:
        shown = match.group(0) if match else src[i + 1 : (end if end != -1 else i + 1)]
        raise EntityParseError(
            f'Unsupported start tag "{shown}" at byte offset {_byte_offset(src, i)}'
        )
    if end == -1:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, i)}")
    attrs = _attrs(src[match.end() : end])
    kind = _HTML_TAGS[name]
    extra: dict[str, Any] = {}
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError('Tag "span" must have class "tg-spoiler"')
    if name == "a":
        href = attrs.get("href", "")
        user_id = href.removeprefix("tg://user?id=")
        if user_id != href and user_id.isdigit():
            kind = "text_mention"
            extra["user"] = {"id": int(user_id), "is_bot": False, "first_name": ""}
        else:
            extra["url"] = href
    elif name == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    elif name == "tg-emoji":
        extra["custom_emoji_id"] = attrs.get("emoji-id", "")
    stack.append(_OpenTag(name, kind, out.offset, attrs, extra))
    return end + 1


def _close_tag(src: str, i: int, stack: list[_OpenTag], out: _Builder) -> int:
    end = src.find(">", i)
    if end == -1:
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(src, i)}")
    name = src[i + 2 : end].strip().lower()
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(src, i)}")
    top = stack.pop()
    if name and name != top.name:
        raise EntityParseError(
            f"Unmatched end tag at byte offset {_byte_offset(src, i)}, "
            f'expected "</{top.name}>", found "</{name}>"'
        )
    language = top.attrs.get("class", "")
    if (
        top.name == "code"
        and stack
        and stack[-1].name == "pre"
        and language.startswith("language-")
    ):
        stack[-1].extra["language"] = language[len("language-") :]
    else:
        out.entity(top.kind, top.start, **top.extra)
    return end + 1


# -- MarkdownV2 -------------------------------------------------------------------------

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "`": "Code",
    "```": "Pre",
    "[": "TextUrl",
}
_MDV2_KINDS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
    "`": "code",
    "```": "pre",
}


@dataclass
class _Open:
    marker: str
    start: int
    index: int
    extra: dict[str, Any] = field(default_factory=dict)


def parse_markdown_v2(src: str) -> FormattedText:
    """MarkdownV2: entity markers, and every other reserved character escaped with ``\\``."""
    out = _Builder()
    stack: list[_Open] = []
    quote_start: int | None = None
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        top = stack[-1].marker if stack else None
        if ch == "\\":
            if i + 1 < n and 1 <= ord(src[i + 1]) <= 126:
                out.add(src[i + 1])
                i += 2
                continue
            raise EntityParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if top in ("`", "```"):
            if src.startswith("```", i) and top == "```":
                opened = stack.pop()
                out.entity("pre", opened.start, **opened.extra)
                i += 3
            elif ch == "`" and top == "`":
                opened = stack.pop()
                out.entity("code", opened.start)
                i += 1
            else:
                out.add(ch)
                i += 1
            continue
        if ch == "\n" and quote_start is not None and not src.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
        if ch == ">" and (i == 0 or src[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.offset
            i += 1
            continue
        marker = _marker_at(src, i)
        if marker is None:
            if ch in _MDV2_RESERVED:
                raise EntityParseError(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            out.add(ch)
            i += 1
            continue
        i = _markdown_v2_marker(src, i, marker, stack, out)
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    if stack:
        opened = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[opened.marker]} entity at byte offset "
            f"{_byte_offset(src, opened.index)}"
        )
    return out.result()


def _marker_at(src: str, i: int) -> str | None:
    for marker in ("```", "__", "||", "*", "_", "~", "`", "[", "]"):
        if src.startswith(marker, i):
            return marker
    return None


def _markdown_v2_marker(src: str, i: int, marker: str, stack: list[_Open], out: _Builder) -> int:
    if marker == "]":
        if not stack or stack[-1].marker != "[":
            raise EntityParseError(
                "Character ']' is reserved and must be escaped with the preceding '\\'"
            )
        if not src.startswith("(", i + 1):
            raise EntityParseError(
                "Character ']' is reserved and must be escaped with the preceding '\\'"
            )
        url, end = _link_target(src, i + 2)
        opened = stack.pop()
        out.entity("text_link", opened.start, url=url)
        return end
    if marker == "```":
        newline = src.find("\n", i + 3)
        closing = src.find("```", i + 3)
        extra: dict[str, Any] = {}
        body = i + 3
        if newline != -1 and (closing == -1 or newline < closing):
            language = src[i + 3 : newline]
            if not any(c.isspace() or c == "`" for c in language):
                body = newline + 1
                if language:
                    extra["language"] = language
        stack.append(_Open(marker, out.offset, i, extra))
        return body
    if marker == "[":
        if any(o.marker == "[" for o in stack):
            raise EntityParseError(
                "Character '[' is reserved and must be escaped with the preceding '\\'"
            )
        stack.append(_Open(marker, out.offset, i))
        return i + 1
    if stack and stack[-1].marker == marker:
        opened = stack.pop()
        out.entity(_MDV2_KINDS[marker], opened.start)
        return i + len(marker)
    if any(o.marker == marker for o in stack):
        opened = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[opened.marker]} entity at byte offset "
            f"{_byte_offset(src, opened.index)}"
        )
    stack.append(_Open(marker, out.offset, i))
    return i + len(marker)


def _link_target(src: str, i: int) -> tuple[str, int]:
    chars: list[str] = []
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src):
            chars.append(src[i + 1])
            i += 2
            continue
        if ch == ")":
            return "".join(chars), i + 1
        chars.append(ch)
        i += 1
    raise EntityParseError("Can't find end of a URL")


# -- legacy Markdown --------------------------------------------------------------------

_MD_KINDS = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


def parse_markdown(src: str) -> FormattedText:
    """Legacy Markdown: ``*bold*``, ``_italic_``, code, pre and ``[text](url)``, no nesting."""
    out = _Builder()
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        marker = "```" if src.startswith("```", i) else ch
        if marker in _MD_KINDS:
            end = src.find(marker, i + len(marker))
            if end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}"
                )
            start = out.offset
            out.add(src[i + len(marker) : end])
            out.entity(_MD_KINDS[marker], start)
            i = end + len(marker)
        elif ch == "[":
            close = src.find("](", i)
            end = src.find(")", close + 2) if close != -1 else -1
            if close == -1 or end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}"
                )
            start = out.offset
            out.add(src[i + 1 : close])
            out.entity("text_link", start, url=src[close + 2 : end])
            i = end + 1
        else:
            out.add(ch)
            i += 1
    return out.result()


_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


# -- what clients add to user messages ---------------------------------------------------

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


def command_entities(text: str) -> tuple[Entity, ...]:
    """``bot_command`` entities Telegram attaches to a user's text (``/start``, ``/help@bot``)."""
    entities: list[Entity] = []
    for match in _COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return tuple(entities)


def check_length(
    formatted: FormattedText, *, maximum: int, too_long: str, empty: str | None
) -> None:
    """Refuse text outside Telegram's limits (``empty`` None means empty is allowed)."""
    if empty is not None and not formatted.text:
        raise bad_request(empty)
    if formatted.length > maximum:
        raise bad_request(too_long)


__all__ = [
    "EntityParseError",
    "FormattedText",
    "check_length",
    "command_entities",
    "format_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]
