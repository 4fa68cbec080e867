"""The cached Central -> UTC paths give the exact conversion for every local time.

``OrdergrooveZone.to_utc_iso`` answers most values from caches: UTC hour prefixes (a whole
day's 24 hours are filled at the first value of that day) and per-day offsets. Whatever
order values arrive in, each must equal the exact conversion (``to_utc``, a zone lookup
per value), around daylight-saving changes and in zones whose offsets are not whole hours.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from tap_ordergroove.timezones import OrdergrooveZone


def _local_times(seed: int) -> list[str]:
    """Naive local times over two years (every DST change) plus each change's hours."""
    rng = random.Random(seed)
    moment = datetime(2022, 12, 25)
    values = []
    while moment < datetime(2025, 1, 5):
        moment += timedelta(seconds=rng.randint(1, 9000))
        values.append(moment.strftime("%Y-%m-%d %H:%M:%S"))
    for day in ("2023-03-12", "2023-11-05", "2024-03-10", "2024-11-03", "2023-10-01"):
        values += [f"{day} {hour:02d}:{minute:02d}:07" for hour in range(24) for minute in (0, 30)]
    rng.shuffle(values)
    return values


@pytest.mark.parametrize(
    "zone_name",
    [
        "America/Chicago",  # a local hour's UTC hour on the same day or the day after
        "Asia/Tokyo",  # ... or the day before
        "Pacific/Kiritimati",  # +14: the widest shift
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "America/St_Johns",
        "UTC",
    ],
)
def test_cached_conversion_is_the_exact_one(zone_name):
    zone = OrdergrooveZone(zone_name)
    exact = OrdergrooveZone(zone_name)
    for value in _local_times(len(zone_name)):
        assert zone.to_utc_iso(value) == exact.to_utc(value).isoformat(), value


def test_a_day_is_cached_whole_at_its_first_value():
    zone = OrdergrooveZone("America/Chicago")
    assert zone.to_utc_iso("2023-07-19 09:06:06") == "2023-07-19T14:06:06+00:00"
    assert zone.utc_hour_prefixes["2023-07-19 00"] == "2023-07-19T05"
    assert zone.utc_hour_prefixes["2023-07-19 23"] == "2023-07-20T04"
    # a day with a change is never cached by hour: its values take the exact path
    assert zone.to_utc_iso("2023-03-12 03:30:00") == "2023-03-12T08:30:00+00:00"
    assert zone.utc_hour_prefixes["2023-03-12 03"] is None
    assert "2023-03-12 04" not in zone.utc_hour_prefixes
