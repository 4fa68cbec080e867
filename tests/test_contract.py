"""Contract tests: Ordergroove's documented example responses go through the real tap.

The fake API was written from the same understanding as the tap, so it cannot catch what
both got wrong. These tests start from ``tests/data/ordergroove_examples.json`` instead:
one example response per list endpoint, in the shape its reference page shows (with the
page URL), served byte for byte by a plain HTTP server on 127.0.0.1. Every documented field
must arrive with its documented value at any depth, the tap's columns must be exactly the
documented fields, and the filters it sends must be in each endpoint's documented format.
"""

from __future__ import annotations

import json
import re
import threading
from copy import deepcopy
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tap_ordergroove.streams import STREAM_TYPES
from tests.conftest import API_KEY
from tests.expected import utc
from tests.singer_run import run_tap

EXAMPLES = json.loads((Path(__file__).parent / "data" / "ordergroove_examples.json").read_text())
STREAMS = {stream.name: stream for stream in STREAM_TYPES}
NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ISO_FILTER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
SPACED_FILTER = NAIVE
#: Columns the tap adds itself (webhook tombstones), documented nowhere by Ordergroove.
OWN_COLUMNS = {"_sdc_deleted_at"}


class ExampleServer:
    """Serves fixed JSON bodies per path over real HTTP and logs every query string."""

    def __init__(self, bodies: dict[str, Any]) -> None:
        self.bodies = bodies
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                split = urlsplit(self.path)
                server.requests.append((split.path, dict(parse_qsl(split.query))))
                body = server.bodies.get(split.path)
                status = 200 if body is not None else 404
                payload = json.dumps(body if body is not None else {"detail": "Not found."})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload.encode())))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ExampleServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def params(self, path: str) -> list[dict[str, str]]:
        return [params for seen, params in self.requests if seen == path]


def records_of(body: Any) -> list[dict]:
    """The records of an example body, whichever documented shape it has."""
    if isinstance(body, list):
        return body
    return body.get("results", [body])


def config(url: str, **extra: Any) -> dict:
    return {
        "api_key": API_KEY,
        "base_url": url,
        "start_date": "2020-01-01T00:00:00Z",
        "retry_backoff_seconds": 0.05,
        "request_timeout": 5,
        **extra,
    }


@pytest.fixture(scope="module")
def contract_run(tmp_path_factory):
    bodies = {entry["path"]: entry["body"] for name, entry in EXAMPLES.items() if name != "_about"}
    with ExampleServer(bodies) as server:
        run = run_tap(tmp_path_factory.mktemp("contract"), config(server.url))
        yield run, server


# -- fields -----------------------------------------------------------------------------------


def same(raw: Any, emitted: Any) -> bool:
    """Is ``emitted`` the documented ``raw`` value after the tap's documented conversion?"""
    if raw is None or emitted is None:
        return raw is None and emitted is None
    if isinstance(emitted, bool):
        return emitted is (str(raw).lower() in {"true", "1"})
    if isinstance(emitted, Decimal):
        return emitted == Decimal(str(raw))
    if isinstance(emitted, int):
        return emitted == int(raw)
    if isinstance(raw, str) and NAIVE.match(raw):
        return emitted == utc(raw).replace("Z", "+00:00")
    if isinstance(raw, str) and isinstance(emitted, dict):  # extra_data: JSON text -> object
        try:
            return json.loads(raw) == emitted
        except ValueError:
            return emitted == {"value": raw}
    if isinstance(raw, int) and isinstance(emitted, str):  # codes kept as text (order type)
        return emitted == str(raw)
    if isinstance(raw, dict | list) and isinstance(emitted, str):
        return json.loads(emitted, parse_float=Decimal) == json.loads(
            json.dumps(raw), parse_float=Decimal
        )
    return emitted == raw


