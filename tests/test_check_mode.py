"""``tap-ordergroove --check``: the first page of every stream, compared with the schema.

The fake API answers as the docs say; a small proxy in front of it (real HTTP on 127.0.0.1)
injects the drift a real account might show: unknown fields at three depths, a list where
an object is documented, strings where integers are, a date that does not exist, a
documented field that never comes. The check must name each one on its own line, exit 0
(drift is information), exit 1 on a refused key or an unreachable host, and its JSON form
must hold field names and types only: no value, no API key, no ``base_url`` credential.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import API_KEY
from tests.singer_run import ROOT

MELTANO = str(ROOT / ".venv" / "bin" / "meltano")
BASE_URL_USER = "checkuser"
BASE_URL_PASSWORD = "base-url-password-4711"  # a test credential: must not leak
PLACEHOLDER_DATE = "2017-02-29 12:00:00"  # documented example value; no such day


class DriftProxy:
    """Forwards GETs to the fake API and rewrites list pages with ``mutations[path]``."""

    def __init__(self, upstream: str, mutations: dict[str, Callable[[list[dict]], None]]) -> None:
        self.upstream = upstream
        self.mutations = mutations
        #: Every record served, after mutation (to prove no value reaches the report).
        self.served: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                headers = {
                    name: self.headers[name]
                    for name in ("x-api-key", "X-OG-API-VERSION", "Accept")
                    if self.headers.get(name) is not None
                }
                answer = requests.get(proxy.upstream + self.path, headers=headers, timeout=10)
                payload = answer.content
                path = self.path.split("?")[0]
                if answer.status_code == 200:
                    body = answer.json()
                    if path in proxy.mutations:
                        proxy.mutations[path](body["results"])
                    proxy.served += body["results"]
                    payload = json.dumps(body).encode()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> DriftProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Injected:
    """The drift, and how many records each injection touched (for the expected lines)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def orders(self, records: list[dict]) -> None:
        for record in records:
            record["loyalty_tier"] = "gold"  # depth 1, every record
            record.pop("order_merchant_id", None)  # documented, never sent
            record["tries"] = str(record["tries"])  # "0": a string where an integer is
        records[0]["place"] = PLACEHOLDER_DATE
        self.counts["orders"] = len(records)

    def offer_profiles(self, records: list[dict]) -> None:
        touched = 0
        for record in records:
            coupon = record.get("recurring_coupon")
            if isinstance(coupon, dict) and coupon.get("discounts"):
                coupon["new_flag"] = True  # depth 2
                coupon["discounts"][0]["new_flag"] = True  # depth 3
                touched += 1
        records[0]["initial_coupon"] = [{"public_id": "c0ffee", "discounts": []}]  # list
        self.counts["offer_profiles"] = len(records)
        self.counts["offer_profiles_touched"] = touched

    def items(self, records: list[dict]) -> None:
        records[0]["quantity"] = "two"  # a string no integer can be read from
        self.counts["items"] = len(records)


