"""Turn Ordergroove's loosely typed JSON into records that match our schemas exactly.

The API sends money as strings, flags as ``"True"``, codes as either ``2`` or
``"2"``, ``extra_data`` as an object, a JSON string or plain text, and
``components`` as a legacy comma string or a list. Converters are compiled once
per stream from its JSON schema, so the per-record cost is one dict walk, and a
schema change can never leave a field unconverted.

Nothing Ordergroove sends is lost or stops a stream (docs/data-fidelity.md):

- a field the schema does not know, at any depth, is kept in the record's
  ``_extra_fields`` object under its path (``recurring_coupon.discounts[0].new_flag``)
  and named in one warning per stream and path;
- a value that cannot be converted is quarantined: the typed field gets null, the raw
  value goes to ``_extra_fields`` under the field's own path, and the stream counts it;
  ``strict_values: true`` stops the sync instead (``OrdergrooveResponseError`` naming
  stream, key and path), except in a field the schema marks ``deprecated``;
- a field documented as an object but sent as a list, or the reverse, is accepted in
  both forms and normalised to the schema's form; the forms that arrived are counted.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tap_ordergroove.errors import OrdergrooveResponseError
from tap_ordergroove.timezones import HOUR_LENGTH, MINUTES_SECONDS, NAIVE_LENGTH, OrdergrooveZone

Converter = Callable[[Any], Any]
#: A converter of a structured field: (value, its path in this record, the record's sink).
NestedConverter = Callable[[Any, str, "RecordConverter"], Any]
_UNKNOWN: Any = object()  # marks a field the schema does not know

#: The JSON column every table has for what its typed columns cannot hold.
EXTRA_FIELDS = "_extra_fields"

#: Names of the forms a structured value can arrive in (counted per field).
LIST_FORM = "list"
OBJECT_FORM = "object"
EMPTY_OBJECT_FORM = "empty object"
TEXT_FORM = "text"

_TRUE = frozenset({"true", "t", "1", "yes", "y"})
#: Types a text field's value may have for ``RecordConverter``'s common case.
_TEXT_TYPES = frozenset({str, type(None)})
_FALSE = frozenset({"false", "f", "0", "no", "n", ""})


class ConversionError(ValueError):
    """A single field value that does not fit its schema type."""


def _types(schema: dict) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def to_decimal(value: Any) -> Decimal | None:
    """Exact decimal from a money string or number; floats go through ``str`` to stay exact."""
    if value.__class__ is str and value:  # the common case first: "77.94"
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ConversionError(f"expected a decimal, got {value!r}") from exc
        if not result.is_finite():
            raise ConversionError(f"expected a finite decimal, got {value!r}")
        return result
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ConversionError(f"expected a decimal, got {value!r}")
    try:
        result = Decimal(value if isinstance(value, str) else str(value))
    except InvalidOperation as exc:
        raise ConversionError(f"expected a decimal, got {value!r}") from exc
    if not result.is_finite():
        raise ConversionError(f"expected a finite decimal, got {value!r}")
    return result


def to_integer(value: Any) -> int | None:
    """Integer from an int or a numeric string (codes arrive both ways)."""
    if value.__class__ is int:  # the common case first
        return value
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ConversionError(f"expected an integer, got {value!r}") from exc
    if not number.is_finite() or number != number.to_integral_value():  # NaN, Infinity
        raise ConversionError(f"expected an integer, got {value!r}")
    return int(number)


def to_boolean(value: Any) -> bool | None:
    """Boolean from a bool, 0/1 or the strings Ordergroove has been seen to send."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConversionError(f"expected a boolean, got {value!r}")


#: Structured values in text fields become compact JSON with sorted keys; numbers the
#: decoder read as exact ``Decimal`` are written back as the same JSON numbers.
_TEXT_ENCODER = msgspec.json.Encoder(decimal_format="number", order="sorted")


def to_string(value: Any) -> str | None:
    """Text; structured values are kept as compact JSON so nothing is lost."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return _TEXT_ENCODER.encode(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: JSON inside text fields (``extra_data``): on every text msgspec accepts it gives what
#: ``json.loads`` gives (floats as floats, big integers exact, the last duplicate key);
#: what it refuses (NaN, lone surrogates, numbers out of range, blank text) goes to
#: ``json.loads`` as before.
_decode_json_text = msgspec.json.Decoder().decode


def to_json_object(value: Any) -> dict | None:
    """A JSON object from an object or a JSON string; other text is kept under ``value``."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:  # msgspec reads valid JSON as json.loads does, about 5x faster
            value = _decode_json_text(value)
        except (msgspec.DecodeError, UnicodeEncodeError):  # json.loads has the last word
            if not value.strip():
                return None
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return {"value": value}
        if value is None or isinstance(value, dict):
            return value
    return {"value": value}


