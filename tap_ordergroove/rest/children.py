"""Child tables derived from array fields of records a parent stream already read.

Analysts get ``subscription_components`` and friends as relational tables, as Hevo and
Fivetran deliver them, at zero extra requests: a child never calls the API, its rows come
from the parent's pages. The parent keeps its array column too.

Why not the SDK's per-record child sync (``parent_stream_type`` + ``Stream.sync(context)``
per parent record)? That costs, per parent record, a SCHEMA message, an INFO line, two
metric lines and a STATE message: 1M subscriptions would log 3M lines. The SDK's parent/
child wiring is kept (catalog, selection, ``has_selected_descendents``, state), but the
parent writes its children's RECORDs itself, once per parent record, and each child sends
SCHEMA once, and ACTIVATE_VERSION and STATE once, after the parent's last page:

- incremental parents (subscriptions, items) give incremental children: a changed parent
  re-sends all its children with its new update time; docs/child-tables.md gives the SQL condition
  that leaves out children the parent no longer has;
- full-table parents (products, offer profiles), and incremental parents during a deletes
  resync, read the whole table, so their children get ACTIVATE_VERSION after the last page
  and rows no longer sent are flagged ``_sdc_deleted_at``; a failed read flags nothing;
- a child selected without its parent works: the SDK syncs the parent without writing its
  records, and the parent starts from the older of its own and its children's bookmarks.
"""

from __future__ import annotations

import time
import typing as t
from functools import cached_property

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_ordergroove.coerce import ConversionError, RecordConverter, as_list
from tap_ordergroove.rest import resync
from tap_ordergroove.rest.client import OrdergrooveStream
from tap_ordergroove.timezones import parse_instant, utc_iso
from tap_ordergroove.webhooks.events import DELETED_AT

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from singer_sdk.helpers.types import Context

#: (extra key columns, position in its array, element) for each element of a parent record.
Element = tuple[dict[str, t.Any], int, t.Any]


class ChildStream(Stream):
    """One child table: a row per element of ``array_field`` of each parent record."""

    #: The parent's field holding the elements, the parent's key and update-time fields.
    array_field: t.ClassVar[str]
    #: Other names the field goes by in Ordergroove's docs, tried when ``array_field`` is absent.
    array_aliases: t.ClassVar[tuple[str, ...]] = ()
    parent_key: t.ClassVar[str] = "public_id"
    parent_stamp: t.ClassVar[str] = "updated"
    #: Column names in this table for the parent's key and update time.
    parent_column: t.ClassVar[str]
    stamp_column: t.ClassVar[str]
    #: Element fields that identify an element without a ``public_id``.
    natural_key: t.ClassVar[tuple[str, ...]] = ()
    #: For arrays of plain values (offer ids): the column the value goes to.
    value_column: t.ClassVar[str | None] = None

    #: One state entry for the whole table, never one per parent record.
    state_partitioning_keys: t.ClassVar[list[str]] = []  # type: ignore[misc]
    #: ``RecordConverter`` already emits the schema's types.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.written = 0
        self.parents_seen = 0
        self.newest: str | None = None
        self._warned_shape = False

    @cached_property
    def converter(self) -> RecordConverter:
        """Converts assembled rows (raw API values) to this table's schema types."""
        zone = self._tap.zone  # type: ignore[attr-defined]
        return RecordConverter(
            self.name,
            self.schema,
            list(self.primary_keys or []),
            zone,
            strict=bool(self.config.get("strict_values", False)),
            logger=self.logger,
        )

    # Derivation ------------------------------------------------------------------------

    def elements(self, parent: dict) -> Iterable[Element]:
        """The elements of the parent's array, with their positions.

        Read the way the parent's own column is (``coerce.as_list``): a legacy comma
        string ("sku1,sku2", seen for ``components``) is split, a single object (a field
        documented as "object") is one element, ``{}`` none.
        """
        value = parent.get(self.array_field)
        for alias in self.array_aliases:
            value = parent.get(alias) if value is None else value
        for position, element in enumerate(self.as_elements(value, parent)):
            yield {}, position, element

    def as_elements(self, value: t.Any, parent: dict) -> list:
        """``value`` as a list of elements; a value that is no list at all gives none.

        Such a value never stops the sync: the parent's converter quarantines it (its
        raw value lands in the parent's ``_extra_fields``); here it is warned about once.
        """
        try:
            elements, _ = as_list(value, "product" if "product" in self.natural_key else None)
        except ConversionError as exc:
            if not self._warned_shape:
                self._warned_shape = True
                self.logger.warning(
                    "Stream '%s': `%s` of %s %r is no list (%s); no rows for it, the raw "
                    "value is kept in the parent's _extra_fields",
                    self.name,
                    self.array_field,
                    self.parent_column,
                    parent.get(self.parent_key),
                    exc,
                )
            return []
        return elements or []

    def element_key(self, element: t.Any, position: int) -> str:
        """``public_id``, else the natural key, else the position (see ``child_schemas``)."""
        if not isinstance(element, dict):
            return str(element) if element not in (None, "") else str(position)
        if element.get("public_id"):
            return str(element["public_id"])
        natural = [element.get(name) for name in self.natural_key]
        if natural and all(part not in (None, "") for part in natural):
            return ":".join(str(part) for part in natural)
        return str(position)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """This table's rows for one parent record (``context`` is the raw parent record).

        The SDK's default child context is the parent record, so this is also what an SDK
        child sync would read; the tap itself calls it from ``rows_for``.
        """
        parent = context or {}
        base = {
            self.parent_column: parent.get(self.parent_key),
            self.stamp_column: parent.get(self.parent_stamp),
        }
        seen: set[tuple] = set()
        for keys, position, element in self.elements(parent):
            key = self.element_key(element, position)
            if (*keys.values(), key) in seen:  # a repeated natural key ("sku1,sku1")
                key = f"{key}#{position}"
            seen.add((*keys.values(), key))
            fields = (
                element if isinstance(element, dict) else {self.value_column or "_element": element}
            )
            row = {**base, **keys, "child_key": key, "position": position, **fields}
            yield self.converter(row)

    # Emission, driven by the parent ----------------------------------------------------

    def begin(self, *, whole_table: bool) -> None:
        """Before the parent's first page: SCHEMA, and a version if the read is complete."""
        self.written = self.parents_seen = 0
        self.newest = None
        self._stream_version = int(time.time() * 1000) if whole_table else None
        self._write_schema_message()

    def rows_for(self, parent: dict, converted: dict) -> list[dict]:
        """This table's rows for one parent record (raw, and as the parent emitted it).

        Counts them as written (the caller writes them: the SDK's record loop one message
        each, the page loop a page's rows at once). The bookmark tracks the parent's converted
        update time (UTC ISO strings of one format, so they compare as text), also for
        parents without children.
        """
        self.parents_seen += 1
        rows = list(self.get_records(parent))
        self.written += len(rows)
        stamp = converted.get(self.parent_stamp)
        if self.replication_key and stamp and (self.newest is None or stamp > self.newest):
            self.newest = stamp
        return rows

    def finish(self, parent: OrdergrooveStream) -> None:
        """After the parent's last page: ACTIVATE_VERSION for a complete read, bookmark, log."""
        if self._stream_version is not None:
            # Only now: a failed parent read never gets here, so it flags nothing.
            self._write_activate_version_message(self._stream_version)
        if self.replication_key and self.newest:
            signpost = parent.get_replication_key_signpost()
            value = parse_instant(self.newest)
            if signpost:
                value = min(value, parse_instant(signpost))
            self.stream_state["replication_key"] = self.replication_key
            self.stream_state["replication_key_value"] = utc_iso(value)
            self.state_manager.is_flushed = False
            self._write_state_message()
        summary = self.converter.summary()
        if summary:
            self.logger.warning("Stream '%s' data fidelity: %s", self.name, summary)
        self.logger.info(
            "Stream '%s' done: %d records from %d '%s' records, 0 requests%s",
            self.name,
            self.written,
            self.parents_seen,
            parent.name,
            ", complete read: rows not sent are flagged deleted"
            if self._stream_version is not None
            else "",
        )

    def starting_timestamp(self) -> datetime | None:
        """Where this table's parent must start reading for it: bookmark or ``start_date``."""
        values = [
            parse_instant(str(value))
            for value in (
                self.stream_state.get("replication_key_value"),
                self.config.get("start_date"),
            )
            if value
        ]
        return max(values) if values else None


