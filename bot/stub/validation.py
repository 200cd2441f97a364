"""Checks every Bot API request against the official field list before it is served.

Telegram accepts parameters as a query string, a JSON body, a url-encoded form or a
multipart form.  In the form encodings every value is a string and JSON-typed parameters
(``reply_markup``, ``entities``...) arrive JSON-encoded; python-telegram-bot relies on that
and sends everything that way.  This module turns such raw values into typed ones, checking
each against the field's documented ``types`` and walking nested objects (an
InlineKeyboardMarkup down to each InlineKeyboardButton) so that malformed markup is refused
here, as Telegram would refuse it, rather than quietly accepted.

The stand-in is deliberately a little stricter than Telegram in one respect: parameters and
object fields the API does not document are refused (Telegram ignores them), because a typo
in a field name is a bug that otherwise goes unnoticed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from bot.stub.errors import (
    BUTTON_DATA_INVALID,
    CHAT_ID_EMPTY,
    TEXT_EMPTY,
    BotApiError,
    bad_request,
)
from bot.stub.media import UploadedFile
from bot.stub.spec import (
    PRIMITIVES,
    ApiSpec,
    FieldSpec,
    MethodSpec,
    TypeSpec,
    element_type,
    load_spec,
)

Params = dict[str, Any]
_MISSING = object()

# Telegram's wording for some missing required parameters; others read "<name> is empty".
_MISSING_WORDING: dict[tuple[str, str], str] = {
    ("*", "chat_id"): CHAT_ID_EMPTY,
    ("sendmessage", "text"): TEXT_EMPTY,
    ("sendphoto", "photo"): "there is no photo in the request",
    ("senddocument", "document"): "there is no document in the request",
    ("sendanimation", "animation"): "there is no animation in the request",
}

# How Telegram names some object types in its "can't parse ..." messages.
_TYPE_WORDING = {
    "InlineKeyboardButton": "inline keyboard button",
    "InlineKeyboardMarkup": "inline keyboard",
    "KeyboardButton": "keyboard button",
    "ReplyKeyboardMarkup": "reply keyboard",
    "ReplyKeyboardRemove": "reply keyboard remove",
    "ForceReply": "force reply",
    "MessageEntity": "message entity",
    "BotCommand": "bot command",
}

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _type_label(type_name: str) -> str:
    return _TYPE_WORDING.get(type_name, type_name)


def _check_inline_button(button: Mapping[str, Any]) -> None:
    """Telegram's own rules for an inline button beyond plain field types."""
    label = _type_label("InlineKeyboardButton")
    if not button.get("text"):
        raise bad_request(f"can't parse {label}: Text must be non-empty")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(f"can't parse {label}: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        size = len(button["callback_data"].encode("utf-8"))
        if not 1 <= size <= 64:
            raise bad_request(BUTTON_DATA_INVALID)
    url = button.get("url")
    if url is not None and not url.startswith(("http://", "https://", "tg://")):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_keyboard_button(button: Mapping[str, Any]) -> None:
    if not button.get("text"):
        raise bad_request(f"can't parse {_type_label('KeyboardButton')}: Text must be non-empty")


_OBJECT_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "InlineKeyboardButton": _check_inline_button,
    "KeyboardButton": _check_keyboard_button,
}


