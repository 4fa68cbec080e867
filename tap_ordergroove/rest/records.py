"""Records and their conversion: a page's records, in the schema's types, onto the SDK's loop.

``RecordsMixin`` is the part of ``OrdergrooveStream`` (``client.py``) that turns a page into
records: the page unwrapped once whatever documented shape it came in (``envelope.py``),
loose values converted by one compiled ``coerce.RecordConverter``, and the record loop
chosen: the page loop (``page_loop.py``) where it applies, else the SDK's loop without its
per-record schema walks when nothing is deselected.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk.helpers._util import utc_now
from singer_sdk.singerlib import RecordMessage

from tap_ordergroove.coerce import RecordConverter
from tap_ordergroove.rest import page_loop
from tap_ordergroove.rest.envelope import Page, unwrap
from tap_ordergroove.rest.http_client import OrdergrooveHTTPStream, decoded_body
from tap_ordergroove.rest.page_loop import PageOfRecords
from tap_ordergroove.webhooks.events import DELETED_AT

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context

_PAGE_ATTR = "_ordergroove_page"


def response_body(response: requests.Response) -> Page:
    """The page in whichever documented shape it came, unwrapped once per response.

    The body was already parsed (and found to be JSON) when the answer arrived.
    """
    page = getattr(response, _PAGE_ATTR, None)
    if page is None:
        page = unwrap(decoded_body(response), response.request.path_url)
        setattr(response, _PAGE_ATTR, page)
    return page


class RecordsMixin(OrdergrooveHTTPStream):
    """Records and conversion of ``OrdergrooveStream`` (its attributes are ``client.py``'s)."""

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
        record = self.converter.convert(row)
        if deleted_at:
            record[DELETED_AT] = deleted_at
        return record
