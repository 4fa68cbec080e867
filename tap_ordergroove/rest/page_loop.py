"""The record loop of a REST stream, run per page instead of per record.

The SDK's ``Stream._sync_records`` handles each record on its own: a ``RecordMessage``
object, a stream-map call, a copy of the record as a child context, a bookmark update, a
counter step and a flush check, about 3.6 us a record, as much as fetching and parsing
it. ``sync_pages`` does the same work once per page: the page's records are converted,
their child rows derived from the same page, every table's lines encoded in one call and
appended to the output buffer once, and the bookmark moved once by the page's greatest
replication value. Records, child rows, STATE and ACTIVATE_VERSION messages are the ones
the SDK's loop writes (``tests/test_fast_path.py`` runs both and compares them).

The SDK's loop runs instead whenever a record needs per-record handling the page loop does
not do (``sdk_path_reason``): stream maps or flattening on the stream or one of its child
tables, a deselected property, a record limit (``--test``), a partitioned or child sync,
or ``ORDERGROOVE_RECORD_PATH=sdk`` in the environment (for comparing the two).
"""

from __future__ import annotations

import os
import typing as t

from singer_sdk.contrib.msgspec import encoder
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.types import Record
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.streams.core import REPLICATION_INCREMENTAL

if t.TYPE_CHECKING:
    from collections.abc import Generator
    from datetime import datetime

    from singer_sdk import Stream
    from singer_sdk.helpers.types import Context

    from tap_ordergroove.rest.client import OrdergrooveStream

#: ``ORDERGROOVE_RECORD_PATH=sdk`` makes every stream take the SDK's per-record loop.
RECORD_PATH_ENV = "ORDERGROOVE_RECORD_PATH"


class PageOfRecords:
    """One page's raw records, passed through ``get_records`` as a single item."""

    __slots__ = ("records",)

    def __init__(self, records: list[dict]) -> None:
        self.records = records


def sdk_path_forced() -> bool:
    """True when ``ORDERGROOVE_RECORD_PATH=sdk`` asks for the SDK's record path everywhere."""
    return os.environ.get(RECORD_PATH_ENV, "").strip().lower() == "sdk"


def _plain_output(table: Stream) -> str | None:
    """Why ``table``'s records need the SDK's per-record messages, or None if they do not."""
    maps = table.stream_maps
    if (
        len(maps) != 1
        or type(maps[0]) is not SameRecordTransform
        or maps[0].flattening_enabled
        or maps[0].stream_alias != table.name
    ):
        return f"stream maps or flattening configured for '{table.name}'"
    if not all(table.mask.values()):
        return f"properties of '{table.name}' deselected in the catalog"
    return None


def sdk_path_reason(
    stream: OrdergrooveStream, context: Context | None, *, write_messages: bool
) -> str | None:
    """Why ``stream`` must take the SDK's per-record loop this run; None: the page loop."""
    if sdk_path_forced():
        return f"{RECORD_PATH_ENV}=sdk"
    if context is not None or stream.partitions or stream.state_partitioning_keys:
        return "a partitioned sync"
    if not write_messages:
        return "a sync without messages"
    if stream.ABORT_AT_RECORD_COUNT is not None:
        return "a record limit (--test)"
    if stream.is_sorted:
        return "a stream declared sorted (checked record by record)"
    tables: list[Stream] = [stream] if stream.selected else []
    tables += list(getattr(stream, "feeding", ()))
    for table in tables:
        reason = _plain_output(table)
        if reason:
            return reason
    return None


