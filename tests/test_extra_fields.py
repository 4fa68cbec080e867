"""Unknown fields at any depth land in PostgreSQL, in every table's `_extra_fields`.

The fake API's drift switch adds, to every record of every stream as it is served:
a plain unknown field (depth 1), an unknown object three levels deep (`zz_nested.l2.l3`),
and, inside the stream's own nested structures, unknown fields at depth 2 (a component,
a group, a grant, an item's gift context, a coupon) and depth 3 (a coupon's discount).
Child-table elements carry one too. `meltano run tap-ordergroove target-postgres` loads
it all; the test reads every table back from PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from tap_ordergroove.rest.streams import CHILD_STREAM_TYPES, STREAM_TYPES
from tests.conftest import start_fake
from tests.test_children_postgres import query
from tests.test_meltano_e2e import base_env, meltano_run

TOP = {"zz_top": "t", "zz_nested": {"l2": {"l3": "deep"}}}
CHILD = {"zz_child": "c"}


def _elements(record: dict, field: str, new: dict) -> None:
    """Give each element of ``record[field]`` the child marker; add ``new`` if none."""
    value = record.get(field)
    if not isinstance(value, list) or not value:
        value = [dict(new)]
    record[field] = [{**element, **CHILD} for element in value]


def drift(obj_type: str):
    """The rewrite the fake applies to each served record of ``obj_type``."""

    def rewrite(record: dict) -> dict:
        record.update(TOP)
        if obj_type in ("subscriptions", "items"):
            _elements(record, "components", {"public_id": "zzc", "product": "zz", "quantity": 1})
        if obj_type == "subscriptions":
            _elements(record, "grantees", {"external_id": "zzg", "name": "Zed"})
        if obj_type == "items":
            record["gift_context"] = {**(record.get("gift_context") or {}), "zz_gift": 2}
        if obj_type == "offer_profiles":
            coupon = record.get("initial_coupon") or {"public_id": "zzcoupon", "discounts": []}
            coupon["zz_coupon"] = 2
            _elements(coupon, "discounts", {"public_id": "zzd", "value": "1.00"})
            coupon["discounts"][0]["zz_d3"] = 3
            record["initial_coupon"] = coupon
            if isinstance(record.get("recurring_coupon"), dict):
                _elements(record["recurring_coupon"], "discounts", {"public_id": "zzr"})
        if obj_type == "one_time_incentives":
            record["incentive"] = {**(record.get("incentive") or {}), "zz_incentive": 2}
        if obj_type == "products":
            for field, new in (
                ("groups", {"name": "zz group", "group_type": "incentive"}),
                ("product_resource_grants", {"public_id": "zzgr", "resource": "r"}),
                ("product_free_trial_configurations", {"public_id": "zzft"}),
                ("product_selection_rules", {"public_id": "zzsr", "selection_rule_type": "x"}),
            ):
                _elements(record, field, new)
            for rule in record["product_selection_rules"]:
                _elements(rule, "product_selection_list_elements", {"public_id": "zze"})
        return record

    return rewrite


@pytest.fixture
def schema():
    name = f"og_extra_{uuid.uuid4().hex[:8]}"
    yield name
    query(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def extra(schema: str, table: str, condition: str) -> tuple[int, int]:
    """(rows in ``table``, rows whose ``_extra_fields`` meet ``condition``)."""
    ((total, matching),) = query(
        f'SELECT count(*), count(*) FILTER (WHERE {condition}) FROM "{schema}"."{table}"'
    )
    return total, matching


#: Parent paths at depth 2 and 3 (first element), per stream.
NESTED = {
    "subscriptions": ["components[0].zz_child"],  # grantees are free-form objects
    "items": ["components[0].zz_child", "gift_context.zz_gift"],
    "offer_profiles": ["initial_coupon.zz_coupon", "initial_coupon.discounts[0].zz_d3"],
    "one_time_incentives": ["incentive.zz_incentive"],
    "products": [
        "groups[0].zz_child",
        "product_resource_grants[0].zz_child",
        "product_free_trial_configurations[0].zz_child",
        "product_selection_rules[0].zz_child",
    ],
}


def test_unknown_fields_at_three_depths_reach_postgres_in_every_table(schema):
    fake = start_fake(customers=40, seed=16)
    try:
        for spec in fake.dataset.object_types:
            fake.drift[spec] = drift(spec)
        env = {**base_env(fake, schema), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema}
        run = meltano_run(env, "--state-id-suffix", schema, "tap-ordergroove", "target-postgres")
    finally:
        fake.stop()

    for stream in STREAM_TYPES:
        total, matching = extra(
            schema,
            stream.name,
            "_extra_fields->>'zz_top' = 't' AND _extra_fields->'zz_nested'->'l2'->>'l3' = 'deep'",
        )
        assert total > 0 and matching == total, (stream.name, total, matching)
        for path in NESTED.get(stream.name, []):
            total, matching = extra(schema, stream.name, f"_extra_fields ? '{path}'")
            assert total > 0 and matching == total, (stream.name, path, total, matching)

    # Offer ids are plain strings: no element fields to add, and none are lost.
    children = [c.name for c in CHILD_STREAM_TYPES if c.name != "offer_profile_offers"]
    for child in children:
        total, matching = extra(schema, child, "_extra_fields->>'zz_child' = 'c'")
        assert total > 0 and matching == total, (child, total, matching)
    total, matching = extra(
        schema, "offer_profile_coupon_discounts", "_extra_fields->>'zz_d3' = '3'"
    )
    assert matching > 0
    (columns,) = query(
        "SELECT count(DISTINCT table_name) FROM information_schema.columns "
        "WHERE table_schema = %s AND column_name = '_extra_fields' AND data_type = 'jsonb'",
        schema,
    )
    assert columns == (len(STREAM_TYPES) + len(CHILD_STREAM_TYPES),)

    # One warning per stream and path, never one per record.
    log = run.stderr + run.stdout
    assert log.count("Ordergroove sent field 'zz_top'") == len(STREAM_TYPES)
    assert log.count("field 'initial_coupon.discounts[].zz_d3'") == 1
