"""Turning what a person types or shares into an IANA time-zone name.

Reminders are stored as a local time plus an IANA zone (``Europe/Berlin``), never as a UTC
offset, because only a zone knows about daylight saving. People do not think in IANA names,
so :func:`parse_zone` accepts the forms they actually type, tried in this order:

1. a curated alias from ``bot/content/city_zones.yaml`` ("Munich", "NYC", "Delhi", "EST");
2. an IANA name with an area, in any case or spacing ("europe/berlin", "America/New York",
   "Etc/GMT-2");
3. a city that is the last part of an IANA name ("Berlin", "new york", "São Paulo");
4. a UTC offset ("UTC+2", "GMT-5", "+05:30", "UTC+14", "UTC");
5. a legacy one-word IANA name typed exactly, bar case ("EST5EDT", "GB-Eire").

A whole-hour offset becomes a fixed ``Etc/GMT-2``-style zone (POSIX-inverted sign: UTC+2 is
``Etc/GMT-2``) which, being fixed, never follows daylight saving. Non-whole offsets have no
``Etc`` zone, so they map to a real zone whose *standard* offset it is (+05:30 Asia/Kolkata);
three of those (-03:30 St John's, +10:30 Lord Howe, +12:45 Chatham) do observe DST, and then
the user's clock moves with that place's. Sharing a location (:func:`zone_at`) is the way to get
a zone that follows local DST without typing anything.

Every name returned is one that ``zoneinfo.ZoneInfo`` accepts with only the ``tzdata``
package installed, so the bot needs no system zone database.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

__all__ = ["ALIASES_FILE", "aliases", "describe", "parse_zone", "zone_at"]

#: The curated alias table, inside the ``bot.content`` package.
ALIASES_FILE = "city_zones.yaml"

# The areas whose zone names end in a place people live in (or near). Legacy prefixes such as
# "US/" or "Canada/" are left out so that "Pacific" or "Eastern" do not pick one at random.
_CITY_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
# Names in available_timezones() that are not zones a person lives in.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})

# Anything this long is not a place name (the longest IANA name is ~30 characters).
_MAX_ZONE_INPUT = 64

# Representative zones for offsets that are not whole hours, by *standard* offset in minutes.
_PART_HOUR_ZONES: dict[int, str] = {
    -9 * 60 - 30: "Pacific/Marquesas",
    -3 * 60 - 30: "America/St_Johns",
    3 * 60 + 30: "Asia/Tehran",
    4 * 60 + 30: "Asia/Kabul",
    5 * 60 + 30: "Asia/Kolkata",
    5 * 60 + 45: "Asia/Kathmandu",
    6 * 60 + 30: "Asia/Yangon",
    8 * 60 + 45: "Australia/Eucla",
    9 * 60 + 30: "Australia/Darwin",
    10 * 60 + 30: "Australia/Lord_Howe",
    12 * 60 + 45: "Pacific/Chatham",
}

# "UTC+2", "gmt -05:00", "+0530", "UTC+5.5", "utc", "Z"; the sign may be a Unicode minus.
_OFFSET = re.compile(
    r"(?:utc|gmt|z)?\s*(?:(?P<sign>[+\-−–])\s*(?P<hours>[0-9]{1,2})"
    r"(?:(?::|\.)?(?P<minutes>[0-9]{2})|\.(?P<fraction>5))?)?"
)


def _fold(text: str) -> str:
    """Normalise ``text`` for matching: NFKC, case-folded, without accents or punctuation.

    Slashes survive so full IANA names still have their structure; everything else that is not
    a letter or digit goes, which makes "New York", "new_york" and "NEW-YORK" the same key.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(
        char
        for char in decomposed
        if char == "/" or (char.isalnum() and not unicodedata.combining(char))
    )


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES)


def _exact(name: str) -> str:
    """The key for a name typed exactly, bar case and spaces-for-underscores."""
    return name.casefold().replace(" ", "_")


@cache
def _exact_names() -> dict[str, str]:
    """Case-folded IANA name -> the name: "etc/gmt-2" -> "Etc/GMT-2", "est5edt" -> "EST5EDT"."""
    return {_exact(name): name for name in _zone_names()}


@cache
def _full_names() -> dict[str, str]:
    """Folded full IANA name -> the name, for names with an area ("america/newyork").

    Folding drops signs, so names that fold alike ("Etc/GMT+2" and "Etc/GMT-2") are left out
    here; they are still found by :func:`_exact_names`.
    """
    folded: dict[str, list[str]] = {}
    for name in _zone_names():
        if "/" in name:
            folded.setdefault(_fold(name), []).append(name)
    return {key: names[0] for key, names in folded.items() if len(names) == 1}


@cache
def _city_names() -> dict[str, str]:
    """Folded last part of an IANA name -> the name ("saopaulo" -> "America/Sao_Paulo").

    Where two names share a last part (``America/Indianapolis`` is an old link to
    ``America/Indiana/Indianapolis``), the longer, more specific current name wins.
    """
    cities: dict[str, str] = {}
    for name in sorted(_zone_names(), key=lambda n: (n.count("/"), n)):
        area, _, rest = name.partition("/")
        if area in _CITY_AREAS and rest:
            cities[_fold(rest.rsplit("/", 1)[-1])] = name
    return cities


