"""One bad value never stops a stream: quarantine, with the reference's own placeholders.

The reference's field tables show "2017-02-29 12:00:00" (no such day) as example dates,
"undefined" as an order `total` and the string "null" in `cancelled`. Served over HTTP
by the fake API (its drift switch), each lands as null in its typed column with the raw
value in `_extra_fields` under the field's path, the stream's summary line counts them,
and `strict_values: true` stops the sync naming the path, as before quarantine existed.
Documented alternative forms ride along: a coupon's `discounts` as one object and as
`{}`, `standard_flex_incentives` as an object.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import start_fake, tap_config
from tests.singer_run import run_tap
from tests.test_children_postgres import query
from tests.test_meltano_e2e import base_env, meltano_run, select_env

BAD_DAY = "2017-02-29 12:00:00"


def bad_orders(record: dict) -> dict:
    """A quarter of orders with total "undefined", another quarter cancelled "null"."""
    first = int(record["public_id"][0], 16)
    if first < 4:
        record["total"] = "undefined"
    elif first < 8:
        record["cancelled"] = "null"
    return record


def bad_subscriptions(record: dict) -> dict:
    """Half the subscriptions cancelled on a day that does not exist, with that start."""
    if int(record["public_id"][0], 16) < 8:
        record["cancelled"] = BAD_DAY
        record["start_date"] = BAD_DAY[:10]
    return record


def odd_profiles(record: dict) -> dict:
    """Discounts as one object (bad value inside), as ``{}``; flex incentives an object."""
    record["initial_coupon"] = {
        "public_id": "c1",
        "code": "one",
        "discounts": {"public_id": "d1", "value": "ten", "threshold_field": "sub_total"},
        "standard_flex_incentives": {"public_id": "sfi", "type": "initial"},
    }
    record["recurring_coupon"] = {"public_id": "c2", "discounts": {}}
    return record


def start_bad_fake():
    fake = start_fake(customers=30, seed=9)
    fake.drift.update(
        orders=bad_orders, subscriptions=bad_subscriptions, offer_profiles=odd_profiles
    )
    return fake


def expected_counts(fake) -> tuple[int, int, int]:
    """(orders with "undefined" totals, orders cancelled "null", bad subscriptions)."""
    orders = [int(o["public_id"][0], 16) for o in fake.dataset.records("orders")]
    subs = [int(s["public_id"][0], 16) for s in fake.dataset.records("subscriptions")]
    return (
        sum(first < 4 for first in orders),
        sum(4 <= first < 8 for first in orders),
        sum(first < 8 for first in subs),
    )


STREAMS = ["orders", "subscriptions", "offer_profiles", "offer_profile_coupon_discounts"]


def test_bad_values_are_quarantined_counted_and_the_sync_completes(tmp_path):
    fake = start_bad_fake()
    try:
        run = run_tap(tmp_path, tap_config(fake), streams=STREAMS)
        totals, nulls, subs = expected_counts(fake)
    finally:
        fake.stop()
    assert totals and nulls and subs
    orders = run.records["orders"]
    assert len(orders) == len(fake.dataset.records("orders")), "no order lost"
    undefined = [o for o in orders if (o.get("_extra_fields") or {}).get("total") == "undefined"]
    assert len(undefined) == totals and all(o["total"] is None for o in undefined)
    null_text = [o for o in orders if (o.get("_extra_fields") or {}).get("cancelled") == "null"]
    assert len(null_text) == nulls and all(o["cancelled"] is None for o in null_text)

    bad = [s for s in run.records["subscriptions"] if s.get("_extra_fields")]
    assert len(bad) == subs
    assert all(
        s["_extra_fields"] == {"cancelled": BAD_DAY, "start_date": BAD_DAY[:10]}
        and s["cancelled"] is None
        and s["start_date"] is None
        for s in bad
    )

    profile = run.records["offer_profiles"][0]
    coupon = profile["initial_coupon"]
    assert coupon["discounts"] == [
        {"public_id": "d1", "value": None, "threshold_field": "sub_total"}
    ]
    assert coupon["standard_flex_incentives"] == [{"public_id": "sfi", "type": "initial"}]
    assert profile["recurring_coupon"]["discounts"] == []
    assert profile["_extra_fields"] == {"initial_coupon.discounts[0].value": "ten"}
    discounts = run.records["offer_profile_coupon_discounts"]
    profiles = len(run.records["offer_profiles"])
    assert len(discounts) == profiles, "one row per profile: the single discount object"
    assert {(d["child_key"], d["value"], d["threshold_field"]) for d in discounts} == {
        ("d1", None, "sub_total")
    }
    assert all(d["_extra_fields"] == {"value": "ten"} for d in discounts)

    log = run.stderr
    assert (
        f"Stream 'orders' data fidelity: {totals + nulls} values quarantined "
        f"(cancelled: {nulls}, total: {totals})" in log
    )
    assert f"{2 * subs} values quarantined (cancelled: {subs}, start_date: {subs})" in log
    assert (
        "forms: initial_coupon.discounts (object "
        f"{profiles}); initial_coupon.standard_flex_incentives (object {profiles}); "
        f"recurring_coupon.discounts (empty object {profiles})" in log
    )
    assert log.count("field 'total' expected a decimal, got 'undefined'") == 1, "once per path"


def test_strict_values_stops_on_the_first_bad_value_naming_its_path(tmp_path):
    fake = start_bad_fake()
    try:
        run = run_tap(
            tmp_path,
            tap_config(fake, strict_values=True),
            streams=["offer_profiles"],
            check=False,
        )
    finally:
        fake.stop()
    assert run.returncode != 0
    assert "field 'initial_coupon.discounts[0].value': expected a decimal, got 'ten'" in run.stderr
    assert "strict_values is on" in run.stderr


@pytest.fixture
def schema():
    name = f"og_quar_{uuid.uuid4().hex[:8]}"
    yield name
    query(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_quarantined_values_land_in_postgres(schema):
    fake = start_bad_fake()
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            **select_env(*STREAMS),
        }
        meltano_run(env, "--state-id-suffix", schema, "tap-ordergroove", "target-postgres")
        totals, nulls, subs = expected_counts(fake)
        orders = len(fake.dataset.records("orders"))
    finally:
        fake.stop()
    assert query(
        f"SELECT count(*), count(*) FILTER (WHERE total IS NULL "
        f"AND _extra_fields->>'total' = 'undefined'), count(*) FILTER (WHERE cancelled IS NULL "
        f"AND _extra_fields->>'cancelled' = 'null') FROM \"{schema}\".orders"
    ) == [(orders, totals, nulls)]
    assert query(
        f'SELECT count(*) FROM "{schema}".subscriptions WHERE start_date IS NULL '
        f"AND _extra_fields->>'start_date' = '2017-02-29' "
        f"AND _extra_fields->>'cancelled' = '{BAD_DAY}'"
    ) == [(subs,)]
    rows = query(
        f"SELECT DISTINCT value, threshold_field, _extra_fields->>'value' "
        f'FROM "{schema}".offer_profile_coupon_discounts'
    )
    assert rows == [(None, "sub_total", "ten")]
    types = dict(
        query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema "
            "= %s AND table_name = 'offer_profile_coupon_discounts'",
            schema,
        )
    )
    assert (types["value"], types["threshold_field"]) == ("numeric", "text")