def encode_records(
    records: list[dict], stream: str, version: int | None, extracted: datetime
) -> bytes:
    """RECORD lines exactly as the SDK's msgspec writer writes ``RecordMessage``s.

    The records are encoded in one call, one per line, and each line is wrapped in the
    message's other fields, encoded once per page: the same bytes as encoding each
    message (JSON has no context, and an encoded record holds no newline byte: msgspec
    escapes control characters in strings), without a message dict per record.
    """
    if not records:
        return b""
    head = b'{"type":"RECORD","stream":' + encoder.encode(stream) + b',"record":'
    tail = b""
    if version is not None:
        tail = b',"version":' + encoder.encode(version)
    tail += b',"time_extracted":' + encoder.encode(extracted) + b"}\n"
    lines = encoder.encode_lines(records)
    return head + lines[:-1].replace(b"\n", tail + head) + tail


_TEXT_ONLY = {str}


class _Bookmark:
    """Moves the stream's bookmark once per run of records, as per-record updates would."""

    def __init__(self, stream: OrdergrooveStream) -> None:
        self.stream = stream
        incremental = stream.replication_method == REPLICATION_INCREMENTAL
        self.key = stream.replication_key if incremental else None
        self.keep_max = stream.check_sorted

    def advance(self, records: list[dict]) -> None:
        key = self.key
        if not key or not records:
            return
        values = [record[key] for record in records]  # KeyError like the SDK's
        if set(map(type, values)) != _TEXT_ONLY:
            for record in records:  # null (warned per record) or unusual values: exact path
                self.stream._increment_stream_state(record)
            return
        newest = max(values) if self.keep_max else values[-1]
        self.stream._increment_stream_state({key: newest})


def sync_pages(stream: OrdergrooveStream) -> Generator[Record, t.Any, None]:
    """``Stream._sync_records`` for one unpartitioned stream, a page at a time.

    Same order of effects as the SDK's loop for each run of records: child rows, the
    records, ``state_manager.is_flushed = False``, the bookmark, a STATE after every
    ``STATE_MSG_FREQUENCY`` records (a page is split there), the record counter.
    """
    writer = stream._tap.message_writer  # type: ignore[attr-defined]
    selected = stream.selected
    frequency = stream.STATE_MSG_FREQUENCY
    bookmark = _Bookmark(stream)
    post_process = stream.post_process
    record_counter = stream.get_record_counter()
    timer = stream.get_sync_timer()
    written = 0  # the SDK's record_index: records that survived post_process
    with record_counter, timer:
        record_counter.with_context({})
        timer.with_context({})
        partition = stream._get_state_partition_context(None)
        stream._write_starting_replication_value(None)
        stream.batched_pages = True
        try:
            for item in stream.get_records(None):
                raw = item.records if item.__class__ is PageOfRecords else (item,)
                children = getattr(stream, "_children_now", None)
                records = []
                rows: dict[Stream, list[dict]] = {}
                for row in raw:
                    record = post_process(row, None)
                    if record is None:
                        continue
                    records.append(record)
                    if children:
                        for child, child_rows in stream.children_of(record):  # type: ignore[attr-defined]
                            if child_rows:
                                rows.setdefault(child, []).extend(child_rows)
                extracted = utc_now()
                for child, child_rows in rows.items():
                    writer.write_records(
                        child.name,
                        encode_records(child_rows, child.name, child._stream_version, extracted),
                        len(child_rows),
                    )
                    child.state_manager.is_flushed = False
                if not selected or not records:
                    written += len(records)
                    continue
                start = 0
                while start < len(records):
                    # Up to the next multiple of STATE_MSG_FREQUENCY, where the SDK writes STATE.
                    end = min(len(records), start + frequency - written % frequency)
                    run = records[start:end] if start or end < len(records) else records
                    writer.write_records(
                        stream.name,
                        encode_records(run, stream.name, stream._stream_version, extracted),
                        len(run),
                    )
                    stream.state_manager.is_flushed = False
                    bookmark.advance(run)
                    written += len(run)
                    if written % frequency == 0:
                        stream._write_state_message()
                    record_counter.increment(len(run))
                    start = end
                yield from records
        finally:
            stream.batched_pages = False
        if partition is None:
            stream._finalize_state(stream.get_context_state(None))
    stream._finalize_state(stream.stream_state)
    stream._write_state_message()
