"""The tap's webhook streams read whatever the receiver accepted, odd shapes included.

The receiver stores any signed JSON with an id and a type. An event whose ``data`` or
``snapshot`` is not an object must not stop the sync (every later run would stop at the
same event); the well-formed deletes around it must still land.
"""

from __future__ import annotations

import json

import pytest

from fake_ordergroove.webhook_sender import WebhookSender
from tests.conftest import tap_config
from tests.singer_run import run_tap
from tests.test_webhooks_support import Receiver

KEY = "whsec-streams-0123456789"
ODD_EVENTS = [
    {"id": "odd-1", "type": "order.delete", "created": 1700000000, "data": "not an object"},
    {"id": "odd-2", "type": "order.delete", "data": {"object": "P0"}, "snapshot": [1, 2]},
    {"id": "odd-3", "type": "item.remove", "data": {"object": {"public_id": 7}}},
    {
        "id": "odd-4",
        "type": "order.delete",
        "data": {"object": {"public_id": "P1"}},
        "snapshot": {"orders": "nope", "items": [None, 5, {"public_id": "I1", "order": "P1"}]},
    },
    {  # keys Ordergroove might add, at the top, in data, and inside the object
        "id": "new-1",
        "type": "order.update",
        "new_top": 1,
        "context": "text",
        "data": {"object": {"public_id": "P2", "new_field": {"deep": [1]}}, "new_data": {"a": 2}},
    },
]


def test_odd_events_are_read_not_fatal_and_good_deletes_still_land(fake, tmp_path):
    receiver = Receiver(f"sqlite:///{tmp_path}/events.db", KEY, tmp_path / "receiver.log").start()
    try:
        sender = WebhookSender(receiver.webhook_url, KEY)
        for event in ODD_EVENTS:
            reply = sender.post_raw(json.dumps(event).encode())
            assert reply.status_code == 200, reply.text
        order = next(o for o in fake.dataset.records("orders") if o["status"] == 1)
        fake.dataset.delete("orders", order["public_id"])  # a tombstone needs it really gone
        good = sender.send(
            "order.delete", {"public_id": order["public_id"]}, {"orders": [order]}, "good-1"
        )
        assert good.status_code == 200
    finally:
        receiver.stop()

    config = tap_config(fake, webhook_store_url=receiver.store_url)
    run = run_tap(tmp_path / "tap", config, streams=["webhook_events", "deleted_records", "orders"])

    events = {e["event_id"]: e for e in run.records["webhook_events"]}
    assert set(events) == {"odd-1", "odd-2", "odd-3", "odd-4", "new-1", "good-1"}
    assert events["odd-1"]["object"] is None
    assert events["odd-2"]["object"] is None and events["odd-2"]["snapshot"] is None
    # Nothing is lost: what no column carries is in _extra_fields under its path.
    assert events["odd-1"]["_extra_fields"] == {"data": "not an object"}
    assert events["odd-2"]["_extra_fields"] == {"data.object": "P0", "snapshot": [1, 2]}
    assert events["new-1"]["_extra_fields"] == {
        "new_top": 1,
        "context": "text",
        "data.new_data": {"a": 2},
    }
    assert events["new-1"]["object"]["new_field"] == {"deep": [1]}  # the object is kept whole
    assert events["good-1"]["_extra_fields"] is None
    deleted = {
        (d["object_type"], d["public_id"], d["has_snapshot"])
        for d in run.records["deleted_records"]
    }
    assert deleted == {
        ("orders", "P1", False),
        ("items", "I1", True),
        ("orders", order["public_id"], True),
    }
    tombstones = [o for o in run.records["orders"] if o.get("_sdc_deleted_at")]
    assert [o["public_id"] for o in tombstones] == [order["public_id"]]


def test_a_store_url_that_names_no_store_is_an_error_and_creates_nothing(shared_fake, tmp_path):
    missing = tmp_path / "typo" / "events.db"
    config = tap_config(shared_fake, webhook_store_url=f"sqlite:///{missing}")
    run = run_tap(tmp_path / "tap", config, check=False)
    assert run.returncode != 0
    assert "Setting `webhook_store_url`" in run.stderr
    assert f"no SQLite file at {missing}" in run.stderr
    assert not missing.parent.exists()
    assert not run.records, "refused before any stream starts"


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/og", "/var/lib/og/events.db"])
def test_a_store_url_of_another_kind_is_refused_before_any_stream(shared_fake, tmp_path, url):
    run = run_tap(tmp_path, tap_config(shared_fake, webhook_store_url=url), check=False)
    assert run.returncode != 0
    assert "Setting `webhook_store_url`" in run.stderr
    assert "sqlite:////abs/path/events.db or postgresql://" in run.stderr
    assert "Traceback" not in run.stderr
    assert not run.records


def test_store_errors_name_the_setting_and_hide_the_password(shared_fake, tmp_path):
    url = "postgresql://postgres:Pw-n0t-logged@127.0.0.1:5432/og_no_such_database"
    config = tap_config(shared_fake, webhook_store_url=url)
    run = run_tap(tmp_path, config, streams=["webhook_events"], check=False)
    assert run.returncode != 0
    assert "Setting `webhook_store_url` (postgresql://postgres:***@127.0.0.1" in run.stderr
    assert "og_no_such_database" in run.stderr
    assert "Pw-n0t-logged" not in run.stderr + run.stdout


def test_start_date_does_not_apply_to_the_arrival_number(shared_fake, tmp_path):
    """prod sets start_date; the webhook streams' bookmark is a seq, not a time."""
    receiver = Receiver(f"sqlite:///{tmp_path}/events.db", KEY, tmp_path / "receiver.log").start()
    try:
        sender = WebhookSender(receiver.webhook_url, KEY)
        assert sender.send("order.create", {"public_id": "A"}, None, "first").status_code == 200
        config = tap_config(
            shared_fake, webhook_store_url=receiver.store_url, start_date="2020-01-01T00:00:00Z"
        )
        first = run_tap(tmp_path / "1", config, streams=["webhook_events"])
        assert [e["event_id"] for e in first.records["webhook_events"]] == ["first"]
        assert sender.send("order.create", {"public_id": "B"}, None, "second").status_code == 200
        second = run_tap(tmp_path / "2", config, state=first.state, streams=["webhook_events"])
        assert [e["event_id"] for e in second.records["webhook_events"]] == ["second"]
    finally:
        receiver.stop()
