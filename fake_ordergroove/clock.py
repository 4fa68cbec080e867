"""Fast conversion between UTC epoch seconds and naive local wall-clock strings.

Ordergroove serves naive ``YYYY-MM-DD HH:MM:SS`` strings in US Central time. ``zoneinfo`` is
correct but costs ~5 us per call, which dominates generating a million records, so the UTC
offsets of the zone are tabulated once and looked up with ``bisect`` instead.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["FILTER_FORMATS", "LocalClock", "parse_filter_value"]

_DAY = 86_400
_ORDINAL_EPOCH = date(1970, 1, 1).toordinal()
#: ``yyyy-mm-dd or yyyy-mm-ddThh:mm:ss``: how the reference documents ``updated_start`` & co.
_FILTER_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$")
#: ``YYYY-MM-DD HH:mm:ss``: how it documents placement responses' ``start_date``/``end_date``.
_SPACED_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
FILTER_FORMATS = {"iso": _FILTER_RE, "spaced": _SPACED_RE}
# " HH:MM:SS" for every second of a day: string formatting is the hot spot of generation.
_TIME_OF_DAY = tuple(
    f" {h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
)


class LocalClock:
    """Formats epoch seconds as naive wall-clock strings of one IANA zone."""

    def __init__(self, timezone: str, first_year: int = 2015, last_year: int = 2040) -> None:
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self._lo = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
        self._hi = int(datetime(last_year, 1, 1, tzinfo=UTC).timestamp())
        self._bounds: list[int] = [self._lo]
        self._offsets: list[int] = [self._offset(self._lo)]
        ts = self._lo
        while ts < self._hi:
            nxt = ts + _DAY
            if self._offset(nxt) != self._offsets[-1]:
                lo, hi = ts, nxt  # offset changes in (lo, hi]: bisect to the exact second
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if self._offset(mid) == self._offsets[-1]:
                        lo = mid
                    else:
                        hi = mid
                self._bounds.append(hi)
                self._offsets.append(self._offset(hi))
            ts = nxt
        self._day_cache: dict[int, str] = {}

    def _offset(self, ts: int) -> int:
        """UTC offset in seconds at ``ts`` according to zoneinfo (slow path)."""
        delta = datetime.fromtimestamp(ts, self.zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    def offset(self, ts: int) -> int:
        """UTC offset in seconds at epoch second ``ts``."""
        if self._lo <= ts < self._hi:
            return self._offsets[bisect_right(self._bounds, ts) - 1]
        return self._offset(ts)

    def day_string(self, local_day: int) -> str:
        """``YYYY-MM-DD`` for a day number counted in local days since 1970-01-01."""
        text = self._day_cache.get(local_day)
        if text is None:
            text = date.fromordinal(local_day + _ORDINAL_EPOCH).isoformat()
            self._day_cache[local_day] = text
        return text

    def local_seconds(self, ts: int) -> int:
        """Wall-clock seconds since the local epoch (UTC epoch shifted by the offset)."""
        return ts + self.offset(ts)

    def fmt(self, ts: int) -> str:
        """Naive local ``YYYY-MM-DD HH:MM:SS`` for epoch second ``ts``."""
        if self._lo <= ts < self._hi:
            local = ts + self._offsets[bisect_right(self._bounds, ts) - 1]
        else:
            local = ts + self._offset(ts)
        day, secs = divmod(local, _DAY)
        text = self._day_cache.get(day)
        if text is None:
            text = self.day_string(day)
        return text + _TIME_OF_DAY[secs]

    def local_day(self, ts: int) -> int:
        """Local calendar day number (days since 1970-01-01) containing ``ts``."""
        return (ts + self.offset(ts)) // _DAY

    def from_local(self, local_secs: int) -> int:
        """Epoch second of a local wall-clock time (first occurrence when ambiguous)."""
        guess = local_secs - self.offset(local_secs - 12 * 3600)
        return local_secs - self.offset(guess)

    def to_ts(self, text: str) -> int:
        """Epoch second of a naive local string (fold=0 in the repeated hour)."""
        naive = datetime.fromisoformat(text)
        return int(naive.replace(tzinfo=self.zone).timestamp())

    def now(self) -> str:
        """The current wall-clock time of the zone as a naive string."""
        return datetime.now(self.zone).strftime("%Y-%m-%d %H:%M:%S")


def parse_filter_value(value: str, fmt: str = "iso") -> str | None:
    """Normalise a filter value to a comparable naive ``YYYY-MM-DD HH:MM:SS`` string.

    ``fmt`` "iso" accepts ``YYYY-MM-DD`` (midnight, like DRF's DateTimeFilter) or
    ``YYYY-MM-DDTHH:MM:SS``; "spaced" accepts only ``YYYY-MM-DD HH:MM:SS``. Returns None
    for anything else so the caller can answer 400 like the real API.
    """
    if not FILTER_FORMATS[fmt].match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.strftime("%Y-%m-%d %H:%M:%S")
