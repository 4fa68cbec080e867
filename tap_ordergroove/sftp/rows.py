"""Turn one export's lines into typed records, and bad rows into rejections.

The file arrives as an iterator of byte lines (see ``connection.py``), so a
1 GB export is parsed with a few lines in memory. ``csv`` gets an iterator of
decoded lines; a small wrapper remembers which physical lines each CSV record
came from, so a rejected row is reported with its starting line number and its
raw text even when a quoted field spans several lines.

A row is rejected, never dropped and never fatal, when it has the wrong number
of columns, breaks CSV quoting, is not UTF-8, lacks its key, or holds a value
that does not fit its column's type, including numbers the warehouse cannot
hold (a 64-bit integer, a Postgres ``numeric``): such a row must be set aside
here, or the target's insert fails and stops the whole run. A file whose header is unusable (no key
column, duplicate columns) is an error for the whole file instead: every row
would be rejected for the same reason.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from tap_ordergroove.coerce import ConversionError, to_boolean, to_decimal, to_integer
from tap_ordergroove.sftp.errors import SftpFileError
from tap_ordergroove.sftp.schemas import (
    BOOLEAN,
    COMPACT_DATETIME,
    DATE,
    DATETIME,
    DECIMAL,
    EXTRA_COLUMNS,
    INTEGER,
    SOURCE_COMPLETED_AT,
    SOURCE_FILE,
    SOURCE_LINE,
    Report,
    normalise_header,
)
from tap_ordergroove.timezones import OrdergrooveZone

Converter = Callable[[str], Any]

#: Longest raw text kept for a rejected row (an unclosed quote can swallow many lines).
MAX_RAW_CHARS = 32_768
#: Integer columns land in 64-bit columns (``bigint``).
INTEGER_RANGE = range(-(2**63), 2**63)
#: Postgres ``numeric`` holds up to 131072 digits before the point and 16383 after it.
DECIMAL_MAX_ADJUSTED = 131_071
DECIMAL_MIN_EXPONENT = -16_383


@dataclass(frozen=True)
class Rejection:
    """A row that could not be loaded, with where it was and why."""

    line: int
    reason: str
    raw: str


@lru_cache(maxsize=16_384)
def parse_date(text: str) -> str:
    """``MM/DD/YYYY`` (Ordergroove's export format) or ``YYYY-MM-DD`` -> ``YYYY-MM-DD``.

    Cached: an export repeats the same few dates on every row.
    """
    value = text.strip()
    try:
        if "/" in value:
            month, day, year = value.split("/")
            if len(year) != 4:  # two-digit years are ambiguous: refuse them
                raise ValueError("year must have four digits")
            return date(int(year), int(month), int(day)).isoformat()
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise ConversionError(f"expected a date MM/DD/YYYY, got {text!r}") from exc


def parse_local_timestamp(text: str) -> datetime:
    """``MM/DD/YYYY HH:MM[:SS][ AM|PM]`` or ``YYYY-MM-DD HH:MM:SS`` -> naive local datetime.

    The 12-hour form is what spreadsheets write when an export was opened and saved.
    """
    value = text.strip()
    try:
        if "/" in value:
            day_part, _, time_part = value.partition(" ")
            iso_day = parse_date(day_part)
            return datetime.fromisoformat(f"{iso_day} {_clock(time_part)}")
        parsed = datetime.fromisoformat(value)
    except (ValueError, ConversionError) as exc:
        raise ConversionError(f"expected a timestamp MM/DD/YYYY HH:MM:SS, got {text!r}") from exc
    if parsed.tzinfo is not None:
        raise ConversionError(f"expected a local timestamp without offset, got {text!r}")
    return parsed


def _clock(text: str) -> str:
    """``HH:MM[:SS]``, also with ``AM``/``PM``, as a 24-hour ``HH:MM[:SS]``."""
    clock = text.strip().upper()
    if not clock:
        return "00:00:00"
    if clock[-2:] not in ("AM", "PM"):
        return clock
    hours, sep, rest = clock[:-2].strip().partition(":")
    hour = int(hours)
    if not sep or not 1 <= hour <= 12:
        raise ValueError("12-hour clock out of range")
    hour = hour % 12 + (12 if clock.endswith("PM") else 0)
    return f"{hour:02d}:{rest}"


def to_bounded_integer(text: str) -> int | None:
    """An integer that fits a 64-bit column."""
    number = to_integer(text)
    if number is not None and number not in INTEGER_RANGE:
        raise ConversionError(f"integer {text!r} does not fit a 64-bit column")
    return number


def to_bounded_decimal(text: str) -> Decimal | None:
    """An exact decimal that fits a Postgres ``numeric``."""
    number = to_decimal(text.strip())
    if number is not None and (
        number.adjusted() > DECIMAL_MAX_ADJUSTED
        or number.as_tuple().exponent < DECIMAL_MIN_EXPONENT  # type: ignore[operator]
    ):
        raise ConversionError(f"decimal {text!r} has too many digits for a numeric column")
    return number


def _timestamp_converter(zone: OrdergrooveZone) -> Converter:
    @lru_cache(maxsize=65_536)  # rows of one export share many timestamps (bulk placement)
    def convert(text: str) -> str:
        return zone.to_utc_iso(parse_local_timestamp(text).isoformat(sep=" "))

    return convert


def _compact_timestamp_converter(zone: OrdergrooveZone) -> Converter:
    @lru_cache(maxsize=65_536)
    def convert(text: str) -> str:
        value = text.strip()
        try:
            if len(value) != 14 or not value.isdigit():
                raise ValueError("not 14 digits")
            local = datetime.strptime(value, "%m%d%Y%H%M%S")
        except ValueError as exc:
            msg = f"expected a timestamp MMDDYYYYHHMMSS, got {text!r}"
            raise ConversionError(msg) from exc
        return zone.to_utc_iso(local.isoformat(sep=" "))

    return convert


def converter_for(kind: str, zone: OrdergrooveZone) -> Converter:
    """The text -> value function of one column type (empty cells never reach it)."""
    if kind == DATE:
        return parse_date
    if kind == DATETIME:
        return _timestamp_converter(zone)
    if kind == COMPACT_DATETIME:
        return _compact_timestamp_converter(zone)
    if kind == DECIMAL:
        return to_bounded_decimal
    if kind == INTEGER:
        return to_bounded_integer
    if kind == BOOLEAN:
        return to_boolean
    return str


class _LineFeed:
    """Feeds decoded lines to ``csv`` and remembers the raw lines of the current record."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self.consumed = 0
        self.pending: list[str] = []
        self.bad_encoding = False

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.consumed += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            self.bad_encoding = True
        if self.consumed == 1:
            text = text.removeprefix("\ufeff")
        self.pending.append(text)
        return text

    def take(self) -> tuple[int, str, bool]:
        """(first line number, raw text, had bad bytes) of the record just read; then reset."""
        start = self.consumed - len(self.pending) + 1
        raw = "".join(self.pending).rstrip("\r\n")
        bad = self.bad_encoding
        self.pending = []
        self.bad_encoding = False
        if len(raw) > MAX_RAW_CHARS:
            raw = raw[:MAX_RAW_CHARS] + f"... [truncated, {len(raw)} characters]"
        return start, raw, bad


@dataclass
class Header:
    """How one file's columns map onto the report's fields."""

    converters: list[tuple[int, str, str, Converter]]  # (index, field, header, converter)
    extras: list[tuple[int, str]]  # (index, field) of unknown columns
    key_index: int
    width: int
    missing: list[str]
    unknown: list[str]


def read_header(report: Report, names: list[str], zone: OrdergrooveZone, file: str) -> Header:
    """Map a header row onto the report; raises when the file cannot be loaded at all."""
    lookup = report.lookup
    normalised = [lookup.get(key, key) for key in map(normalise_header, names)]
    seen: dict[str, int] = {}
    for index, field in enumerate(normalised):
        if not field:
            msg = f"SFTP file {file!r}: header column {index + 1} has no name ({names!r})."
            raise SftpFileError(msg)
        if field in seen:
            msg = (
                f"SFTP file {file!r}: columns {seen[field] + 1} and {index + 1} both map to "
                f"{field!r}; the tap cannot tell which to load. Header: {names!r}"
            )
            raise SftpFileError(msg)
        seen[field] = index
    known = report.fields
    if report.key not in seen:
        msg = (
            f"SFTP file {file!r} has no key column '{known[report.key].header}' "
            f"({report.key}); header is {names!r}. Is this a {report.stream} export? If it "
            f"is, ask Ordergroove to include the '{known[report.key].header}' column: rows "
            "cannot be upserted without their key."
        )
        raise SftpFileError(msg)
    converters = [
        (index, field, names[index], converter_for(known[field].kind, zone))
        for index, field in enumerate(normalised)
        if field in known
    ]
    extras = [(index, field) for index, field in enumerate(normalised) if field not in known]
    return Header(
        converters=converters,
        extras=extras,
        key_index=seen[report.key],
        width=len(names),
        missing=[column.header for column in report.columns if column.field not in seen],
        unknown=[field for _, field in extras],
    )


class ReportReader:
    """Iterates one file's rows as records or ``Rejection``s, in file order."""

    def __init__(
        self,
        report: Report,
        lines: Iterator[bytes],
        *,
        file: str,
        completed_at: str,
        zone: OrdergrooveZone,
    ) -> None:
        self.report = report
        self.file = file
        self.completed_at = completed_at
        self.zone = zone
        self.feed = _LineFeed(lines)
        self.reader = csv.reader(self.feed, strict=True)
        self.header: Header | None = None

    def read_header(self) -> Header:
        """Read and check the header row (line 1)."""
        try:
            names = next(self.reader)
        except StopIteration as exc:
            msg = f"SFTP file {self.file!r} is empty: it has no header row."
            raise SftpFileError(msg) from exc
        except csv.Error as exc:
            msg = f"SFTP file {self.file!r}: the header row is not valid CSV ({exc})."
            raise SftpFileError(msg) from exc
        _, _, bad = self.feed.take()
        if bad:
            msg = f"SFTP file {self.file!r}: the header row is not UTF-8."
            raise SftpFileError(msg)
        self.header = read_header(self.report, names, self.zone, self.file)
        return self.header

    def __iter__(self) -> Iterator[dict | Rejection]:
        header = self.header or self.read_header()
        while True:
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line, raw, _ = self.feed.take()
                yield Rejection(line, f"not valid CSV: {exc}", raw)
                continue
            line, raw, bad = self.feed.take()
            if not row:
                continue  # a blank line holds no row
            if bad:
                yield Rejection(line, "not valid UTF-8 text", raw)
                continue
            if len(row) != header.width:
                reason = f"expected {header.width} columns as in the header, found {len(row)}"
                yield Rejection(line, reason, raw)
                continue
            try:
                yield self._record(row, header, line)
            except ConversionError as exc:
                yield Rejection(line, str(exc), raw)

    def _record(self, row: list[str], header: Header, line: int) -> dict:
        if not row[header.key_index].strip():
            raise ConversionError(f"the key column '{self.report.key}' is empty")
        record: dict[str, Any] = {}
        for index, field, name, convert in header.converters:
            text = row[index]
            if text == "" or text.isspace():
                record[field] = None
                continue
            try:
                record[field] = convert(text)
            except ConversionError as exc:
                raise ConversionError(f"column '{name}': {exc}") from exc
        record[EXTRA_COLUMNS] = (
            {field: row[index] for index, field in header.extras} if header.extras else None
        )
        record[SOURCE_FILE] = self.file
        record[SOURCE_LINE] = line
        record[SOURCE_COMPLETED_AT] = self.completed_at
        return record
