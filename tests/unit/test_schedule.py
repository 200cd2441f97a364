"""Reminder time maths: a person's 07:30 stays their 07:30, whatever the clocks do.

Dates are 2026's daylight-saving changes:
Berlin 03-29 (02:00 -> 03:00) and 10-25 (03:00 -> 02:00);
New York 03-08 (02:00 -> 03:00) and 11-01 (02:00 -> 01:00);
Sydney, southern hemisphere, 10-04 (02:00 -> 03:00) and 04-05 (03:00 -> 02:00);
Kolkata (+05:30) and Kiritimati (+14, the first place to see a new day) have no DST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coach.schedule import (
    LATE_LIMIT,
    Cadence,
    cadence,
    is_too_late,
    local_date,
    next_occurrence,
    next_reminder,
    next_weekly,
    parse_time,
    quiet_days,
    reminder_at,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"
KIRITIMATI = "Pacific/Kiritimati"
SEVEN_THIRTY = time(7, 30)


def utc(text: str) -> datetime:
    """A UTC instant from "2026-03-29 05:30"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def wall(instant: datetime, zone: str) -> datetime:
    """What the user's clock shows at ``instant`` (naive local time)."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- 07:30 stays 07:30 on both sides of every change ----------------------------------------------

KEPT = [
    pytest.param(BERLIN, "2026-03-28", "2026-03-28 06:30", id="berlin-day-before-spring-CET"),
    pytest.param(BERLIN, "2026-03-29", "2026-03-29 05:30", id="berlin-spring-day-CEST"),
    pytest.param(BERLIN, "2026-10-24", "2026-10-24 05:30", id="berlin-day-before-fall-CEST"),
    pytest.param(BERLIN, "2026-10-25", "2026-10-25 06:30", id="berlin-fall-day-CET"),
    pytest.param(NEW_YORK, "2026-03-07", "2026-03-07 12:30", id="new-york-day-before-spring-EST"),
    pytest.param(NEW_YORK, "2026-03-08", "2026-03-08 11:30", id="new-york-spring-day-EDT"),
    pytest.param(NEW_YORK, "2026-10-31", "2026-10-31 11:30", id="new-york-day-before-fall-EDT"),
    pytest.param(NEW_YORK, "2026-11-01", "2026-11-01 12:30", id="new-york-fall-day-EST"),
    pytest.param(SYDNEY, "2026-04-04", "2026-04-03 20:30", id="sydney-day-before-april-end-AEDT"),
    pytest.param(SYDNEY, "2026-04-05", "2026-04-04 21:30", id="sydney-april-end-day-AEST"),
    pytest.param(SYDNEY, "2026-10-03", "2026-10-02 21:30", id="sydney-day-before-october-AEST"),
    pytest.param(SYDNEY, "2026-10-04", "2026-10-03 20:30", id="sydney-october-start-day-AEDT"),
    pytest.param(KOLKATA, "2026-03-29", "2026-03-29 02:00", id="kolkata-on-berlin-spring-day"),
    pytest.param(KOLKATA, "2026-10-25", "2026-10-25 02:00", id="kolkata-on-berlin-fall-day"),
    pytest.param(KOLKATA, "2026-04-05", "2026-04-05 02:00", id="kolkata-on-sydney-april-day"),
    pytest.param(KIRITIMATI, "2026-03-29", "2026-03-28 17:30", id="kiritimati-utc-date-before"),
    pytest.param(KIRITIMATI, "2026-10-25", "2026-10-24 17:30", id="kiritimati-fall-date"),
]


@pytest.mark.parametrize(("zone", "day", "expected"), KEPT)
def test_seven_thirty_is_seven_thirty_on_the_wall_whatever_the_offset(zone, day, expected):
    sent = reminder_at(SEVEN_THIRTY, zone, d(day))

    assert sent == utc(expected)
    assert sent.tzinfo is UTC
    assert wall(sent, zone) == datetime.combine(d(day), SEVEN_THIRTY)


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        pytest.param(BERLIN, "2026-03-25 00:00", id="berlin-spring"),
        pytest.param(BERLIN, "2026-10-21 00:00", id="berlin-fall"),
        pytest.param(NEW_YORK, "2026-03-04 00:00", id="new-york-spring"),
        pytest.param(NEW_YORK, "2026-10-28 00:00", id="new-york-fall"),
        pytest.param(SYDNEY, "2026-09-30 00:00", id="sydney-october-start"),
        pytest.param(SYDNEY, "2026-04-01 00:00", id="sydney-april-end"),
        pytest.param(KOLKATA, "2026-03-25 00:00", id="kolkata"),
        pytest.param(KIRITIMATI, "2026-03-25 00:00", id="kiritimati"),
    ],
)
def test_a_week_of_mornings_across_a_change_is_one_0730_reminder_per_day(zone, start):
    after = utc(start)
    sent: list[datetime] = []
    for _ in range(8):
        after = next_occurrence(SEVEN_THIRTY, zone, after)
        sent.append(after)

    walls = [wall(instant, zone) for instant in sent]
    assert {w.time() for w in walls} == {SEVEN_THIRTY}
    days = [w.date() for w in walls]
    assert days == [days[0] + timedelta(days=n) for n in range(8)]


# --- the spring-forward gap -----------------------------------------------------------------------

GAPS = [
    pytest.param(BERLIN, "02:30", "2026-03-29", "2026-03-29 01:00", id="berlin-0230-to-0300-CEST"),
    pytest.param(BERLIN, "02:00", "2026-03-29", "2026-03-29 01:00", id="berlin-gap-start-0200"),
    pytest.param(BERLIN, "02:59", "2026-03-29", "2026-03-29 01:00", id="berlin-gap-last-minute"),
    pytest.param(NEW_YORK, "02:30", "2026-03-08", "2026-03-08 07:00", id="new-york-0230-to-0300"),
    pytest.param(SYDNEY, "02:30", "2026-10-04", "2026-10-03 16:00", id="sydney-0230-to-0300"),
    pytest.param(
        "Australia/Lord_Howe", "02:15", "2026-10-04", "2026-10-03 15:30", id="lord-howe-half-hour"
    ),
]


@pytest.mark.parametrize(("zone", "local", "day", "expected"), GAPS)
def test_a_time_that_does_not_exist_that_day_is_sent_when_the_gap_ends(zone, local, day, expected):
    sent = reminder_at(time.fromisoformat(local), zone, d(day))

    assert sent == utc(expected)
    gap_end = wall(sent, zone)
    assert gap_end.date() == d(day)
    assert gap_end.time() > time.fromisoformat(local)
    # One second earlier the clock still read before the gap: this is its very first minute.
    assert wall(sent - timedelta(seconds=1), zone).time() < time.fromisoformat(local)


@pytest.mark.parametrize(("zone", "local", "day", "expected"), GAPS)
def test_next_occurrence_from_the_evening_before_lands_on_the_gap_end(zone, local, day, expected):
    evening_before = reminder_at(time(20, 0), zone, d(day) - timedelta(days=1))

    assert next_occurrence(time.fromisoformat(local), zone, evening_before) == utc(expected)


def test_the_day_after_a_gap_is_back_to_the_asked_for_time():
    after_gap = next_occurrence(time(2, 30), BERLIN, utc("2026-03-29 01:00"))

    assert after_gap == utc("2026-03-30 00:30")
    assert wall(after_gap, BERLIN) == datetime(2026, 3, 30, 2, 30)


def test_a_whole_day_skipped_at_the_date_line_still_gets_its_reminder_at_its_end():
    # Kiritimati jumped from UTC-10 to UTC+14 and never had a 1994-12-31.
    sent = reminder_at(SEVEN_THIRTY, KIRITIMATI, d("1994-12-31"))

    assert sent == utc("1994-12-31 10:00")
    assert wall(sent, KIRITIMATI) == datetime(1995, 1, 1, 0, 0)


# --- the repeated hour ----------------------------------------------------------------------------

FOLDS = [
    pytest.param(
        BERLIN,
        "02:30",
        "2026-10-25 00:30",
        "2026-10-25 01:30",
        "2026-10-26 01:30",
        id="berlin-0230-CEST-then-CET",
    ),
    pytest.param(
        NEW_YORK,
        "01:30",
        "2026-11-01 05:30",
        "2026-11-01 06:30",
        "2026-11-02 06:30",
        id="new-york-0130-EDT-then-EST",
    ),
    pytest.param(
        SYDNEY,
        "02:30",
        "2026-04-04 15:30",
        "2026-04-04 16:30",
        "2026-04-05 16:30",
        id="sydney-0230-AEDT-then-AEST",
    ),
]


@pytest.mark.parametrize(("zone", "local", "first", "second", "next_day"), FOLDS)
def test_a_time_that_happens_twice_is_sent_once_at_the_first(zone, local, first, second, next_day):
    at = time.fromisoformat(local)
    day = wall(utc(first), zone).date()

    assert reminder_at(at, zone, day) == utc(first)
    assert next_occurrence(at, zone, utc(first) - timedelta(minutes=1)) == utc(first)
    # Once sent, neither the rest of the repeated hour nor its second 02:30 sends it again.
    assert next_occurrence(at, zone, utc(first)) == utc(next_day)
    assert next_occurrence(at, zone, utc(second) - timedelta(minutes=1)) == utc(next_day)
    assert next_occurrence(at, zone, utc(second)) == utc(next_day)
    assert wall(utc(second), zone).time() == at  # it really is on the wall twice


@pytest.mark.parametrize(("zone", "local", "first", "second", "next_day"), FOLDS)
def test_walking_through_the_fall_back_day_sends_one_reminder_per_date(
    zone, local, first, second, next_day
):
    at = time.fromisoformat(local)
    after = utc(first) - timedelta(days=3)
    sent = []
    while after < utc(next_day):
        after = next_occurrence(at, zone, after)
        sent.append(after)

    dates = [local_date(instant, zone) for instant in sent]
    assert len(dates) == len(set(dates)) == 4
    assert utc(first) in sent
    assert utc(second) not in sent


# --- the date line and "after" on the dot ---------------------------------------------------------


def test_kiritimati_is_already_tomorrow_while_honolulu_is_today():
    instant = utc("2026-06-01 11:00")

    assert local_date(instant, KIRITIMATI) == d("2026-06-02")
    assert local_date(instant, "Pacific/Honolulu") == d("2026-06-01")
    assert local_date(instant, "UTC") == d("2026-06-01")


def test_kiritimatis_morning_reminder_is_on_the_previous_utc_date():
    sent = next_occurrence(SEVEN_THIRTY, KIRITIMATI, utc("2026-06-01 11:00"))

    assert sent == utc("2026-06-01 17:30")
    assert local_date(sent, KIRITIMATI) == d("2026-06-02")


def test_kiritimati_late_evening_is_the_utc_morning_of_the_same_date():
    sent = reminder_at(time(23, 30), KIRITIMATI, d("2026-06-02"))

    assert sent == utc("2026-06-02 09:30")


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        pytest.param(BERLIN, "2026-03-28", id="berlin-into-spring-change"),
        pytest.param(BERLIN, "2026-10-24", id="berlin-into-fall-change"),
        pytest.param(NEW_YORK, "2026-03-07", id="new-york-into-spring-change"),
        pytest.param(NEW_YORK, "2026-10-31", id="new-york-into-fall-change"),
        pytest.param(SYDNEY, "2026-04-04", id="sydney-into-april-change"),
        pytest.param(SYDNEY, "2026-10-03", id="sydney-into-october-change"),
        pytest.param(KOLKATA, "2026-05-01", id="kolkata"),
        pytest.param(KIRITIMATI, "2026-12-31", id="kiritimati-new-year"),
    ],
)
def test_after_exactly_at_an_occurrence_gives_the_next_days(zone, day):
    just_sent = reminder_at(SEVEN_THIRTY, zone, d(day))

    following = next_occurrence(SEVEN_THIRTY, zone, just_sent)

    assert following == reminder_at(SEVEN_THIRTY, zone, d(day) + timedelta(days=1))
    assert local_date(following, zone) == d(day) + timedelta(days=1)


def test_after_in_another_zone_is_the_same_instant():
    in_tokyo = datetime(2026, 3, 29, 14, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 05:00 UTC

    assert next_occurrence(SEVEN_THIRTY, BERLIN, in_tokyo) == utc("2026-03-29 05:30")


def test_naive_datetimes_and_zoned_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_occurrence(SEVEN_THIRTY, BERLIN, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="naive wall-clock"):
        reminder_at(time(7, 30, tzinfo=UTC), BERLIN, d("2026-01-01"))
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 1, 1), BERLIN)


# --- property: any zone, any instant --------------------------------------------------------------

PROPERTY_ZONES = [
    BERLIN,
    NEW_YORK,
    SYDNEY,
    KOLKATA,
    KIRITIMATI,
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 with DST
    "America/Santiago",  # southern DST, changes at midnight
    "Europe/Dublin",  # "negative" DST in tzdata
    "Pacific/Apia",  # skipped 2011-12-30 entirely
    "Asia/Tehran",  # had DST until 2022
    "UTC",
]


def _exists(day: date, at: time, zone: str) -> bool:
    naive = datetime.combine(day, at)
    tz = ZoneInfo(zone)
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _transitions(zone: str, first_year: int = 2010, last_year: int = 2030) -> list[datetime]:
    """The UTC instants at which ``zone``'s offset changes, found by a daily scan + bisection."""
    tz = ZoneInfo(zone)
    found = []
    step = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year, 12, 31, tzinfo=UTC)
    while step < end:
        nxt = step + timedelta(days=1)
        if step.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            low, high = step, nxt
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        step = nxt
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in PROPERTY_ZONES}


