"""The Telegram Bot API as data: every method and type with its fields.

``api.json`` next to this module is the Telegram Bot API 10.1 (June 11, 2026) in machine
readable form, scraped from Telegram's own documentation by the public project
PaulSonOfLars/telegram-bot-api-spec (MIT licence, copyright 2020 Paul Larsen), at its
commit 160fd99 (copied from /work/shared/telegram-bot-api).

The stand-in checks every request against it, so that a call the real Telegram would reject
(unknown method, missing or unknown field, wrong type) fails in our tests too instead of
passing silently and breaking in production.  The file is large, so it is parsed once, on
first use, and cached for the life of the process.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

API_JSON = Path(__file__).with_name("api.json")

PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "InputFile"})
_ARRAY_PREFIX = "Array of "
_MUST_BE = re.compile(r'(?:must be|always)\s+[“"]?([A-Za-z_]+)[”"]?')


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method: its exact name and the parameters it accepts."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A Bot API object type.

    ``fields`` is None for opaque types (InputFile, CallbackGame...) that have no documented
    fields; ``subtypes`` lists the alternatives of union types such as BotCommandScope, and
    ``tag`` is the value a subtype's discriminating field must have ("chat" for
    BotCommandScopeChat), found in the field description ("must be chat").
    """

    name: str
    fields: dict[str, FieldSpec] | None
    subtypes: tuple[str, ...]
    tag: tuple[str, str] | None


def element_type(type_name: str) -> str | None:
    """``"Array of X"`` -> ``"X"``; None when ``type_name`` is not an array."""
    if type_name.startswith(_ARRAY_PREFIX):
        return type_name[len(_ARRAY_PREFIX) :]
    return None


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """Lookup of methods (case-insensitively, as Telegram matches them) and types."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, TypeSpec]

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name`` in any letter case, as Telegram accepts it."""
        return self.methods.get(name.lower())

    def type(self, name: str) -> TypeSpec | None:
        return self.types.get(name)


def _fields(raw: list[dict[str, Any]] | None) -> dict[str, FieldSpec] | None:
    if raw is None:
        return None
    return {
        f["name"]: FieldSpec(
            name=f["name"],
            types=tuple(f["types"]),
            required=bool(f["required"]),
            description=str(f.get("description", "")),
        )
        for f in raw
    }


def _tag(fields: dict[str, FieldSpec] | None) -> tuple[str, str] | None:
    """The (field, value) pair that identifies a union subtype, e.g. ("type", "chat")."""
    if not fields:
        return None
    for field in fields.values():
        if field.required and field.types == ("String",):
            match = _MUST_BE.search(field.description)
            if match:
                return field.name, match.group(1)
    return None


def parse_spec(data: dict[str, Any]) -> ApiSpec:
    """Build the lookup tables from the decoded ``api.json`` document."""
    methods = {
        name.lower(): MethodSpec(
            name=name,
            fields=_fields(m.get("fields")) or {},
            returns=tuple(m.get("returns", ())),
        )
        for name, m in data["methods"].items()
    }
    types: dict[str, TypeSpec] = {}
    for name, t in data["types"].items():
        fields = _fields(t.get("fields"))
        types[name] = TypeSpec(
            name=name,
            fields=fields,
            subtypes=tuple(t.get("subtypes", ())),
            tag=_tag(fields) if t.get("subtype_of") else None,
        )
    return ApiSpec(version=str(data.get("version", "")), methods=methods, types=types)


@functools.cache
def load_spec() -> ApiSpec:
    """The Bot API description shipped with the stand-in, parsed once per process."""
    with API_JSON.open(encoding="utf-8") as fh:
        return parse_spec(json.load(fh))
