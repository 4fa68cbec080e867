"""Turn Ordergroove's loosely typed JSON into records that match our schemas exactly.

The API sends money as strings, flags as ``"True"``, codes as either ``2`` or
``"2"``, ``extra_data`` as an object, a JSON string or plain text, and
``components`` as a legacy comma string or a list. Converters are compiled once
per stream from its JSON schema, so the per-record cost is one dict walk, and a
schema change can never leave a field unconverted.

A value that cannot be converted stops the sync with ``OrdergrooveResponseError``
(naming stream, key and field) rather than landing a wrong number, except in a field
the schema marks ``deprecated``: Ordergroove no longer maintains those, so a bad value
there is logged and nulled instead of stopping every other field of every stream.

Fields the schema does not know are collected with their path at any depth
(``initial_coupon.discounts[].has_condition``), so schema drift is always reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tap_ordergroove.errors import OrdergrooveResponseError
from tap_ordergroove.timezones import OrdergrooveZone

Converter = Callable[[Any], Any]
_UNKNOWN: Any = object()  # marks a field the schema does not know

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
    if value is None or value == "":
        return None
    text = str(value)
    return text[:10]


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


def _object_converter(schema: dict, zone: OrdergrooveZone, path: str, unknown: set) -> Converter:
    properties = schema.get("properties") or {}
    if not properties:
        return to_json_object  # a free-form object keeps every key: nothing can be lost
    fields = dict(compile_fields(properties, zone, path, unknown))

    def convert(value: Any) -> dict | None:
        parsed = to_json_object(value)
        if parsed is None:
            return None
        out = {}
        for name, raw in parsed.items():
            fn = fields.get(name)
            if fn is None:
                unknown.add(f"{path}.{name}")
            else:
                out[name] = fn(raw)
        return out

    return convert


def _array_converter(schema: dict, zone: OrdergrooveZone, path: str, unknown: set) -> Converter:
    item_schema = schema.get("items") or {}
    item = build_converter(item_schema, zone, f"{path}[]", unknown)
    legacy_key = "product" if "product" in (item_schema.get("properties") or {}) else None

    def convert(value: Any) -> list | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = _split_legacy_list(value, legacy_key)
        if not isinstance(value, list):
            raise ConversionError(f"expected a list, got {value!r}")
        return [item(element) for element in value]

    return convert


def _split_legacy_list(value: str, legacy_key: str | None) -> list:
    """Legacy comma strings ('sku1,sku2') become one element per part.

    For ``components`` each part is a product id, so it lands in ``product``.
    A string that is itself a JSON list is parsed as such.
    """
    stripped = value.strip()
    if stripped.startswith("["):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ConversionError(f"expected a list, got {value!r}") from exc
    parts = [part.strip() for part in stripped.split(",") if part.strip()]
    return [{legacy_key: part} for part in parts] if legacy_key else parts


def build_converter(
    schema: dict, zone: OrdergrooveZone, path: str = "", unknown: set | None = None
) -> Converter:
    """Compile the converter for one property schema.

    ``path`` names the field in reports; ``unknown`` collects the paths of nested fields
    the schema lacks (a fresh set when the caller does not want them).
    """
    unknown = set() if unknown is None else unknown
    kinds = _types(schema) - {"null"}
    if "object" in kinds:
        return _object_converter(schema, zone, path, unknown)
    if "array" in kinds:
        return _array_converter(schema, zone, path, unknown)
    if "number" in kinds:
        return to_decimal
    if "integer" in kinds:
        return to_integer
    if "boolean" in kinds:
        return to_boolean
    if schema.get("format") == "date-time":
        return _datetime_converter(zone)
    if schema.get("format") == "date":
        return _date_converter
    return to_string


def compile_fields(
    properties: dict, zone: OrdergrooveZone, path: str = "", unknown: set | None = None
) -> list[tuple[str, Converter]]:
    """(field, converter) pairs for an object's properties, in schema order."""
    unknown = set() if unknown is None else unknown
    prefix = f"{path}." if path else ""
    return [
        (name, build_converter(spec, zone, f"{prefix}{name}", unknown))
        for name, spec in properties.items()
    ]


class RecordConverter:
    """Converts one stream's raw API objects; reports unknown fields once per run."""

    def __init__(
        self, stream: str, schema: dict, key_fields: list[str], zone: OrdergrooveZone
    ) -> None:
        self.stream = stream
        self.key_fields = key_fields
        #: Paths of fields the schema lacks, top level (``name``) and nested (``a.b[].c``).
        self.unknown_seen: set[str] = set()
        #: (field, value) of deprecated fields whose value did not fit and was nulled.
        self.deprecated_dropped: dict[str, Any] = {}
        properties = schema["properties"]
        #: field -> converter, or None for plain text (most values are already ``str``
        #: and are copied without a call).
        self.fields: dict[str, Converter | None] = {
            name: self._tolerant(name, convert)
            if properties[name].get("deprecated")
            else (None if convert is to_string else convert)
            for name, convert in compile_fields(properties, zone, "", self.unknown_seen)
        }

    def _tolerant(self, name: str, convert: Converter) -> Converter:
        """A deprecated field's converter: a value that does not fit becomes null, noted."""

        def tolerant(value: Any) -> Any:
            try:
                return convert(value)
            except ConversionError:
                self.deprecated_dropped.setdefault(name, value)
                return None

        return tolerant

    def __call__(self, raw: dict) -> dict:
        """The record as the schema describes it; unknown fields are collected, not emitted.

        The hot loop of the tap: one pass over the raw record, one lookup per field;
        nulls and text copied inline (every converter maps null to null).
        """
        out = {}
        fields = self.fields
        name = ""
        try:
            for name, value in raw.items():
                convert = fields.get(name, _UNKNOWN)
                if convert is _UNKNOWN:
                    self.unknown_seen.add(name)
                    continue
                if value is None or (convert is None and value.__class__ is str):
                    out[name] = value
                else:
                    out[name] = to_string(value) if convert is None else convert(value)
        except ConversionError as exc:
            raise self._error(raw, name, exc) from exc
        return out

    def _error(self, raw: dict, field: str, exc: ConversionError) -> OrdergrooveResponseError:
        key = ", ".join(f"{k}={raw.get(k)!r}" for k in self.key_fields)
        msg = (
            f"Ordergroove sent a value the tap cannot convert in stream '{self.stream}' "
            f"({key}), field '{field}': {exc}. Nothing from this run's unfinished stream is "
            "marked done; please report this value at "
            "https://github.com/tap-ordergroove/tap-ordergroove/issues."
        )
        return OrdergrooveResponseError(msg)