def _parse_aliases(text: str) -> dict[str, str]:
    """Folded name -> zone from the YAML text of an alias file (zone -> list of names).

    Raises ValueError for a zone zoneinfo does not know or a name listed under two zones, so a
    slip in the data file fails the tests instead of sending someone's reminders to the wrong
    continent.
    """
    data: Any = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{ALIASES_FILE}: expected a mapping of zone -> names")
    table: dict[str, str] = {}
    for zone, names in data.items():
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{ALIASES_FILE}: unknown zone {zone!r}") from error
        if not isinstance(names, list):
            raise ValueError(f"{ALIASES_FILE}: {zone}: expected a list of names")
        for name in names:
            key = _fold(str(name))
            if not key:
                raise ValueError(f"{ALIASES_FILE}: {zone}: empty name {name!r}")
            if table.get(key, zone) != zone:
                raise ValueError(f"{ALIASES_FILE}: {name!r} is listed for {table[key]} and {zone}")
            table[key] = str(zone)
    return table


@cache
def aliases() -> dict[str, str]:
    """The curated alias table: folded name -> IANA zone (loaded once, validated on load)."""
    text = resources.files("bot.content").joinpath(ALIASES_FILE).read_text(encoding="utf-8")
    return _parse_aliases(text)


def _offset_zone(text: str) -> str | None:
    """The zone for a UTC-offset spelling, or None if ``text`` is not one (or not a real one)."""
    match = _OFFSET.fullmatch(text)
    if match is None or not (match["sign"] or text.startswith(("utc", "gmt", "z"))):
        return None
    if not match["sign"]:
        return "UTC"  # bare "UTC", "GMT" or "Z"
    hours = int(match["hours"])
    minutes = 30 if match["fraction"] else int(match["minutes"] or 0)
    sign = 1 if match["sign"] == "+" else -1
    total = sign * (hours * 60 + minutes)
    if minutes == 0:
        if not -12 <= sign * hours <= 14:
            return None  # no place on Earth is further from UTC than -12 / +14
        if hours == 0:
            return "UTC"
        return f"Etc/GMT{-sign * hours:+d}"  # POSIX sign: UTC+2 is Etc/GMT-2
    return _PART_HOUR_ZONES.get(total)


def parse_zone(text: str) -> str | None:
    """An IANA zone name for what a person typed, or None; see the module docstring.

    "europe/berlin" -> "Europe/Berlin", "new york" -> "America/New_York", "Munich" ->
    "Europe/Berlin", "UTC+2" -> "Etc/GMT-2", "+05:30" -> "Asia/Kolkata". "Berlin, Germany"
    falls back to the part before the first comma.
    """
    if len(text) > _MAX_ZONE_INPUT:
        return None
    spaced = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    if not spaced:
        return None
    found = _lookup(spaced)
    if found is None and "," in spaced:
        found = _lookup(spaced.split(",", 1)[0].strip())
    return found


def _lookup(spaced: str) -> str | None:
    key = _fold(spaced)
    if not key:
        return None
    if key in aliases():
        return aliases()[key]
    exact = _exact_names().get(_exact(spaced))
    if exact is not None and "/" in exact:
        return exact
    for table in (_full_names(), _city_names()):
        if key in table:
            return table[key]
    offset = _offset_zone(spaced.replace(" ", ""))
    if offset is not None:
        return offset
    return exact  # a legacy one-word name ("EST5EDT"), typed exactly, or None


# --- shared locations -----------------------------------------------------------------------------

_finder: TimezoneFinder | None = None
# TimezoneFinder takes ~0.5 s to build and its docs say one instance must not be used by two
# threads at once. Lookups take milliseconds, so one instance behind one lock is simpler than a
# finder per thread and still fine for calls from asyncio.to_thread.
_finder_lock = threading.Lock()


def _get_finder() -> TimezoneFinder:
    global _finder
    if _finder is None:
        from timezonefinder import TimezoneFinder  # slow import: only when a location arrives

        _finder = TimezoneFinder()
    return _finder


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a shared location, or None for impossible coordinates.

    Blocking (it reads polygon data, and the first call builds the finder): call it via
    ``asyncio.to_thread`` from async code. Open sea gets an ``Etc/GMT±N`` nautical zone.
    """
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    with _finder_lock:
        name = _get_finder().timezone_at(lat=latitude, lng=longitude)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # the finder's data names a zone this tzdata does not know
    return str(name)


# --- showing a zone back --------------------------------------------------------------------------


def _format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def describe(zone: str, now: datetime) -> str:
    """How to show ``zone`` to its user at ``now``: "Europe/Berlin (UTC+01:00)".

    The offset is the one in force at ``now`` (so it says +02:00 in summer). Fixed ``Etc/GMT``
    zones read backwards to most people ("Etc/GMT-2" is UTC+2), so they are shown as
    "UTC+02:00 (fixed offset)" instead.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now!r}")
    offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    if zone.startswith("Etc/GMT") and zone not in {"Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0"}:
        return f"{_format_offset(offset)} (fixed offset)"
    return f"{zone} ({_format_offset(offset)})"
