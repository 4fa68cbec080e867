"""The compiled record converter gives what the field-by-field path gives, value for value.

``RecordConverter.convert`` is generated per schema (``coerce._compile``): straight-line code
with the common cases inlined (money text to ``Decimal`` through a shared memo, timestamps
through the cached UTC hour prefixes, valid dates as themselves, text codes sent as
numbers). ``convert_each`` is the plain field-by-field path it falls back to. Every record
of every REST stream of the fake dataset, and each of them with one field replaced by a
loose or broken value, must come out of both the same: the same record (types included),
the same ``_extra_fields``, the same quarantine, form and unknown-field counters.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest

from fake_ordergroove.dataset import Dataset
from tap_ordergroove import coerce
from tap_ordergroove.coerce import RecordConverter, to_json_object
from tap_ordergroove.errors import OrdergrooveResponseError
from tap_ordergroove.rest.streams import STREAM_TYPES
from tap_ordergroove.timezones import OrdergrooveZone

#: Values a field may be sent with: the usual forms of every type, and broken ones.
LOOSE = [
    None,
    "",
    "  ",
    "12.50",
    "-0.00",
    "1e2",
    " 5 ",
    "5_000",
    "NaN",
    "sNaN",
    "-Infinity",
    "Infinity",
    "abc",
    7,
    0,
    -3,
    2.5,
    Decimal("2.50"),
    Decimal("NaN"),
    True,
    False,
    "true",
    "False",
    "yes",
    "2",
    "2.0",
    "2023-01-27",
    "2023-02-30",
    "2023-01-10 16:15:28",
    "2023-01-10 16:15:60",
    "2023-01-10 24:00:00",
    "2023-03-12 02:30:00",  # skipped by the spring change in America/Chicago
    "2023-11-05 01:30:00",  # happens twice at the fall change
    "2023-01-10T16:15:28",
    "2023-01-10 16:15:28.5",
    "2023-01-10T16:15:28+02:00",
    {"a": 1, "b": [1, 2]},
    {},
    [],
    [{"product": "sku1"}],
    [1, "x", None],
    '{"x": 1.5, "y": [1, 2]}',
    "[1, 2]",
    "NaN ",
    "sku1,sku2,sku1",
    "\ud800",
]


def _converters(stream: type, zone: OrdergrooveZone) -> tuple[RecordConverter, RecordConverter]:
    def make() -> RecordConverter:
        return RecordConverter(
            stream.name, stream.schema, list(stream.primary_keys or []), zone, keep_unknown=True
        )

    return make(), make()


def _state(converter: RecordConverter) -> tuple:
    return (
        dict(converter.quarantined),
        dict(converter.forms),
        set(converter.unknown_seen),
        set(converter.unusual_forms),
        dict(converter.deprecated_dropped),
    )


def _typed(value: object) -> object:
    """The value with the type of every part, so 1 != True != Decimal(1) != 1.0."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, Decimal) and value.is_nan():
        return (type(value).__name__, "NaN")
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def _same(compiled: RecordConverter, plain: RecordConverter, raw: dict) -> None:
    outcomes = []
    for converter, convert in ((compiled, compiled.convert), (plain, plain.convert_each)):
        try:
            outcomes.append(("ok", _typed(convert(dict(raw)))))
        except OrdergrooveResponseError as exc:
            outcomes.append(("error", str(exc)))
        outcomes[-1] += (_state(converter),)
    assert outcomes[0] == outcomes[1], raw


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset(seed=7, customers=40)


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=lambda s: s.name)
@pytest.mark.parametrize("zone_name", ["America/Chicago", "Asia/Kolkata"])
def test_compiled_converter_matches_field_by_field(stream, zone_name, dataset):
    zone = OrdergrooveZone(zone_name)
    compiled, plain = _converters(stream, zone)
    records = dataset.records(stream.name)[:60]
    assert records, f"the fake has no {stream.name}"
    for raw in records:
        _same(compiled, plain, raw)
    fields = list(stream.schema["properties"])
    for raw, (name, value) in zip(
        itertools.cycle(records), itertools.product(fields, LOOSE), strict=False
    ):
        _same(compiled, plain, {**raw, name: value})
    # an unknown field and a missing one
    _same(compiled, plain, {**records[0], "brand_new_field": {"nested": 1}})
    _same(compiled, plain, {k: v for k, v in records[0].items() if k != fields[0]})


def test_compiled_converter_stops_like_field_by_field_under_strict_values(dataset):
    stream = next(s for s in STREAM_TYPES if s.name == "orders")
    zone = OrdergrooveZone("America/Chicago")
    compiled, plain = (
        RecordConverter(stream.name, stream.schema, ["public_id"], zone, strict=True)
        for _ in range(2)
    )
    raw = dataset.records("orders")[0]
    for value in ("NaN", "abc", "Infinity", True):
        _same(compiled, plain, {**raw, "total": value})
    with pytest.raises(OrdergrooveResponseError, match="'total'"):
        compiled.convert({**raw, "total": "NaN"})


def test_money_memo_gives_the_exact_decimal_of_each_text():
    stream = next(s for s in STREAM_TYPES if s.name == "orders")
    converter = RecordConverter(
        stream.name, stream.schema, ["public_id"], OrdergrooveZone("America/Chicago")
    )
    first = converter.convert({"public_id": "a", "total": "12.50"})["total"]
    again = converter.convert({"public_id": "b", "total": "12.50"})["total"]
    other = converter.convert({"public_id": "c", "total": "12.5"})["total"]
    assert (str(first), str(again), str(other)) == ("12.50", "12.50", "12.5")
    assert "12.50" in coerce._DECIMALS


@pytest.mark.parametrize(
    "text",
    [
        '{"source": "web", "score": 38}',
        '{"a": 1.5, "a": 2}',
        '{"big": 123456789012345678901234567890, "f": 1e2}',
        ' {"b": 2} ',
        "null",
        "5",
        "[1]",
        "NaN",
        '{"a": NaN}',
        '{"x": 1E400}',
        '"\\ud800"',
        "plain text",
        "",
        "   ",
        '{"a": 1}x',
    ],
)
def test_json_text_reads_as_json_loads_reads_it(text):
    """msgspec parses JSON text fields; what it refuses goes to json.loads as before."""
    try:
        expected = json.loads(text)
    except json.JSONDecodeError:
        expected = None if not text.strip() else {"value": text}
    else:
        if expected is not None and not isinstance(expected, dict):
            expected = {"value": expected}
    assert _typed(to_json_object(text)) == _typed(expected)
