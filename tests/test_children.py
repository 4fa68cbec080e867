"""Child tables: rows derived from parent arrays, zero extra requests, parent's replication.

Runs the real tap process against the fake API; documented shapes the fake does not
generate yet (offer profile `offers` and coupon discounts, selection rules, grantees) go
through the real stream classes of an in-process tap.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from tap_ordergroove.rest.streams import CHILD_STREAM_TYPES
from tap_ordergroove.tap import TapOrdergroove
from tests.conftest import start_fake, tap_config
from tests.expected import utc
from tests.singer_run import run_tap

CHILDREN = [stream.name for stream in CHILD_STREAM_TYPES]


def expected_components(raw) -> set[tuple]:
    """(child_key, product, quantity) per component, computed from the API's own value."""
    if isinstance(raw, str):  # legacy "sku1,sku2": keyed by product, no quantity
        return {(sku, sku, None) for sku in raw.split(",")}
    return {(c["public_id"], c["product"], c["quantity"]) for c in raw}


def emitted_components(run, stream: str, parent_column: str) -> dict[str, set[tuple]]:
    found: dict[str, set[tuple]] = {}
    for row in run.records.get(stream, []):
        found.setdefault(row[parent_column], set()).add(
            (row["child_key"], row["product"], row.get("quantity"))
        )
    return found


def messages_of(run, stream: str) -> list[dict]:
    return [m for m in run.messages if m.get("stream") == stream]


@pytest.fixture(scope="module")
def fake():
    fake = start_fake(customers=120, seed=21)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def full_run(fake, tmp_path_factory):
    fake.request_log.clear()
    run = run_tap(tmp_path_factory.mktemp("all"), tap_config(fake))
    return run, len(fake.request_log)


def test_child_rows_are_exactly_the_parent_arrays(fake, full_run):
    run, _ = full_run
    for parent, child, column in (
        ("subscriptions", "subscription_components", "subscription"),
        ("items", "item_components", "item"),
    ):
        expected = {
            record["public_id"]: expected_components(record["components"])
            for record in fake.dataset.records(parent)
            if record["components"]
        }
        assert expected, f"the fake has bundle {parent}"
        assert emitted_components(run, child, column) == expected
        stamp = "subscription_updated" if child.startswith("subscription") else "item_order_updated"
        field = "updated" if parent == "subscriptions" else "order_updated"
        by_id = {r["public_id"]: r for r in fake.dataset.records(parent)}
        for row in run.records[child]:
            assert row[stamp] == utc(by_id[row[column]][field])  # the parent's value, in UTC

    memberships = {
        (row["external_product_id"], row["group_type"], row["name"])
        for row in run.records["product_group_memberships"]
    }
    assert memberships == {
        (p["external_product_id"], g["group_type"], g["name"])
        for p in fake.dataset.records("products")
        for g in p["groups"]
    }
    discounts = Counter(
        (row["offer_profile"], row["coupon"])
        for row in run.records["offer_profile_coupon_discounts"]
    )
    assert discounts == Counter(
        {
            (o["public_id"], kind): len(o[f"{kind}_coupon"]["discounts"])
            for o in fake.dataset.records("offer_profiles")
            for kind in ("initial", "recurring")
            if o[f"{kind}_coupon"] and o[f"{kind}_coupon"]["discounts"]
        }
    )


def test_parent_keeps_its_array_column(full_run):
    run, _ = full_run
    bundles = [r for r in run.records["subscriptions"] if r["components"]]
    assert bundles and all(isinstance(r["components"], list) for r in bundles)


def test_children_cost_zero_requests(fake, full_run, tmp_path):
    """Same request count with and without the child tables selected."""
    run, with_children = full_run
    parents = [s for s in run.records if s not in CHILDREN]
    fake.request_log.clear()
    without = run_tap(tmp_path, tap_config(fake), streams=parents)
    assert not set(without.records) & set(CHILDREN)
    assert len(fake.request_log) == with_children
    assert {s: len(r) for s, r in without.records.items()} == {
        s: len(r) for s, r in run.records.items() if s in parents
    }


