"""Conversions between Ordergroove's naive local timestamps and UTC.

Ordergroove writes and filters timestamps as naive wall-clock strings in one
zone (America/Chicago by default, with daylight saving). The warehouse must
hold UTC instants, and filters must be sent as local wall-clock values. Around
a fall-back change one local hour happens twice, so a naive value is ambiguous:
records are read as the first occurrence (``fold=0``, the earlier instant), and
filter bounds are widened by the ambiguity so the API can never drop a record
whichever occurrence it assumes.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk.exceptions import ConfigValidationError

#: Filters documented as ``yyyy-mm-dd or yyyy-mm-ddThh:mm:ss`` (``updated_start`` & co.).
FILTER_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: Filters documented as ``YYYY-MM-DD HH:mm:ss`` (placement responses' start/end_date).
SPACED_FILTER_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Length of Ordergroove's naive timestamp ``YYYY-MM-DD HH:MM:SS``, and of its date part.
NAIVE_LENGTH = 19
_DATE_LENGTH = 10
_LAST_SECOND_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)
#: The hour cache of ``to_utc_iso``: key length, the ``:MM:SS`` tails it accepts (exactly
#: those ``fromisoformat`` reads), and a bound (about 11 years of hours, a few MiB).
HOUR_LENGTH = 13
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_HOURS = [f"{hour:02d}" for hour in range(24)]
MINUTES_SECONDS = frozenset(f":{m:02d}:{s:02d}" for m in range(60) for s in range(60))
_MAX_HOURS = 100_000
_UNSEEN: t.Any = object()


class OrdergrooveZone:
    """The merchant's Ordergroove time zone, with conversions in both directions."""

    def __init__(self, name: str) -> None:
        try:
            self.tz = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = (
                f"Setting `timezone` is {name!r}, which is not an IANA time zone name. "
                "Use the zone Ordergroove timestamps your data in, e.g. 'America/Chicago'."
            )
            raise ConfigValidationError(msg, errors=[msg]) from exc
        self.name = name
        self._day_offset = lru_cache(maxsize=8192)(self._offset_of_day)  # 22 years of days
        #: Local hour ``YYYY-MM-DD HH`` -> its UTC ``YYYY-MM-DDTHH`` (None: exact path);
        #: ``coerce`` reads it inline for values ``to_utc_iso`` has met before.
        self.utc_hour_prefixes: dict[str, str | None] = {}

    def to_utc(self, value: str) -> datetime:
        """Read an Ordergroove naive timestamp ('YYYY-MM-DD HH:MM:SS') as a UTC instant."""
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        return parsed.astimezone(UTC)

    def to_utc_iso(self, value: str) -> str:
        """ISO-8601 UTC string with an explicit offset, as the tap emits every datetime.

        The hot path of record conversion (two or three timestamps per record): a naive
        value in a local hour with one whole-hour offset gets that hour's cached UTC
        prefix (no datetime at all); else, on a day with one unambiguous offset, it is
        shifted by that day's cached offset, about 3x faster than a zone lookup per
        value. Values in an hour that holds a daylight-saving change, and any other
        format, take the exact path.
        """
        if len(value) == NAIVE_LENGTH:
            hour = value[:HOUR_LENGTH]
            prefix = self.utc_hour_prefixes.get(hour, _UNSEEN)
            if prefix is _UNSEEN:
                prefix = self._hour_prefix(hour)
            if prefix is not None and value[HOUR_LENGTH:] in MINUTES_SECONDS:
                return prefix + value[HOUR_LENGTH:] + "+00:00"
            offset = self._day_offset(value[:_DATE_LENGTH])
            if offset is not None:
                return (datetime.fromisoformat(value) - offset).isoformat() + "+00:00"
        return self.to_utc(value).isoformat()

    def _hour_prefix(self, hour: str) -> str | None:
        """``YYYY-MM-DDTHH`` in UTC for the local hour ``YYYY-MM-DD HH``, cached; None when
        its day holds a change or its offset is not whole hours (those take the paths
        below), or it is no hour at all."""
        if len(self.utc_hour_prefixes) >= _MAX_HOURS:
            self.utc_hour_prefixes.clear()
        prefix = None
        offset = self._day_offset(hour[:_DATE_LENGTH])
        if offset is not None and offset % _HOUR == timedelta(0):
            try:
                start = datetime.fromisoformat(hour + ":00:00")
            except ValueError:
                start = None
            if start is not None and start.tzinfo is None:
                prefix = (start - offset).isoformat()[:HOUR_LENGTH]
                if hour[_DATE_LENGTH] == " ":  # Ordergroove's form: the day's 24 hours at once
                    self._fill_day(hour[:_DATE_LENGTH], start.date(), offset)
        self.utc_hour_prefixes[hour] = prefix
        return prefix

    def _fill_day(self, day: str, local: date, offset: timedelta) -> None:
        """Cache every hour ``YYYY-MM-DD HH`` of a day with one whole-hour offset (what
        ``_hour_prefix`` would find for each: a record's timestamps spread over many hours
        of few days, so this saves most lookups of the exact path).

        Built from text, not 24 datetimes: a run meets about a thousand days, and this
        was a tenth of the tap's conversion time. Whole-hour offsets lie within a day,
        so a local hour's UTC hour falls on the day before, the day, or the day after.
        """
        shift = -offset // _HOUR  # UTC hour = local hour + shift
        days = {step: (local + step * _DAY).isoformat() for step in (-1, 0, 1)}
        prefixes = self.utc_hour_prefixes
        for hour in range(24):
            step, utc_hour = divmod(hour + shift, 24)
            prefixes.setdefault(f"{day} {_HOURS[hour]}", f"{days[step]}T{_HOURS[utc_hour]}")

    def _offset_of_day(self, day: str) -> timedelta | None:
        """The UTC offset of every wall-clock second of ``day``, or None if it varies.

        None when a change happens that day (its first and last seconds differ) or at
        its midnight (the first second is skipped or repeated: fold 0 and 1 differ).
        """
        try:
            start = datetime.fromisoformat(day)
        except ValueError:
            return None
        offsets = {
            moment.replace(tzinfo=self.tz, fold=fold).utcoffset()
            for moment in (start, start + _LAST_SECOND_OF_DAY)
            for fold in (0, 1)
        }
        return offsets.pop() if len(offsets) == 1 else None

    def filter_value(self, instant: datetime, *, bound: str, fmt: str = FILTER_FORMAT) -> str:
        """Format ``instant`` as the naive local value Ordergroove filters accept.

        ``fmt`` is the endpoint's documented format. ``bound`` is 'start' (filter is >=)
        or 'end' (<= or <). When the local
        wall-clock reading is ambiguous (fall-back hour), the lower bound moves
        earlier and the upper bound later by the size of the change, so either
        interpretation by the API still covers ``instant``.
        """
        local = instant.astimezone(self.tz).replace(tzinfo=None)
        shift = self._ambiguity(local)
        if shift:
            local = local - shift if bound == "start" else local + shift
        return local.strftime(fmt)

    def _ambiguity(self, local: datetime) -> timedelta:
        """How far apart the two instants sharing this wall-clock reading are (0 if one)."""
        first = local.replace(tzinfo=self.tz, fold=0).utcoffset()
        second = local.replace(tzinfo=self.tz, fold=1).utcoffset()
        if first is None or second is None or first == second:
            return timedelta(0)
        return abs(first - second)


def utc_iso(instant: datetime) -> str:
    """The one format the tap uses for UTC instants in records and state."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_instant(value: str) -> datetime:
    """Parse an ISO string from state or config; naive values are UTC (SDK convention)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