@st.composite
def near_a_clock_change(draw: st.DrawFn) -> tuple[str, datetime, time]:
    """A zone, an `after` within a day and a half of one of its offset changes, and a local
    time that is often right inside the gap or the repeated hour of that change."""
    zone = draw(st.sampled_from([z for z in PROPERTY_ZONES if TRANSITIONS[z]]))
    change = draw(st.sampled_from(TRANSITIONS[zone]))
    after = change + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    near = change + timedelta(minutes=draw(st.integers(-90, 90)))
    at = draw(st.one_of(st.just(wall(near, zone).time().replace(second=0)), st.times()))
    return zone, after, at


anywhere = st.tuples(
    st.sampled_from(PROPERTY_ZONES),
    st.datetimes(
        min_value=datetime(1975, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
    ),
    st.times(),
)


def test_the_property_zones_really_change_their_clocks():
    assert len(TRANSITIONS[BERLIN]) == 2 * 21
    assert TRANSITIONS["Pacific/Apia"][0] == utc("2010-09-26 11:00")  # Samoa's first DST
    assert TRANSITIONS[KOLKATA] == []


@settings(deadline=None, max_examples=500)
@given(case=st.one_of(near_a_clock_change(), anywhere))
def test_next_occurrence_is_later_on_the_requested_wall_time_unless_in_a_gap(case):
    zone, after, at = case
    sent = next_occurrence(at, zone, after)

    assert sent > after
    assert sent.tzinfo is UTC
    shown = wall(sent, zone)
    if shown.time() != at:
        # Only a nonexistent local time moves, and then to the very end of its gap.
        candidates = (shown.date(), shown.date() - timedelta(days=1))
        gap_days = [day for day in candidates if not _exists(day, at, zone)]
        assert gap_days, f"{at} moved to {shown} without a gap"
        assert wall(sent - timedelta(seconds=1), zone) < datetime.combine(gap_days[-1], at)
    else:
        # A wall time that happens twice is sent at its first occurrence (fold=0).
        first = datetime.combine(shown.date(), at.replace(fold=0), tzinfo=ZoneInfo(zone))
        assert sent == first.astimezone(UTC)
    # Nothing was skipped: no day's reminder falls strictly between `after` and the result.
    day = local_date(after, zone) - timedelta(days=1)
    while day <= shown.date():
        other = reminder_at(at, zone, day)
        assert not after < other < sent
        day += timedelta(days=1)


# --- cadence --------------------------------------------------------------------------------------

ONBOARDED = d("2026-03-01")  # a Sunday
MONDAY = d("2026-03-02")


@pytest.mark.parametrize(
    ("last_session", "today", "quiet", "expected"),
    [
        pytest.param(MONDAY, "2026-03-02", 0, Cadence.DAILY, id="session-today"),
        pytest.param(MONDAY, "2026-03-03", 0, Cadence.DAILY, id="session-yesterday"),
        pytest.param(MONDAY, "2026-03-05", 2, Cadence.DAILY, id="two-quiet-days"),
        pytest.param(MONDAY, "2026-03-06", 3, Cadence.NUDGE, id="three-quiet-days-nudge"),
        pytest.param(MONDAY, "2026-03-09", 6, Cadence.NUDGE, id="six-quiet-days-still-nudge"),
        pytest.param(MONDAY, "2026-03-10", 7, Cadence.WEEKLY, id="seven-quiet-days-weekly"),
        pytest.param(MONDAY, "2026-05-01", 59, Cadence.WEEKLY, id="months-away-weekly"),
        pytest.param(None, "2026-03-02", 0, Cadence.DAILY, id="never-trained-day-after-onboarding"),
        pytest.param(None, "2026-03-05", 3, Cadence.NUDGE, id="never-trained-nudge"),
        pytest.param(None, "2026-03-09", 7, Cadence.WEEKLY, id="never-trained-weekly"),
        pytest.param(MONDAY, "2026-02-20", 0, Cadence.DAILY, id="clock-behind-last-session"),
    ],
)
def test_cadence_follows_the_days_without_a_session(last_session, today, quiet, expected):
    assert quiet_days(last_session, ONBOARDED, d(today)) == quiet
    assert cadence(last_session, ONBOARDED, d(today)) is expected


def test_coming_back_through_onboarding_restarts_daily_reminders():
    assert cadence(d("2025-12-01"), d("2026-03-01"), d("2026-03-02")) is Cadence.DAILY


def test_daily_and_nudge_reminders_come_every_day():
    after = utc("2026-03-27 12:00")
    for kind in (Cadence.DAILY, Cadence.NUDGE):
        sent = next_reminder(SEVEN_THIRTY, BERLIN, after, kind, d("2026-03-27"))
        assert sent == utc("2026-03-28 06:30")


def test_weekly_reminders_come_seven_local_days_after_the_last_one_across_dst():
    just_sent = utc("2026-03-24 06:30")  # Tuesday 07:30 CET

    sent = next_reminder(SEVEN_THIRTY, BERLIN, just_sent, Cadence.WEEKLY, d("2026-03-24"))

    assert sent == utc("2026-03-31 05:30")  # Tuesday 07:30 CEST
    assert wall(sent, BERLIN) == datetime(2026, 3, 31, 7, 30)


def test_weekly_with_nothing_sent_yet_starts_at_the_next_occurrence():
    sent = next_reminder(SEVEN_THIRTY, BERLIN, utc("2026-03-24 12:00"), Cadence.WEEKLY, None)

    assert sent == utc("2026-03-25 06:30")


def test_an_overdue_weekly_reminder_goes_out_at_the_next_occurrence():
    after = utc("2026-04-20 12:00")  # the week after 2026-03-24 is long gone (bot was down)

    sent = next_reminder(SEVEN_THIRTY, BERLIN, after, Cadence.WEEKLY, d("2026-03-24"))

    assert sent == utc("2026-04-21 05:30")


# --- downtime -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "too_late"),
    [
        pytest.param("2026-03-02 06:00", False, id="not-due-yet"),
        pytest.param("2026-03-02 07:30", False, id="on-time"),
        pytest.param("2026-03-02 10:29", False, id="just-under-three-hours-late"),
        pytest.param("2026-03-02 10:30", True, id="exactly-three-hours-late"),
        pytest.param("2026-03-03 07:30", True, id="a-day-late"),
    ],
)
def test_a_reminder_missed_while_down_is_sent_only_if_under_three_hours_late(now, too_late):
    assert timedelta(hours=3) == LATE_LIMIT
    assert is_too_late(utc("2026-03-02 07:30"), utc(now)) is too_late


