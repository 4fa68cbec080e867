"""Child tables in the real PostgreSQL through `meltano run`: the current-children condition.

Two real loads, between which a subscription loses a component, a product loses a group and
an offer profile loses a coupon discount (one scenario, shared by the tests below):
- docs/child-tables.md's condition for current components returns exactly what the API
  returns, while the stale row stays (no deletes);
- the product's full-table read was complete, so its lost membership row is flagged
  `_sdc_deleted_at`;
- the docs' "current children" SQL blocks (tests/test_readme_sql.py finds them), run
  verbatim, return exactly the children the API has now.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from tests.conftest import start_fake
from tests.test_meltano_e2e import base_env, connect, meltano_run, select_env
from tests.test_readme_sql import FULL_TABLE, INCREMENTAL, api_discounts, doc_sql, run_in_schema

#: docs/child-tables.md's condition: a child row is current when it has its parent's update time.
CURRENT_COMPONENTS_SQL = """
SELECT c.subscription, c.child_key, c.product
FROM "{schema}".subscription_components c
JOIN "{schema}".subscriptions s ON s.public_id = c.subscription
WHERE c.subscription_updated IS NOT DISTINCT FROM s.updated
"""


def query(sql: str, *params) -> list[tuple]:
    """Rows of one query (kept small so the connection helper can be swapped)."""
    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params or None)
        return cur.fetchall() if cur.description else []


def flagged_keys(schema: str, table: str, key: str) -> set[str]:
    """The ``key`` values of a table's rows that carry ``_sdc_deleted_at`` (soft-deleted)."""
    rows = query(f'SELECT {key} FROM "{schema}"."{table}" WHERE _sdc_deleted_at IS NOT NULL')
    return {value for (value,) in rows}


def row_count(schema: str, table: str) -> int:
    """Every row of a table, soft-deleted ones included."""
    ((total,),) = query(f'SELECT count(*) FROM "{schema}"."{table}"')
    return total


def api_components(fake) -> set[tuple]:
    """(subscription, child_key, product) as the API has them now."""
    current = set()
    for sub in fake.dataset.records("subscriptions"):
        value = sub["components"]
        if isinstance(value, str):
            current |= {(sub["public_id"], sku, sku) for sku in value.split(",")}
        else:
            current |= {(sub["public_id"], c["public_id"], c["product"]) for c in value}
    return current


#: The parents the scenario changes and their child tables; nothing else is read.
STREAMS = (
    "subscriptions",
    "subscription_components",
    "products",
    "product_group_memberships",
    "offer_profiles",
    "offer_profile_coupon_discounts",
)


@pytest.fixture(scope="module")
def loads():
    """Load, lose one child of each kind in the API, load again."""
    schema = f"og_child_{uuid.uuid4().hex[:8]}"
    fake = start_fake(customers=80, seed=31)
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            **select_env(*STREAMS),
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        first = SimpleNamespace(
            landed=set(query(CURRENT_COMPONENTS_SQL.format(schema=schema))),
            api=api_components(fake),
        )

        bundle = next(
            s
            for s in fake.dataset.records("subscriptions")
            if isinstance(s["components"], list) and len(s["components"]) == 2
        )
        lost, kept = bundle["components"]
        fake.dataset.update("subscriptions", bundle["public_id"], components=[kept])
        product = next(p for p in fake.dataset.records("products") if len(p["groups"]) == 2)
        left_group, stays = product["groups"]
        fake.dataset.update("products", product["external_product_id"], groups=[stays])
        profile, kind = next(
            (p, kind)
            for p in fake.dataset.records("offer_profiles")
            for kind in ("initial", "recurring")
            if len((p.get(f"{kind}_coupon") or {}).get("discounts") or []) == 2
        )
        coupon = profile[f"{kind}_coupon"]
        lost_discount, kept_discount = coupon["discounts"]
        fake.dataset.update(
            "offer_profiles",
            profile["public_id"],
            **{f"{kind}_coupon": {**coupon, "discounts": [kept_discount]}},
        )

        meltano_run(env, *run)
        yield SimpleNamespace(
            schema=schema,
            fake=fake,
            first=first,
            bundle=bundle,
            lost_component=lost,
            product=product,
            left_group=left_group,
            profile=profile,
            coupon_kind=kind,
            lost_discount=lost_discount,
        )
    finally:
        fake.stop()
        query(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_current_children_after_a_parent_loses_one(loads):
    schema, fake = loads.schema, loads.fake
    assert loads.first.landed == loads.first.api
    current = set(query(CURRENT_COMPONENTS_SQL.format(schema=schema)))
    assert current == api_components(fake)
    lost = loads.lost_component
    assert (loads.bundle["public_id"], lost["public_id"], lost["product"]) not in current
    stale = query(
        f'SELECT count(*) FROM "{schema}".subscription_components WHERE subscription = %s',
        loads.bundle["public_id"],
    )
    assert stale == [(2,)], "the lost component's row stays; the condition leaves it out"

    flagged = query(
        f'SELECT group_type, name FROM "{schema}".product_group_memberships '
        "WHERE external_product_id = %s AND _sdc_deleted_at IS NOT NULL",
        loads.product["external_product_id"],
    )
    assert flagged == [(loads.left_group["group_type"], loads.left_group["name"])]
    (others,) = query(
        f'SELECT count(*) FROM "{schema}".product_group_memberships '
        "WHERE _sdc_deleted_at IS NOT NULL"
    )
    assert others == (1,)


def test_current_children_sql_runs_verbatim_after_a_real_load(loads):
    schema, fake = loads.schema, loads.fake
    components = run_in_schema(schema, doc_sql(INCREMENTAL))
    got = {(r["subscription"], r["child_key"], r["product"]) for r in components}
    assert got == api_components(fake)
    lost = loads.lost_component
    assert (loads.bundle["public_id"], lost["public_id"], lost["product"]) not in got

    discounts = run_in_schema(schema, doc_sql(FULL_TABLE))
    got = {(r["offer_profile"], r["coupon"], r["child_key"]) for r in discounts}
    assert got == api_discounts(fake)
    profile, kind = loads.profile["public_id"], loads.coupon_kind
    assert (profile, kind, loads.lost_discount["public_id"]) not in got
    (stale,) = query(
        f'SELECT count(*) FROM "{schema}".offer_profile_coupon_discounts '
        "WHERE offer_profile = %s AND coupon = %s",
        profile,
        kind,
    )
    assert stale == (2,), "the lost discount's row stays, flagged; the query leaves it out"
