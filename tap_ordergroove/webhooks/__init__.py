"""Ordergroove webhook receiver: the only way to learn about hard-deleted orders and items.

Ordergroove removes unsent orders and items from its REST API without a tombstone; it announces
them only as ``order.delete`` / ``item.remove`` webhooks. This subpackage receives every event
type over HTTP (``serve``), stores each one durably and idempotently, and gives the tap a read
API (:func:`open_store`, :meth:`EventStore.read_since`) to turn them into records.

Importing this package (or ``store``) pulls in no web framework: the tap can read a store
without the server stack being loaded.
"""

from tap_ordergroove.webhooks.store import EventStore, StoredEvent, StoreError, open_store

__all__ = ["EventStore", "StoreError", "StoredEvent", "open_store"]
