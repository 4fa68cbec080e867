"""Tombstones and table versions: how deletes at Ordergroove reach the warehouse.

``TombstonesMixin`` is the part of ``OrdergrooveStream`` (``client.py``) that

- skips a full-table stream read recently enough (``full_table_every_hours``, ``cadence.py``)
  before the SDK's ``sync`` writes anything, and saves the read time after a complete read;
- stamps a read of the whole table (full-table streams, deletes resyncs) with a table
  version, activated only after the last page (``get_records`` in ``windows.py``);
- turns webhook delete snapshots into soft-deleted rows once Ordergroove's retrieve
  endpoint confirms the object is gone.
"""

from __future__ import annotations

import time
import typing as t
from http import HTTPStatus
from urllib.parse import quote

from tap_ordergroove.rest import cadence, resync
from tap_ordergroove.rest.http_client import OrdergrooveHTTPStream
from tap_ordergroove.rest.windows import WEBHOOK_SEQ
from tap_ordergroove.webhooks.events import DELETED_AT, deletions, read_events

if t.TYPE_CHECKING:
    from collections.abc import Generator

    import requests
    from singer_sdk.helpers.types import Context


class TombstonesMixin(OrdergrooveHTTPStream):
    """Tombstones and table versions of ``OrdergrooveStream`` (attributes: ``client.py``)."""

    def sync(self, context: Context | None = None) -> None:  # type: ignore[misc]
        """The SDK's sync, unless ``full_table_every_hours`` says this table is fresh enough.

        Decided before the SDK's ``sync`` writes anything (``cadence``): a skipped stream
        sends no SCHEMA, RECORD or ACTIVATE_VERSION, so no target flags a row deleted.
        """
        if cadence.skip(self):
            return
        super().sync(context)
        cadence.mark_read(self)  # only reached after a complete read

    def _begin_table_version(self) -> int | None:
        """For full-table streams and deletes resyncs, a version for this read of the whole table.

        The SDK sends ACTIVATE_VERSION before the records, which makes targets flag every
        row deleted until the run completes, and leaves them flagged if it fails. The tap
        stamps the records with the version instead and activates it after the last page.
        """
        if not self.selected:  # read only for its child tables: no records, no version
            return None
        if self.replication_key:
            if not resync.is_due(self):  # incremental: only a deletes resync reads it all
                return None
        elif not self.config.get("soft_delete_missing_records", True):
            return None
        self._stream_version = int(time.time() * 1000)
        return self._stream_version

    def tombstones(self) -> Generator[dict, None, int | None]:
        """Last-known records of objects deleted since the previous run, flagged deleted.

        Ordergroove retries webhooks for hours, out of order: an ``order.delete`` may
        arrive after the order was re-created and synced live. So before a snapshot
        becomes a tombstone, the object's retrieve endpoint must answer 404 (one request
        per deleted object with a snapshot); an object that exists again keeps its live
        row. Deletes without a snapshot only reach ``deleted_records``: a partial row here
        would null out the warehouse row. Returns the last store ``seq`` read (saved only
        once the whole stream has synced).
        """
        url = self.config.get("webhook_store_url")
        if not self.tombstone_type or not url:
            return None
        last_seq = after = int(self.stream_state.get(WEBHOOK_SEQ, 0))
        # An item may be announced twice (order.delete and item.remove): one retrieve
        # per object, one tombstone per distinct snapshot (a later one still wins).
        gone: dict[str, bool] = {}
        emitted: dict[str, dict] = {}
        for event in read_events(url, after):
            last_seq = event.seq
            for deletion in deletions(event):
                if deletion.object_type != self.tombstone_type or not deletion.snapshot:
                    continue
                if emitted.get(deletion.public_id) == deletion.snapshot:
                    continue
                if deletion.public_id not in gone:
                    gone[deletion.public_id] = self.object_gone(deletion.public_id)
                if gone[deletion.public_id]:
                    emitted[deletion.public_id] = deletion.snapshot
                    yield {**deletion.snapshot, DELETED_AT: deletion.deleted_at}
                else:
                    self.logger.info(
                        "Stream '%s': %s was deleted (event %s) but exists again; no tombstone",
                        self.name,
                        deletion.public_id,
                        deletion.event_id,
                    )
        return last_seq

    def object_gone(self, public_id: str) -> bool:
        """True when Ordergroove's retrieve endpoint (``GET /orders/{id}/``) answers 404."""
        url = f"{self.url_base}{self.path}{quote(public_id, safe='')}/"
        params = {"omit_price_calculation": "true"} if self.path == "/items/" else None
        request = self.build_prepared_request(
            method="GET", url=url, params=params, headers=self.http_headers
        )
        response = self.request_decorator(self._retrieve)(request, None)
        return response.status_code == HTTPStatus.NOT_FOUND

    def _retrieve(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """One retrieve call, paced, bounded and retried like pages; a 404 means "gone"."""
        response = self.send_once(prepared_request, context)
        if response.status_code != HTTPStatus.NOT_FOUND:
            self.validate_response(response)
        return response