#: Converters that return a value of this class unchanged: the common record skips the call.
_ALREADY: dict[Callable, type] = {
    to_integer: int,
    to_boolean: bool,
    to_json_object: dict,
}


def _date_converter(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a date or a timestamp; an impossible day is not a date."""
    if value is None or value == "":
        return None
    text = str(value)[:10]
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise ConversionError(f"expected a date 'YYYY-MM-DD', got {value!r}") from exc
    return text


def _datetime_converter(zone: OrdergrooveZone) -> Converter:
    prefixes = zone.utc_hour_prefixes

    def convert(value: Any) -> str | None:
        if value.__class__ is str and len(value) == NAIVE_LENGTH:  # zone.to_utc_iso, inlined
            prefix = prefixes.get(value[:HOUR_LENGTH])
            if prefix is not None and value[HOUR_LENGTH:] in MINUTES_SECONDS:
                return prefix + value[HOUR_LENGTH:] + "+00:00"
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConversionError(f"expected a timestamp string, got {value!r}")
        try:
            return zone.to_utc_iso(value)
        except ValueError as exc:
            raise ConversionError(f"expected 'YYYY-MM-DD HH:MM:SS', got {value!r}") from exc

    convert.utc_hour_prefixes = prefixes  # type: ignore[attr-defined]  # inlined by _compile
    return convert


#: Where a value sits in its record, built only when a path must be written out: a field
#: name (top level), or (where its parent sits, ".name" or an element index).
Where = str | tuple


def path_text(where: Where) -> str:
    """``recurring_coupon.discounts[0].value`` from its lazily built form."""
    if isinstance(where, str):
        return where
    parent, step = where
    return f"{path_text(parent)}[{step}]" if isinstance(step, int) else path_text(parent) + step


class _Field:
    """One compiled property: its converter, and whether it needs the path and the sink."""

    __slots__ = ("convert", "generic", "nested", "step")

    def __init__(self, convert: Callable, generic: str, step: str | None, *, nested: bool) -> None:
        self.convert = convert
        self.generic = generic
        self.step = step  # ".name" for an object's property, None for list elements
        self.nested = nested


def _compile_field(
    schema: dict, zone: OrdergrooveZone, path: str, unknown: set, step: str | None
) -> _Field:
    convert, nested = build(schema, zone, path, unknown)
    return _Field(convert, path, step, nested=nested)


def _object_converter(
    schema: dict, zone: OrdergrooveZone, path: str, unknown: set
) -> tuple[Callable, bool]:
    properties = schema.get("properties") or {}
    if not properties:
        return to_json_object, False  # a free-form object keeps every key: nothing lost
    fields = {
        name: _compile_field(spec, zone, f"{path}.{name}", unknown, f".{name}")
        for name, spec in properties.items()
    }
    usual = (path, OBJECT_FORM)

    def convert(value: Any, where: Where, sink: RecordConverter) -> dict | None:
        if value.__class__ is dict:
            sink.forms[usual] += 1
            parsed = value
        elif isinstance(value, list):  # documented as an object, sent as a list
            sink.form(path, LIST_FORM)
            if not value:
                return {}
            if len(value) != 1 or not isinstance(value[0], dict):
                raise ConversionError(f"expected an object, got a list of {len(value)}")
            parsed = value[0]
        else:
            sink.form(path, TEXT_FORM)
            parsed = to_json_object(value)
            if parsed is None:
                return None
        out = {}
        for name, raw in parsed.items():
            field = fields.get(name)
            if field is None:
                sink.unknown(f"{path}.{name}", (where, f".{name}"), raw)
            elif raw is None:
                out[name] = None
            else:
                try:
                    if field.nested:
                        out[name] = field.convert(raw, (where, field.step), sink)
                    else:
                        out[name] = field.convert(raw)
                except ConversionError as exc:
                    out[name] = sink.quarantine(field.generic, (where, field.step), raw, exc)
        return out

    return convert, True


def as_list(value: Any, legacy_key: str | None = None) -> tuple[list | None, str]:
    """A documented list in whichever form it came, and the form's name.

    A single object (a coupon's ``discounts`` is documented as "object", example ``{}``)
    becomes a one-element list, ``{}`` an empty one; a legacy comma string is split.
    """
    if value is None or isinstance(value, list):
        return value, LIST_FORM
    if isinstance(value, dict):
        return ([value] if value else []), (OBJECT_FORM if value else EMPTY_OBJECT_FORM)
    if isinstance(value, str):
        return _split_legacy_list(value, legacy_key), TEXT_FORM
    raise ConversionError(f"expected a list, got {value!r}")


def _array_converter(
    schema: dict, zone: OrdergrooveZone, path: str, unknown: set
) -> tuple[Callable, bool]:
    item_schema = schema.get("items") or {}
    item = _compile_field(item_schema, zone, f"{path}[]", unknown, None)
    legacy_key = "product" if "product" in (item_schema.get("properties") or {}) else None
    usual = (path, LIST_FORM)
    convert_item, nested, generic = item.convert, item.nested, item.generic

    def convert(value: Any, where: Where, sink: RecordConverter) -> list | None:
        if value.__class__ is list:
            sink.forms[usual] += 1
            elements = value
        else:
            elements, form = as_list(value, legacy_key)
            sink.form(path, form)
        out = []
        for i, element in enumerate(elements):
            if element is None:
                out.append(None)
                continue
            try:
                out.append(
                    convert_item(element, (where, i), sink) if nested else convert_item(element)
                )
            except ConversionError as exc:
                out.append(sink.quarantine(generic, (where, i), element, exc))
        return out

    return convert, True


def _split_legacy_list(value: str, legacy_key: str | None) -> list:
    """Legacy comma strings ('sku1,sku2') become one element per part.

    For ``components`` each part is a product id, so it lands in ``product``.
    A string that is itself a JSON list is parsed as such.
    """
    stripped = value.strip()
    if stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ConversionError(f"expected a list, got {value!r}") from exc
        if not isinstance(parsed, list):
            raise ConversionError(f"expected a list, got {value!r}")
        return parsed
    parts = [part.strip() for part in stripped.split(",") if part.strip()]
    return [{legacy_key: part} for part in parts] if legacy_key else parts


def build(
    schema: dict, zone: OrdergrooveZone, path: str = "", unknown: set | None = None
) -> tuple[Callable, bool]:
    """Compile the converter for one property schema: (converter, takes path and sink).

    ``path`` names the field (``a.b[].c``) in counters and warnings.
    """
    unknown = set() if unknown is None else unknown
    kinds = _types(schema) - {"null"}
    if "object" in kinds:
        return _object_converter(schema, zone, path, unknown)
    if "array" in kinds:
        return _array_converter(schema, zone, path, unknown)
    if "number" in kinds:
        return to_decimal, False
    if "integer" in kinds:
        return to_integer, False
    if "boolean" in kinds:
        return to_boolean, False
    if schema.get("format") == "date-time":
        return _datetime_converter(zone), False
    if schema.get("format") == "date":
        return _date_converter, False
    return to_string, False


_TOP_LEVEL = re.compile(r"[^.\[]+")


def _in_field_order(extra: dict, raw: dict) -> dict:
    """``_extra_fields`` in the order ``convert_each`` would have filled it: by the raw
    record's order of the top-level fields the paths start with (stable within a field)."""
    position = {name: i for i, name in enumerate(raw)}

    def top(item: tuple[str, Any]) -> int:
        match = _TOP_LEVEL.match(item[0])
        return position.get(match.group() if match else item[0], 0)

    return dict(sorted(extra.items(), key=top))


class RecordConverter:
    """Converts one stream's raw API objects; keeps what does not fit in ``_extra_fields``.

    One instance per stream, used from the thread that reads that stream. Counters
    (``unknown_seen``, ``quarantined``, ``forms``) cover the whole run and feed the
    stream's summary line.
    """

    def __init__(
        self,
        stream: str,
        schema: dict,
        key_fields: list[str],
        zone: OrdergrooveZone,
        *,
        strict: bool = False,
        keep_unknown: bool = True,
        logger: logging.Logger | None = None,
    ) -> None:
        self.stream = stream
        self.key_fields = key_fields
        self.strict = strict
        self.logger = logger or logging.getLogger("tap-ordergroove")
        properties = schema["properties"]
        #: Unknown fields go to ``_extra_fields`` only when the table has the column
        #: and keeps every field (reconciliation streams keep a subset on purpose).
        self.keep_unknown = keep_unknown and EXTRA_FIELDS in properties
        self.has_extra_column = EXTRA_FIELDS in properties
        #: Paths of fields the schema lacks, top level (``name``) and nested (``a.b[].c``).
        self.unknown_seen: set[str] = set()
        #: Field path (``a.b[].c``) -> values quarantined (nulled, raw kept) this run.
        self.quarantined: Counter[str] = Counter()
        #: (field path, form) -> values of a structured field that arrived in that form.
        self.forms: Counter[tuple[str, str]] = Counter()
        #: Fields that arrived at least once in a form other than the schema's.
        self.unusual_forms: set[str] = set()
        #: (field, value) of deprecated fields whose value did not fit and was nulled.
        self.deprecated_dropped: dict[str, Any] = {}
        self._deprecated = {name for name, spec in properties.items() if spec.get("deprecated")}
        self._warned: set[str] = set()
        self._raw: dict = {}
        self._extra: dict | None = None
        #: field -> one-argument converter, or None for plain text (most values are
        #: already ``str`` and are copied without a call).
        self.fields: dict[str, Converter | None] = {}
        #: The compiled form of ``fields`` for the common record (see ``__call__``): text
        #: fields, then typed fields without side effects, then structured ones.
        self._known = frozenset(name for name in properties if name != EXTRA_FIELDS)
        self._text: tuple[str, ...] = ()
        #: (field, converter, the class of values it returns unchanged, if any).
        self._scalars: tuple[tuple[str, Converter, type | None], ...] = ()
        self._structured: tuple[tuple[str, Converter], ...] = ()
        #: Structured field -> its converter taking (value, path, sink).
        self._nested: dict[str, NestedConverter] = {}
        for name, spec in properties.items():
            if name == EXTRA_FIELDS:
                continue
            convert, nested = build(spec, zone, name, self.unknown_seen)
            top = self.fields[name] = self._top_level(name, convert, nested=nested)
            if top is None:
                self._text += (name,)
            elif nested:
                self._structured += ((name, top),)
                self._nested[name] = convert
            else:
                self._scalars += ((name, top, _ALREADY.get(convert)),)
        #: ``__call__``, compiled for this schema (``_compile``).
        self.convert: Callable[[dict], dict] = _compile(self)

    def _top_level(self, name: str, convert: Callable, *, nested: bool) -> Converter | None:
        if convert is to_string:
            return None
        if nested:
            return lambda value: convert(value, name, self)
        return convert

    # The sink: what nested converters report while converting one record ---------------

    def unknown(self, generic: str, where: Where, value: Any) -> None:
        """A field the schema lacks: kept under its path, warned about once per path."""
        self.unknown_seen.add(generic)
        if not self.keep_unknown:
            return
        self._keep(path_text(where), value)
        if generic not in self._warned:
            self._warned.add(generic)
            self.logger.warning(
                "Stream '%s': Ordergroove sent field '%s', which the schema does not know; "
                "kept in %s under its path",
                self.stream,
                generic,
                EXTRA_FIELDS,
            )

    def quarantine(self, generic: str, where: Where, value: Any, exc: ConversionError) -> None:
        """A value that does not fit its type: null in the column, raw value kept.

        With ``strict_values`` the sync stops instead, as it did before quarantine
        existed; deprecated fields are never fatal. A key field (only
        ``merchant_cancel_reasons.cancel_reason`` is not text) always stops: a row
        without its key cannot be merged by any target.
        """
        path = path_text(where)
        deprecated = generic in self._deprecated
        if (self.strict and not deprecated) or generic in self.key_fields:
            raise self._error(path, exc)
        if deprecated:
            self.deprecated_dropped.setdefault(generic, value)
        self.quarantined[generic] += 1
        if self.has_extra_column:
            self._keep(path, value)
        if f"bad:{generic}" not in self._warned:
            self._warned.add(f"bad:{generic}")
            self.logger.warning(
                "Stream '%s' (%s): field '%s' %s; emitted as null, raw value kept in %s['%s'] "
                "(set strict_values: true to stop instead)",
                self.stream,
                self._key_text(),
                path,
                exc,
                EXTRA_FIELDS,
                path,
            )

    def form(self, generic: str, form: str) -> None:
        """Count a structured value that arrived in a form not the schema's own.

        Values in the schema's own form are counted inline (``forms[...] += 1``).
        """
        self.forms[generic, form] += 1
        self.unusual_forms.add(generic)

    def _keep(self, path: str, value: Any) -> None:
        if self._extra is None:
            self._extra = {}
        self._extra[path] = value

    # Records ---------------------------------------------------------------------------

    def __call__(self, raw: dict) -> dict:
        """The record as the schema describes it, plus ``_extra_fields`` when needed.

        The hot loop of the tap, compiled per stream (``_compile``; ``convert`` is the
        same function without this call). The common record (every field known) is
        copied whole and only its typed fields (and text fields sent as other types) are
        converted in place: set operations in C find the common case, plain values convert
        first (they have no side effects, so one that does not fit sends the record to
        ``convert_each`` unchanged), structured values last with the same quarantine as
        ``convert_each``. Anything else goes through ``convert_each``: the same output,
        field by field.
        """
        return self.convert(raw)

    def convert_each(self, raw: dict) -> dict:
        """``__call__`` field by field: unknown fields, text sent as other types, bad values.

        One pass over the raw record, one lookup per field; nulls and text copied
        inline (every converter maps null to null).
        """
        out = {}
        fields = self.fields
        self._raw = raw
        self._extra = None
        for name, value in raw.items():
            convert = fields.get(name, _UNKNOWN)
            if convert is _UNKNOWN:
                if name != EXTRA_FIELDS:
                    self.unknown(name, name, value)
                continue
            if value is None or (convert is None and value.__class__ is str):
                out[name] = value
            elif convert is None:
                out[name] = to_string(value)
            else:
                try:
                    out[name] = convert(value)
                except ConversionError as exc:
                    out[name] = self.quarantine(name, name, value, exc)
        if self._extra is not None:
            out[EXTRA_FIELDS] = self._extra
        return out

    def _key_text(self) -> str:
        return ", ".join(f"{k}={self._raw.get(k)!r}" for k in self.key_fields)

    def _error(self, path: str, exc: ConversionError) -> OrdergrooveResponseError:
        msg = (
            f"Ordergroove sent a value the tap cannot convert in stream '{self.stream}' "
            f"({self._key_text()}), field '{path}': {exc}. "
            + (
                "It is a key field, so the row cannot be kept"
                if path in self.key_fields
                else "strict_values is on, so the sync stops; set strict_values: false to keep "
                "the value in _extra_fields instead"
            )
            + "; please report it at https://github.com/tap-ordergroove/tap-ordergroove/issues."
        )
        return OrdergrooveResponseError(msg)

    # Run summary -----------------------------------------------------------------------

    def summary(self) -> str:
        """One line: quarantined values per field, forms per field, unknown fields kept."""
        parts = []
        if self.quarantined:
            counts = ", ".join(f"{f}: {n}" for f, n in sorted(self.quarantined.items()))
            parts.append(f"{sum(self.quarantined.values())} values quarantined ({counts})")
        forms = self._form_text()
        if forms:
            parts.append(f"forms: {forms}")
        if self.unknown_seen and self.keep_unknown:
            parts.append(
                f"unknown fields kept in {EXTRA_FIELDS}: {', '.join(sorted(self.unknown_seen))}"
            )
        return "; ".join(parts)

    def _form_text(self) -> str:
        """Every form, per field that arrived at least once in a form not the schema's."""
        by_field: dict[str, dict[str, int]] = {}
        for (field, form), count in self.forms.items():
            if field in self.unusual_forms:
                by_field.setdefault(field, {})[form] = count
        shown = []
        for field, counts in sorted(by_field.items()):
            text = ", ".join(f"{form} {n}" for form, n in sorted(counts.items()))
            shown.append(f"{field} ({text})")
        return "; ".join(shown)


#: Money text -> its ``Decimal``, shared by every stream (Decimals are immutable): prices
#: and totals repeat, and a lookup costs a sixth of a ``Decimal()``. Emptied when full
#: (about 3 MiB).
_DECIMALS: dict[str, Decimal] = {}
_DECIMALS_MAX = 16_384
#: Texts ``_date_converter`` returned unchanged (valid ``YYYY-MM-DD`` days), as large.
_DATES: set[str] = set()
_DATE_TEXT = 10


def _compile(sink: RecordConverter) -> Callable[[dict], dict]:
    """``RecordConverter.__call__`` for one schema, as straight-line Python.

    One statement group per typed field instead of a loop over a field table: no tuple
    unpacking or call per field where the value's class already says what to do (text
    and codes already of their type are left alone, money strings become ``Decimal``
    inline, timestamps in a cached local hour get their UTC prefix inline). Every other
    value calls the field's own converter, and anything that does not fit sends the raw
    record to ``convert_each``, the field-by-field path, as before.
    """
    names: dict[str, Any] = {
        "known": sink._known,
        "text": sink._text,
        "text_types": _TEXT_TYPES,
        "to_string": to_string,
        "convert_each": sink.convert_each,
        "Decimal": Decimal,
        "decimals": _DECIMALS,
        "decimals_max": _DECIMALS_MAX,
        "dates": _DATES,
        "ConversionError": ConversionError,
        "minutes_seconds": MINUTES_SECONDS,
        "sink": sink,
        "EXTRA_FIELDS": EXTRA_FIELDS,
        "in_field_order": _in_field_order,
    }
    lines = [
        "def convert(raw):",
        "    if not raw.keys() <= known:",
        "        return convert_each(raw)",
        "    out = dict(raw)",
        "    get = raw.get",
    ]
    if sink._text:
        lines += [
            "    if not text_types.issuperset(map(type, map(get, text))):",  # stops at the first
        ]
        for name in sink._text:  # a code sent as 2 for "2": text, as convert_each does
            key = repr(name)
            lines += [
                f"        v = get({key})",
                "        if v is not None and v.__class__ is not str:",
                f"            out[{key}] = str(v) if v.__class__ is int else to_string(v)",
            ]
    if sink._scalars:
        lines.append("    try:")
    for i, (name, convert, already) in enumerate(sink._scalars):
        key = repr(name)
        names[f"c{i}"] = convert
        lines.append(f"        v = get({key})")
        prefixes = getattr(convert, "utc_hour_prefixes", None)
        if convert is to_decimal:
            lines += [
                "        if v.__class__ is str and v:",  # to_decimal's common case, inlined
                "            d = decimals.get(v)",
                "            if d is None:",
                "                d = Decimal(v)",
                "                if not d.is_finite():",
                "                    raise ConversionError",
                "                if len(decimals) >= decimals_max:",
                "                    decimals.clear()",
                "                decimals[v] = d",
                f"            out[{key}] = d",
                "        elif v is not None:",
                f"            out[{key}] = c{i}(v)",
            ]
        elif prefixes is not None:  # _datetime_converter's common case, inlined
            names[f"p{i}"] = prefixes
            h = HOUR_LENGTH
            lines += [
                "        if v is not None:",
                f"            if (v.__class__ is str and len(v) == {NAIVE_LENGTH} and "
                f"(p := p{i}.get(v[:{h}])) is not None and (t := v[{h}:]) in minutes_seconds):",
                f'                out[{key}] = f"{{p}}{{t}}+00:00"',
                "            else:",
                f"                out[{key}] = c{i}(v)",
            ]
        elif convert is _date_converter:  # a valid 'YYYY-MM-DD' is its own value
            lines += [
                "        if v is not None and not (v.__class__ is str and v in dates):",
                f"            out[{key}] = d = c{i}(v)",
                f"            if v.__class__ is str and len(v) == {_DATE_TEXT} and d == v:",
                "                if len(dates) >= decimals_max:",
                "                    dates.clear()",
                "                dates.add(v)",
            ]
        elif already is not None:
            names[f"a{i}"] = already
            lines += [
                f"        if v is not None and v.__class__ is not a{i}:",
                f"            out[{key}] = c{i}(v)",
            ]
        else:
            lines += ["        if v is not None:", f"            out[{key}] = c{i}(v)"]
    if sink._scalars:
        # Decimal's InvalidOperation is an ArithmeticError; convert_each raises or
        # quarantines exactly as the field's own converter does.
        lines += [
            "    except (ConversionError, ArithmeticError):",
            "        return convert_each(raw)",
        ]
    if sink._structured:
        lines += ["    sink._raw = raw", "    sink._extra = None"]
        for i, (name, _) in enumerate(sink._structured):
            key = repr(name)
            names[f"s{i}"] = sink._nested[name]
            lines += [
                f"    v = get({key})",
                "    if v is not None:",
                "        try:",
                f"            out[{key}] = s{i}(v, {key}, sink)",
                "        except ConversionError as exc:",
                f"            out[{key}] = sink.quarantine({key}, {key}, v, exc)",
            ]
        lines += [
            "    extra = sink._extra",
            "    if extra is not None:",
            "        out[EXTRA_FIELDS] = in_field_order(extra, raw) if len(extra) > 1 else extra",
        ]
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<converter {sink.stream}>", "exec"), names)  # noqa: S102
    return names["convert"]
