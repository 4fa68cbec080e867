"""What Ordergroove's list pages mean: envelope, records, windows, bookmarks.

``http_client.py`` fetches one page (host, auth, deadline, retries, error verdicts);
this module follows the v2 cursor envelope's ``next`` links, converts records to the
schema's types, slices time windows, and applies the bookmark rule. Stream classes in
``streams.py`` only declare what differs per endpoint.
"""

from __future__ import annotations

import time
import typing as t
from datetime import UTC, datetime, timedelta
from functools import cached_property
from http import HTTPStatus
from urllib.parse import quote

import requests
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_ordergroove import stopping
from tap_ordergroove.coerce import RecordConverter
from tap_ordergroove.rest import cadence, page_loop, resync
from tap_ordergroove.rest.envelope import Page, unwrap
from tap_ordergroove.rest.http_client import OrdergrooveHTTPStream, decoded_body
from tap_ordergroove.rest.page_loop import PageOfRecords
from tap_ordergroove.timezones import FILTER_FORMAT, OrdergrooveZone, parse_instant, utc_iso
from tap_ordergroove.webhooks.events import DELETED_AT, deletions, read_events

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable
    from urllib.parse import ParseResult

    from singer_sdk.helpers.types import Context

_PAGE_ATTR = "_ordergroove_page"
#: Stream-state key: end of the last fully read backfill window of an unfinished run.
BACKFILL_MARKER = "backfill_done_until"
#: Stream-state key: last webhook-store ``seq`` whose deletes this stream has emitted.
WEBHOOK_SEQ = "webhook_seq"


def response_body(response: requests.Response) -> Page:
    """The page in whichever documented shape it came, unwrapped once per response.

    The body was already parsed (and found to be JSON) when the answer arrived.
    """
    page = getattr(response, _PAGE_ATTR, None)
    if page is None:
        page = unwrap(decoded_body(response), response.request.path_url)
        setattr(response, _PAGE_ATTR, page)
    return page


class OrdergroovePaginator(BaseHATEOASPaginator):
    """Follows the v2 envelope's ``next`` link, which already carries cursor and filters."""

    def get_next_url(self, response: requests.Response) -> str | None:
        """The absolute URL of the next page, or None on the last page."""
        return response_body(response).next