def test_lateness_needs_aware_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_too_late(datetime(2026, 3, 2, 7, 30), utc("2026-03-02 07:30"))


# --- weekly summary -------------------------------------------------------------------------------


def test_the_weekly_summary_comes_on_sunday_at_the_reminder_time_even_on_the_dst_sunday():
    sent = next_weekly(SEVEN_THIRTY, BERLIN, after=utc("2026-03-25 12:00"))

    assert sent == utc("2026-03-29 05:30")
    assert wall(sent, BERLIN) == datetime(2026, 3, 29, 7, 30)
    assert wall(sent, BERLIN).weekday() == 6


def test_the_weekly_summary_after_one_was_just_sent_is_next_sunday():
    assert next_weekly(SEVEN_THIRTY, BERLIN, after=utc("2026-03-29 05:30")) == utc(
        "2026-04-05 05:30"
    )


def test_the_weekly_summary_on_sydneys_autumn_sunday_uses_standard_time():
    assert next_weekly(SEVEN_THIRTY, SYDNEY, after=utc("2026-04-01 00:00")) == utc(
        "2026-04-04 21:30"
    )


def test_the_weekly_summary_day_can_be_changed():
    monday = next_weekly(SEVEN_THIRTY, NEW_YORK, 0, after=utc("2026-03-04 00:00"))

    assert monday == utc("2026-03-09 11:30")