def mismatches(raw: Any, emitted: Any, path: str) -> list[str]:
    """Paths of documented leaves that are missing or differ in the emitted record."""
    if isinstance(raw, dict) and isinstance(emitted, dict):
        found = []
        for key, value in raw.items():
            if key not in emitted:
                found.append(f"{path}.{key} missing")
            else:
                found += mismatches(value, emitted[key], f"{path}.{key}")
        return found
    if isinstance(raw, list) and isinstance(emitted, list):
        if len(raw) != len(emitted):
            return [f"{path}: {len(raw)} elements, emitted {len(emitted)}"]
        return [
            m
            for i, (r, e) in enumerate(zip(raw, emitted, strict=True))
            for m in mismatches(r, e, f"{path}[{i}]")
        ]
    if isinstance(raw, str) and isinstance(emitted, list):  # legacy "sku1,sku2" components
        parts = [{"product": part} for part in raw.split(",")]
        return mismatches(parts, emitted, path)
    return [] if same(raw, emitted) else [f"{path}: documented {raw!r}, emitted {emitted!r}"]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_documented_field_arrives_with_its_documented_value(contract_run, name):
    run, _ = contract_run
    keys = STREAMS[name].primary_keys
    documented = records_of(EXAMPLES[name]["body"])
    emitted = {tuple(str(r[k]) for k in keys): r for r in run.records.get(name, [])}
    assert len(emitted) == len(documented), EXAMPLES[name]["url"]
    for raw in documented:
        record = emitted[tuple(str(raw[k]) for k in keys)]
        assert mismatches(raw, record, name) == [], EXAMPLES[name]["url"]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_columns_are_exactly_the_documented_fields(contract_run, name):
    """No documented field is dropped and no column exists that no document lists."""
    run, _ = contract_run
    documented = {field for raw in records_of(EXAMPLES[name]["body"]) for field in raw}
    columns = set(run.schemas[name]["properties"]) - OWN_COLUMNS
    assert columns == documented, EXAMPLES[name]["url"]


def test_documented_examples_raise_no_drift_warning(contract_run):
    run, _ = contract_run
    assert "does not know" not in run.stderr  # the examples hold only documented fields


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("one_time_incentives", "bare JSON array"),
        ("merchant_cancel_reasons", "single JSON object"),
        ("orders", "v2 envelope {next, previous, results}"),
    ],
)
def test_the_shape_that_arrived_is_logged_per_stream(contract_run, name, shape):
    run, _ = contract_run
    assert f"Stream '{name}': Ordergroove answered with a {shape}" in run.stderr


# -- filters ----------------------------------------------------------------------------------


def test_filters_are_sent_in_each_endpoints_documented_format(contract_run):
    _, server = contract_run
    checked = 0
    for stream in STREAM_TYPES:
        if not stream.start_param:
            continue
        (params,) = server.params(stream.path)
        value = params[stream.start_param]
        documented = SPACED_FILTER if stream.name == "placement_responses" else ISO_FILTER
        assert documented.match(value), (stream.name, value)
        checked += 1
    assert checked == 7
    (placement,) = server.params("/placement_logs/responses/")
    assert placement["start_date"] == "2019-12-31 18:00:00"  # 2020-01-01T00:00Z in Chicago


def test_documented_switches_are_sent(contract_run):
    _, server = contract_run
    (products,) = server.params("/products/")
    assert {
        "autoship_enabled": "all",
        "allow_discontinued": "true",
        "include_product_selection_rules": "true",
        "include_product_resource_grants": "true",
        "include_product_free_trials": "true",
    }.items() <= products.items()
    (profiles,) = server.params("/offer_profiles/")
    assert profiles["status"] == "all"
    assert profiles["offer_profile_category"] == "all_with_standard_flex_incentives"
    (orders,) = server.params("/orders/")
    assert orders["include_has_plan"] == "true"


# -- drift and deprecated values --------------------------------------------------------------


def test_unknown_nested_fields_and_bad_deprecated_values_never_pass_silently(tmp_path):
    profiles = deepcopy(EXAMPLES["offer_profiles"]["body"])
    discount = profiles["results"][0]["initial_coupon"]["discounts"][0]
    discount["has_condition"] = True  # Fivetran shows it; Ordergroove documents it nowhere
    products = deepcopy(EXAMPLES["products"]["body"])
    products["results"][0]["premier_enabled"] = "yes"  # deprecated int, not an int
    bodies = {"/offer_profiles/": profiles, "/products/": products}
    with ExampleServer(bodies) as server:
        run = run_tap(tmp_path, config(server.url), streams=["offer_profiles", "products"])
    assert (
        "Stream 'offer_profiles': Ordergroove sent fields the schema does not know, not "
        "emitted: initial_coupon.discounts[].has_condition"
    ) in run.stderr
    assert "deprecated field 'premier_enabled' held a value of the wrong type (e.g. 'yes')" in (
        run.stderr
    )
    (product,) = run.records["products"]
    assert product["premier_enabled"] is None
    assert product["product_free_trial_configurations"][0]["duration_in_days"] == 14
