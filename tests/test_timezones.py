"""Central-time conversions, on both sides of both daylight-saving changes."""

from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_ordergroove.timezones import OrdergrooveZone, parse_instant, utc_iso

CHICAGO = OrdergrooveZone("America/Chicago")


@pytest.mark.parametrize(
    ("naive", "utc"),
    [
        ("2024-01-15 12:00:00", "2024-01-15T18:00:00+00:00"),  # CST, UTC-6
        ("2024-07-15 12:00:00", "2024-07-15T17:00:00+00:00"),  # CDT, UTC-5
        ("2024-03-10 01:59:59", "2024-03-10T07:59:59+00:00"),  # last second of CST
        ("2024-03-10 03:00:00", "2024-03-10T08:00:00+00:00"),  # first second of CDT
        ("2024-11-03 00:59:59", "2024-11-03T05:59:59+00:00"),  # CDT before fall-back
        ("2024-11-03 01:30:00", "2024-11-03T06:30:00+00:00"),  # ambiguous: first occurrence
        ("2024-11-03 02:00:00", "2024-11-03T08:00:00+00:00"),  # CST after fall-back
    ],
)
def test_naive_central_timestamps_become_utc(naive, utc):
    assert CHICAGO.to_utc_iso(naive) == utc


@pytest.mark.parametrize(
    ("instant", "bound", "expected"),
    [
        ("2024-03-10T07:30:00+00:00", "start", "2024-03-10T01:30:00"),  # CST side
        ("2024-03-10T08:30:00+00:00", "start", "2024-03-10T03:30:00"),  # CDT side
        ("2024-11-03T05:30:00+00:00", "start", "2024-11-03T00:30:00"),  # before the fold
        ("2024-11-03T08:30:00+00:00", "start", "2024-11-03T02:30:00"),  # after the fold
        # Inside the repeated hour the bound widens by one hour, whichever occurrence.
        ("2024-11-03T06:30:00+00:00", "start", "2024-11-03T00:30:00"),
        ("2024-11-03T07:30:00+00:00", "start", "2024-11-03T00:30:00"),
        ("2024-11-03T06:30:00+00:00", "end", "2024-11-03T02:30:00"),
        ("2024-11-03T07:30:00+00:00", "end", "2024-11-03T02:30:00"),
    ],
)
def test_filter_values_are_naive_central_and_never_narrower(instant, bound, expected):
    assert CHICAGO.filter_value(parse_instant(instant), bound=bound) == expected


def test_eastern_zone_setting_is_honoured():
    eastern = OrdergrooveZone("America/New_York")
    assert eastern.to_utc_iso("2024-01-15 12:00:00") == "2024-01-15T17:00:00+00:00"


def test_unknown_zone_names_the_setting():
    with pytest.raises(ConfigValidationError, match=r"`timezone`.*Mars/Olympus"):
        OrdergrooveZone("Mars/Olympus")


def naive_values(zone: OrdergrooveZone, year: int):
    """Every 17 minutes 13 seconds of a year, plus every second of its DST-change hours."""
    moment, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    while moment < end:
        yield moment.strftime("%Y-%m-%d %H:%M:%S")
        if zone.to_utc(moment.strftime("%Y-%m-%d %H:00:00")) != zone.to_utc(
            (moment + timedelta(hours=1)).strftime("%Y-%m-%d %H:00:00")
        ) - timedelta(hours=1):
            hour = moment.replace(minute=0, second=0)
            for second in range(0, 7200, 1):
                yield (hour + timedelta(seconds=second)).strftime("%Y-%m-%d %H:%M:%S")
        moment += timedelta(minutes=17, seconds=13)


@pytest.mark.parametrize(
    "name",
    [
        "America/Chicago",
        "America/New_York",
        "Australia/Lord_Howe",
        "America/Havana",
        "Asia/Kolkata",
        "UTC",
    ],
)
def test_cached_hour_offsets_agree_with_the_exact_conversion(name):
    """The fast path must equal zoneinfo's answer for every value, DST hours included.

    Lord Howe moves by 30 minutes, Havana changes at midnight, Kolkata has no DST and a
    half-hour offset.
    """
    zone = OrdergrooveZone(name)
    checked = 0
    for year in (2024, 2025):
        for value in naive_values(zone, year):
            assert zone.to_utc_iso(value) == zone.to_utc(value).isoformat(), value
            checked += 1
    assert checked > 60_000
    assert zone.to_utc_iso("2024-07-15T12:00:00") == zone.to_utc("2024-07-15 12:00:00").isoformat()


def test_state_format_is_utc_without_microseconds():
    assert (
        utc_iso(datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)) == "2024-01-01T12:00:00+00:00"
    )
    assert parse_instant("2024-01-01T00:00:00Z") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_instant("2024-01-01") == datetime(2024, 1, 1, tzinfo=UTC)