def test_child_alone_syncs_its_parent_silently(fake, full_run, tmp_path):
    run, _ = full_run
    alone = run_tap(tmp_path, tap_config(fake), streams=["subscription_components"])
    assert set(alone.records) == {"subscription_components"}
    assert not messages_of(alone, "subscriptions"), "the parent writes no SCHEMA/RECORD/ACTIVATE"
    key = lambda r: (r["subscription"], r["child_key"])  # noqa: E731
    assert sorted(alone.records["subscription_components"], key=key) == sorted(
        run.records["subscription_components"], key=key
    )
    entry = alone.state["bookmarks"]["subscription_components"]
    assert entry["replication_key_value"] == run.bookmark("subscription_components")
    assert "partitions" not in entry, "one state entry for the table, not one per parent"


def test_incremental_parent_gives_incremental_children(tmp_path):
    fake = start_fake(customers=80, seed=22)
    try:
        first = run_tap(tmp_path / "1", tap_config(fake))
        assert first.bookmark("subscription_components") == first.bookmark("subscriptions")
        bundle = next(
            s
            for s in fake.dataset.records("subscriptions")
            if isinstance(s["components"], list) and len(s["components"]) == 2
        )
        kept = bundle["components"][1]
        fake.dataset.update("subscriptions", bundle["public_id"], components=[kept])
        second = run_tap(tmp_path / "2", tap_config(fake), state=first.state)
        changed = {r["public_id"] for r in second.records["subscriptions"]}
        rows = second.records["subscription_components"]
        assert {r["subscription"] for r in rows} <= changed  # only changed parents' children
        mine = [r for r in rows if r["subscription"] == bundle["public_id"]]
        new_stamp = utc(fake.dataset.get("subscriptions", bundle["public_id"])["updated"])
        assert [(r["child_key"], r["subscription_updated"]) for r in mine] == [
            (kept["public_id"], new_stamp)
        ]
        assert not [
            m
            for m in second.messages
            if m["type"] == "ACTIVATE_VERSION" and m["stream"] == "subscription_components"
        ]
    finally:
        fake.stop()


def test_child_selected_after_its_parent_gets_every_row(fake, full_run, tmp_path):
    """The parent starts from the older bookmark: the new child misses no unchanged parent."""
    run, _ = full_run
    parent_only = run_tap(tmp_path / "1", tap_config(fake), streams=["subscriptions"])
    both = ["subscriptions", "subscription_components"]
    later = run_tap(tmp_path / "2", tap_config(fake), state=parent_only.state, streams=both)
    assert len(later.records["subscription_components"]) == len(
        run.records["subscription_components"]
    )
    again = run_tap(tmp_path / "3", tap_config(fake), state=later.state, streams=both)
    assert len(again.records.get("subscriptions", [])) < len(run.records["subscriptions"])


def test_full_table_children_are_activated_only_after_a_complete_read(fake, full_run, tmp_path):
    run, _ = full_run
    kinds = [m["type"] for m in messages_of(run, "product_group_memberships")]
    assert kinds[0] == "SCHEMA" and kinds[-1] == "ACTIVATE_VERSION"
    version = messages_of(run, "product_group_memberships")[-1]["version"]
    records = [m for m in messages_of(run, "product_group_memberships") if m["type"] == "RECORD"]
    assert records and {m["version"] for m in records} == {version}

    alone = run_tap(tmp_path / "alone", tap_config(fake), streams=["product_group_memberships"])
    assert not messages_of(alone, "products"), "an unselected full-table parent sends nothing"
    assert messages_of(alone, "product_group_memberships")[-1]["type"] == "ACTIVATE_VERSION"

    # Request 1 to /products/ is the access check before any SCHEMA, 2 the first page.
    fake.faults.set([{"kind": "503", "path": "/products/", "every": 3, "count": 1}])
    try:
        config = tap_config(fake, max_tries=1, page_size=20)
        failed = run_tap(
            tmp_path / "failed", config, streams=["product_group_memberships"], check=False
        )
    finally:
        fake.faults.set([])
    assert failed.returncode != 0
    assert failed.records.get("product_group_memberships"), "the first page was read"
    assert "ACTIVATE_VERSION" not in [m["type"] for m in failed.messages]


# Documented shapes through the real stream classes -------------------------------------

