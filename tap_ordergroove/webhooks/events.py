"""Reading the webhook receiver's event store, and turning deletes into warehouse rows.

Ordergroove hard-deletes upcoming orders and items and the REST API never says so;
``order.delete`` and ``item.remove`` webhooks do. The receiver
(``tap-ordergroove-webhooks serve``) stores every event in arrival order (``seq``); the
tap reads them from there, incrementally by ``seq``.

A delete becomes (1) a ``deleted_records`` row (object type, key, time) always, and
(2) with a webhook snapshot, the full last-known record with ``_sdc_deleted_at`` set,
in the ``orders`` / ``items`` stream. Without a snapshot no partial record is emitted:
it would overwrite the warehouse row's columns with nulls.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime

from tap_ordergroove.errors import WebhookStoreError
from tap_ordergroove.timezones import utc_iso

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_ordergroove.webhooks.store import EventStore, StoredEvent

DELETED_AT = "_sdc_deleted_at"
PAGE = 1000

#: event type -> (object type, snapshot list holding the deleted objects)
DELETE_EVENTS = {
    "order.delete": ("orders", "orders"),
    "item.remove": ("items", "items"),
}


@dataclass(frozen=True)
class Deletion:
    """One hard delete reported by a webhook."""

    object_type: str
    public_id: str
    deleted_at: str  # UTC ISO-8601
    event_id: str
    seq: int
    snapshot: dict | None  # the full REST-shaped object, when the route sends snapshots


def read_events(url: str, after_seq: int) -> Iterator[StoredEvent]:
    """Every stored event after ``after_seq``, oldest first, a page at a time."""
    store = _open_existing_store(url)
    try:
        while True:
            try:
                page = store.read_since(after_seq, limit=PAGE)
            except Exception as exc:  # noqa: BLE001 - any driver error: name the setting
                raise _store_error(url, str(exc)) from None
            yield from page
            if len(page) < PAGE:
                return
            after_seq = page[-1].seq
    finally:
        store.close()


def check_store_url(url: str) -> None:
    """Refuse, before any sync, a URL that cannot name an existing store.

    The tap never creates a store: a typo would otherwise read nothing, forever.
    """
    from tap_ordergroove.webhooks.sqlite_store import sqlite_path

    scheme = url.partition(":")[0].lower()
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        detail = "use sqlite:////abs/path/events.db or postgresql://user@host:5432/dbname"
        raise _store_error(url, detail)
    try:
        path = sqlite_path(url) if scheme == "sqlite" else None
    except ValueError as exc:
        raise _store_error(url, str(exc)) from None
    if path is not None and not path.is_file():
        detail = (
            f"there is no SQLite file at {path}. Use the exact --store URL "
            "`tap-ordergroove-webhooks serve` was started with (sqlite:////abs/path.db)"
        )
        raise _store_error(url, detail)


def _open_existing_store(url: str) -> EventStore:
    """The receiver's store, opened for reading; never created here."""
    from tap_ordergroove.webhooks.store import open_store

    check_store_url(url)
    try:
        return open_store(url)
    except Exception as exc:  # noqa: BLE001 - any driver error: name the setting
        raise _store_error(url, str(exc)) from None


def _store_error(url: str, detail: str) -> WebhookStoreError:
    """The one place store failures are worded: URL masked, any password scrubbed."""
    from tap_ordergroove.webhooks.store import mask_url, url_secrets

    for secret in url_secrets(url):  # driver errors may quote the DSN
        detail = detail.replace(secret, "***")
    detail = " ".join(detail.split()).rstrip(".")  # and span lines
    return WebhookStoreError(
        f"Setting `webhook_store_url` ({mask_url(url)}) cannot be read: {detail}. The "
        "webhook streams and delete tombstones need the receiver's store; fix the URL or "
        "unset it."
    )


def event_time(event: StoredEvent) -> str:
    """When Ordergroove says it happened (``created``), else when we received it; UTC."""
    if event.created_unix is not None:
        return utc_iso(datetime.fromtimestamp(event.created_unix, UTC))
    return utc_iso(event.received_at)


def deletions(event: StoredEvent) -> list[Deletion]:
    """The objects an ``order.delete`` / ``item.remove`` event deleted (else none)."""
    kind = DELETE_EVENTS.get(event.event_type)
    if kind is None:
        return []
    object_type, snapshot_key = kind
    public_id = event_object(event).get("public_id")
    if not public_id or not isinstance(public_id, str):
        return []
    snapshot = event_snapshot(event)
    when = event_time(event)
    found = next(
        (o for o in _objects(snapshot, snapshot_key) if o.get("public_id") == public_id), None
    )
    result = [Deletion(object_type, public_id, when, event.event_id, event.seq, found)]
    if event.event_type == "order.delete":
        # Deleting an order deletes its items; only a snapshot says which they were.
        result += [
            Deletion("items", item["public_id"], when, event.event_id, event.seq, item)
            for item in _objects(snapshot, "items")
            if item.get("order") == public_id and isinstance(item.get("public_id"), str)
        ]
    return result


def event_object(event: StoredEvent) -> dict:
    """``data.object``; {} when the event does not carry an object there.

    The receiver stores any signed JSON with an id and a type, so one odd event must
    not stop every later sync at the same ``seq``: odd shapes read as "no object".
    """
    data = event.payload.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def event_snapshot(event: StoredEvent) -> dict | None:
    """The route's ``snapshot`` object, or None when absent or not an object."""
    snapshot = event.payload.get("snapshot")
    return snapshot if isinstance(snapshot, dict) else None


# Payload parts that webhook_events has a column for (``id``, ``type`` and ``created`` are
# read by the receiver into event_id, event_type and created).
_MAPPED = frozenset({"id", "type", "created", "context", "data", "snapshot"})


def event_extra(event: StoredEvent) -> dict | None:
    """Every part of a payload that ``webhook_events``' columns do not carry, keyed by path.

    Ordergroove may add top-level or ``data`` keys, or send ``context`` / ``snapshot`` /
    ``data.object`` in a form that is not an object; nothing it sends may be lost.
    """
    payload = event.payload
    extra = {key: value for key, value in payload.items() if key not in _MAPPED}
    data = payload.get("data")
    if isinstance(data, dict):
        extra.update({f"data.{key}": value for key, value in data.items() if key != "object"})
        found = data.get("object")
        if found is not None and not isinstance(found, dict):
            extra["data.object"] = found
    elif data is not None:
        extra["data"] = data
    for key in ("context", "snapshot"):
        value = payload.get(key)
        if value is not None and not isinstance(value, dict):
            extra[key] = value
    return extra or None


def _objects(snapshot: dict | None, key: str) -> list[dict]:
    """The objects of one snapshot list (``orders``, ``items``), skipping non-objects."""
    listed = (snapshot or {}).get(key)
    return [o for o in listed if isinstance(o, dict)] if isinstance(listed, list) else []
