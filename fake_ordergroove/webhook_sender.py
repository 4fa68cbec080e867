"""Sends Ordergroove-shaped, correctly signed webhooks, as Ordergroove's servers would.

Test, demo and benchmark tool only. The signing here is written from the Ordergroove docs on
its own, not imported from the receiver, so a test that passes proves the two agree with the
docs rather than with each other:

* body ``{"id", "type", "created", "data": {"object": {identifiers}}, "context": {},
  "snapshot": {...}}`` (``snapshot`` only when the route's "snapshot" advanced setting is on);
* header ``Ordergroove-Signature: ts=<unix>,sig=<hex>`` with
  ``sig = hex(HMAC-SHA256(key, f"{ts}." + raw_body))``; during a key rotation one ``sig=``
  per key.

:meth:`WebhookSender.delete_order` and :meth:`WebhookSender.remove_item` play a hard delete
end to end: read the full records (for the snapshot), delete them from the
:class:`~fake_ordergroove.dataset.Dataset`, then send the event. Deleting an order also deletes
its items, and, as in Ordergroove, only ``order.delete`` is sent for that: no ``item.remove``
per item. The order's items travel in the snapshot instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from .dataset import Dataset

__all__ = ["SIGNATURE_HEADER", "WebhookSender", "sign"]

SIGNATURE_HEADER = "Ordergroove-Signature"


def sign(body: bytes, keys: list[str] | tuple[str, ...], ts: int) -> str:
    """The ``Ordergroove-Signature`` value for ``body`` under each key (rotation: two keys)."""
    sigs = [
        hmac.new(key.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest() for key in keys
    ]
    return ",".join([f"ts={ts}", *(f"sig={sig}" for sig in sigs)])


class WebhookSender:
    """Posts signed events to one receiver URL (the route Ordergroove would call).

    ``previous_key`` simulates Ordergroove's 24-hour key rotation: the header then carries a
    signature under each key. Not thread-safe (one ``requests.Session``): use one per thread.
    """

    def __init__(
        self, url: str, key: str, *, previous_key: str | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url
        self.keys = (key,) if previous_key is None else (key, previous_key)
        self.timeout = timeout
        self.session = requests.Session()

    def build(
        self,
        event_type: str,
        obj: dict[str, Any],
        snapshot: dict[str, Any] | None = None,
        event_id: str | None = None,
        created: int | None = None,
    ) -> dict[str, Any]:
        """The event body as a dict (``obj`` should hold identifiers only)."""
        body: dict[str, Any] = {
            "id": event_id or uuid.uuid4().hex,
            "type": event_type,
            "created": int(time.time()) if created is None else created,
            "data": {"object": obj},
            "context": {},
        }
        if snapshot is not None:
            body["snapshot"] = snapshot
        return body

    def post_raw(self, body: bytes, ts: int | None = None) -> requests.Response:
        """Sign ``body`` exactly as given (timestamp ``ts``, default now) and post it."""
        ts = int(time.time()) if ts is None else ts
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self.keys, ts)}
        return self.session.post(self.url, data=body, headers=headers, timeout=self.timeout)

    def send(
        self,
        event_type: str,
        obj: dict[str, Any],
        snapshot: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> requests.Response:
        """Build, sign and post one event; returns the receiver's response."""
        body = self.build(event_type, obj, snapshot, event_id)
        return self.post_raw(json.dumps(body, separators=(",", ":")).encode())

    def delete_order(
        self, dataset: Dataset, public_id: str, with_snapshot: bool = True
    ) -> requests.Response:
        """Hard-delete an order (and, with it, its items), then send ``order.delete``.

        Snapshot: ``{"orders": [order], "items": [its items]}``, read before the delete.
        """
        order = dataset.get("orders", public_id)
        if order is None:
            raise KeyError(f"order {public_id!r} not found")
        items = [item for item in dataset.records("items") if item["order"] == public_id]
        dataset.delete("orders", public_id)
        snapshot = {"orders": [order], "items": items} if with_snapshot else None
        return self.send("order.delete", {"public_id": public_id}, snapshot)

    def remove_item(
        self, dataset: Dataset, public_id: str, with_snapshot: bool = True
    ) -> requests.Response:
        """Hard-delete one item (its order stays, with ``updated`` bumped), then send
        ``item.remove``.

        Snapshot: ``{"items": [item], "orders": [its order]}``, read before the delete (so the
        order's ``updated`` is the value before the removal bumped it).
        """
        item = dataset.get("items", public_id)
        if item is None:
            raise KeyError(f"item {public_id!r} not found")
        order = dataset.get("orders", item["order"])
        dataset.delete("items", public_id)
        snapshot = None
        if with_snapshot:
            snapshot = {"items": [item], "orders": [order] if order is not None else []}
        return self.send("item.remove", {"public_id": public_id, "order": item["order"]}, snapshot)
