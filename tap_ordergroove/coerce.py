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
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tap_ordergroove.errors import OrdergrooveResponseError
from tap_ordergroove.timezones import OrdergrooveZone

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
    if number != number.to_integral_value():
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


def to_json_object(value: Any) -> dict | None:
    """A JSON object from an object or a JSON string; other text is kept under ``value``."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {"value": value}
        if value is None or isinstance(value, dict):
            return value
    return {"value": value}


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
    def convert(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConversionError(f"expected a timestamp string, got {value!r}")
        try:
            return zone.to_utc_iso(value)
        except ValueError as exc:
            raise ConversionError(f"expected 'YYYY-MM-DD HH:MM:SS', got {value!r}") from exc

    return convert


class _Field:
    """One compiled property: its converter, and whether it needs the path and the sink."""

    __slots__ = ("convert", "generic", "nested")

    def __init__(self, convert: Callable, generic: str, *, nested: bool) -> None:
        self.convert = convert
        self.generic = generic
        self.nested = nested

    def apply(self, value: Any, path: str, sink: RecordConverter) -> Any:
        """The converted value; one that does not fit is handed to the sink (quarantine)."""
        if value is None:
            return None
        try:
            if self.nested:
                return self.convert(value, path, sink)
            return self.convert(value)
        except ConversionError as exc:
            return sink.quarantine(self.generic, path, value, exc)


def _compile_field(schema: dict, zone: OrdergrooveZone, path: str, unknown: set) -> _Field:
    convert, nested = build(schema, zone, path, unknown)
    return _Field(convert, path, nested=nested)


def _object_converter(
    schema: dict, zone: OrdergrooveZone, path: str, unknown: set
) -> tuple[Callable, bool]:
    properties = schema.get("properties") or {}
    if not properties:
        return to_json_object, False  # a free-form object keeps every key: nothing lost
    fields = {
        name: _compile_field(spec, zone, f"{path}.{name}", unknown)
        for name, spec in properties.items()
    }

    def convert(value: Any, where: str, sink: RecordConverter) -> dict | None:
        if isinstance(value, list):  # documented as an object, sent as a list
            sink.form(path, LIST_FORM, usual=False)
            if not value:
                return {}
            if len(value) != 1 or not isinstance(value[0], dict):
                raise ConversionError(f"expected an object, got a list of {len(value)}")
            value = value[0]
        else:
            usual = isinstance(value, dict)
            sink.form(path, OBJECT_FORM if usual else TEXT_FORM, usual=usual)
        parsed = to_json_object(value)
        if parsed is None:
            return None
        out = {}
        for name, raw in parsed.items():
            field = fields.get(name)
            if field is None:
                sink.unknown(f"{path}.{name}", f"{where}.{name}", raw)
            else:
                out[name] = field.apply(raw, f"{where}.{name}", sink)
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
    item = _compile_field(item_schema, zone, f"{path}[]", unknown)
    legacy_key = "product" if "product" in (item_schema.get("properties") or {}) else None

    def convert(value: Any, where: str, sink: RecordConverter) -> list | None:
        elements, form = as_list(value, legacy_key)
        sink.form(path, form, usual=form == LIST_FORM)
        if elements is None:
            return None
        return [item.apply(element, f"{where}[{i}]", sink) for i, element in enumerate(elements)]

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
        for name, spec in properties.items():
            if name == EXTRA_FIELDS:
                continue
            convert, nested = build(spec, zone, name, self.unknown_seen)
            self.fields[name] = self._top_level(name, convert, nested=nested)

    def _top_level(self, name: str, convert: Callable, *, nested: bool) -> Converter | None:
        if convert is to_string:
            return None
        if nested:
            return lambda value: convert(value, name, self)
        return convert

    # The sink: what nested converters report while converting one record ---------------

    def unknown(self, generic: str, path: str, value: Any) -> None:
        """A field the schema lacks: kept under its path, warned about once per path."""
        self.unknown_seen.add(generic)
        if not self.keep_unknown:
            return
        self._keep(path, value)
        if generic not in self._warned:
            self._warned.add(generic)
            self.logger.warning(
                "Stream '%s': Ordergroove sent field '%s', which the schema does not know; "
                "kept in %s under its path",
                self.stream,
                generic,
                EXTRA_FIELDS,
            )

    def quarantine(self, generic: str, path: str, value: Any, exc: ConversionError) -> None:
        """A value that does not fit its type: null in the column, raw value kept.

        With ``strict_values`` the sync stops instead, as it did before quarantine
        existed; deprecated fields are never fatal. A key field (only
        ``merchant_cancel_reasons.cancel_reason`` is not text) always stops: a row
        without its key cannot be merged by any target.
        """
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

    def form(self, generic: str, form: str, *, usual: bool) -> None:
        """Count the form a structured value arrived in (``usual``: the schema's own)."""
        self.forms[generic, form] += 1
        if not usual:
            self.unusual_forms.add(generic)

    def _keep(self, path: str, value: Any) -> None:
        if self._extra is None:
            self._extra = {}
        self._extra[path] = value

    # Records ---------------------------------------------------------------------------

    def __call__(self, raw: dict) -> dict:
        """The record as the schema describes it, plus ``_extra_fields`` when needed.

        The hot loop of the tap: one pass over the raw record, one lookup per field;
        nulls and text copied inline (every converter maps null to null).
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
