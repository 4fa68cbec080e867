"""A first run against the fake API emits exactly the API's dataset, typed and in UTC."""

from __future__ import annotations

import json
from decimal import Decimal

import jsonschema
import pytest

from tap_ordergroove.rest.streams import STREAM_TYPES
from tests.conftest import tap_config
from tests.expected import expected_record
from tests.singer_run import run_tap

STREAMS = [stream.name for stream in STREAM_TYPES]


@pytest.fixture(scope="module")
def first_run(shared_fake, tmp_path_factory):
    return run_tap(tmp_path_factory.mktemp("first"), tap_config(shared_fake))


def key_of(record: dict, keys: tuple[str, ...]) -> tuple:
    return tuple(record[k] for k in keys)


@pytest.mark.parametrize("stream_type", STREAM_TYPES, ids=STREAMS)
def test_first_run_equals_the_api_dataset(first_run, shared_fake, stream_type):
    keys = tuple(stream_type.primary_keys)
    schema = first_run.schemas[stream_type.name]
    source = shared_fake.dataset.records(stream_type.name)
    emitted = first_run.records.get(stream_type.name, [])
    assert len(source) > 0
    assert len(emitted) == len(source)
    expected = {key_of(r, keys): expected_record(r, schema) for r in source}
    got = {key_of(r, keys): r for r in emitted}
    assert got.keys() == expected.keys()
    mismatches = [k for k in expected if got[k] != expected[k]]
    assert not mismatches, (
        f"{len(mismatches)} differ, e.g. {mismatches[0]}: "
        f"got {got[mismatches[0]]} expected {expected[mismatches[0]]}"
    )


@pytest.mark.parametrize("stream_type", STREAM_TYPES, ids=STREAMS)
def test_primary_keys_are_unique_and_present(first_run, stream_type):
    keys = tuple(stream_type.primary_keys)
    emitted = first_run.records[stream_type.name]
    seen = [key_of(r, keys) for r in emitted]
    assert all(all(part is not None for part in k) for k in seen)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("stream_type", STREAM_TYPES, ids=STREAMS)
def test_every_record_is_valid_against_its_schema(first_run, stream_type):
    schema = first_run.schemas[stream_type.name]
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    for record in first_run.records[stream_type.name]:
        # Singer JSON carries money as exact numbers; jsonschema wants plain floats.
        plain = json.loads(json.dumps(record, default=float))
        errors = list(validator.iter_errors(plain))
        assert not errors, f"{stream_type.name} {record}: {errors[0].message}"


def test_money_is_exact_and_datetimes_are_utc(first_run):
    order = first_run.records["orders"][0]
    assert isinstance(order["total"], Decimal)
    assert order["created"].endswith("+00:00")
    raw_line = next(
        line
        for line in first_run.stdout.splitlines()
        if '"stream":"orders"' in line and "RECORD" in line
    )
    total = json.loads(raw_line, parse_float=Decimal)["record"]["total"]
    assert str(total) == str(total.quantize(Decimal("0.01")))  # two decimals, never a float


def test_products_and_offer_profiles_come_back_whole(first_run, shared_fake):
    products = shared_fake.dataset.records("products")
    assert any(p["discontinued"] for p in products)
    assert any(str(p["autoship_enabled"]).lower() == "false" for p in products)
    assert len(first_run.records["products"]) == len(products)
    profiles = shared_fake.dataset.records("offer_profiles")
    assert any(p["status"] != "available" for p in profiles)
    assert len(first_run.records["offer_profiles"]) == len(profiles)


def test_every_request_carries_key_and_v2_header_and_follows_next_verbatim(first_run, shared_fake):
    log = shared_fake.request_log.snapshot()
    assert log, "the fake saw no requests"
    assert all(entry["headers"]["has_api_key"] for entry in log)
    assert all(entry["headers"]["x-og-api-version"] == "2" for entry in log)
    follow_ups = [entry for entry in log if "cursor" in entry["params"]]
    assert follow_ups, "no second pages were requested"
    first_pages = {(e["path"]) for e in log if "cursor" not in e["params"]}
    assert len(first_pages) == len(STREAMS)
    probes = [e for e in log if e["params"].get("page_size") == "1"]  # access checks
    assert all(e["params"].get("page_size") in {"100", "1000"} for e in log if e not in probes)


def test_state_holds_utc_iso_strings_only(first_run):
    for stream, entry in first_run.state["bookmarks"].items():
        value = entry.get("replication_key_value")
        if value is None:
            continue
        assert value.endswith("+00:00"), (stream, value)
        assert "progress_markers" not in entry
