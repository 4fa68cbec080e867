"""A delivery Ordergroove retries hours later is stored; one older than the window is not.

Ordergroove retries a failed delivery for hours (up to 60 attempts over 9-10 hours, Webhooks
API Overview; 3 days by some accounts) and documents ``ts`` only as "a timestamp of
transmission". If a retry keeps its first ``ts``, a receiver that refused old timestamps after
5 minutes would lose every delete sent while it was down. The receiver runs here as a real
process with its default window, and each delivery is signed the way Ordergroove's Webhooks
Verification page shows (``"{ts}.{payload}"``, HMAC-SHA256, hex), written out below rather
than imported from the receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid

import pytest

from tap_ordergroove.webhooks.signature import DEFAULT_MAX_AGE_SECONDS, FUTURE_SKEW_SECONDS
from tests.test_webhooks_support import Receiver, all_events, running

KEY = "whkey-window-5e1f0c2b9a"
HOUR = 3600
DAY = 24 * HOUR


def ordergroove_signature(sig_key: str, ts: int, payload: str) -> str:
    """The header value, computed as the Webhooks Verification page's Python example does."""
    sig_input = f"{ts}.{payload}"
    hash_obj = hmac.new(
        key=bytes(sig_key, "ascii"), msg=bytes(sig_input, "utf-8"), digestmod=hashlib.sha256
    )
    return f"ts={ts},sig={hash_obj.hexdigest()}"


def order_delete(event_id: str, created: int) -> str:
    return json.dumps(
        {
            "id": event_id,
            "type": "order.delete",
            "created": created,
            "data": {"object": {"public_id": f"order-{event_id}"}},
            "context": {},
        }
    )


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("window")
    env = {k: v for k, v in os.environ.items() if k != "OG_WEBHOOK_TOLERANCE_SECONDS"}
    server = Receiver(f"sqlite:///{tmp}/events.db", KEY, tmp / "receiver.log")
    server.env = {**env, "OG_WEBHOOK_KEY": KEY}  # the default window, whatever the shell says
    with running(server):
        yield server


def deliver(receiver: Receiver, payload: str, ts: int):
    return receiver.post(payload.encode(), ordergroove_signature(KEY, ts, payload))


def test_default_window_is_the_longest_documented_retry_horizon_plus_a_day():
    assert DEFAULT_MAX_AGE_SECONDS == 3 * DAY + DAY


def test_a_delete_retried_hours_later_is_stored_once(receiver):
    now = int(time.time())
    first_try = now - 6 * HOUR  # sent while the receiver was down; retried with its first ts
    payload = order_delete(uuid.uuid4().hex, created=first_try)
    reply = deliver(receiver, payload, ts=first_try)
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "stored"

    again = deliver(receiver, payload, ts=first_try)  # a later retry, or a replay: harmless
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"

    stored = [e for e in all_events(receiver.store_url) if e.payload == json.loads(payload)]
    assert len(stored) == 1
    assert stored[0].event_type == "order.delete"
    assert stored[0].created_unix == first_try


def test_a_retry_near_the_end_of_three_days_is_stored(receiver):
    ts = int(time.time()) - 3 * DAY - HOUR
    payload = order_delete(uuid.uuid4().hex, created=ts)
    reply = deliver(receiver, payload, ts=ts)
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "stored"


def test_older_than_the_window_or_from_the_future_is_rejected_and_not_stored(receiver):
    now = int(time.time())
    too_old = now - DEFAULT_MAX_AGE_SECONDS - 60
    old_payload = order_delete(uuid.uuid4().hex, created=too_old)
    reply = deliver(receiver, old_payload, ts=too_old)
    assert reply.status_code == 401
    assert reply.json()["detail"] == (
        f"timestamp older than the {DEFAULT_MAX_AGE_SECONDS} s tolerance (--tolerance-seconds)"
    )

    ahead = now + FUTURE_SKEW_SECONDS + 60  # a clock far ahead is not a retry
    future_payload = order_delete(uuid.uuid4().hex, created=now)
    reply = deliver(receiver, future_payload, ts=ahead)
    assert reply.status_code == 401
    assert "in the future" in reply.json()["detail"]

    ids = {e.event_id for e in all_events(receiver.store_url)}
    assert json.loads(old_payload)["id"] not in ids
    assert json.loads(future_payload)["id"] not in ids


def test_a_shorter_window_can_be_configured(tmp_path):
    server = Receiver(
        f"sqlite:///{tmp_path}/events.db",
        KEY,
        tmp_path / "receiver.log",
        "--tolerance-seconds",
        str(2 * HOUR),
    )
    with running(server):
        ts = int(time.time()) - 3 * HOUR
        reply = deliver(server, order_delete(uuid.uuid4().hex, created=ts), ts=ts)
        assert reply.status_code == 401
        assert reply.json()["detail"] == (
            f"timestamp older than the {2 * HOUR} s tolerance (--tolerance-seconds)"
        )
        ts = int(time.time()) - HOUR
        assert deliver(server, order_delete(uuid.uuid4().hex, created=ts), ts=ts).status_code == 200
