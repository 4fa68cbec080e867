"""A late ``order.delete`` must not flag an order that exists again.

Ordergroove retries webhooks for hours and does not order them. Here an order is
deleted, re-created with the same id and synced live; only then does the receiver get
the delete event. The next sync must keep the live row (no tombstone), while objects
that really are gone (the old order's items, another deleted order) are still flagged.
Each tombstone costs one retrieve call, counted here.
"""

from __future__ import annotations

import json
import time

from fake_ordergroove.webhook_sender import WebhookSender
from tap_ordergroove.webhooks.events import DELETED_AT
from tests.conftest import start_fake, tap_config
from tests.singer_run import run_tap
from tests.test_webhooks_support import Receiver

KEY = "whsec-late-0123456789"
STREAMS = ["orders", "items"]


def upcoming_with_items(fake) -> list[dict]:
    items = fake.dataset.records("items")
    return [
        o
        for o in fake.dataset.records("orders")
        if o["status"] == 1 and any(i["order"] == o["public_id"] for i in items)
    ]


def test_late_delete_of_a_recreated_order_keeps_the_live_row(tmp_path):
    fake = start_fake(customers=60, seed=5)
    receiver = Receiver(f"sqlite:///{tmp_path}/events.db", KEY, tmp_path / "receiver.log").start()
    try:
        config = tap_config(fake, webhook_store_url=receiver.store_url)
        first = run_tap(tmp_path / "1", config, streams=STREAMS)

        recreated, gone = upcoming_with_items(fake)[:2]
        old_items = [
            i for i in fake.dataset.records("items") if i["order"] == recreated["public_id"]
        ]
        deleted_at = int(time.time())
        fake.dataset.delete("orders", recreated["public_id"])  # takes its items along
        time.sleep(1.1)  # timestamps have one-second resolution
        fields = {k: v for k, v in recreated.items() if k not in {"created", "updated"}}
        live = fake.dataset.create("orders", **fields)  # same public_id, a live order again
        second = run_tap(tmp_path / "2", config, state=first.state, streams=STREAMS)
        assert any(o["public_id"] == live["public_id"] for o in second.records["orders"])

        sender = WebhookSender(receiver.webhook_url, KEY)
        late = sender.build(  # the delete from before the re-creation, delivered only now
            "order.delete",
            {"public_id": recreated["public_id"]},
            {"orders": [recreated], "items": old_items},
            created=deleted_at,
        )
        assert sender.post_raw(json.dumps(late).encode()).status_code == 200
        gone_items = {
            i["public_id"] for i in fake.dataset.records("items") if i["order"] == gone["public_id"]
        }
        assert sender.delete_order(fake.dataset, gone["public_id"]).status_code == 200

        fake.request_log.clear()
        third = run_tap(tmp_path / "3", config, state=second.state, streams=STREAMS)
        flagged_orders = {o["public_id"] for o in third.records["orders"] if o.get(DELETED_AT)}
        flagged_items = {i["public_id"] for i in third.records["items"] if i.get(DELETED_AT)}
        assert recreated["public_id"] not in flagged_orders, "the live order was flagged deleted"
        assert gone["public_id"] in flagged_orders, "a really deleted order must be flagged"
        assert {i["public_id"] for i in old_items} <= flagged_items, "its old items are gone"
        assert gone_items <= flagged_items

        retrieves = [
            e
            for e in fake.request_log.snapshot()
            if e["path"].count("/") == 3  # /orders/<id>/
        ]
        deleted_objects = 2 + len(old_items) + len(gone_items)
        assert len(retrieves) == deleted_objects, "one retrieve per deleted object"
    finally:
        receiver.stop()
        fake.stop()
