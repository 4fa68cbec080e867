"""Contract tests: Ordergroove's own example responses go through the real tap over HTTP.

The fake API was written from the same understanding as the tap, so it cannot catch what
both got wrong. These tests start from ``tests/data/ordergroove_examples.json`` instead:
for each list endpoint, cases transcribed from the vendor's pages (each marked ``verbatim``
or ``built from field table``, with its page), plus one case per documented alternative form
(coupon ``discounts`` as one object, ``{}`` or null; ``standard_flex_incentives`` as an
object; ``starting_ordinal`` as a string; bare array, single object and v2 envelope...).
A plain HTTP server on 127.0.0.1 serves them byte for byte to the tap, run as a process.

Every documented field, at every depth, must arrive with its value, in the parent record
and in each child table (whose expected rows are derived here from the raw example, not by
the tap's code). A value the tap cannot convert (the pages' own placeholders:
"2017-02-29 12:00:00", a ``total`` of "undefined") counts as arrived when its typed column
is null and the raw value is kept in the row's ``_extra_fields`` under its path.
"""

from __future__ import annotations

import json
import re
import threading
from copy import deepcopy
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tap_ordergroove.rest.streams import CHILD_STREAM_TYPES, STREAM_TYPES
from tests.conftest import API_KEY
from tests.expected import utc
from tests.singer_run import discover, run_tap

EXAMPLES = json.loads((Path(__file__).parent / "data" / "ordergroove_examples.json").read_text())
ENDPOINTS = {name: spec for name, spec in EXAMPLES.items() if not name.startswith("_")}
STREAMS = {stream.name: stream for stream in STREAM_TYPES}
CHILDREN = {
    name: [c.name for c in CHILD_STREAM_TYPES if c.parent_stream_type.name == name]
    for name in STREAMS
}
NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ISO_FILTER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
SPACED_FILTER = NAIVE
EXTRA = "_extra_fields"
V2 = "v2"


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


def config(url: str, **extra: Any) -> dict:
    return {
        "api_key": API_KEY,
        "base_url": url,
        "start_date": "2020-01-01T00:00:00Z",
        "retry_backoff_seconds": 0.05,
        "request_timeout": 5,
        **extra,
    }


# -- cases and bodies ---------------------------------------------------------------------------


def wrap(records: list[dict], envelope: str) -> Any:
    """The response body of ``records`` in one of the documented shapes."""
    if envelope == V2:
        return {"next": None, "previous": None, "results": records}
    if envelope == "v1":
        return {"count": len(records), "next": None, "previous": None, "results": records}
    if envelope == "bare array":
        return records
    if envelope == "single object":
        (record,) = records
        return record
    raise ValueError(envelope)


def records_of(case: dict) -> list[dict]:
    """The records of a case, whichever documented shape its body has."""
    if "records" in case:
        return case["records"]
    body = case["body"]
    return body if isinstance(body, list) else body.get("results", [body])


def body_of(case: dict) -> Any:
    """The response body a case is served as."""
    return case["body"] if "body" in case else wrap(case["records"], case["envelope"])


CASES = [(name, case["name"]) for name, spec in ENDPOINTS.items() for case in spec["cases"]]


def case_of(name: str, case_name: str) -> dict:
    return next(c for c in ENDPOINTS[name]["cases"] if c["name"] == case_name)


