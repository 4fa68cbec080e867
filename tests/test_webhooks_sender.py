"""End to end: the fake Ordergroove hard-deletes records and sends signed webhooks for them.

This is the whole delete path the tap depends on: a record vanishes from the (fake) REST API,
the matching ``order.delete`` / ``item.remove`` event reaches the receiver, and the store holds
it with the snapshot of the deleted records.
"""

from __future__ import annotations

import pytest

from fake_ordergroove.dataset import Dataset
from fake_ordergroove.webhook_sender import WebhookSender
from tests.test_webhooks_support import Receiver, all_events, running

KEY = "whkey-Sender-1d2c3b4a"
OLD_KEY = "whkey-Sender-Old-99"


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sender")
    server = Receiver(f"sqlite:///{tmp}/events.db", f"{KEY},{OLD_KEY}", tmp / "receiver.log")
    with running(server):
        yield server


@pytest.fixture
def dataset():
    return Dataset(seed=1, customers=20)


def stored(receiver: Receiver, event_type: str, public_id: str) -> list:
    """Stored events of one type about one object (each test uses a fresh Dataset, so an
    object id can recur across tests: callers narrow further by the response's event id)."""
    return [
        e
        for e in all_events(receiver.store_url)
        if e.event_type == event_type and e.payload["data"]["object"]["public_id"] == public_id
    ]


def by_id(events: list, response) -> list:
    return [e for e in events if e.event_id == response.json()["id"]]


def test_delete_order_sends_signed_order_delete_with_snapshot(receiver, dataset):
    order = next(
        o
        for o in dataset.records("orders")
        if len([i for i in dataset.records("items") if i["order"] == o["public_id"]]) >= 2
    )
    items = [i for i in dataset.records("items") if i["order"] == order["public_id"]]

    response = WebhookSender(receiver.webhook_url, KEY).delete_order(dataset, order["public_id"])
    assert response.status_code == 200, response.text

    assert dataset.get("orders", order["public_id"]) is None
    assert all(dataset.get("items", i["public_id"]) is None for i in items)
    [event] = by_id(stored(receiver, "order.delete", order["public_id"]), response)
    assert event.payload["data"]["object"] == {"public_id": order["public_id"]}
    assert event.payload["snapshot"] == {"orders": [order], "items": items}
    assert event.payload["id"] == event.event_id
    assert isinstance(event.created_unix, int)
    # Ordergroove semantics: the order's items go with it, without item.remove events.
    removed = {
        e.payload["data"]["object"]["public_id"]
        for e in all_events(receiver.store_url)
        if e.event_type == "item.remove"
    }
    assert not removed & {i["public_id"] for i in items}


def test_remove_item_sends_item_remove_with_item_and_order(receiver, dataset):
    item = dataset.records("items")[3]
    order = dataset.get("orders", item["order"])
    sender = WebhookSender(receiver.webhook_url, KEY, previous_key=OLD_KEY)  # mid-rotation

    response = sender.remove_item(dataset, item["public_id"])
    assert response.status_code == 200, response.text

    assert dataset.get("items", item["public_id"]) is None
    assert dataset.get("orders", item["order"]) is not None  # the order stays
    [event] = by_id(stored(receiver, "item.remove", item["public_id"]), response)
    assert event.payload["data"]["object"] == {
        "public_id": item["public_id"],
        "order": order["public_id"],
    }
    assert event.payload["snapshot"] == {"items": [item], "orders": [order]}


def test_without_snapshot_only_identifiers_arrive(receiver, dataset):
    order = dataset.records("orders")[0]
    sender = WebhookSender(receiver.webhook_url, KEY)
    response = sender.delete_order(dataset, order["public_id"], with_snapshot=False)
    assert response.status_code == 200
    [event] = by_id(stored(receiver, "order.delete", order["public_id"]), response)
    assert "snapshot" not in event.payload
    assert event.payload["context"] == {}


def test_send_with_a_fixed_event_id_is_idempotent(receiver):
    sender = WebhookSender(receiver.webhook_url, OLD_KEY)
    obj = {"public_id": "sub-123"}
    first = sender.send("subscription.cancel", obj, event_id="evt-fixed-1")
    second = sender.send("subscription.cancel", obj, event_id="evt-fixed-1")
    assert first.json()["status"] == "stored"
    assert second.json()["status"] == "duplicate"
    assert len(stored(receiver, "subscription.cancel", "sub-123")) == 1


def test_wrong_key_is_refused_and_dataset_is_still_changed(receiver, dataset):
    """The delete happens in Ordergroove whether or not our route accepts the webhook."""
    order = dataset.records("orders")[1]
    before = len(all_events(receiver.store_url))
    sender = WebhookSender(receiver.webhook_url, "not-our-key")
    response = sender.delete_order(dataset, order["public_id"])
    assert response.status_code == 401
    assert dataset.get("orders", order["public_id"]) is None
    assert len(all_events(receiver.store_url)) == before