#: Shape of https://developer.ordergroove.com/reference/rest-rpc-api/offer-profiles/offer-profile-list
OFFER_PROFILE = {
    "public_id": "7f1e0c2a9d4b11ee8c900242ac120002",
    "name": "Subscribe & Save",
    "merchant": "a87c5d3c787b11ec9f630e0e56c94aa5",
    "live": True,
    "status": "available",
    "weight": 10,
    "updated": "2024-03-09 02:30:00",
    "offers": ["a748f1ae7e3411eda1eb0242ac120002", "b1c2d3e47e3411eda1eb0242ac120002"],
    "initial_coupon": {
        "public_id": "c0c0c0c07e3411eda1eb0242ac120002",
        "name": "First order 20%",
        "code": "WELCOME20",
        "discounts": [
            {
                "public_id": "d1d1d1d17e3411eda1eb0242ac120002",
                "name": "20% off",
                "object": 1,
                "field": "price",
                "type": "percent",
                "value": "20.00",
                "threshold_field": 0,
                "threshold_value": "0.00",
            }
        ],
    },
    "recurring_coupon": {
        "public_id": "e2e2e2e27e3411eda1eb0242ac120002",
        "name": "Recurring 5%",
        "code": None,
        "discounts": [
            {
                "public_id": "f3f3f3f37e3411eda1eb0242ac120002",
                "name": "5% off",
                "object": "1",
                "field": "price",
                "type": "percent",
                "value": "5.00",
                "threshold_field": "2",
                "threshold_value": "50.00",
            },
            {
                "public_id": None,
                "name": "free shipping",
                "object": 2,
                "field": "shipping",
                "type": "percent",
                "value": "100",
                "threshold_field": None,
                "threshold_value": None,
            },
        ],
    },
}