class RequestValidator:
    """Turns raw request parameters into typed ones, or refuses them like Telegram."""

    def __init__(self, spec: ApiSpec) -> None:
        self._spec = spec

    # -- method level -------------------------------------------------------------------

    def validate(self, method: MethodSpec, raw: Mapping[str, Any], *, form: bool) -> Params:
        """Typed parameters for ``method``.

        ``raw`` maps parameter names to values; with ``form`` every non-file value is a
        string (query string, url-encoded or multipart form), otherwise values come from a
        JSON body.  Multipart file parts are :class:`UploadedFile` values, and a parameter
        of the form ``attach://<name>`` takes the file part called ``<name>``.
        """
        values = dict(raw)
        attached = {
            v[len("attach://") :]
            for v in values.values()
            if isinstance(v, str) and v.startswith("attach://")
        }
        parts = {
            name: values.pop(name)
            for name in list(values)
            if name in attached and isinstance(values[name], UploadedFile)
        }
        out: Params = {}
        for name, value in values.items():
            field = method.fields.get(name)
            if field is None:
                raise bad_request(f'unknown parameter "{name}" for method {method.name}')
            if value is None or (value == "" and form and field.types != ("String",)):
                continue  # null, or an empty form value, counts as absent
            out[name] = self._top_value(field, value, form=form, parts=parts)
        for field in method.fields.values():
            if field.required and field.name not in out:
                raise self._missing(method, field)
        return out

    @staticmethod
    def _missing(method: MethodSpec, field: FieldSpec) -> BotApiError:
        wording = _MISSING_WORDING.get((method.name.lower(), field.name)) or _MISSING_WORDING.get(
            ("*", field.name)
        )
        return bad_request(wording or f"{field.name} is empty")

    def _top_value(
        self, field: FieldSpec, value: Any, *, form: bool, parts: Mapping[str, UploadedFile]
    ) -> Any:
        types = field.types
        if isinstance(value, UploadedFile):
            if "InputFile" in types:
                return value
            raise bad_request(f'parameter "{field.name}" must not be a file')
        if isinstance(value, str) and value.startswith("attach://") and "InputFile" in types:
            part = parts.get(value[len("attach://") :])
            if part is None:
                raise bad_request(f'file "{value}" is not found in the request')
            return part
        if isinstance(value, str):
            value = self._from_string(field.name, types, value, lenient_strings=not form)
            if value is _MISSING:
                raise bad_request(f'parameter "{field.name}" must be of type {_or(types)}')
        return self._value(types, value, where=f'parameter "{field.name}"')

    @staticmethod
    def _from_string(name: str, types: tuple[str, ...], text: str, *, lenient_strings: bool) -> Any:
        """Decode a string-encoded value into the first declared type it fits."""
        for type_name in types:
            if type_name == "String":
                if lenient_strings or len(types) == 1:
                    return text
                continue
            if type_name == "Integer":
                stripped = text.strip()
                if stripped.lstrip("-").isdigit():
                    return int(stripped)
            elif type_name == "Float":
                try:
                    number = float(text)
                except ValueError:
                    continue
                if math.isfinite(number):
                    return number
            elif type_name == "Boolean":
                lowered = text.strip().lower()
                if lowered in _TRUE:
                    return True
                if lowered in _FALSE:
                    return False
            elif type_name == "InputFile":
                continue
            else:  # an object or an array, JSON-encoded
                try:
                    return json.loads(text)
                except ValueError:
                    raise bad_request(f"can't parse {name} JSON object") from None
        return text if "String" in types else _MISSING

    def check_object(self, type_name: str, value: Mapping[str, Any]) -> dict[str, Any]:
        """``value`` checked as a ``type_name`` object, all the way down: every required
        field present, no undocumented one, each of its documented type.  Raises
        :class:`BotApiError` otherwise, like a request's objects."""
        return self._object(type_name, value)

    # -- value level (JSON-typed) -------------------------------------------------------

    def _value(self, types: tuple[str, ...], value: Any, *, where: str) -> Any:
        """Check a JSON-typed ``value`` against the alternatives in ``types``."""
        candidate = self._pick(types, value)
        if candidate is None:
            if all(element_type(t) is not None for t in types):
                raise bad_request(f"{where} must be an Array")
            if all(t not in PRIMITIVES and element_type(t) is None for t in types):
                raise bad_request(f"{where} must be an Object")
            raise bad_request(f"{where} must be of type {_or(types)}")
        return self._as(candidate, value, where=where)

    def _pick(self, types: tuple[str, ...], value: Any) -> str | None:
        """The declared type ``value`` is meant to be, judged by its JSON shape."""
        if isinstance(value, bool):
            return "Boolean" if "Boolean" in types else None
        if isinstance(value, int):
            for name in ("Integer", "Float"):
                if name in types:
                    return name
            return None
        if isinstance(value, float):
            return "Float" if "Float" in types else None
        if isinstance(value, str):
            return "String" if "String" in types else None
        if isinstance(value, list):
            return next((t for t in types if element_type(t) is not None), None)
        if isinstance(value, dict):
            objects = [t for t in types if t not in PRIMITIVES and element_type(t) is None]
            return self._best_object(objects, value)
        return None

    def _best_object(self, names: list[str], value: Mapping[str, Any]) -> str | None:
        """Among object types, the one whose required fields ``value`` has (most overlap)."""
        if len(names) <= 1:
            return names[0] if names else None
        best: tuple[int, int, str] | None = None
        for name in names:
            spec = self._spec.type(name)
            fields = (spec.fields if spec else None) or {}
            required = {f.name for f in fields.values() if f.required}
            complete = int(required <= value.keys())
            overlap = len(value.keys() & fields.keys())
            score = (complete, overlap, name)
            if best is None or score[:2] > best[:2]:
                best = score
        return best[2] if best else None

    def _as(self, type_name: str, value: Any, *, where: str) -> Any:
        item_type = element_type(type_name)
        if item_type is not None:
            if not isinstance(value, list):
                raise bad_request(f"{where} must be an Array")
            return [self._item(item_type, item, where=where) for item in value]
        if type_name in PRIMITIVES:
            return value
        if not isinstance(value, dict):
            raise bad_request(f"{where} must be an Object")
        return self._object(type_name, value)

    def _item(self, type_name: str, value: Any, *, where: str) -> Any:
        # Telegram has always accepted a plain string for a reply-keyboard button.
        if type_name == "KeyboardButton" and isinstance(value, str):
            _check_keyboard_button({"text": value})
            return {"text": value}
        return self._value((type_name,), value, where=where)

    def _object(self, type_name: str, value: Mapping[str, Any]) -> dict[str, Any]:
        spec = self._spec.type(type_name)
        if spec is None:
            return dict(value)
        if spec.subtypes:
            return self._union(spec, value)
        if spec.fields is None:
            return dict(value)
        label = _type_label(type_name)
        out: dict[str, Any] = {}
        for key, item in value.items():
            field = spec.fields.get(key)
            if field is None:
                raise bad_request(f'can\'t parse {label}: unknown field "{key}"')
            if item is None and not field.required:
                continue
            out[key] = self._value(field.types, item, where=f'can\'t parse {label}: Field "{key}"')
        for field in spec.fields.values():
            if field.required and field.name not in out:
                raise bad_request(f'can\'t parse {label}: Field "{field.name}" must be present')
        if spec.tag is not None:
            tag_field, tag_value = spec.tag
            if out.get(tag_field) != tag_value:
                raise bad_request(
                    f'can\'t parse {label}: Field "{tag_field}" must be "{tag_value}"'
                )
        check = _OBJECT_CHECKS.get(type_name)
        if check is not None:
            check(out)
        return out

    def _union(self, spec: TypeSpec, value: Mapping[str, Any]) -> dict[str, Any]:
        """Validate against the subtype ``value`` names (by its tag field), else by shape."""
        for name in spec.subtypes:
            sub = self._spec.type(name)
            if sub is not None and sub.tag is not None:
                tag_field, tag_value = sub.tag
                if value.get(tag_field) == tag_value:
                    return self._object(name, value)
        objects = [n for n in spec.subtypes if n not in PRIMITIVES and element_type(n) is None]
        tags = [sub.tag for n in objects if (sub := self._spec.type(n)) and sub.tag]
        if tags:
            tag_field = tags[0][0]
            raise bad_request(
                f"can't parse {_type_label(spec.name)}: unsupported {tag_field} "
                f'"{value.get(tag_field)}"'
            )
        best = self._best_object(objects, value)
        if best is None:
            raise bad_request(f"can't parse {_type_label(spec.name)}")
        return self._object(best, value)


def check_shape(type_name: str, value: Mapping[str, Any]) -> None:
    """Assert that ``value`` is a well-formed ``type_name`` of the Bot API (``"Update"``,
    ``"Message"``...) per api.json: what tests use to hold the stand-in's own answers and
    updates to Telegram's shapes.  Raises AssertionError naming the first departure."""
    if load_spec().type(type_name) is None:
        raise AssertionError(f"api.json has no type {type_name!r}")
    try:
        RequestValidator(load_spec()).check_object(type_name, value)
    except BotApiError as exc:
        raise AssertionError(f"not a valid {type_name}: {exc.description}: {value!r}") from None


def _or(types: tuple[str, ...]) -> str:
    return " or ".join(types)
