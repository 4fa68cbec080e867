"""``tap-ordergroove --check``: the first page of every REST stream, compared with the schema.

Nobody building this tap has a live Ordergroove account, so a merchant's first real run is
where Ordergroove's documentation and its API may first disagree. The check reads one page
per stream, syncs nothing, and reports per stream: status (ok / auth failure / HTTP error /
unreachable), the response shape (see ``envelope.py``), records seen, fields that arrived
but the schema lacks (path at any depth, ``recurring_coupon.discounts[0].new_flag``),
documented fields never seen (the schema's properties are the documented fields), and
values whose form differs from the schema (a list where an object is documented, a string
where an integer is, a date that does not parse), each marked as converted by the tap or
not. ``--format=json`` prints the same report for a bug report: field names, JSON types
and counts only, never a value, a key or a ``base_url`` credential.

Exit code: 0 when every stream answered (drift alone is information, not failure), 1 when
any stream failed (a refused key included).
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit, urlunsplit

from tap_ordergroove.coerce import ConversionError, build
from tap_ordergroove.errors import (
    OrdergrooveAuthError,
    OrdergrooveConnectionError,
    OrdergrooveError,
    OrdergrooveResponseError,
)
from tap_ordergroove.rest.children import ChildStream
from tap_ordergroove.rest.envelope import BARE_ARRAY, ENVELOPE, SINGLE_OBJECT, unwrap
from tap_ordergroove.rest.http_client import decoded_body
from tap_ordergroove.rest.streams import STREAM_TYPES

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from singer_sdk import Tap

    from tap_ordergroove.rest.client import OrdergrooveStream
    from tap_ordergroove.timezones import OrdergrooveZone

OK = "ok"
AUTH_FAILURE = "auth failure"
HTTP_ERROR = "HTTP error"
UNREACHABLE = "unreachable"
#: Short, stable names of the response shapes, for the JSON form.
SHAPE_CODES = {ENVELOPE: "v2_envelope", BARE_ARRAY: "bare_array", SINGLE_OBJECT: "single_object"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


# -- what one stream's first page says --------------------------------------------------------


@dataclass
class FieldCount:
    """A field path (first occurrence, e.g. ``a.b[0].c``) and how many records had it."""

    path: str
    records: int


@dataclass
class FormDifference:
    """Values at one path whose JSON form is not the schema's."""

    path: str
    seen: str  # JSON type that arrived: object, array, string, integer, ...
    schema: str  # what the schema documents: integer, date-time, object, ...
    records: int
    converts: bool  # False: a sync would not be able to convert it
    note: str = ""


@dataclass
class StreamReport:
    """The check's verdict on one stream (field names, types and counts only)."""

    stream: str
    path: str  # the endpoint; for a child table, the parent's field it is built from
    status: str = OK
    error: str | None = None
    envelope: str | None = None
    records_seen: int = 0
    more_pages: bool = False
    unknown_fields: list[FieldCount] = field(default_factory=list)
    never_seen: list[str] = field(default_factory=list)
    form_differences: list[FormDifference] = field(default_factory=list)
    #: For a child table: the parent stream whose first page its rows come from.
    parent: str | None = None

    @property
    def drift(self) -> bool:
        """Anything that differs from the schema."""
        return bool(self.unknown_fields or self.never_seen or self.form_differences)


# -- comparing raw records with a JSON schema ----------------------------------------------------


