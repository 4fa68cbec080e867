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

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk.exceptions import ConfigValidationError

#: Filters documented as ``yyyy-mm-dd or yyyy-mm-ddThh:mm:ss`` (``updated_start`` & co.).
FILTER_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: Filters documented as ``YYYY-MM-DD HH:mm:ss`` (placement responses' start/end_date).
SPACED_FILTER_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Length of Ordergroove's naive timestamp ``YYYY-MM-DD HH:MM:SS``, and of its date part.
_NAIVE_LENGTH = 19
_DATE_LENGTH = 10
_LAST_SECOND_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)


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

    def to_utc(self, value: str) -> datetime:
        """Read an Ordergroove naive timestamp ('YYYY-MM-DD HH:MM:SS') as a UTC instant."""
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        return parsed.astimezone(UTC)

    def to_utc_iso(self, value: str) -> str:
        """ISO-8601 UTC string with an explicit offset, as the tap emits every datetime.

        The hot path of record conversion (two or three timestamps per record): a naive
        value on a day with one unambiguous offset is shifted by that day's cached
        offset, about 3x faster than a zone lookup per value. Values on a day that
        holds a daylight-saving change, and any other format, take the exact path.
        """
        if len(value) == _NAIVE_LENGTH:
            offset = self._day_offset(value[:_DATE_LENGTH])
            if offset is not None:
                return (datetime.fromisoformat(value) - offset).isoformat() + "+00:00"
        return self.to_utc(value).isoformat()

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
