"""``OrdergrooveStream``: one Ordergroove list endpoint, assembled from its concerns.

``http_client.py`` fetches one page (host, auth, deadline, retries, error verdicts). This
module holds what every list request is: the v2 cursor envelope's ``next`` links, the
first page's parameters (page size, endpoint defaults, time window), the reader slot, and
the access check. The rest of the stream is one mixin per concern:

- ``records.py``: records and their conversion, the record loop (page loop or SDK's);
- ``windows.py``: incremental windows, backfill resume markers and the bookmark rule;
- ``tombstones.py``: full-table cadence, table versions and webhook tombstones;
- ``drift.py``: the end-of-stream data-fidelity report.

Stream classes in ``streams.py`` only declare what differs per endpoint.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime
from functools import cached_property

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_ordergroove import stopping
from tap_ordergroove.rest.drift import DriftMixin
from tap_ordergroove.rest.records import RecordsMixin, response_body
from tap_ordergroove.rest.tombstones import TombstonesMixin
from tap_ordergroove.rest.windows import WindowsMixin
from tap_ordergroove.timezones import FILTER_FORMAT, OrdergrooveZone, parse_instant

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from urllib.parse import ParseResult

    import requests
    from singer_sdk.helpers.types import Context


class OrdergroovePaginator(BaseHATEOASPaginator):
    """Follows the v2 envelope's ``next`` link, which already carries cursor and filters."""

    def get_next_url(self, response: requests.Response) -> str | None:
        """The absolute URL of the next page, or None on the last page."""
        return response_body(response).next


class OrdergrooveStream(RecordsMixin, WindowsMixin, TombstonesMixin, DriftMixin):
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