def check(tmp_path: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    """``tap-ordergroove --config c.json --check [args]`` as a real process."""
    config_file = tmp_path / "c.json"
    config_file.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-m", "tap_ordergroove", "--config", str(config_file), "--check", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


@pytest.fixture(scope="module")
def drift(shared_fake):
    injected = Injected()
    mutations = {
        "/orders/": injected.orders,
        "/offer_profiles/": injected.offer_profiles,
        "/items/": injected.items,
    }
    with DriftProxy(shared_fake.url, mutations) as proxy:
        yield proxy, injected


def proxy_config(proxy: DriftProxy, **extra: Any) -> dict:
    return {
        "api_key": API_KEY,
        "base_url": f"http://{BASE_URL_USER}:{BASE_URL_PASSWORD}@127.0.0.1:{proxy.port}",
        "retry_backoff_seconds": 0.05,
        "request_timeout": 10,
        **extra,
    }


def block(stdout: str, stream: str) -> list[str]:
    """The lines of one stream's block: its header line and the indented lines after it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{stream}: "))
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines)
    )
    return lines[start:end]


def test_injected_drift_is_reported_line_by_line(drift, tmp_path):
    proxy, injected = drift
    proc = check(tmp_path, proxy_config(proxy))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    n_orders, n_profiles, n_items = (
        injected.counts["orders"],
        injected.counts["offer_profiles"],
        injected.counts["items"],
    )
    touched = injected.counts["offer_profiles_touched"]
    assert touched > 0, "the fake's offer profiles have recurring discounts"
    assert block(out, "orders") == [
        f"orders: ok, v2 envelope {{next, previous, results}}, {n_orders} records on the "
        "first page, more pages follow",
        "  fields the schema lacks:",
        f"    loyalty_tier (in {n_orders} of {n_orders} records)",
        "  documented fields never seen:",
        "    order_merchant_id",
        "  values whose form differs from the schema:",
        f"    place: unparseable date-time (in 1 of {n_orders} records; a sync cannot convert it)",
        f"    tries: string where the schema has integer (in {n_orders} of {n_orders} "
        "records; a sync converts it)",
    ]
    assert block(out, "offer_profiles") == [
        f"offer_profiles: ok, v2 envelope {{next, previous, results}}, {n_profiles} records "
        "on the first page",
        "  fields the schema lacks:",
        f"    recurring_coupon.discounts[0].new_flag (in {touched} of {n_profiles} records)",
        f"    recurring_coupon.new_flag (in {touched} of {n_profiles} records)",
        "  values whose form differs from the schema:",
        f"    initial_coupon: array where the schema has object (in 1 of {n_profiles} "
        "records; a sync cannot convert it)",
    ]
    assert block(out, "items")[1:] == [
        # gift_context.gift is GraphQL's (GiftContextType); the fake sends the REST fields only
        "  documented fields never seen:",
        "    gift_context.gift",
        "  values whose form differs from the schema:",
        f"    quantity: string where the schema has integer (in 1 of {n_items} records; a "
        "sync cannot convert it)",
    ]
    # A child table: its rows come from the parent's first page, checked against its schema.
    discounts = block(out, "offer_profile_coupon_discounts")
    assert discounts[0].startswith("offer_profile_coupon_discounts: ok, ")
    assert discounts[0].endswith(
        " rows from the first page of 'offer_profiles' (field 'discounts')"
    )
    assert discounts[1:3] == [
        "  fields the schema lacks:",
        f"    new_flag (in {touched} of " + discounts[0].split()[2] + " records)",
    ]
    assert block(out, "customers")[1:] == [
        "  no drift: every field is in the schema and in a documented form"
    ]
    assert out.splitlines()[-1].startswith("Result: 23 ok, 0 failed; drift: ")
    assert out.splitlines()[0] == (
        f"tap-ordergroove check of http://127.0.0.1:{proxy.port}: the first page of 23 "
        "streams, compared with the schema (nothing is synced)"
    )
    assert_no_secret(proc)


def test_json_form_has_names_and_types_only(drift, tmp_path):
    proxy, injected = drift
    before = len(proxy.served)
    proc = check(tmp_path, proxy_config(proxy), "--format=json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["exit_code"] == 0
    assert report["source"] == f"http://127.0.0.1:{proxy.port}"
    streams = {entry["stream"]: entry for entry in report["streams"]}
    summary = report["summary"]
    assert summary["streams"] == 23 and summary["statuses"] == {"ok": 23}
    assert summary["unknown_fields"] == sum(len(s["unknown_fields"]) for s in streams.values())
    assert summary["form_differences"] == sum(len(s["form_differences"]) for s in streams.values())
    assert streams["offer_profile_coupon_discounts"]["parent"] == "offer_profiles"
    assert streams["offer_profile_coupon_discounts"]["unknown_fields"] == [
        {"path": "new_flag", "records": injected.counts["offer_profiles_touched"]}
    ]
    orders = streams["orders"]
    assert orders["status"] == "ok"
    assert orders["envelope"] == "v2_envelope"
    assert orders["records_seen"] == injected.counts["orders"]
    assert orders["unknown_fields"] == [
        {"path": "loyalty_tier", "records": injected.counts["orders"]}
    ]
    assert orders["never_seen"] == ["order_merchant_id"]
    assert [
        (d["path"], d["seen"], d["schema"], d["converts"]) for d in orders["form_differences"]
    ] == [("place", "string", "date-time", False), ("tries", "string", "integer", True)]
    profiles = streams["offer_profiles"]
    assert [f["path"] for f in profiles["unknown_fields"]] == [
        "recurring_coupon.discounts[0].new_flag",
        "recurring_coupon.new_flag",
    ]
    (coupon,) = profiles["form_differences"]
    assert (coupon["path"], coupon["seen"], coupon["schema"]) == (
        "initial_coupon",
        "array",
        "object",
    )
    # No value of any record served during this check appears in the report.
    values = set()
    for record in proxy.served[before:]:
        collect_strings(record, values)
    names = set()
    for record in proxy.served[before:]:
        collect_keys(record, names)
    quoted = {json.dumps(value) for value in values - names if len(value) >= 4}
    leaked = {value for value in quoted if value in proc.stdout}
    assert not leaked, f"record values in the report: {sorted(leaked)[:5]}"
    assert "gold" not in proc.stdout and PLACEHOLDER_DATE not in proc.stdout
    assert_no_secret(proc)


def test_refused_key_is_an_auth_failure_and_exit_1(drift, tmp_path):
    proxy, _ = drift
    proc = check(tmp_path, proxy_config(proxy, api_key="wrong-key-123456"), "--format=json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["exit_code"] == 1
    assert report["summary"]["statuses"] == {"auth failure": 23}
    orders = next(entry for entry in report["streams"] if entry["stream"] == "orders")
    assert orders["status"] == "auth failure"
    assert orders["error"].startswith("Ordergroove refused the API key with 403")
    assert "wrong-key-123456" not in proc.stdout + proc.stderr
    assert BASE_URL_PASSWORD not in proc.stdout + proc.stderr

    text = check(tmp_path, proxy_config(proxy, api_key="wrong-key-123456"))
    assert text.returncode == 1
    assert block(text.stdout, "orders") == [
        "orders: AUTH FAILURE: " + orders["error"],
    ]
    assert block(text.stdout, "item_components") == [
        "item_components: AUTH FAILURE: its parent 'items' failed"
    ]
    assert text.stdout.splitlines()[-1].startswith("Result: 0 ok, 23 failed (auth failure: 23)")


def test_unreachable_host_stops_after_the_first_stream(tmp_path):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    config = {"api_key": API_KEY, "base_url": f"http://127.0.0.1:{port}", "max_tries": 1}
    proc = check(tmp_path, config)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[1].startswith(
        f"addresses: UNREACHABLE: Could not connect to http://127.0.0.1:{port}"
    )
    assert lines[2] == "customers: UNREACHABLE: not tried: 'addresses' could not connect"
    assert lines[-1].startswith("Result: 0 ok, 23 failed (unreachable: 23)")


def test_check_through_meltano_invoke(shared_fake, tmp_path):
    """Meltano passes ``--check`` (and ``--format``) through to the tap."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "meltano.yml").write_text((ROOT / "meltano.yml").read_text())
    (project / ".meltano").symlink_to(ROOT / ".meltano")
    env = {
        **os.environ,
        "MELTANO_ENVIRONMENT": "dev",
        "TAP_ORDERGROOVE_BASE_URL": shared_fake.url,
        "TAP_ORDERGROOVE_API_KEY": API_KEY,
    }
    proc = subprocess.run(
        [MELTANO, "invoke", "tap-ordergroove", "--check", "--format=json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["summary"]["statuses"] == {"ok": 23}
    assert report["summary"]["unknown_fields"] == 0
    assert API_KEY not in proc.stdout + proc.stderr


def assert_no_secret(proc: subprocess.CompletedProcess) -> None:
    for secret in (API_KEY, BASE_URL_PASSWORD, BASE_URL_USER):
        assert secret not in proc.stdout, f"{secret!r} in the report"
        assert secret not in proc.stderr, f"{secret!r} in the log"


def collect_strings(value: Any, into: set[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            collect_strings(item, into)
    elif isinstance(value, list):
        for item in value:
            collect_strings(item, into)
    elif isinstance(value, str):
        into.add(value)


def collect_keys(value: Any, into: set[str]) -> None:
    if isinstance(value, dict):
        into.update(value)
        for item in value.values():
            collect_keys(item, into)
    elif isinstance(value, list):
        for item in value:
            collect_keys(item, into)


# -- the comparison itself, for forms a schema may declare -------------------------------------


def test_documented_loose_forms_and_either_form_fields_are_not_differences():
    from tap_ordergroove.rest.check import compare
    from tap_ordergroove.timezones import OrdergrooveZone

    discount = {"type": "object", "properties": {"value": {"type": ["number", "null"]}}}
    schema = {
        "properties": {
            "total": {"type": ["number", "null"]},
            "live": {"type": ["boolean", "null"]},
            "extra_data": {"type": ["object", "null"], "additionalProperties": True},
            "components": {"type": ["array", "null"], "items": {"type": "object"}},
            "code": {"type": ["string", "null"]},
            "discounts": {"anyOf": [discount, {"type": "array", "items": discount}]},
            "count": {"type": ["integer", "null"]},
        }
    }
    records = [
        {"count": "4"},  # converts; the "three" below does not: the verdict is "cannot"
        {
            "total": "77.94",
            "live": "True",
            "extra_data": '{"a": 1}',
            "components": "sku1,sku2",
            "code": 2,
            "discounts": {"value": "1.00"},
            "count": 3,
        },
        {
            "total": 5,
            "live": 0,
            "extra_data": {"a": 1},
            "components": [],
            "code": "2",
            "discounts": [{"value": "1.00", "new": 1}],
            "count": "three",
        },
        {"total": "undefined"},  # an order total the reference's field table shows
    ]
    report = compare(records, schema, OrdergrooveZone("America/Chicago"))
    assert [(f.path, f.records) for f in report.unknown_fields] == [("discounts[0].new", 1)]
    assert report.never_seen == []
    assert [(d.path, d.seen, d.schema, d.records, d.converts) for d in report.form_differences] == [
        ("count", "string", "integer", 2, False),
        ("total", "string", "number", 1, False),
    ]