@pytest.mark.parametrize("weekday", [-1, 7])
def test_a_weekday_outside_monday_to_sunday_is_refused(weekday):
    with pytest.raises(ValueError, match="weekday"):
        next_weekly(SEVEN_THIRTY, BERLIN, weekday, after=utc("2026-03-04 00:00"))


# --- reading a time -------------------------------------------------------------------------------

ACCEPTED_TIMES = [
    ("7:30", time(7, 30)),
    ("07:30", time(7, 30)),
    ("19:00", time(19, 0)),
    ("7.30", time(7, 30)),
    ("7 30", time(7, 30)),
    ("7", time(7, 0)),
    ("07", time(7, 0)),
    ("0", time(0, 0)),
    ("23:59", time(23, 59)),
    ("00:00", time(0, 0)),
    ("7am", time(7, 0)),
    ("7 AM", time(7, 0)),
    ("7:30 pm", time(19, 30)),
    ("7:30PM", time(19, 30)),
    ("7.30 p.m.", time(19, 30)),
    ("12am", time(0, 0)),
    ("12:15 am", time(0, 15)),
    ("12pm", time(12, 0)),
    ("19h", time(19, 0)),
    ("19h30", time(19, 30)),
    ("7 h 30", time(7, 30)),
    ("1930", time(19, 30)),
    ("0730", time(7, 30)),
    ("730", time(7, 30)),
    ("730pm", time(19, 30)),
    ("  7:30  ", time(7, 30)),
    ("１９：３０", time(19, 30)),  # full-width digits and colon
    ("٧:٣٠", time(7, 30)),  # Arabic-Indic digits
    ("७:३०", time(7, 30)),  # Devanagari digits
    ("Noon", time(12, 0)),
    ("midnight", time(0, 0)),
]
REJECTED_TIMES = [
    "25:00",
    "24:00",
    "7:61",
    "7:5",
    "7:",
    "7.",
    "2400",
    "19:30 pm",
    "0am",
    "13pm",
    "7:30:00",
    "-7",
    "7.5",
    "half past seven",
    "junk",
    "",
    "   ",
    "7" * 10_000,
    "7:30" + " " * 100,
    "12345",
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_TIMES, ids=[t for t, _ in ACCEPTED_TIMES])
def test_a_time_typed_the_way_people_type_it_is_understood(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", REJECTED_TIMES, ids=[repr(t[:12]) for t in REJECTED_TIMES])
def test_something_that_is_not_a_clock_time_is_refused(text):
    assert parse_time(text) is None


@given(st.text(max_size=40))
def test_parse_time_never_crashes_on_any_text(text):
    result = parse_time(text)
    assert result is None or isinstance(result, time)


@given(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
def test_every_minute_of_the_day_reads_back_in_24h_and_12h_forms(at):
    assert parse_time(at.strftime("%H:%M")) == at
    assert parse_time(f"{at.hour}:{at.minute:02d}") == at
    assert parse_time(at.strftime("%I:%M %p")) == at
