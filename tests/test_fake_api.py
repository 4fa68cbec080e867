"""The fake Ordergroove API behaves as /work/shared/ordergroove-api.md documents.

Every test talks to a real server over HTTP on 127.0.0.1, because the tap's tests rely on
these behaviours (pagination, filters, auth, faults) being exactly right.
"""

from __future__ import annotations

import base64
import http.client
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from fake_ordergroove.dataset import Dataset
from fake_ordergroove.generator import AS_OF, START
from fake_ordergroove.schema import OBJECTS
from fake_ordergroove.server import FakeOrdergroove

KEY = "secret-test-key-4f1c"
LIMITED = "limited-key-9a7e"
V2 = {"x-api-key": KEY, "X-OG-API-VERSION": "2"}
ALL_FILTERS_OFF = {
    "orders": {"include_has_plan": "true"},
    "products": {
        "autoship_enabled": "all",
        "allow_discontinued": "true",
        "include_product_selection_rules": "true",
        "include_product_resource_grants": "true",
        "include_product_free_trials": "true",
    },
    "offer_profiles": {
        "status": "all",
        "offer_profile_category": "all_with_standard_flex_incentives",
    },
}
OPTIONAL = {  # fields served only with a parameter (see ALL_FILTERS_OFF)
    "orders": ("has_plan",),
    "products": (
        "product_selection_rules",
        "product_resource_grants",
        "product_free_trial_configurations",
    ),
}
FILTERS = [
    # stream, start param, end param, record field, end operator
    ("customers", "updated_start", "updated_end", "last_updated", "<="),
    ("subscriptions", "updated_start", "updated_end", "updated", "<="),
    ("orders", "updated_start", "updated_end", "updated", "<="),
    ("addresses", "updated_start", "updated_end", "updated", "<="),
    ("items", "order_updated_start", "order_updated_end", "order_updated", "<="),
    ("one_time_incentives", "last_updated_start", "last_updated_end", "last_updated", "<="),
    ("placement_responses", "start_date", "end_date", "created", "<"),
]


def without_optional(stream: str, records: list[dict]) -> list[dict]:
    """Records as a call without the ``include_*`` parameters answers them."""
    hidden = OPTIONAL.get(stream, ())
    return [{k: v for k, v in r.items() if k not in hidden} for r in records]


def key_of(stream: str, record: dict) -> tuple:
    """Primary key tuple of a record, whatever the stream."""
    return tuple(record[name] for name in OBJECTS[stream].key)


@pytest.fixture(scope="module")
def shared():
    """Default-scale, read-only server (tests using it must not mutate data or faults)."""
    with FakeOrdergroove(Dataset(seed=42), api_keys=(KEY,), limited_keys=(LIMITED,)) as fake:
        yield fake


@pytest.fixture
def fresh():
    """A small private server for tests that mutate data or switch faults on."""
    with FakeOrdergroove(Dataset(seed=3, customers=40), api_keys=(KEY,)) as fake:
        yield fake


def get(fake: FakeOrdergroove, path: str, params: dict | None = None, headers=None, **kw):
    """GET a path of ``fake`` with the v2 header and a good key unless told otherwise."""
    return requests.get(
        fake.url + path, params=params, headers=V2 if headers is None else headers, **kw
    )


def fetch_all(fake, stream, params=None, session=None, on_page=None) -> list[dict]:
    """Follow ``next`` verbatim from the first page to the end; returns all results."""
    session = session or requests.Session()
    url = fake.url + OBJECTS[stream].path
    response = session.get(url, params=params, headers=V2, timeout=10)
    results: list[dict] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        results.extend(body["results"])
        pages += 1
        if on_page is not None:
            on_page(pages, body)
        if body["next"] is None:
            return results
        response = session.get(body["next"], headers=V2, timeout=10)