class ParentStream(OrdergrooveStream):
    """Base for a stream whose records feed child tables (``ChildStream`` subclasses)."""

    @property
    def feeding(self) -> list[ChildStream]:
        """The selected child tables this parent writes rows for."""
        return [
            child
            for child in self.child_streams
            if isinstance(child, ChildStream) and child.selected
        ]

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """The parent's records; its children begin before the first page, finish after the last."""
        children = self.feeding
        self._children_now = children
        whole_table = resync.reads_whole_table(self)
        for child in children:
            child.begin(whole_table=whole_table)
        yield from super().get_records(context)
        for child in children:
            child.finish(self)

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Keep the raw record for the children: they convert their own fields."""
        self._raw_parent = None if DELETED_AT in row else row  # no children of tombstones
        return super().post_process(row, context)

    def children_of(self, record: dict) -> Iterator[tuple[ChildStream, list[dict]]]:
        """Each fed child table with its rows for ``record``, just returned by ``post_process``.

        The page loop (``page_loop.sync_pages``) writes them a page at a time.
        """
        raw = getattr(self, "_raw_parent", None)
        if raw is not None:
            for child in getattr(self, "_children_now", ()):
                yield child, child.rows_for(raw, record)

    def generate_child_contexts(
        self, record: dict, context: Context | None
    ) -> Iterator[Context | None]:
        """Write the children's rows now; no SDK child sync per record (see module doc).

        Called by the SDK's record loop only; the page loop uses ``children_of``.
        """
        for child, rows in self.children_of(record):
            for row in rows:
                child._write_record_message(row)
        return iter(())

    def get_starting_timestamp(self, context: Context | None) -> datetime | None:
        """The older of this stream's start and its selected children's starts.

        A child selected later than its parent (or alone) would otherwise miss every
        parent that has not changed since the parent's bookmark.
        """
        own = super().get_starting_timestamp(context)
        starts = [own] if self.selected else []
        starts += [child.starting_timestamp() for child in self.feeding if child.replication_key]
        if not starts:
            return own
        if any(start is None for start in starts):
            return None
        return min(t.cast("list[datetime]", starts))