class OrdergrooveStream(OrdergrooveHTTPStream):
    """Base class for one Ordergroove list endpoint."""

    #: Query parameters every first-page request carries (e.g. products' ``autoship_enabled``).
    extra_params: t.ClassVar[dict[str, str]] = {}
    #: Names of the incremental filter parameters, when the endpoint has them.
    start_param: t.ClassVar[str | None] = None
    end_param: t.ClassVar[str | None] = None
    #: ``strftime`` format the endpoint documents for those filters.
    filter_format: t.ClassVar[str] = FILTER_FORMAT
    #: Largest page size the endpoint accepts, and the setting that picks it.
    page_size_setting: t.ClassVar[str] = "page_size"
    #: Object type whose webhook delete snapshots become soft-deleted rows in this stream.
    tombstone_type: t.ClassVar[str | None] = None
    #: Keep fields the schema lacks in ``_extra_fields`` and warn about them (off for
    #: streams that keep a subset of another stream's fields on purpose).
    report_unknown_fields: t.ClassVar[bool] = True
    #: A full-table stream that ignores ``full_table_every_hours`` (read in full every run).
    read_every_run: t.ClassVar[bool] = False
    #: True while ``page_loop.sync_pages`` reads: pages pass through ``get_records`` whole.
    batched_pages: bool = False

    is_sorted = False  # Ordergroove pages by `created`, never by the updated timestamp.
    check_sorted = True  # keeps the max replication value while records arrive unsorted
    #: ``coerce.RecordConverter`` already emits schema types; a second pass would only cost CPU.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_started_at = datetime.now(UTC)
        self.pages = 0
        self.tries_total = 0
        self.shapes_seen: set[str] = set()
        #: The window being read (for progress lines); None until the first page.
        self.current_window: dict[str, str] | None = None

    @cached_property
    def zone(self) -> OrdergrooveZone:
        """The merchant's Ordergroove zone; shared by filters and record conversion."""
        return self._tap.zone  # type: ignore[attr-defined]

    # Requests -----------------------------------------------------------------

    def get_new_paginator(self) -> OrdergroovePaginator:
        """A cursor paginator that follows ``next`` verbatim."""
        return OrdergroovePaginator()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """First page: path plus our parameters. Later pages: exactly the ``next`` URL."""
        token: ParseResult | None = page.next_page_token
        if token is None:
            return super().get_http_request(page=page)
        return HTTPRequest(url=token.geturl(), headers=self.http_headers)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """First-page parameters: page size, endpoint defaults and the time window."""
        params: dict[str, t.Any] = {"page_size": self.config[self.page_size_setting]}
        params.update(self.extra_params)
        window = context or {}
        if self.start_param and window.get("start"):
            start = parse_instant(window["start"])
            params[self.start_param] = self.zone.filter_value(
                start, bound="start", fmt=self.filter_format
            )
        if self.end_param and window.get("end"):
            end = parse_instant(window["end"])
            params[self.end_param] = self.zone.filter_value(
                end, bound="end", fmt=self.filter_format
            )
        return params

    # Records ------------------------------------------------------------------

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        """The records of one page, whichever documented shape it came in (logged once).

        Under the page loop (``batched_pages``) the page's records come as one item, a
        ``PageOfRecords``; an empty page is still empty, so the SDK's pagination stops
        on it exactly as it does for records one by one.
        """
        self.pages += 1
        page = response_body(response)
        if page.shape not in self.shapes_seen:
            self.shapes_seen.add(page.shape)
            self.logger.info("Stream '%s': Ordergroove answered with a %s", self.name, page.shape)
        if self.batched_pages:
            return [PageOfRecords(page.results)] if page.results else []
        return page.results

    @cached_property
    def converter(self) -> RecordConverter:
        """Compiled once: turns loose API values into the schema's types."""
        return RecordConverter(
            self.name,
            self.schema,
            list(self.primary_keys or []),
            self.zone,
            strict=bool(self.config.get("strict_values", False)),
            keep_unknown=self.report_unknown_fields,
            logger=self.logger,
        )

    @cached_property
    def _nothing_deselected(self) -> bool:
        return all(self.mask.values()) and not page_loop.sdk_path_forced()

    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> Iterable[dict]:
        """The page loop (``page_loop.sync_pages``) where it applies, else the SDK's loop.

        The SDK's loop runs for stream maps, deselected properties, record limits and
        ``ORDERGROOVE_RECORD_PATH=sdk`` (``page_loop.sdk_path_reason``); it is logged once.
        """
        reason = page_loop.sdk_path_reason(self, context, write_messages=write_messages)
        if reason is None:
            yield from page_loop.sync_pages(self)
            return
        self.logger.info(
            "Stream '%s': records one by one on the SDK's path (%s)", self.name, reason
        )
        yield from super()._sync_records(context, write_messages=write_messages)

    def _generate_record_messages(self, record: dict) -> Iterable[RecordMessage]:
        """The SDK's RECORD messages without its two per-record schema walks.

        Safe when no property is deselected: ``post_process`` already emits exactly the
        schema's fields and types, so the walks (drop deselected, conform types) change
        nothing and cost about a fifth of the tap's CPU. Otherwise, and with
        ``ORDERGROOVE_RECORD_PATH=sdk``, the SDK path runs. (Streams on the page loop
        do not come here at all.)
        """
        if not self._nothing_deselected:
            yield from super()._generate_record_messages(record)
            return
        extracted = utc_now()
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=extracted,
                )

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Convert types and time zones; a tombstone keeps its ``_sdc_deleted_at``."""
        deleted_at = row.pop(DELETED_AT, None)
        record = self.converter(row)
        if deleted_at:
            record[DELETED_AT] = deleted_at
        return record

    # Incremental sync -----------------------------------------------------------

    def sync(self, context: Context | None = None) -> None:  # type: ignore[misc]
        """The SDK's sync, unless ``full_table_every_hours`` says this table is fresh enough.

        Decided before the SDK's ``sync`` writes anything (``cadence``): a skipped stream
        sends no SCHEMA, RECORD or ACTIVATE_VERSION, so no target flags a row deleted.
        """
        if cadence.skip(self):
            return
        super().sync(context)
        cadence.mark_read(self)  # only reached after a complete read

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Read every time window in turn (one window unless ``backfill_window_days`` is set).

        After each closed window a STATE records its end, so a run that crashes mid-backfill
        resumes from there. Safe: a closed window ends no later than this run's start minus
        the lookback (the bookmark's own rule), and anything changed after its window was
        read now carries a later timestamp. Once every window is read, the start of the
        first one becomes the least bookmark: a resumed stream whose last window held no
        records still ends with a real bookmark instead of going back to `start_date`.
        """
        version = self._begin_table_version()
        last_seq = yield from self.tombstones()
        windows = self.windows(context)
        for window in windows:
            self.current_window = window
            yield from self.request_records(window)
            if window.get("end"):
                self.stream_state[BACKFILL_MARKER] = window["end"]
                self.state_manager.is_flushed = False
                self._write_state_message()
        if self.replication_key and windows[0].get("start"):
            self._increment_stream_state(
                {self.replication_key: windows[0]["start"]}, context=context
            )
        self.stream_state.pop(BACKFILL_MARKER, None)
        if last_seq is not None:
            self.stream_state[WEBHOOK_SEQ] = last_seq
        resync.mark_done(self)  # after the last page only: a partial resync is redone
        self._report_drift()
        if version is not None:
            # Only now, after every page was read: a failed run never flags live rows.
            self._write_activate_version_message(version)

    def _report_drift(self) -> None:
        """The stream's data-fidelity summary: quarantined values, forms, unknown fields.

        Each unknown field and each first bad value was already warned about when it
        arrived; this line gives the run's counts (docs/data-fidelity.md).
        """
        converter = self.converter
        summary = converter.summary()
        if summary:
            self.logger.warning("Stream '%s' data fidelity: %s", self.name, summary)
        for field, value in sorted(converter.deprecated_dropped.items()):
            self.logger.warning(
                "Stream '%s': deprecated field '%s' held a value of the wrong type (e.g. %r), "
                "emitted as null; the sync went on",
                self.name,
                field,
                value,
            )

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

    def request_records(self, context: Context | None) -> Iterable[dict]:
        """One cursor chain, holding this endpoint's reader slot (one reader per type).

        Stops at the next record (or page, under the page loop) once SIGTERM / SIGINT
        arrived (``stopping``).
        """
        with self._tap.reader_slots.reading(self.path):  # type: ignore[attr-defined]
            for record in super().request_records(context):
                stopping.check()
                yield record

    def check_access(self) -> None:
        """One page of one record, filtered to "updated from now on": cheap at any size.

        Sent before any SCHEMA, so a refused key fails the run before the target
        creates empty tables. Goes through the normal retry and error handling.
        """
        params: dict[str, t.Any] = {"page_size": 1, **self.extra_params}
        if self.start_param:
            params[self.start_param] = self.zone.filter_value(
                self.run_started_at, bound="start", fmt=self.filter_format
            )
        request = self.build_prepared_request(
            method="GET", url=self.get_url(None), params=params, headers=self.http_headers
        )
        self.request_decorator(self._request)(request, None)

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

    def windows(self, context: Context | None) -> list[dict[str, str]]:
        """Time windows to read: ``[start, +N days], ..., [last, open end]``.

        The last window has no end, so records updated while the run reads are
        still caught. Without a starting point there is one unfiltered window.
        """
        if not self.replication_key or not self.start_param:
            return [{}]
        if resync.is_due(self):
            self.logger.info("Stream '%s': deletes resync due, reading every record", self.name)
            return [{}]
        start = self.get_starting_timestamp(context)
        resume = self.stream_state.get(BACKFILL_MARKER)
        if resume and (start is None or parse_instant(resume) > start):
            self.logger.info("Stream '%s': resuming backfill at %s", self.name, resume)
            start = parse_instant(resume)
        if start is None:
            return [{}]
        days = self.config.get("backfill_window_days")
        if not days:
            return [{"start": utc_iso(start)}]
        step = timedelta(days=int(days))
        # A closed window's end becomes a resume marker: the bookmark's lookback rule
        # applies, or a change committed late just before the marker would be skipped.
        last_close = self.run_started_at - self.lookback
        windows = []
        while start + step <= last_close:
            windows.append({"start": utc_iso(start), "end": utc_iso(start + step)})
            start += step
        windows.append({"start": utc_iso(start)})
        return windows

    @property
    def lookback(self) -> timedelta:
        """``lookback_minutes``: how far before the run start bookmarks and markers stay."""
        return timedelta(minutes=float(self.config["lookback_minutes"]))

    def get_replication_key_signpost(self, context: Context | None = None) -> str | None:
        """The newest bookmark this run may save: its own start, minus the lookback window.

        Ordergroove's rule: the next run starts where this one STARTED, because
        records updated while pages were being read may sit on pages already
        read (results are ordered by creation, not update). The SDK saves
        ``min(max value seen, signpost)``; the lookback absorbs clock skew.
        """
        if not self.replication_key:
            return None
        return utc_iso(self.run_started_at - self.lookback)