# -- auth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}], ids=["missing", "wrong"])
def test_bad_or_missing_key_is_403_authentication_failed(shared, headers):
    response = get(shared, "/orders/", headers={**headers, "X-OG-API-VERSION": "2"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication Failed"}


def test_auth_failure_status_can_be_401():
    with FakeOrdergroove(Dataset(customers=5), api_keys=(KEY,), auth_failure_status=401) as fake:
        response = get(fake, "/orders/", headers={"x-api-key": "nope"})
        assert response.status_code == 401
        assert response.json() == {"detail": "Authentication Failed"}
        assert get(fake, "/orders/").status_code == 200


def test_key_without_bulk_operations_permission_is_403(shared):
    response = get(shared, "/customers/", headers={"x-api-key": LIMITED})
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}


# -- envelopes and pagination ---------------------------------------------------------------


def test_v2_envelope_has_no_count_and_an_opaque_cursor(shared):
    body = get(shared, "/orders/").json()
    assert set(body) == {"next", "previous", "results"}
    assert body["previous"] is None
    assert len(body["results"]) == 10  # default page_size
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    assert not cursor.isdigit()
    second = requests.get(body["next"], headers=V2).json()
    assert set(second) == {"next", "previous", "results"}
    back = requests.get(second["previous"], headers=V2).json()
    assert back["results"] == body["results"]


def test_garbage_cursor_is_404(shared):
    response = get(shared, "/orders/", {"cursor": "not-a-cursor"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("stream", list(OBJECTS))
def test_following_next_reaches_every_record_exactly_once(shared, stream):
    params = {"page_size": 100, **ALL_FILTERS_OFF.get(stream, {})}
    seen_pages: list[dict] = []
    results = fetch_all(shared, stream, params, on_page=lambda n, body: seen_pages.append(body))
    assert results == shared.dataset.records(stream)
    keys = [key_of(stream, r) for r in results]
    assert len(keys) == len(set(keys))
    for body in seen_pages[:-1]:
        next_url = urlsplit(body["next"])
        assert f"{next_url.scheme}://{next_url.netloc}" == shared.url
        assert next_url.path == OBJECTS[stream].path
        carried = {k: v[0] for k, v in parse_qs(next_url.query).items()}
        assert carried.items() >= {k: str(v) for k, v in params.items()}.items()
        assert len(body["results"]) == 100


def test_every_record_has_exactly_the_documented_fields(shared):
    for stream, spec in OBJECTS.items():
        body = get(shared, spec.path, ALL_FILTERS_OFF.get(stream)).json()
        assert body["results"], stream
        for record in body["results"]:
            assert tuple(record) == spec.fields, stream
        plain = {"status": "all"} if stream == "offer_profiles" else {}
        for record in get(shared, spec.path, plain).json()["results"]:
            assert set(record) == set(spec.fields) - set(OPTIONAL.get(stream, ())), stream


def test_page_size_is_capped_at_100_and_1000_for_placement_responses(shared):
    assert len(get(shared, "/orders/", {"page_size": 500}).json()["results"]) == 100
    assert shared.dataset.count("placement_responses") > 1000
    body = get(shared, "/placement_logs/responses/", {"page_size": 5000}).json()
    assert len(body["results"]) == 1000


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5"])
def test_invalid_page_size_is_400(shared, value):
    response = get(shared, "/orders/", {"page_size": value})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["A valid integer is required."]}


def test_v1_page_numbers_without_the_version_header(shared):
    headers = {"x-api-key": KEY}
    everything = without_optional("orders", shared.dataset.records("orders"))
    first = get(shared, "/orders/", {"page_size": 50}, headers=headers).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == len(everything)
    assert first["results"] == everything[:50]
    assert parse_qs(urlsplit(first["next"]).query) == {"page_size": ["50"], "page": ["2"]}
    second = requests.get(first["next"], headers=headers).json()
    assert second["results"] == everything[50:100]
    assert parse_qs(urlsplit(second["previous"]).query) == {"page_size": ["50"]}
    beyond = get(shared, "/orders/", {"page": 10_000}, headers=headers)
    assert beyond.status_code == 404
    assert beyond.json() == {"detail": "Invalid page."}


def test_results_are_not_sorted_by_updated(shared):
    results = fetch_all(shared, "orders", {"page_size": 100})
    created = [r["created"] for r in results]
    updated = [r["updated"] for r in results]
    assert created == sorted(created)
    assert updated != sorted(updated)


# -- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stream", "start", "end", "field", "end_op"), FILTERS)
def test_filter_bounds_use_exact_central_wall_clock_values(
    shared, stream, start, end, field, end_op
):
    records = shared.dataset.records(stream)
    # A value that really occurs, so the inclusive/exclusive edge is actually exercised.
    pivot = sorted(r[field] for r in records)[len(records) // 2]
    spaced = stream == "placement_responses"  # documented as YYYY-MM-DD HH:mm:ss
    value = pivot if spaced else pivot.replace(" ", "T")
    on_pivot = {key_of(stream, r) for r in records if r[field] == pivot}
    assert on_pivot

    def keys(params):
        return {key_of(stream, r) for r in fetch_all(shared, stream, {"page_size": 100, **params})}

    at_or_after = keys({start: value})
    assert at_or_after == {key_of(stream, r) for r in records if r[field] >= pivot}
    assert on_pivot <= at_or_after
    before = keys({end: value})
    if end_op == "<=":
        assert before == {key_of(stream, r) for r in records if r[field] <= pivot}
        assert on_pivot <= before
        assert keys({start: value, end: value}) == on_pivot
    else:
        assert before == {key_of(stream, r) for r in records if r[field] < pivot}
        assert not on_pivot & before
    day = pivot[:10]  # a bare date means local midnight
    if spaced:
        other = pivot.replace(" ", "T")
        for wrong in (day, other):
            response = get(shared, OBJECTS[stream].path, {start: wrong})
            assert response.status_code == 400, wrong
            assert response.json() == {start: ["Enter a valid date/time."]}
        return
    assert keys({start: day}) == {
        key_of(stream, r) for r in records if r[field] >= f"{day} 00:00:00"
    }


def test_filters_inside_the_repeated_dst_hour_compare_wall_clock(shared):
    orders = shared.dataset.records("orders")
    fall_back = {r["public_id"] for r in orders if r["updated"] == "2024-11-03 01:30:00"}
    assert fall_back, "the dataset must hold orders inside the repeated hour"
    window = {"updated_start": "2024-11-03T01:30:00", "updated_end": "2024-11-03T01:30:00"}
    assert {r["public_id"] for r in fetch_all(shared, "orders", window)} == fall_back
    spring = [r for r in orders if r["updated"][:13] in ("2024-03-10 01", "2024-03-10 03")]
    assert spring, "the dataset must hold orders on both sides of the spring-forward gap"


@pytest.mark.parametrize(
    "value", ["2024-13-01", "yesterday", "2024-11-03 01:30:00", "2024-11-03T01:30:00Z", "2024-2-3"]
)
def test_invalid_filter_values_are_400(shared, value):
    response = get(shared, "/orders/", {"updated_start": value})
    assert response.status_code == 400
    assert response.json() == {"updated_start": ["Enter a valid date/time."]}


def test_unknown_params_are_ignored(shared):
    plain = get(shared, "/orders/").json()["results"]
    assert (
        get(shared, "/orders/", {"ordering": "-updated", "foo": "bar"}).json()["results"] == plain
    )


def test_placement_responses_come_oldest_first(shared):
    results = fetch_all(shared, "placement_responses", {"page_size": 1000})
    created = [r["created"] for r in results]
    assert created == sorted(created)
    assert len(results) == shared.dataset.count("placement_responses")


def test_products_hide_discontinued_and_non_autoship_by_default(shared):
    everything = shared.dataset.records("products")
    assert any(p["discontinued"] for p in everything)
    assert any(not p["autoship_enabled"] for p in everything)
    default = fetch_all(shared, "products", {"page_size": 100})
    plain = without_optional("products", everything)
    assert default == [p for p in plain if p["autoship_enabled"] and not p["discontinued"]]
    assert fetch_all(shared, "products", ALL_FILTERS_OFF["products"]) == everything
    only_autoship = fetch_all(shared, "products", {"allow_discontinued": "true"})
    assert only_autoship == [p for p in plain if p["autoship_enabled"]]


def test_offer_profiles_only_available_unless_status_all(shared):
    everything = shared.dataset.records("offer_profiles")
    assert {p["status"] for p in everything} == {"available", "archived"}
    with_sfi = {"offer_profile_category": "all_with_standard_flex_incentives"}
    default = fetch_all(shared, "offer_profiles", with_sfi)
    assert default == [p for p in everything if p["status"] == "available"]
    assert fetch_all(shared, "offer_profiles", {"status": "all", **with_sfi}) == everything
    archived = fetch_all(shared, "offer_profiles", {"status": "archived", **with_sfi})
    assert archived == [p for p in everything if p["status"] == "archived"]


# -- data shape -------------------------------------------------------------------------------


def test_same_seed_gives_identical_data_and_another_seed_differs():
    first, again, other = (
        Dataset(seed=7, customers=30),
        Dataset(seed=7, customers=30),
        Dataset(8, 30),
    )
    for stream in OBJECTS:
        assert first.records(stream) == again.records(stream), stream
    assert first.records("orders") != other.records("orders")


def test_relations_timestamps_and_loose_types_are_consistent(shared):
    data = {stream: shared.dataset.records(stream) for stream in OBJECTS}
    ids = {stream: {key_of(stream, r)[0] for r in rows} for stream, rows in data.items()}
    orders = {o["public_id"]: o for o in data["orders"]}
    for item in data["items"]:
        assert item["order_updated"] == orders[item["order"]]["updated"]
        assert item["product"] in ids["products"]
        assert item["subscription"] is None or item["subscription"] in ids["subscriptions"]
    for order in data["orders"]:
        assert order["customer"] in ids["customers"]
        assert order["payment"] in ids["payments"]
        assert order["shipping_address"] in ids["addresses"]
        if order["status"] == 1:
            assert order["place"] > AS_OF
    for payment in data["payments"]:
        assert payment["billing_address"] in ids["addresses"]
    for response in data["placement_responses"]:
        assert orders[response["order"]]["status"] != 1
    stamps = {
        "customers": "last_updated",
        "orders": "updated",
        "subscriptions": "updated",
        "addresses": "updated",
        "payments": "last_updated",
        "products": "last_update",
        "one_time_incentives": "last_updated",
        "resources": "last_updated",
    }
    for stream, field in stamps.items():
        for record in data[stream]:
            assert START <= record["created"] <= record[field] <= AS_OF, (stream, record)
        assert any(r["created"] == r[field] for r in data[stream]), stream
    statuses = Counter(o["status"] for o in data["orders"])
    assert statuses[5] > len(data["orders"]) / 2
    assert 0.18 < statuses[1] / len(data["orders"]) < 0.32
    assert statuses[3] and statuses[4]
    group_names = {(g["name"], g["group_type"]) for g in data["product_groups"]}
    for product in data["products"]:
        assert {(g["name"], g["group_type"]) for g in product["groups"]} <= group_names

    def kinds(values):
        return {type(v).__name__ for v in values}

    assert kinds(o["extra_data"] for o in data["orders"]) == {"NoneType", "dict", "str"}
    assert any(
        isinstance(o["extra_data"], str) and not o["extra_data"].startswith("{")
        for o in data["orders"] + data["customers"] + data["subscriptions"]
    )
    assert kinds(s["components"] for s in data["subscriptions"] + data["items"]) == {"list", "str"}
    assert kinds(o["type"] for o in data["orders"]) == {"int", "str"}
    cancelled = [s for s in data["subscriptions"] if s["cancel_reason_code"] is not None]
    assert kinds(s["cancel_reason_code"] for s in cancelled) == {"int", "str"}
    assert "str" in kinds(c["live"] for c in data["customers"] + data["addresses"])
    assert any((o["rejected_message"] or "").startswith("{") for o in data["orders"])
    assert kinds(p["response_payload"] for p in data["placement_responses"]) == {
        "NoneType",
        "dict",
        "str",
    }


# -- mutations --------------------------------------------------------------------------------


def test_item_update_bumps_its_order_and_all_its_items(fresh):
    dataset = fresh.dataset
    dataset.freeze_time("2026-02-03 04:05:06")
    order = next(o for o in dataset.records("orders") if len(dataset_items(dataset, o)) == 2)
    first, second = dataset_items(dataset, order)
    window = {"order_updated_start": "2026-02-03T04:05:06"}
    assert fetch_all(fresh, "items", window) == []  # also primes the filtered-query cache
    dataset.update("items", first["public_id"], quantity=9)
    changed = fetch_all(fresh, "items", window)
    assert {i["public_id"] for i in changed} == {first["public_id"], second["public_id"]}
    assert {i["order_updated"] for i in changed} == {"2026-02-03 04:05:06"}
    assert dataset.get("orders", order["public_id"])["updated"] == "2026-02-03 04:05:06"
    assert dataset.get("items", first["public_id"])["quantity"] == 9


def dataset_items(dataset: Dataset, order: dict) -> list[dict]:
    """Items of one order, in API order."""
    return [i for i in dataset.records("items") if i["order"] == order["public_id"]]


def test_order_update_with_explicit_updated_and_delete_cascade(fresh):
    dataset = fresh.dataset
    order = dataset.records("orders")[5]
    dataset.update("orders", order["public_id"], updated="2024-11-03 01:30:00", status=4)
    assert {i["order_updated"] for i in dataset_items(dataset, order)} == {"2024-11-03 01:30:00"}
    customer = dataset.records("customers")[0]
    before = customer["last_updated"]
    updated = dataset.update("customers", customer["merchant_user_id"], first_name="Zed")
    assert updated["last_updated"] > before
    assert updated["first_name"] == "Zed"
    dataset.delete("orders", order["public_id"])
    assert dataset.get("orders", order["public_id"]) is None
    assert not dataset_items(dataset, order)
    with pytest.raises(ValueError, match="unknown orders fields"):
        dataset.update("orders", dataset.records("orders")[0]["public_id"], totl="1.00")


def test_create_sets_created_equal_updated_and_new_key(fresh):
    dataset = fresh.dataset
    dataset.freeze_time("2026-05-01 10:00:00")
    customer = dataset.records("customers")[0]["merchant_user_id"]
    record = dataset.create("addresses", customer=customer, city="Austin")
    assert len(record["public_id"]) == 32
    assert record["created"] == record["updated"] == "2026-05-01 10:00:00"
    assert fetch_all(fresh, "addresses", {"updated_start": "2026-05-01"}) == [record]


@pytest.mark.parametrize(
    "window",
    [{}, {"updated_start": "2023-01-01", "updated_end": "2030-01-01"}],
    ids=["unfiltered", "filtered"],
)
def test_deletes_and_creates_during_pagination_skip_and_duplicate_nothing(fresh, window):
    dataset = fresh.dataset
    dataset.freeze_time("2026-03-04 05:06:07")
    original = dataset.records("orders")
    seen: list[dict] = []
    deleted: set[str] = set()
    created: list[dict] = []

    def mutate(page_number: int, body: dict) -> None:
        seen.extend(body["results"])
        if page_number == 1:
            last_seen = body["results"][-1]["public_id"]
            position = next(i for i, o in enumerate(original) if o["public_id"] == last_seen)
            # the first record, the cursor's own record and the first one not yet served
            for victim in (original[0], original[position], original[position + 1]):
                dataset.delete("orders", victim["public_id"])
                deleted.add(victim["public_id"])
            created.append(dataset.create("orders", customer="x", status=1))
            dataset.update("orders", original[-1]["public_id"], tries=2)  # moves in the window
        if page_number == 2:
            created.append(dataset.create("orders", customer="y", status=1))

    fetch_all(fresh, "orders", {"page_size": 25, **window}, on_page=mutate)
    keys = [o["public_id"] for o in seen]
    assert len(keys) == len(set(keys)), "duplicates"
    survivors = {o["public_id"] for o in original} - deleted
    assert survivors <= set(keys), "skipped surviving records"
    assert {c["public_id"] for c in created} <= set(keys)
    unseen_deleted = {o["public_id"] for o in original[25:]} & deleted
    assert unseen_deleted
    assert not unseen_deleted & set(keys)


def test_http_control_endpoints_mutate_and_read(fresh):
    base = fresh.url + "/_control"
    order = fresh.dataset.records("orders")[0]
    body = {"object": "orders", "key": order["public_id"], "fields": {"tries": 4}}
    updated = requests.post(f"{base}/update", json=body).json()
    assert updated["tries"] == 4
    assert updated["updated"] != order["updated"]
    created = requests.post(
        f"{base}/create", json={"object": "resources", "fields": {"name": "New"}}
    )
    assert created.status_code == 201
    resources = requests.get(f"{base}/records", params={"object": "resources"}).json()
    assert resources == fresh.dataset.records("resources")
    assert resources[-1] == created.json()
    gone = requests.post(f"{base}/delete", json={"object": "orders", "key": order["public_id"]})
    assert gone.json() == {"deleted": True}
    assert fresh.dataset.get("orders", order["public_id"]) is None
    missing = requests.post(f"{base}/delete", json={"object": "orders", "key": "nope"})
    assert missing.status_code == 404
    bad = requests.post(f"{base}/update", json={"object": "orderz", "key": "x", "fields": {}})
    assert bad.status_code == 400
    reason = fresh.dataset.records("merchant_cancel_reasons")[0]
    key = [reason["cancel_reason"], reason["application"]]  # an int and a string
    body = {"object": "merchant_cancel_reasons", "key": key, "fields": {}}
    assert requests.post(f"{base}/update", json=body).json() == reason


# -- faults, latency, logging ------------------------------------------------------------------


def test_429_with_retry_after_then_recovers(fresh):
    fresh.faults.set([{"kind": "429", "count": 1, "retry_after": 3, "path": "/orders/"}])
    assert get(fresh, "/customers/").status_code == 200  # other paths are untouched
    throttled = get(fresh, "/orders/")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "3"
    assert get(fresh, "/orders/").status_code == 200
    assert fresh.faults.remaining() == 0


@pytest.mark.parametrize("kind", ["423", "500", "502", "503"])
def test_error_faults_answer_with_their_status(fresh, kind):
    fresh.faults.add(kind, count=2)
    statuses = [get(fresh, "/orders/").status_code for _ in range(3)]
    assert statuses == [int(kind), int(kind), 200]
    if kind == "423":
        fresh.faults.add("423")
        assert get(fresh, "/items/").json() == {
            "detail": "Resource is currently in use. Please try again shortly."
        }


def test_every_kth_request_and_faults_skip_control_and_unknown_paths(fresh):
    fresh.faults.set([{"kind": "500", "every": 2, "count": 2}])
    assert requests.get(fresh.url + "/_control/faults").status_code == 200
    assert get(fresh, "/nope/").status_code == 404
    statuses = [get(fresh, "/orders/").status_code for _ in range(5)]
    assert statuses == [200, 500, 200, 500, 200]


def test_drop_closes_the_connection_without_an_answer(fresh):
    fresh.faults.add("drop")
    session = requests.Session()
    with pytest.raises(requests.ConnectionError):
        session.get(fresh.url + "/orders/", headers=V2, timeout=5)
    assert session.get(fresh.url + "/orders/", headers=V2, timeout=5).status_code == 200
    assert [e["status"] for e in fresh.request_log] == [None, 200]


def test_slow_fault_and_latency_delay_answers(fresh):
    fresh.faults.add("slow", delay=0.3)
    started = time.monotonic()
    assert get(fresh, "/orders/").status_code == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(requests.Timeout):
        fresh.faults.add("slow", delay=0.5)
        get(fresh, "/orders/", timeout=0.1)
    fresh.latency_ms = 150
    started = time.monotonic()
    assert get(fresh, "/customers/").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_faults_over_http_control(fresh):
    specs = [{"kind": "423", "count": 1, "path": "/items/"}]
    assert requests.post(fresh.url + "/_control/faults", json=specs).status_code == 200
    assert requests.get(fresh.url + "/_control/faults").json()[0]["kind"] == "423"
    assert get(fresh, "/items/").status_code == 423
    requests.post(fresh.url + "/_control/faults", json=specs)
    assert requests.delete(fresh.url + "/_control/faults").status_code == 200
    assert get(fresh, "/items/").status_code == 200
    bad = requests.post(fresh.url + "/_control/faults", json=[{"kind": "418"}])
    assert bad.status_code == 400


def test_request_log_records_calls_but_never_the_key(fresh):
    get(fresh, "/orders/", {"page_size": 5, "updated_start": "2024-01-01"})
    get(fresh, "/customers/", headers={"X-OG-API-VERSION": "2"})
    log = requests.get(fresh.url + "/_control/requests").json()
    assert [(e["path"], e["status"]) for e in log] == [("/orders/", 200), ("/customers/", 403)]
    assert log[0]["params"] == {"page_size": "5", "updated_start": "2024-01-01"}
    assert log[0]["headers"] == {"x-og-api-version": "2", "has_api_key": True}
    assert log[1]["headers"]["has_api_key"] is False
    assert KEY not in json.dumps(log)
    requests.delete(fresh.url + "/_control/requests")
    assert len(fresh.request_log) == 0


def test_unknown_path_missing_slash_and_wrong_method(shared):
    for path in ("/nope/", "/orders", "/v9/orders/"):
        response = get(shared, path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    response = requests.post(shared.url + "/orders/", headers=V2)
    assert response.status_code == 405


def test_keep_alive_serves_several_requests_on_one_connection(shared):
    connection = http.client.HTTPConnection("127.0.0.1", shared.port, timeout=5)
    for _ in range(3):
        connection.request("GET", "/orders/?page_size=2", headers=V2)
        response = connection.getresponse()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == len(response.read())
    connection.close()


def test_cursor_encodes_created_and_key_not_an_offset(shared):
    body = get(shared, "/orders/", {"page_size": 3}).json()
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    last = body["results"][-1]
    assert decoded[:2] == [last["created"], last["public_id"]]


# -- CLI --------------------------------------------------------------------------------------


def test_cli_prints_the_url_and_stops_on_sigterm():
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "fake_ordergroove", "--port", "0", "--customers", "10"]
    process = subprocess.Popen(
        [*command, "--api-key", "demo-key"], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = requests.get(url + "/orders/", headers={"x-api-key": "demo-key"}, timeout=5)
        assert response.status_code == 200
        assert response.json()["count"] > 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- documented filters, optional fields and response shapes -----------------------------------


def test_status_filters_orders_and_items_by_the_order_status(shared):
    orders = shared.dataset.records("orders")
    upcoming = [o for o in without_optional("orders", orders) if o["status"] == 1]
    assert 0 < len(upcoming) < len(orders)
    assert fetch_all(shared, "orders", {"status": 1, "page_size": 100}) == upcoming
    upcoming_ids = {o["public_id"] for o in upcoming}
    items = shared.dataset.records("items")
    expected = [i for i in items if i["order"] in upcoming_ids]
    assert 0 < len(expected) < len(items)
    assert fetch_all(shared, "items", {"status": "1", "page_size": 100}) == expected
    bad = get(shared, "/items/", {"status": "upcoming"})
    assert bad.status_code == 400
    assert bad.json() == {"status": ["Enter a whole number."]}


def test_status_filter_of_items_follows_order_changes(fresh):
    order = next(o for o in fresh.dataset.records("orders") if o["status"] == 1)
    items = {
        i["public_id"] for i in fresh.dataset.records("items") if i["order"] == order["public_id"]
    }
    assert items <= {i["public_id"] for i in fetch_all(fresh, "items", {"status": 1})}
    fresh.dataset.update("orders", order["public_id"], status=5)
    assert not items & {i["public_id"] for i in fetch_all(fresh, "items", {"status": 1})}
    assert items <= {i["public_id"] for i in fetch_all(fresh, "items", {"status": 5})}


def test_offer_profile_coupons_carry_flex_incentives_only_when_asked(shared):
    plain = fetch_all(shared, "offer_profiles", {"status": "all"})
    coupons = [p[c] for p in plain for c in ("initial_coupon", "recurring_coupon") if p[c]]
    assert coupons
    assert all("standard_flex_incentives" not in c for c in coupons)
    full = shared.dataset.records("offer_profiles")
    assert any(
        p[c] and p[c]["standard_flex_incentives"]
        for p in full
        for c in ("initial_coupon", "recurring_coupon")
    )


@pytest.mark.parametrize(
    ("path", "shape"), [("/one_time_incentives/", "array"), ("/merchant/cancel_reason/", "object")]
)
def test_documented_example_shapes_are_served_on_demand(fresh, path, shape):
    stream = next(name for name, spec in OBJECTS.items() if spec.path == path)
    records = fresh.dataset.records(stream)
    answer = requests.post(f"{fresh.url}/_control/envelope", json={"path": path, "shape": shape})
    assert answer.json() == {path: shape}
    body = get(fresh, path).json()
    assert body == (records if shape == "array" else records[0])
    requests.post(f"{fresh.url}/_control/envelope", json={"path": path, "shape": "v2"})
    assert set(get(fresh, path).json()) == {"next", "previous", "results"}
    bad = requests.post(f"{fresh.url}/_control/envelope", json={"path": path, "shape": "xml"})
    assert bad.status_code == 400


def test_new_fields_are_consistent_with_their_relations(shared):
    data = {stream: shared.dataset.records(stream) for stream in OBJECTS}
    products = {p["external_product_id"]: p for p in data["products"]}
    resources = {r["public_id"] for r in data["resources"]}
    items_by_order: dict[str, list[dict]] = {}
    for item in data["items"]:
        items_by_order.setdefault(item["order"], []).append(item)
        component = item["subscription_component"]
        if component is not None:
            assert component in {c["public_id"] for c in item["components"]}
    assert any(i["subscription_component"] for i in data["items"])
    for order in data["orders"]:
        plans = [
            products[i["product"]]["product_type"] == "plan"
            for i in items_by_order.get(order["public_id"], [])
        ]
        assert order["has_plan"] is any(plans)
        assert order["currency_code"] in {"USD", "CAD"}
    assert any(o["has_plan"] for o in data["orders"])
    # A second currency, per customer: analytics must never add them up.
    assert {o["currency_code"] for o in data["orders"]} == {"USD", "CAD"}
    assert {s["currency_code"] for s in data["subscriptions"]} == {"USD", "CAD"}
    offers = {offer for p in data["offer_profiles"] for offer in p["offers"]}
    assert {s["offer"] for s in data["subscriptions"]} <= offers
    for product in data["products"]:
        assert {g["resource"] for g in product["product_resource_grants"]} <= resources
        assert isinstance(product["premier_enabled"], int)
    assert any(p["product_selection_rules"] for p in data["products"])
    assert any(p["product_free_trial_configurations"] for p in data["products"])
    assert {type(r["cancel_reason"]) for r in data["merchant_cancel_reasons"]} == {int}
    assert {c["phone_type"] for c in data["customers"]} <= {None, 0, 1, 2, 3}
    assert {type(s["iteration"]) for s in data["subscriptions"]} <= {type(None), str}