def _json_type(value: t.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "integer"
    return "number"  # float or the decoder's Decimal


def _branches(schema: dict) -> list[dict]:
    """The schema and its ``anyOf`` / ``oneOf`` alternatives (a field may hold two forms)."""
    found = [schema]
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            found += _branches(branch)
    return found


def _types(schema: dict) -> set[str]:
    types: set[str] = set()
    for branch in _branches(schema):
        declared = branch.get("type", [])
        types |= {declared} if isinstance(declared, str) else set(declared)
    return types - {"null"}


def _properties(schema: dict) -> dict | None:
    """The declared properties of an object schema; None for a free-form object."""
    merged: dict = {}
    for branch in _branches(schema):
        merged.update(branch.get("properties") or {})
    return merged or None


def _items(schema: dict) -> dict:
    return next((b["items"] for b in _branches(schema) if b.get("items")), {})


def _documented_form(schema: dict) -> str:
    types = _types(schema)
    formats = {b.get("format") for b in _branches(schema)} - {None}
    if types == {"string"} and formats & {"date-time", "date"}:
        return next(iter(formats & {"date-time", "date"}))
    return "/".join(sorted(types)) or "any"


class _Tally:
    """What the records of one page held, per normalised path (list indexes as ``[]``)."""

    def __init__(self, zone: OrdergrooveZone) -> None:
        self.zone = zone
        self.unknown: dict[str, list] = {}  # norm path -> [first path, records]
        self.objects_seen: dict[str, set[str]] = {}  # norm object path -> keys seen
        self.schemas: dict[str, dict] = {}  # norm object path -> its properties
        self.forms: dict[tuple[str, str, str], list] = {}  # key -> [first path, records, ok]
        self._record_marks: set[tuple] = set()
        self._converters: dict[int, Callable[[t.Any], t.Any]] = {}

    def record(self, number: int, raw: dict, properties: dict) -> None:
        """Walk one record against the stream's top-level properties."""
        self._object(number, raw, properties, "", "")

    def _count(self, table: dict, key: t.Any, path: str, number: int, extra: t.Any = None) -> None:
        entry = table.setdefault(key, [path, 0, extra])
        if (id(table), key, number) not in self._record_marks:
            self._record_marks.add((id(table), key, number))
            entry[1] += 1

    def _object(self, number: int, value: dict, properties: dict, path: str, norm: str) -> None:
        self.schemas.setdefault(norm, properties)
        seen = self.objects_seen.setdefault(norm, set())
        prefix, norm_prefix = (f"{path}.", f"{norm}.") if path or norm else ("", "")
        for name, item in value.items():
            spec = properties.get(name)
            if spec is None:
                self._count(self.unknown, norm_prefix + name, prefix + name, number)
                continue
            seen.add(name)
            self._value(number, item, spec, prefix + name, norm_prefix + name)

    def _value(self, number: int, value: t.Any, spec: dict, path: str, norm: str) -> None:
        if value is None:
            return
        types = _types(spec)
        kind = _json_type(value)
        if not types:
            return  # the schema allows anything here
        if kind == "object" and "object" in types:
            properties = _properties(spec)
            if properties is not None:
                self._object(number, value, properties, path, norm)
            return
        if kind == "array" and "array" in types:
            items = _items(spec)
            for position, element in enumerate(value):
                self._value(number, element, items, f"{path}[{position}]", f"{norm}[]")
            return
        note = self._difference(value, kind, spec, types)
        if note is not None:
            # An object for a list or a list for an object has no lossless conversion,
            # whatever a converter makes of it.
            containers = {kind, *types} >= {"object", "array"}
            converts = not containers and self._converts(value, spec)
            key = (norm, kind, _documented_form(spec))
            self._count(self.forms, key, path, number, (converts, note))
            entry = self.forms[key]
            entry[2] = (entry[2][0] and converts, entry[2][1])  # one unconvertible is enough

    def _difference(self, value: t.Any, kind: str, spec: dict, types: set[str]) -> str | None:
        """None when ``value`` is in a form the schema documents, else a short note.

        The loose forms Ordergroove documents are not differences: money as a decimal
        string, flags as "True", JSON objects as JSON text, ``components`` as a legacy
        comma string, codes as integers in text fields (``coerce.py``).
        """
        form = _documented_form(spec)
        if form == "date-time":
            if kind != "string":
                return f"{kind} where a timestamp string is documented"
            return None if self._parses_datetime(value) else "unparseable date-time"
        if form == "date":
            if kind != "string":
                return f"{kind} where a date string is documented"
            return None if self._parses_date(value) else "unparseable date"
        if kind in types or (kind == "integer" and "number" in types):
            return None
        if "string" in types:
            return None  # text keeps any value (structures as JSON text): nothing is lost
        if kind == "string" and types & {"object", "array"}:
            return None  # JSON text for an object, a legacy comma list for an array
        if kind == "integer" and "boolean" in types:
            return None  # 0 / 1 flags
        if kind == "string" and types & {"number", "boolean"} and self._converts(value, spec):
            return None  # "77.94" for a decimal, "True" for a flag
        return f"{kind} where the schema has {form}"

    def _parses_datetime(self, value: str) -> bool:
        if not value.strip():
            return True  # empty text is read as null
        try:
            self.zone.to_utc_iso(value)
        except ValueError:
            return False
        return True

    @staticmethod
    def _parses_date(value: str) -> bool:
        if not value.strip():
            return True
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            return False
        return bool(_DATE.match(value))

    def _converts(self, value: t.Any, spec: dict) -> bool:
        """Would the tap's own converter take this value (else a sync stops or quarantines)."""
        converter = self._converters.get(id(spec))
        if converter is None:
            convert, nested = build(spec, self.zone)
            # Only leaves come here: containers are compared field by field by the caller.
            if nested:
                return True
            converter = self._converters[id(spec)] = convert
        try:
            converter(value)
        except (ConversionError, ValueError, TypeError):
            return False
        return True


def compare(records: list[dict], schema: dict, zone: OrdergrooveZone) -> StreamReport:
    """The drift parts of a report: unknown fields, fields never seen, differing forms."""
    tally = _Tally(zone)
    for number, raw in enumerate(records):
        tally.record(number, raw, schema.get("properties") or {})
    report = StreamReport(stream="", path="")
    report.unknown_fields = [
        FieldCount(first, count) for first, count, _ in sorted(tally.unknown.values())
    ]
    never = []
    for norm, properties in tally.schemas.items():
        seen = tally.objects_seen.get(norm, set())
        prefix = f"{norm}." if norm else ""
        never += [prefix + name for name in properties if name not in seen and name[0] != "_"]
    report.never_seen = sorted(never)
    report.form_differences = [
        FormDifference(first, kind, form, count, converts, note)
        for (_, kind, form), (first, count, (converts, note)) in sorted(tally.forms.items())
    ]
    return report


# -- running the check --------------------------------------------------------------------------


def secrets_of(tap: Tap) -> list[str]:
    """Values that must never appear in the report: secret settings, ``base_url`` parts."""
    found = []
    for name, spec in tap.config_jsonschema["properties"].items():
        value = tap.config.get(name)
        if spec.get("secret") and value not in (None, ""):
            found.append(str(value))
    base = str(tap.config.get("base_url") or "")
    if base:
        parts = urlsplit(base)
        found += [part for part in (parts.username, parts.password, parts.query) if part]
        if masked_url(base) != base.rstrip("/"):
            found.append(base.rstrip("/"))
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def masked_url(url: str) -> str:
    """``scheme://host[:port]/path`` without user, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


def run_cli(tap_class: type[Tap], config: t.Any, output_format: str | None) -> int:
    """``--check`` from the command line: build the tap from ``--config``, then ``main``."""
    tap = tap_class(
        config=config.config if config is not None else None,
        parse_env_config=bool(config is not None and config.parse_env),
        validate_config=True,
        setup_mapper=False,
    )
    return main(tap, output_format)


def _scrub(text: str, secrets: Iterable[str], base: str) -> str:
    if base and masked_url(base) != base.rstrip("/"):
        text = text.replace(base.rstrip("/"), masked_url(base))
    for secret in secrets:
        text = text.replace(secret, "***")
    return " ".join(text.split())


def check_stream(stream: OrdergrooveStream) -> tuple[StreamReport, list[dict]]:
    """Read the first page of ``stream`` (no filters, no bookmark) and compare it."""
    report = StreamReport(stream=stream.name, path=stream.path)
    request = stream.build_prepared_request(
        method="GET",
        url=stream.get_url(None),
        params=stream.get_url_params(None, None),
        headers=stream.http_headers,
    )
    response = stream.request_decorator(stream._request)(request, None)
    body = decoded_body(response)
    try:
        page = unwrap(body, stream.path)
    except OrdergrooveResponseError:
        report.status = HTTP_ERROR
        report.error = (
            f"200 with none of the documented list shapes (v2 envelope, bare array, single "
            f"object): a JSON {_json_type(body)}"
            + (f" with keys {sorted(body)[:10]}" if isinstance(body, dict) else "")
        )
        return report, []
    drift = compare(page.results, stream.schema, stream.zone)
    report.envelope = page.shape
    report.records_seen = len(page.results)
    report.more_pages = bool(page.next)
    report.unknown_fields = drift.unknown_fields
    report.never_seen = drift.never_seen if page.results else []
    report.form_differences = drift.form_differences
    return report, page.results


def child_rows(child: ChildStream, parents: list[dict]) -> list[dict]:
    """The raw rows ``child`` would build from ``parents`` (``ChildStream.get_records``,
    before conversion): parent key and stamp, element keys, position, element fields."""
    rows = []
    for parent in parents:
        base = {
            child.parent_column: parent.get(child.parent_key),
            child.stamp_column: parent.get(child.parent_stamp),
        }
        for keys, position, element in child.elements(parent):
            fields = element if isinstance(element, dict) else {child.value_column: element}
            rows.append({**base, **keys, "child_key": "", "position": position, **fields})
    return rows


def check_child(child: ChildStream, parent: StreamReport, parents: list[dict]) -> StreamReport:
    """A child table's rows from its parent's first page, compared with its own schema."""
    source = child.array_field
    report = StreamReport(child.name, f"{parent.path} {source}", parent=parent.stream)
    if parent.status != OK:
        report.status, report.error = parent.status, f"its parent '{parent.stream}' failed"
        return report
    try:
        rows = child_rows(child, parents)
    except ConversionError as exc:  # e.g. a legacy list that is broken JSON
        report.status = HTTP_ERROR
        report.error = f"field '{source}' of '{parent.stream}' cannot be read as a list: {exc}"
        report.error = report.error.split(", got ")[0]  # the value may be customer data
        return report
    drift = compare(rows, child.schema, child._tap.zone)  # type: ignore[attr-defined]
    report.envelope = f"rows built from '{parent.stream}' field '{source}'"
    report.records_seen = len(rows)
    report.unknown_fields = drift.unknown_fields
    report.never_seen = drift.never_seen if rows else []
    report.form_differences = drift.form_differences
    return report


def run_check(tap: Tap) -> list[StreamReport]:
    """One report per REST list endpoint, then one per child table, in the tap's order.

    Once a host refused a connection the remaining streams are not tried: each would
    wait through the same retries for the same answer. Child tables cost no request:
    their rows come from their parent's first page.
    """
    secrets = secrets_of(tap)
    base = str(tap.config.get("base_url") or "")
    reports = []
    pages: dict[str, tuple[StreamReport, list[dict]]] = {}
    unreachable: str | None = None
    streams = [s for s in tap.streams.values() if type(s) in STREAM_TYPES]
    for stream in streams:
        if unreachable is not None:
            report = StreamReport(
                stream.name, stream.path, UNREACHABLE, f"not tried: {unreachable}"
            )
            pages[stream.name] = (report, [])
            reports.append(report)
            continue
        records: list[dict] = []
        try:
            report, records = check_stream(stream)
        except OrdergrooveError as exc:
            report = StreamReport(stream.name, stream.path, _status(exc))
            report.error = _scrub(str(exc), secrets, base)
            if report.status == UNREACHABLE:
                unreachable = f"'{stream.name}' could not connect"
        pages[stream.name] = (report, records)
        reports.append(report)
    for child in tap.streams.values():
        if isinstance(child, ChildStream) and child.parent_stream_type is not None:
            parent, records = pages[child.parent_stream_type.name]
            reports.append(check_child(child, parent, records))
    return reports


def _status(exc: OrdergrooveError) -> str:
    if isinstance(exc, OrdergrooveAuthError):
        return AUTH_FAILURE
    if isinstance(exc, OrdergrooveConnectionError):
        return UNREACHABLE
    return HTTP_ERROR


def exit_code(reports: list[StreamReport]) -> int:
    """0 when every stream answered, 1 when any failed (auth failures included)."""
    return 0 if reports and all(r.status == OK for r in reports) else 1


# -- output ---------------------------------------------------------------------------------


def source_of(tap: Tap) -> str:
    """The host read, without credentials: ``base_url`` masked, or the environment's host."""
    from tap_ordergroove.rest.http_client import ENVIRONMENTS

    base = tap.config.get("base_url")
    if base:
        return masked_url(str(base))
    return ENVIRONMENTS[tap.config["environment"]]


def as_json(reports: list[StreamReport], tap: Tap) -> str:
    """The report for a bug report: names, types and counts, never a value or a secret."""
    streams = []
    for report in reports:
        entry = asdict(report)
        entry["envelope"] = SHAPE_CODES.get(report.envelope or "", report.envelope)
        streams.append(entry)
    document = {
        "tap": tap.name,
        "version": tap.plugin_version,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_of(tap),
        "page_size": tap.config.get("page_size"),
        "summary": _summary(reports),
        "exit_code": exit_code(reports),
        "streams": streams,
    }
    return json.dumps(document, indent=2)


def _summary(reports: list[StreamReport]) -> dict[str, t.Any]:
    statuses: dict[str, int] = {}
    for report in reports:
        statuses[report.status] = statuses.get(report.status, 0) + 1
    return {
        "streams": len(reports),
        "statuses": statuses,
        "unknown_fields": sum(len(r.unknown_fields) for r in reports),
        "documented_fields_never_seen": sum(len(r.never_seen) for r in reports),
        "form_differences": sum(len(r.form_differences) for r in reports),
    }


def as_text(reports: list[StreamReport], tap: Tap) -> str:
    """One block per stream, then one summary line."""
    lines = [
        f"tap-ordergroove check of {source_of(tap)}: the first page of {len(reports)} "
        "streams, compared with the schema (nothing is synced)"
    ]
    for report in reports:
        lines += _stream_lines(report)
    summary = _summary(reports)
    failed = summary["streams"] - summary["statuses"].get(OK, 0)
    verdict = f"{summary['statuses'].get(OK, 0)} ok, {failed} failed"
    if failed:
        verdict += (
            " ("
            + ", ".join(
                f"{status}: {count}"
                for status, count in summary["statuses"].items()
                if status != OK
            )
            + ")"
        )
    lines.append(
        f"Result: {verdict}; drift: {summary['unknown_fields']} unknown fields, "
        f"{summary['documented_fields_never_seen']} documented fields never seen, "
        f"{summary['form_differences']} differing forms."
    )
    return "\n".join(lines)


def _stream_lines(report: StreamReport) -> list[str]:
    if report.status != OK:
        return [f"{report.stream}: {report.status.upper()}: {report.error}"]
    more = ", more pages follow" if report.more_pages else ""
    head = f"{report.records_seen} records on the first page{more}"
    if report.parent:
        head = f"{report.records_seen} rows from the first page of '{report.parent}'"
        head += f" (field '{report.path.split(' ', 1)[1]}')"
    lines = [
        f"{report.stream}: ok, {head}"
        if report.parent
        else f"{report.stream}: ok, {report.envelope}, {head}"
    ]
    if not report.drift:
        lines.append("  no drift: every field is in the schema and in a documented form")
        if report.records_seen == 0:
            lines[-1] = "  no records on the first page: nothing to compare"
        return lines
    of = report.records_seen
    if report.unknown_fields:
        lines.append("  fields the schema lacks:")
        lines += [f"    {f.path} (in {f.records} of {of} records)" for f in report.unknown_fields]
    if report.never_seen:
        lines.append("  documented fields never seen:")
        lines += [f"    {path}" for path in report.never_seen]
    if report.form_differences:
        lines.append("  values whose form differs from the schema:")
        for diff in report.form_differences:
            verdict = "a sync converts it" if diff.converts else "a sync cannot convert it"
            lines.append(
                f"    {diff.path}: {diff.note} (in {diff.records} of {of} records; {verdict})"
            )
    return lines


def main(tap: Tap, output_format: str | None) -> int:
    """Run the check, print the report to stdout, return the exit code."""
    reports = run_check(tap)
    if not reports:
        tap.logger.error(
            "Nothing to check: the check reads the REST API and `api_key` is not set. Set "
            "`api_key` (and `base_url` or `environment`)."
        )
        return 1
    text = as_json(reports, tap) if output_format == "json" else as_text(reports, tap)
    print(text)
    return exit_code(reports)
