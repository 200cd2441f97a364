"""Telling the bot where you are: typed zone names, cities, offsets and shared locations."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
import timezonefinder
from hypothesis import given
from hypothesis import strategies as st

from bot.coach import timezones
from bot.coach.timezones import aliases, describe, parse_zone, zone_at

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def zone_named(text: str) -> str:
    """What parse_zone makes of ``text``, which the test expects it to understand."""
    found = parse_zone(text)
    assert found is not None, f"{text!r} was not understood"
    return found


UNDERSTOOD = [
    # IANA names in any case or spacing
    ("Europe/Berlin", "Europe/Berlin"),
    ("europe/berlin", "Europe/Berlin"),
    ("EUROPE/BERLIN", "Europe/Berlin"),
    ("America/New York", "America/New_York"),
    ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
    ("Etc/GMT-2", "Etc/GMT-2"),
    ("US/Eastern", "US/Eastern"),
    # the last part of an IANA name
    ("Berlin", "Europe/Berlin"),
    ("berlin", "Europe/Berlin"),
    ("new york", "America/New_York"),
    ("New-York", "America/New_York"),
    ("Sao Paulo", "America/Sao_Paulo"),
    ("São Paulo", "America/Sao_Paulo"),
    ("SÃO PAULO", "America/Sao_Paulo"),
    ("Zürich", "Europe/Zurich"),
    ("Kolkata", "Asia/Kolkata"),
    ("Kiritimati", "Pacific/Kiritimati"),
    ("Sydney", "Australia/Sydney"),
    ("Moscow", "Europe/Moscow"),
    ("London", "Europe/London"),
    ("Port of Spain", "America/Port_of_Spain"),
    ("St. John's", "America/St_Johns"),
    ("Indianapolis", "America/Indiana/Indianapolis"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Singapore", "Asia/Singapore"),
    ("  berlin  ", "Europe/Berlin"),
    ("Berlin, Germany", "Europe/Berlin"),
    # curated aliases
    ("Munich", "Europe/Berlin"),
    ("München", "Europe/Berlin"),
    ("Delhi", "Asia/Kolkata"),
    ("New Delhi", "Asia/Kolkata"),
    ("Mumbai", "Asia/Kolkata"),
    ("NYC", "America/New_York"),
    ("LA", "America/Los_Angeles"),
    ("San Francisco", "America/Los_Angeles"),
    ("EST", "America/New_York"),
    ("PST", "America/Los_Angeles"),
    ("Kiev", "Europe/Kyiv"),
    ("Japan", "Asia/Tokyo"),
    ("UK", "Europe/London"),
    ("Ｍｕｎｉｃｈ", "Europe/Berlin"),  # full-width letters
    # UTC offsets: whole hours are fixed Etc zones with the POSIX (inverted) sign
    ("UTC+2", "Etc/GMT-2"),
    ("utc+2", "Etc/GMT-2"),
    ("UTC +2", "Etc/GMT-2"),
    ("UTC+02:00", "Etc/GMT-2"),
    ("GMT-5", "Etc/GMT+5"),
    ("GMT−5", "Etc/GMT+5"),  # Unicode minus sign
    ("+3", "Etc/GMT-3"),
    ("-0800", "Etc/GMT+8"),
    ("UTC+14", "Etc/GMT-14"),
    ("UTC-12", "Etc/GMT+12"),
    ("UTC", "UTC"),
    ("gmt", "UTC"),
    ("Z", "UTC"),
    ("UTC+0", "UTC"),
    ("GMT-0", "UTC"),
    # ...and part-hour offsets are a real zone with that standard offset
    ("+05:30", "Asia/Kolkata"),
    ("UTC+5:30", "Asia/Kolkata"),
    ("UTC+5.5", "Asia/Kolkata"),
    ("+0530", "Asia/Kolkata"),
    ("+05:45", "Asia/Kathmandu"),
    ("+09:30", "Australia/Darwin"),
    ("-03:30", "America/St_Johns"),
    ("UTC+3:30", "Asia/Tehran"),
    ("+12:45", "Pacific/Chatham"),
    ("-09:30", "Pacific/Marquesas"),
    # legacy one-word IANA names
    ("EST5EDT", "EST5EDT"),
    ("GB-Eire", "GB-Eire"),
    ("Hongkong", "Asia/Hong_Kong"),  # a city match beats the legacy one-word name
]

NOT_UNDERSTOOD = [
    "",
    "   ",
    "nowhere",
    "Atlantis",
    "Pacific",  # an area, not a place
    "Eastern",  # which one?
    "Etc",
    "Factory",
    "localtime",
    "UTC+15",
    "UTC-13",
    "+05:15",
    "-02:30",  # Newfoundland's *summer* offset; no zone has it as standard time
    "+99",
    "UTC+",
    "+",
    "UTC+ ",
    "Etc/GMT2",  # which sign?
    "Berlin" * 20,
    "x" * 10_000,
    "../../etc/passwd",
    "Europe/",
    "/Berlin",
]


@pytest.mark.parametrize(("text", "expected"), UNDERSTOOD, ids=[t for t, _ in UNDERSTOOD])
def test_a_zone_typed_the_way_people_type_it_is_understood(text, expected):
    found = zone_named(text)

    assert found == expected
    ZoneInfo(found)  # and zoneinfo accepts it


@pytest.mark.parametrize("text", NOT_UNDERSTOOD, ids=[repr(t[:14]) for t in NOT_UNDERSTOOD])
def test_something_that_is_not_a_zone_is_refused(text):
    assert parse_zone(text) is None


@pytest.mark.parametrize("hours", range(-12, 15), ids=lambda h: f"UTC{h:+d}")
def test_every_whole_hour_offset_means_that_offset_all_year(hours):
    zone = ZoneInfo(zone_named(f"UTC{hours:+d}"))

    for now in (WINTER, SUMMER):
        assert now.astimezone(zone).utcoffset() == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("text", "standard"),
    [
        ("-09:30", timedelta(hours=-9, minutes=-30)),
        ("-03:30", timedelta(hours=-3, minutes=-30)),
        ("+03:30", timedelta(hours=3, minutes=30)),
        ("+04:30", timedelta(hours=4, minutes=30)),
        ("+05:30", timedelta(hours=5, minutes=30)),
        ("+05:45", timedelta(hours=5, minutes=45)),
        ("+06:30", timedelta(hours=6, minutes=30)),
        ("+08:45", timedelta(hours=8, minutes=45)),
        ("+09:30", timedelta(hours=9, minutes=30)),
        ("+10:30", timedelta(hours=10, minutes=30)),
        ("+12:45", timedelta(hours=12, minutes=45)),
    ],
)
def test_a_part_hour_offset_picks_a_zone_whose_standard_time_is_that_offset(text, standard):
    zone = ZoneInfo(zone_named(text))

    for now in (WINTER, SUMMER):
        local = now.astimezone(zone)
        assert local.utcoffset() == standard + (local.dst() or timedelta(0))


def test_every_iana_name_with_an_area_is_recognised_in_lower_case():
    names = [n for n in available_timezones() if "/" in n]

    assert len(names) > 300
    for name in names:
        assert parse_zone(name.lower()) == name


def test_every_alias_points_at_a_real_zone():
    table = aliases()

    assert len(table) > 50
    assert table["munich"] == "Europe/Berlin"
    for zone in set(table.values()):
        ZoneInfo(zone)


def test_an_alias_file_naming_one_place_twice_is_refused():
    with pytest.raises(ValueError, match="'munich' is listed for Europe/Berlin and Europe/Vienna"):
        timezones._parse_aliases("Europe/Berlin: [Munich]\nEurope/Vienna: [munich]\n")


def test_an_alias_file_with_a_misspelt_zone_is_refused():
    with pytest.raises(ValueError, match="unknown zone 'Europe/Berln'"):
        timezones._parse_aliases("Europe/Berln: [Munich]\n")


@given(st.text(max_size=80))
def test_parse_zone_never_crashes_and_only_returns_usable_zones(text):
    found = parse_zone(text)
    if found is not None:
        ZoneInfo(found)


# --- shared locations -----------------------------------------------------------------------------

PLACES = [
    pytest.param(52.5200, 13.4050, "Europe/Berlin", id="berlin"),
    pytest.param(40.7128, -74.0060, "America/New_York", id="new-york"),
    pytest.param(-33.8688, 151.2093, "Australia/Sydney", id="sydney"),
    pytest.param(19.0760, 72.8777, "Asia/Kolkata", id="mumbai"),
    pytest.param(1.8721, -157.4278, "Pacific/Kiritimati", id="kiritimati"),
    pytest.param(-23.5505, -46.6333, "America/Sao_Paulo", id="sao-paulo"),
]


@pytest.mark.parametrize(("latitude", "longitude", "expected"), PLACES)
def test_a_shared_location_gives_its_zone(latitude, longitude, expected):
    assert zone_at(latitude, longitude) == expected


def test_open_sea_gets_a_nautical_zone_that_zoneinfo_accepts():
    found = zone_at(0.0, -30.0)  # mid-Atlantic

    assert found is not None
    assert found.startswith("Etc/GMT")
    ZoneInfo(found)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (91.0, 0.0),
        (-91.0, 0.0),
        (0.0, 181.0),
        (0.0, -181.0),
        (float("nan"), 0.0),
        (0.0, float("inf")),
    ],
    ids=["lat-too-high", "lat-too-low", "lng-too-east", "lng-too-west", "nan", "inf"],
)
def test_impossible_coordinates_give_no_zone(latitude, longitude):
    assert zone_at(latitude, longitude) is None


def test_the_slow_finder_is_built_once_even_when_many_threads_ask_at_once(monkeypatch):
    built = []
    real = timezonefinder.TimezoneFinder

    def counting_finder(*args, **kwargs):
        built.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(timezonefinder, "TimezoneFinder", counting_finder)
    monkeypatch.setattr(timezones, "_finder", None)
    coordinates = [(52.52, 13.405), (40.7128, -74.006), (-33.8688, 151.2093)] * 10

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda c: zone_at(*c), coordinates))

    assert len(built) == 1
    assert found == ["Europe/Berlin", "America/New_York", "Australia/Sydney"] * 10


async def test_zone_at_can_be_called_from_asyncio_to_thread():
    found = await asyncio.gather(
        asyncio.to_thread(zone_at, 52.52, 13.405),
        asyncio.to_thread(zone_at, 19.076, 72.8777),
    )

    assert list(found) == ["Europe/Berlin", "Asia/Kolkata"]


# --- showing the zone back to the user ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "shown"),
    [
        pytest.param("Europe/Berlin", WINTER, "Europe/Berlin (UTC+01:00)", id="berlin-winter"),
        pytest.param("Europe/Berlin", SUMMER, "Europe/Berlin (UTC+02:00)", id="berlin-summer"),
        pytest.param("America/New_York", WINTER, "America/New_York (UTC-05:00)", id="new-york"),
        pytest.param("Asia/Kolkata", WINTER, "Asia/Kolkata (UTC+05:30)", id="kolkata"),
        pytest.param("Asia/Kathmandu", SUMMER, "Asia/Kathmandu (UTC+05:45)", id="kathmandu"),
        pytest.param("America/St_Johns", WINTER, "America/St_Johns (UTC-03:30)", id="st-johns"),
        pytest.param(
            "Pacific/Kiritimati", WINTER, "Pacific/Kiritimati (UTC+14:00)", id="kiritimati"
        ),
        pytest.param("UTC", SUMMER, "UTC (UTC+00:00)", id="utc"),
        pytest.param("Etc/GMT-2", WINTER, "UTC+02:00 (fixed offset)", id="fixed-plus-two"),
        pytest.param("Etc/GMT+5", SUMMER, "UTC-05:00 (fixed offset)", id="fixed-minus-five"),
        pytest.param("Etc/GMT", SUMMER, "Etc/GMT (UTC+00:00)", id="etc-gmt"),
    ],
)
def test_a_zone_is_shown_with_its_current_offset(zone, now, shown):
    assert describe(zone, now) == shown


def test_describe_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        describe("Europe/Berlin", datetime(2026, 1, 1))


def test_describe_understands_what_parse_zone_returns():
    assert describe(zone_named("UTC+14"), WINTER) == "UTC+14:00 (fixed offset)"
    assert describe(zone_named("Munich"), SUMMER) == "Europe/Berlin (UTC+02:00)"
