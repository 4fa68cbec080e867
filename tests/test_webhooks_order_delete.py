"""An order delete is handled whether or not Ordergroove also sends ``item.remove`` for its items.

No Ordergroove page we found says whether deleting an order sends an ``item.remove`` per item
(docs/webhooks.md). ``test_deletes_e2e.py`` covers the case where it does not (the fake
sender's ``delete_order``). Here it does, and out of order (Ordergroove does not guarantee
delivery order): one ``item.remove`` before the ``order.delete``, the rest after. Every item
must end up flagged, each delete listed under its own event, nothing else touched. And
without a snapshot and without ``item.remove``, ``deleted_records`` names only the order, as
the README's items query expects.
"""

from __future__ import annotations

from fake_ordergroove.webhook_sender import WebhookSender
from tests.conftest import start_fake, tap_config
from tests.singer_run import run_tap
from tests.test_webhooks_support import Receiver

KEY = "whsec-order-delete-31415"
STREAMS = ["deleted_records", "webhook_events", "orders", "items"]


def upcoming_orders_with_items(dataset, count: int) -> list[tuple[dict, list[dict]]]:
    items = dataset.records("items")
    found = []
    for order in dataset.records("orders"):
        mine = [i for i in items if i["order"] == order["public_id"]]
        if order["status"] == 1 and len(mine) >= 2:
            found.append((order, mine))
        if len(found) == count:
            break
    return found


def test_order_delete_with_and_without_item_remove_events(tmp_path):
    fake = start_fake(customers=60, seed=16)
    receiver = Receiver(f"sqlite:///{tmp_path}/events.db", KEY, tmp_path / "receiver.log").start()
    try:
        (order, items), (bare, bare_items) = upcoming_orders_with_items(fake.dataset, 2)
        sender = WebhookSender(receiver.webhook_url, KEY)
        fake.dataset.delete("orders", order["public_id"])  # takes its items along
        removes = [
            sender.send(
                "item.remove",
                {"public_id": item["public_id"], "order": order["public_id"]},
                {"items": [item], "orders": [order]},
                f"remove-{item['public_id']}",
            )
            for item in items
        ]
        early, late = removes[0], removes[1:]
        delete = sender.send(
            "order.delete",
            {"public_id": order["public_id"]},
            {"orders": [order], "items": items},
            "delete-order",
        )
        assert [r.status_code for r in (early, delete, *late)] == [200] * (len(items) + 1)
        fake.dataset.delete("orders", bare["public_id"])
        reply = sender.send("order.delete", {"public_id": bare["public_id"]}, None, "delete-bare")
        assert reply.status_code == 200
    finally:
        receiver.stop()
    try:
        config = tap_config(fake, webhook_store_url=receiver.store_url)
        run = run_tap(tmp_path / "tap", config, streams=STREAMS)
    finally:
        fake.stop()

    deleted = {
        (d["object_type"], d["public_id"], d["event_id"], d["has_snapshot"])
        for d in run.records["deleted_records"]
    }
    item_ids = {item["public_id"] for item in items}
    expected = {("orders", order["public_id"], "delete-order", True)}
    expected |= {("items", i, "delete-order", True) for i in item_ids}
    expected |= {("items", i, f"remove-{i}", True) for i in item_ids}
    expected |= {("orders", bare["public_id"], "delete-bare", False)}
    assert deleted == expected, "each announcement listed once, under its own event"
    assert not {d for d in deleted if d[1] in {i["public_id"] for i in bare_items}}, (
        "without a snapshot or item.remove nothing names the bare order's items"
    )

    flagged_orders = {o["public_id"] for o in run.records["orders"] if o.get("_sdc_deleted_at")}
    flagged_items = [i for i in run.records["items"] if i.get("_sdc_deleted_at")]
    assert flagged_orders == {order["public_id"]}, "no snapshot: no partial order row"
    assert {i["public_id"] for i in flagged_items} == item_ids
    assert len(flagged_items) == len(item_ids), "one tombstone per item"
    by_id = {item["public_id"]: item for item in items}
    for tombstone in flagged_items:  # whichever event it came from, the full last state
        assert tombstone["order"] == order["public_id"]
        assert tombstone["product"] == by_id[tombstone["public_id"]]["product"]
    live_ids = {i["public_id"] for i in run.records["items"] if not i.get("_sdc_deleted_at")}
    assert not live_ids & (item_ids | {i["public_id"] for i in bare_items}), "all gone"