def selecting(catalog: dict, streams: list[str]) -> dict:
    """``catalog`` with exactly ``streams`` selected."""
    chosen = deepcopy(catalog)
    for entry in chosen["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return chosen


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return discover(tmp_path_factory.mktemp("discover"), config("http://127.0.0.1:9"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory, catalog):
    """One tap process per case, with the endpoint's child tables selected, cached.

    Cases run apart, so a case the tap cannot read fails only its own tests.
    """
    done: dict[tuple[str, str], Any] = {}

    def run_for(name: str, case_name: str):
        if (name, case_name) not in done:
            bodies = {ENDPOINTS[name]["path"]: body_of(case_of(name, case_name))}
            with ExampleServer(bodies) as server:
                done[(name, case_name)] = run_tap(
                    tmp_path_factory.mktemp(name),
                    config(server.url),
                    catalog=selecting(catalog, [name, *CHILDREN[name]]),
                    check=False,
                )
        run = done[(name, case_name)]
        assert run.returncode == 0, f"{name} ({case_name}) stopped the sync:\n{run.stderr[-3000:]}"
        return run

    return run_for


# -- comparing documented values with emitted ones ----------------------------------------------


def _instant(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def same(raw: Any, emitted: Any) -> bool:
    """Is ``emitted`` the documented ``raw`` value after the tap's documented conversion?"""
    if raw is None or emitted is None:
        return raw is None and emitted is None
    if isinstance(emitted, bool):
        return emitted is (str(raw).lower() in {"true", "1"})
    if isinstance(emitted, Decimal):
        return emitted == Decimal(str(raw))
    if isinstance(emitted, int):
        return str(emitted) == str(raw).strip()
    if isinstance(raw, str) and NAIVE.match(raw):
        try:
            return emitted == utc(raw).replace("Z", "+00:00")
        except ValueError:
            return False
    if isinstance(raw, str) and isinstance(emitted, dict):  # extra_data: JSON text -> object
        try:
            return json.loads(raw) == emitted
        except ValueError:
            return emitted == {"value": raw}
    if isinstance(raw, int | float) and isinstance(emitted, str):  # codes kept as text
        return emitted == str(raw)
    if isinstance(raw, dict | list) and isinstance(emitted, str):  # raw JSON kept as text
        return json.loads(emitted, parse_float=Decimal) == json.loads(
            json.dumps(raw), parse_float=Decimal
        )
    if isinstance(raw, str) and isinstance(emitted, str) and raw != emitted:
        a, b = _instant(raw), _instant(emitted)  # ISO 8601 instants written another way
        return a is not None and b is not None and a == b
    return emitted == raw


#: Documented spellings of "no value": the field is null, whatever the column's type.
NO_VALUE = {"null"}


def leaf_mismatch(raw: Any, emitted: Any, path: str, extra: dict) -> list[str]:
    if same(raw, emitted):
        return []
    if emitted is None and raw in NO_VALUE:
        return []
    if emitted is None and path in extra and extra[path] == raw:
        return []  # unconvertible: typed column null, raw value kept under its path
    return [f"{path}: documented {raw!r}, emitted {emitted!r}, {EXTRA} {extra.get(path)!r}"]


def mismatches(raw: Any, emitted: Any, path: str, extra: dict) -> list[str]:
    """Paths of documented leaves that are missing or differ in the emitted row."""
    join = f"{path}." if path else ""
    if isinstance(raw, dict) and isinstance(emitted, dict):
        found = []
        for key, value in raw.items():
            if key not in emitted:
                kept = f"{join}{key}"
                if not (kept in extra and extra[kept] == value):
                    found.append(f"{kept} missing")
            else:
                found += mismatches(value, emitted[key], f"{join}{key}", extra)
        return found
    if isinstance(raw, dict) and (emitted is None or isinstance(emitted, list)):
        # a documented "object" form of a list field: one element, {} none
        return mismatches([raw] if raw else [], emitted or [], path, extra)
    if isinstance(raw, list) and isinstance(emitted, list):
        if len(raw) != len(emitted):
            return [f"{path}: {len(raw)} elements, emitted {len(emitted)}"]
        return [
            m
            for i, (r, e) in enumerate(zip(raw, emitted, strict=True))
            for m in mismatches(r, e, f"{path}[{i}]", extra)
        ]
    if isinstance(raw, list) and emitted is None and not raw:
        return []
    if isinstance(raw, str) and isinstance(emitted, list):  # legacy "sku1,sku2" components
        parts = [{"product": part} for part in raw.split(",")]
        return mismatches(parts, emitted, path, extra)
    return leaf_mismatch(raw, emitted, path, extra)


def extra_of(row: dict) -> dict:
    value = row.get(EXTRA) or {}
    return json.loads(value) if isinstance(value, str) else value


# -- what each child table must hold, derived from the raw parent here --------------------------


def as_list(value: Any) -> list:
    """A documented list field in any documented form: list, one object, {} or null."""
    if value is None or value == {}:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, str):
        return [{"product": part} for part in value.split(",") if part]
    return list(value)


RULE_ELEMENTS = ("product_selection_list_elements", "selection_list_elements")


def expected_children(child: str, parent: dict) -> list[tuple[dict, dict]]:
    """(keys identifying the row, documented element fields) per row of ``child``."""
    rows: list[tuple[dict, dict]] = []
    if child in {"subscription_components", "item_components"}:
        rows = [({"position": i}, e) for i, e in enumerate(as_list(parent.get("components")))]
    elif child == "subscription_grantees":
        rows = [({"position": i}, e) for i, e in enumerate(as_list(parent.get("grantees")))]
    elif child == "offer_profile_offers":
        rows = [({"position": i}, {"offer": o}) for i, o in enumerate(parent.get("offers") or [])]
    elif child == "offer_profile_coupon_discounts":
        for kind in ("initial", "recurring"):
            coupon = parent.get(f"{kind}_coupon") or {}
            named = {
                "coupon_public_id": coupon.get("public_id"),
                "coupon_code": coupon.get("code"),
                "coupon_name": coupon.get("name"),
            }
            for i, discount in enumerate(as_list(coupon.get("discounts"))):
                rows.append(({"coupon": kind, "position": i}, {**named, **discount}))
    elif child == "product_group_memberships":
        rows = [({"position": i}, g) for i, g in enumerate(as_list(parent.get("groups")))]
    elif child == "product_selection_rules":
        rules = as_list(parent.get("product_selection_rules"))
        rows = [
            ({"position": i}, {k: v for k, v in r.items() if k not in RULE_ELEMENTS})
            for i, r in enumerate(rules)
        ]
    elif child == "product_selection_rule_elements":
        for rule in as_list(parent.get("product_selection_rules")):
            elements = next((rule[f] for f in RULE_ELEMENTS if rule.get(f)), [])
            for i, element in enumerate(elements):
                rows.append(({"selection_rule": rule["public_id"], "position": i}, element))
    elif child == "product_resource_grants":
        grants = parent.get("product_resource_grants") or parent.get("resource_grants")
        rows = [({"position": i}, g) for i, g in enumerate(as_list(grants))]
    elif child == "product_free_trial_configurations":
        trials = as_list(parent.get("product_free_trial_configurations"))
        rows = [({"position": i}, t) for i, t in enumerate(trials)]
    else:
        raise AssertionError(f"no expectation written for child table {child!r}")
    return rows


# -- the contract ----------------------------------------------------------------------------


def emitted_by_key(run, name: str) -> dict[tuple, dict]:
    keys = STREAMS[name].primary_keys
    return {tuple(str(r[k]) for k in keys): r for r in run.records.get(name, [])}


@pytest.mark.parametrize(("name", "case_name"), CASES)
def test_every_documented_field_arrives_with_its_value(runs, name, case_name):
    case = case_of(name, case_name)
    run = runs(name, case_name)
    emitted = emitted_by_key(run, name)
    keys = STREAMS[name].primary_keys
    for raw in records_of(case):
        key = tuple(str(raw[k]) for k in keys)
        assert key in emitted, (case["page"], key, sorted(emitted))
        row = emitted[key]
        assert mismatches(raw, row, "", extra_of(row)) == [], case["page"]
        # a documented form must fit its typed column, not only _extra_fields
        assert [p for p in case.get("must_fit", []) if p in extra_of(row)] == [], case["page"]


@pytest.mark.parametrize(("name", "case_name"), [c for c in CASES if CHILDREN[c[0]]])
def test_every_documented_element_field_arrives_in_its_child_table(runs, name, case_name):
    case = case_of(name, case_name)
    run = runs(name, case_name)
    parent_key = STREAMS[name].primary_keys[0]
    for raw in records_of(case):
        for child in CHILDREN[name]:
            parent_column = next(c for c in CHILD_STREAM_TYPES if c.name == child).parent_column
            rows = [
                r
                for r in run.records.get(child, [])
                if str(r[parent_column]) == str(raw[parent_key])
            ]
            expected = expected_children(child, raw)
            assert len(rows) == len(expected), (child, raw[parent_key], case["page"])
            for keys, fields in expected:
                (row,) = [r for r in rows if all(str(r[k]) == str(v) for k, v in keys.items())]
                assert mismatches(fields, row, "", extra_of(row)) == [], (child, case["page"])


@pytest.mark.parametrize(("name", "case_name"), CASES)
def test_documented_fields_raise_no_drift_warning(runs, name, case_name):
    """The examples hold only documented fields: none may be reported as unknown."""
    assert "does not know" not in runs(name, case_name).stderr


def test_every_endpoint_the_tap_reads_has_a_case_and_every_case_names_its_source():
    assert set(ENDPOINTS) == set(STREAMS)
    for name, spec in ENDPOINTS.items():
        for case in spec["cases"]:
            assert case["page"].startswith("https://developer.ordergroove.com/"), (name, case)
            assert case["source"].startswith(("verbatim", "built from")), (name, case)


@pytest.mark.parametrize(
    ("name", "case_name", "shape"),
    [
        ("one_time_incentives", "retrieve field table, bare array", "bare JSON array"),
        ("merchant_cancel_reasons", "list field table, single object", "single JSON object"),
        ("merchant_cancel_reasons", "v2 envelope", "v2 envelope {next, previous, results}"),
    ],
)
def test_the_shape_that_arrived_is_logged_per_stream(runs, name, case_name, shape):
    run = runs(name, case_name)
    assert f"Stream '{name}': Ordergroove answered with a {shape}" in run.stderr


def test_the_v1_envelope_with_count_is_read(tmp_path):
    """{count, next, previous, results}: the List Standardized Flex Incentives page's shape."""
    (case,) = ENDPOINTS["resources"]["cases"]
    record = {**case["records"][0], "created": "2018-10-10 14:43:32"}
    record["last_updated"] = record["created"]  # valid dates: only the envelope is under test
    with ExampleServer({"/resources/": wrap([record], "v1")}) as server:
        run = run_tap(tmp_path, config(server.url), streams=["resources"])
    (row,) = run.records["resources"]
    assert mismatches(record, row, "", extra_of(row)) == []


# -- filters ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def every_endpoint(tmp_path_factory):
    """All endpoints at once, answering empty pages: only what the tap sends is checked."""
    bodies = {spec["path"]: wrap([], V2) for spec in ENDPOINTS.values()}
    with ExampleServer(bodies) as server:
        run = run_tap(tmp_path_factory.mktemp("all"), config(server.url))
        yield run, server


def test_filters_are_sent_in_each_endpoints_documented_format(every_endpoint):
    _, server = every_endpoint
    checked = 0
    for stream in STREAM_TYPES:
        if not stream.start_param:
            continue
        documented = SPACED_FILTER if stream.name == "placement_responses" else ISO_FILTER
        # page_size=1: the access check before any SCHEMA (same format, checked too).
        sent = [p for p in server.params(stream.path) if stream.start_param in p]
        assert sent, stream.name
        for params in sent:
            assert documented.match(params[stream.start_param]), (stream.name, params)
        checked += 1
    assert checked == 7
    (placement,) = [
        p for p in server.params("/placement_logs/responses/") if p.get("page_size") != "1"
    ]
    assert placement["start_date"] == "2019-12-31 18:00:00"  # 2020-01-01T00:00Z in Chicago


def test_documented_switches_are_sent(every_endpoint):
    _, server = every_endpoint
    (products,) = [p for p in server.params("/products/") if p.get("page_size") != "1"]
    assert {
        "autoship_enabled": "all",
        "allow_discontinued": "true",
        "include_product_selection_rules": "true",
        "include_product_resource_grants": "true",
        "include_product_free_trials": "true",
    }.items() <= products.items()
    (profiles,) = [p for p in server.params("/offer_profiles/") if p.get("page_size") != "1"]
    assert profiles["status"] == "all"
    assert profiles["offer_profile_category"] == "all_with_standard_flex_incentives"
    (orders,) = [p for p in server.params("/orders/") if p.get("page_size") != "1"]
    assert orders["include_has_plan"] == "true"


# -- drift and deprecated values --------------------------------------------------------------


def test_unknown_nested_fields_are_kept_and_bad_deprecated_values_never_stop(tmp_path):
    case = case_of("offer_profiles", "discounts as a list, standard_flex_incentives")
    profiles = wrap(deepcopy(case["records"]), V2)
    profiles["results"][0]["initial_coupon"]["standard_flex_incentives"] = []  # list form only
    discount = profiles["results"][0]["recurring_coupon"]["discounts"][0]
    discount["has_condition"] = True  # Fivetran shows it; Ordergroove documents it nowhere
    products = wrap(deepcopy(case_of("products", "ordinal rotation, free trial")["records"]), V2)
    products["results"][0]["premier_enabled"] = "yes"  # deprecated int, not an int
    bodies = {"/offer_profiles/": profiles, "/products/": products}
    with ExampleServer(bodies) as server:
        run = run_tap(tmp_path, config(server.url), streams=["offer_profiles", "products"])
    assert re.search(r"recurring_coupon\.discounts\[0?\]\.has_condition", run.stderr)  # warned
    (profile,) = run.records["offer_profiles"]
    assert extra_of(profile)["recurring_coupon.discounts[0].has_condition"] is True
    (product,) = run.records["products"]
    assert product["premier_enabled"] is None
    assert extra_of(product)["premier_enabled"] == "yes"
    assert product["product_free_trial_configurations"][0]["duration_in_days"] == 14
