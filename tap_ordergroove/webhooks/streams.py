"""Streams read from the webhook receiver's store, not from the REST API.

The tap's side of the webhook source, as ``sftp/streams.py`` is the SFTP source's: the
receiver (``serve``) writes the store, ``events.py`` reads it, these streams emit it.

Both are incremental on the store's arrival order ``seq`` (strictly increasing), so they
are sorted and resumable, unlike the REST streams.
"""

from __future__ import annotations

import typing as t

from singer_sdk import Stream
from singer_sdk import typing as th

from tap_ordergroove.coerce import EXTRA_FIELDS
from tap_ordergroove.webhooks.events import (
    deletions,
    event_extra,
    event_object,
    event_snapshot,
    event_time,
    read_events,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class StoreStream(Stream):
    """Base: reads events after the bookmarked ``seq`` from ``webhook_store_url``."""

    replication_key = "seq"
    is_sorted = True

    def stored_events(self, context: Context | None) -> Iterable:
        """Events newer than this stream's bookmark.

        Read from the saved state only: the SDK's starting value falls back to
        ``start_date``, a time, which means nothing for an arrival number.
        """
        saved = self.get_context_state(context).get("replication_key_value")
        after = int(saved) if isinstance(saved, int | str) and str(saved).isdigit() else 0
        return read_events(self.config["webhook_store_url"], after)


class WebhookEventsStream(StoreStream):
    """Every webhook event as received: the history of how each object came to be."""

    name = "webhook_events"
    primary_keys = ("event_id",)
    schema = th.PropertiesList(
        th.Property("seq", th.IntegerType, required=True, description="Arrival order"),
        th.Property("event_id", th.StringType, required=True),
        th.Property("event_type", th.StringType),
        th.Property("created", th.DateTimeType, description="Ordergroove's event time, UTC"),
        th.Property("received_at", th.DateTimeType),
        th.Property("object", th.ObjectType(additional_properties=True)),
        th.Property("context", th.ObjectType(additional_properties=True)),
        th.Property("snapshot", th.ObjectType(additional_properties=True)),
        th.Property(
            EXTRA_FIELDS,
            th.ObjectType(additional_properties=True),
            description="Payload parts no other column carries, keyed by path (data.new_key)",
        ),
    ).to_dict()

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """One record per stored event, oldest first."""
        for event in self.stored_events(context):
            payload = event.payload
            context_value = payload.get("context")
            yield {
                "seq": event.seq,
                "event_id": event.event_id,
                "event_type": event.event_type,
                "created": event_time(event),
                "received_at": event.received_at.isoformat(),
                "object": event_object(event) or None,
                "context": context_value if isinstance(context_value, dict) else None,
                "snapshot": event_snapshot(event),
                EXTRA_FIELDS: event_extra(event),
            }


class DeletedRecordsStream(StoreStream):
    """Hard deletes (order.delete, item.remove): join on (object_type, public_id)."""

    name = "deleted_records"
    primary_keys = ("object_type", "public_id", "event_id")
    schema = th.PropertiesList(
        th.Property("object_type", th.StringType, required=True, description="orders or items"),
        th.Property("public_id", th.StringType, required=True),
        th.Property("event_id", th.StringType, required=True),
        th.Property("deleted_at", th.DateTimeType, description="Ordergroove's event time, UTC"),
        th.Property("has_snapshot", th.BooleanType),
        th.Property("seq", th.IntegerType, required=True),
    ).to_dict()

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """One record per deleted object."""
        for event in self.stored_events(context):
            for deletion in deletions(event):
                yield {
                    "object_type": deletion.object_type,
                    "public_id": deletion.public_id,
                    "event_id": deletion.event_id,
                    "deleted_at": deletion.deleted_at,
                    "has_snapshot": deletion.snapshot is not None,
                    "seq": event.seq,
                }
