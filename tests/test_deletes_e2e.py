"""Deletes land as soft deletes in the real PostgreSQL, through `meltano run`.

Webhook path: the fake API deletes upcoming orders/items and sends signed webhooks to the
running receiver; the next sync flags exactly those rows, keeping their data.
Full-table path: a product removed from the API is flagged after a complete read, and a
failed read flags nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from fake_ordergroove.webhook_sender import WebhookSender
from tests.conftest import start_fake
from tests.expected import utc
from tests.test_meltano_e2e import base_env, connect, meltano_run, select_env
from tests.test_webhooks_support import Receiver

KEY = "whsec-e2e-0123456789"


def flagged(schema: str, table: str) -> dict[str, object]:
    key = "external_product_id" if table == "products" else "public_id"
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f'SELECT {key}, _sdc_deleted_at FROM "{schema}"."{table}"')
        rows = cur.fetchall()
    return {k: deleted for k, deleted in rows if deleted is not None}, len(rows)


def landed(central: str) -> datetime:
    """An Ordergroove timestamp as target-postgres stores it: the UTC wall clock."""
    return datetime.fromisoformat(utc(central)).replace(tzinfo=None)


def table_rows(schema: str, table: str) -> dict[str, dict]:
    """Every row's data columns (not the target's _sdc_ metadata), by primary key."""
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f'SELECT * FROM "{schema}"."{table}"')
        names = [column.name for column in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return {
        row["public_id"]: {k: v for k, v in row.items() if not k.startswith("_sdc_")}
        for row in rows
    }


@pytest.fixture
def schema():
    name = f"og_del_{uuid.uuid4().hex[:8]}"
    yield name
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_webhook_deletes_flag_exactly_the_deleted_rows(tmp_path, schema):
    fake = start_fake(customers=80, seed=11)
    receiver = Receiver(f"sqlite:///{tmp_path}/events.db", KEY, tmp_path / "receiver.log").start()
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            "TAP_ORDERGROOVE_WEBHOOK_STORE_URL": receiver.store_url,
            **select_env("orders", "items", "webhook_events", "deleted_records"),
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        _, orders_before = flagged(schema, "orders")
        data_before = {table: table_rows(schema, table) for table in ("orders", "items")}

        upcoming = [o for o in fake.dataset.records("orders") if o["status"] == 1]
        with_items = [
            o
            for o in upcoming
            if any(i["order"] == o["public_id"] for i in fake.dataset.records("items"))
        ]
        deleted_order, bare_order = with_items[0], with_items[1]
        deleted_items = {
            i["public_id"]
            for i in fake.dataset.records("items")
            if i["order"] == deleted_order["public_id"]
        }
        other_item = next(
            i
            for i in fake.dataset.records("items")
            if i["order"] not in {deleted_order["public_id"], bare_order["public_id"]}
        )
        sender = WebhookSender(receiver.webhook_url, KEY)
        assert sender.delete_order(fake.dataset, deleted_order["public_id"]).status_code == 200
        assert sender.remove_item(fake.dataset, other_item["public_id"]).status_code == 200
        reply = sender.delete_order(fake.dataset, bare_order["public_id"], with_snapshot=False)
        assert reply.status_code == 200

        meltano_run(env, *run)
        orders, orders_after = flagged(schema, "orders")
        items, _ = flagged(schema, "items")
        assert set(orders) == {deleted_order["public_id"]}
        assert set(items) == deleted_items | {other_item["public_id"]}
        assert orders_after == orders_before  # soft deletes: no row removed
        # Nothing else changed and flagged rows keep every column (snapshot == REST row),
        # except what the item removal really changed: Ordergroove bumps the order's
        # `updated` and so its remaining items' `order_updated`.
        expected = data_before
        bumped = landed(fake.dataset.get("orders", other_item["order"])["updated"])
        expected["orders"][other_item["order"]]["updated"] = bumped
        for item in expected["items"].values():
            if (
                item["order"] == other_item["order"]
                and item["public_id"] != other_item["public_id"]
            ):
                item["order_updated"] = bumped
        assert {table: table_rows(schema, table) for table in ("orders", "items")} == expected
        with connect() as conn, conn.cursor() as cur:
            cur.execute(
                f'SELECT total::text, status FROM "{schema}".orders WHERE public_id = %s',
                (deleted_order["public_id"],),
            )
            assert cur.fetchone() == (deleted_order["total"], 1)  # data intact
            cur.execute(
                f'SELECT object_type, public_id, has_snapshot FROM "{schema}".deleted_records'
            )
            log = set(cur.fetchall())
        with connect() as conn, conn.cursor() as cur:
            cur.execute(f'SELECT event_type, "object" FROM "{schema}".webhook_events')
            events = cur.fetchall()
        assert sorted(e[0] for e in events) == ["item.remove", "order.delete", "order.delete"]
        assert {e[1]["public_id"] for e in events} >= {bare_order["public_id"]}
        assert ("orders", bare_order["public_id"], False) in log
        assert ("orders", deleted_order["public_id"], True) in log
        assert ("items", other_item["public_id"], True) in log

        # Re-created after its delete: the live row wins and is not flagged any more.
        recreated = {k: v for k, v in deleted_order.items() if k not in {"created", "updated"}}
        fake.dataset.create("orders", **recreated)  # same public_id, new timestamps
        meltano_run(env, *run)
        orders, _ = flagged(schema, "orders")
        assert deleted_order["public_id"] not in orders
    finally:
        receiver.stop()
        fake.stop()


def test_full_table_deletes_only_after_a_complete_read(tmp_path, schema):
    fake = start_fake(customers=60, seed=12)
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            **select_env("products"),
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        products = sorted(p["external_product_id"] for p in fake.dataset.records("products"))

        fake.dataset.delete("products", products[0])
        failing = {**env, "TAP_ORDERGROOVE_MAX_TRIES": "1", "TAP_ORDERGROOVE_PAGE_SIZE": "10"}
        fake.faults.set([{"kind": "503", "path": "/products/", "every": 3, "count": 1}])
        meltano_run(failing, *run, expect_failure=True)
        assert flagged(schema, "products")[0] == {}, "a failed read must flag nothing"

        meltano_run(env, *run)
        deleted, count = flagged(schema, "products")
        assert set(deleted) == {products[0]}
        assert count == len(products)
    finally:
        fake.stop()


DELETED_ORDERS_SQL = """
SELECT o.public_id FROM "{schema}".orders o
JOIN "{schema}".upcoming_orders u USING (public_id)
WHERE o.status = 1 AND u._sdc_deleted_at IS NOT NULL
"""
DELETED_ITEMS_SQL = """
SELECT i.public_id FROM "{schema}".items i
JOIN "{schema}".upcoming_items u USING (public_id)
JOIN "{schema}".orders o ON o.public_id = i."order"
WHERE o.status = 1 AND u._sdc_deleted_at IS NOT NULL
"""


def test_reconciliation_finds_deletes_without_webhooks(tmp_path, schema):
    fake = start_fake(customers=80, seed=13)
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            "TAP_ORDERGROOVE_RECONCILE_UPCOMING_DELETES": "true",
            **select_env("orders", "items", "upcoming_orders", "upcoming_items"),
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        items = fake.dataset.records("items")
        upcoming = [
            o["public_id"]
            for o in fake.dataset.records("orders")
            if o["status"] == 1 and sum(i["order"] == o["public_id"] for i in items) >= 2
        ]
        deleted, trimmed, placed = upcoming[:3]
        deleted_items = {i["public_id"] for i in items if i["order"] == deleted}
        removed_item = next(i["public_id"] for i in items if i["order"] == trimmed)
        fake.dataset.delete("orders", deleted)  # a skip: the order and its items vanish
        fake.dataset.delete("items", removed_item)  # out of stock: no event at all
        fake.dataset.update("orders", placed, status=5)  # placed: leaves status 1, not deleted

        meltano_run(env, *run)
        with connect() as conn, conn.cursor() as cur:
            cur.execute(DELETED_ORDERS_SQL.format(schema=schema))
            assert {r[0] for r in cur.fetchall()} == {deleted}
            cur.execute(DELETED_ITEMS_SQL.format(schema=schema))
            assert {r[0] for r in cur.fetchall()} == deleted_items | {removed_item}
    finally:
        fake.stop()