#: Ordinal rotating product (https://developer.ordergroove.com/advanced/ordinal-rotating),
#: rules as in .../products/manage-time-window-rotating-product.
ROTATING_PRODUCT = {
    "external_product_id": "box-of-the-month",
    "last_update": "2024-11-03 01:30:00",  # the repeated hour of a DST change: exact path
    "groups": [],
    "product_selection_rules": [
        {
            "public_id": "85eae83c245111eeb185acde48001122",
            "selection_rule_type": "ordinal",
            "configuration": {"repeat": True},
            "product_selection_list_elements": [
                {"public_id": "aa01", "product": "sku-jan", "starting_ordinal": 0},
                {"public_id": "aa02", "product": "sku-feb", "starting_ordinal": "1"},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def tap():
    config = {"api_key": "k", "base_url": "http://127.0.0.1:9", "timezone": "America/Chicago"}
    return TapOrdergroove(config=config, parse_env_config=False, validate_config=True)


def rows(tap, stream: str, parent: dict) -> list[dict]:
    return list(tap.streams[stream].get_records(parent))


def test_offer_profile_offers_and_coupon_discounts(tap):
    offers = rows(tap, "offer_profile_offers", OFFER_PROFILE)
    assert [(r["offer"], r["child_key"], r["position"]) for r in offers] == [
        (offer, offer, i) for i, offer in enumerate(OFFER_PROFILE["offers"])
    ]
    assert {r["offer_profile_updated"] for r in offers} == {"2024-03-09T08:30:00+00:00"}
    discounts = rows(tap, "offer_profile_coupon_discounts", OFFER_PROFILE)
    assert [(r["coupon"], r["coupon_code"], r["child_key"]) for r in discounts] == [
        ("initial", "WELCOME20", "d1d1d1d17e3411eda1eb0242ac120002"),
        ("recurring", None, "f3f3f3f37e3411eda1eb0242ac120002"),
        ("recurring", None, "1"),  # no public_id: its position
    ]
    # threshold_field: int in REST, String in GraphQL: text, as in the parent's column
    assert discounts[1]["object"] == 1 and discounts[1]["threshold_field"] == "2"
    assert discounts[0]["value"] == Decimal("20.00")  # a number, as in the parent's column
    assert discounts[0]["coupon_name"] == "First order 20%"
    assert discounts[0]["coupon_public_id"] == "c0c0c0c07e3411eda1eb0242ac120002"


def test_selection_rules_and_their_elements(tap):
    rules = rows(tap, "product_selection_rules", ROTATING_PRODUCT)
    assert rules == [
        {
            "external_product_id": "box-of-the-month",
            "product_last_update": "2024-11-03T06:30:00+00:00",
            "child_key": "85eae83c245111eeb185acde48001122",
            "position": 0,
            "public_id": "85eae83c245111eeb185acde48001122",
            "selection_rule_type": "ordinal",
            "configuration": {"repeat": True},
        }
    ]
    elements = rows(tap, "product_selection_rule_elements", ROTATING_PRODUCT)
    assert [
        (e["selection_rule"], e["child_key"], e["product"], e["starting_ordinal"]) for e in elements
    ] == [
        ("85eae83c245111eeb185acde48001122", "aa01", "sku-jan", 0),
        ("85eae83c245111eeb185acde48001122", "aa02", "sku-feb", 1),
    ]


def test_grantees_and_legacy_components(tap):
    subscription = {
        "public_id": "s1",
        "updated": "2024-07-01 12:00:00",
        "grantees": [{"external_id": "g-7", "name": "Ana"}, {"external_id": None, "name": "Bo"}],
        "components": "sku1, sku2,sku1",
    }
    grantees = rows(tap, "subscription_grantees", subscription)
    assert [(g["child_key"], g["name"]) for g in grantees] == [("g-7", "Ana"), ("1", "Bo")]
    components = rows(tap, "subscription_components", subscription)
    assert [(c["child_key"], c["product"]) for c in components] == [
        ("sku1", "sku1"),
        ("sku2", "sku2"),
        ("sku1#2", "sku1"),  # a repeated product keeps its own row
    ]
    assert {c["subscription_updated"] for c in components} == {"2024-07-01T17:00:00+00:00"}


#: Grants as answered by https://developer.ordergroove.com/reference/rest-rpc-api/products/
#: manage-digital-plan-product; free trial as .../products/free-trials-create.
GRANTS = [
    {
        "resource": "c84a13fc8e904e0f80e6377b15f0464a",
        "product": "53485191069987",
        "public_id": "c0de05637e6e4828b8dc60cf1dc7af6f",
        "time_amount": 2592000,
        "grace_period": 86400,
        "created": "2025-05-28 13:56:05",
        "last_updated": "2025-05-29 16:46:20",
    },
    {
        "resource": "DSHUIGsgshuigsg80e89gffgh977758",
        "product": "53485191069987",
        "public_id": "7o8gh87fsf7dh87dhd7d988006ajjklf",
        "time_amount": "2592000",
        "grace_period": None,
        "created": "2025-05-28 13:56:05",
        "last_updated": "2025-06-09 20:12:43",
    },
]
TRIAL = {
    "public_id": "ft01",
    "duration_in_days": 14,
    "created": "2025-01-02 10:00:00",
    "last_updated": "2025-01-02 10:00:00",
}


@pytest.mark.parametrize("field", ["product_resource_grants", "resource_grants"])
def test_resource_grants_and_free_trials(tap, field):
    product = {
        "external_product_id": "53485191069987",
        "last_update": "2025-06-09 20:12:43",
        field: GRANTS,
        "product_free_trial_configurations": [TRIAL],
    }
    grants = rows(tap, "product_resource_grants", product)
    assert [
        (g["child_key"], g["resource"], g["time_amount"], g.get("grace_period")) for g in grants
    ] == [
        ("c0de05637e6e4828b8dc60cf1dc7af6f", "c84a13fc8e904e0f80e6377b15f0464a", 2592000, 86400),
        ("7o8gh87fsf7dh87dhd7d988006ajjklf", "DSHUIGsgshuigsg80e89gffgh977758", 2592000, None),
    ]
    assert grants[0]["created"] == "2025-05-28T18:56:05+00:00"
    trials = rows(tap, "product_free_trial_configurations", product)
    assert [(f["child_key"], f["duration_in_days"]) for f in trials] == [("ft01", 14)]


def test_an_array_sent_as_one_object_is_one_element_and_never_stops(tap):
    """A field documented as "object" but modelled as a list: one object is one element,
    ``{}`` none; what the child table does not know lands in its ``_extra_fields``."""
    one = rows(tap, "offer_profile_offers", {"public_id": "op1", "offers": {"a": 1}})
    assert [(r["child_key"], r["_extra_fields"]) for r in one] == [("0", {"a": 1})]
    assert rows(tap, "offer_profile_offers", {"public_id": "op1", "offers": {}}) == []


def test_an_array_that_is_no_list_at_all_gives_no_rows_and_a_warning(tap, caplog):
    assert rows(tap, "offer_profile_offers", {"public_id": "op1", "offers": 5}) == []
    assert "`offers` of offer_profile 'op1' is no list" in caplog.text
