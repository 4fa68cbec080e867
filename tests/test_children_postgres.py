"""Child tables in the real PostgreSQL through `meltano run`: the current-children condition.

A subscription loses a component between two runs: docs/child-tables.md's query for current
components returns exactly what the API returns, while the stale row stays (no deletes).
A product loses a group: its full-table parent was read completely, so the membership row
is flagged `_sdc_deleted_at`.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import start_fake
from tests.test_meltano_e2e import base_env, connect, meltano_run

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


@pytest.fixture
def schema():
    name = f"og_child_{uuid.uuid4().hex[:8]}"
    yield name
    query(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_current_children_after_a_parent_loses_one(schema):
    fake = start_fake(customers=80, seed=31)
    try:
        env = {**base_env(fake, schema), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema}
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        assert set(query(CURRENT_COMPONENTS_SQL.format(schema=schema))) == api_components(fake)

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

        meltano_run(env, *run)
        current = set(query(CURRENT_COMPONENTS_SQL.format(schema=schema)))
        assert current == api_components(fake)
        assert (bundle["public_id"], lost["public_id"], lost["product"]) not in current
        stale = query(
            f'SELECT count(*) FROM "{schema}".subscription_components WHERE subscription = %s',
            bundle["public_id"],
        )
        assert stale == [(2,)], "the lost component's row stays; the condition leaves it out"

        flagged = query(
            f'SELECT group_type, name FROM "{schema}".product_group_memberships '
            "WHERE external_product_id = %s AND _sdc_deleted_at IS NOT NULL",
            product["external_product_id"],
        )
        assert flagged == [(left_group["group_type"], left_group["name"])]
        (others,) = query(
            f'SELECT count(*) FROM "{schema}".product_group_memberships '
            "WHERE _sdc_deleted_at IS NOT NULL"
        )
        assert others == (1,)
    finally:
        fake.stop()
