"""In-memory, mutable, thread-safe store of a generated Ordergroove dataset.

Each object type keeps its rows in a dict keyed by primary key, a list of
``(created, key)`` positions kept sorted (exactly the order the v2 cursor walks) and, for
every field an incremental filter reads, a sorted ``(value, position)`` index. A filtered
query is resolved once through the index and cached until the table changes, so every
cursor page costs a ``bisect`` plus the page itself, even at a million records. Cursors
encode a position (not an offset), so creates and deletes neither skip nor repeat records.
"""

from __future__ import annotations

import gc
import json
import random
import threading
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from operator import itemgetter
from typing import Any

from .clock import LocalClock
from .generator import generate
from .schema import OBJECTS, ObjectSpec

__all__ = ["Criterion", "Dataset", "Key", "Position"]

Key = str | tuple[str, ...]
Position = tuple[str, Key]
Row = tuple[Any, ...]
RowPredicate = Callable[[Row], bool]
# (field, operator, value) with operator ">=", "<=", "<" (naive timestamp strings), "in"
# (value: a tuple of allowed values) or "member" (value: a ``MemberOf``). The field
# ``order_status`` on items means the status of the item's order (the items list filter).
Criterion = tuple[str, str, Any]
ORDER_STATUS = "order_status"

_RANGE_OPS = (">=", "<=", "<")
_TOP = "\U0010ffff"  # sorts after every timestamp string and every sort value
_CACHE_SIZE = 8
_FREEZE_FROM_CUSTOMERS = 10_000  # ~190k records: small test datasets leave the GC alone


def _remove_sorted(items: list[Any], item: Any) -> None:
    """Delete ``item`` from a sorted list (bisect, then an O(N) memmove)."""
    i = bisect_left(items, item)
    if i < len(items) and items[i] == item:
        del items[i]


class _Table:
    """Rows of one object type with its cursor order, filter indexes and query cache."""

    __slots__ = ("cache", "field_pos", "indexes", "key_pos", "order", "rows", "spec", "version")

    def __init__(self, spec: ObjectSpec, rows: Iterable[Row]) -> None:
        self.spec = spec
        self.field_pos = {name: i for i, name in enumerate(spec.fields)}
        self.key_pos = tuple(self.field_pos[name] for name in spec.key)
        self.rows: dict[Key, Row] = {}
        given = 0
        for row in rows:
            self.rows[self.key_of(row)] = row
            given += 1
        if len(self.rows) != given:
            raise AssertionError(f"duplicate primary keys generated for {spec.name}")
        self.order: list[Position] = _sorted_positions(
            [(row[-1], key) for key, row in self.rows.items()]
        )
        self.indexes: dict[str, list[tuple[str, Position]]] = {}
        for name in sorted({field for field, _ in spec.range_filters.values()}):
            pos = self.field_pos[name]
            rows = self.rows
            # Built from self.order (already sorted by position, sharing its tuples), so a
            # stable sort on the value alone yields (value, position) order, 2x faster.
            entries = [
                (value, position)
                for position in self.order
                if isinstance(value := rows[position[1]][pos], str)
            ]
            entries.sort(key=itemgetter(0))
            self.indexes[name] = entries
        self.cache: OrderedDict[tuple[Criterion, ...], tuple[int, list[Position]]]
        self.cache = OrderedDict()
        self.version = 0

    # -- keys and views ------------------------------------------------------------------
    def key_of(self, row: Row) -> Key:
        """Primary key of a stored row: a string, or a tuple for compound keys."""
        if len(self.key_pos) == 1:
            return row[self.key_pos[0]]
        return tuple(row[i] for i in self.key_pos)

    def norm_key(self, key: Any) -> Key:
        """Accept lists (JSON) for compound keys and anything str()-able for simple ones."""
        if self.spec.compound_key:
            if not isinstance(key, list | tuple) or len(key) != len(self.key_pos):
                raise ValueError(f"{self.spec.name} key must be a list of {list(self.spec.key)}")
            return tuple(part if isinstance(part, int) else str(part) for part in key)
        return str(key)

    def as_dict(self, row: Row) -> dict[str, Any]:
        """Public view of a row: the hidden trailing sort value is dropped by zip."""
        return dict(zip(self.spec.fields, row, strict=False))

    def make_row(self, record: dict[str, Any], sort_value: str) -> Row:
        """Row tuple for a complete record plus its hidden sort value."""
        return (*(record[name] for name in self.spec.fields), sort_value)

    # -- writes (keep order, indexes and cache consistent) -------------------------------
    def store(self, row: Row) -> Key:
        """Insert or replace a row, maintaining the cursor order and the filter indexes."""
        key = self.key_of(row)
        old = self.rows.get(key)
        self.rows[key] = row
        position = (row[-1], key)
        if old is not None and old[-1] == row[-1]:
            for name, entries in self.indexes.items():
                pos = self.field_pos[name]
                if old[pos] != row[pos]:
                    self._unindex(entries, old[pos], position)
                    self._index(entries, row[pos], position)
        else:
            if old is not None:
                self._forget(old, (old[-1], key))
            insort(self.order, position)
            for name, entries in self.indexes.items():
                self._index(entries, row[self.field_pos[name]], position)
        self.version += 1
        return key

    def drop(self, key: Key) -> Row | None:
        """Remove a row by key; returns it (None when absent)."""
        row = self.rows.pop(key, None)
        if row is not None:
            self._forget(row, (row[-1], key))
            self.version += 1
        return row

    def _forget(self, row: Row, position: Position) -> None:
        """Remove a row's position from the order and every index."""
        _remove_sorted(self.order, position)
        for name, entries in self.indexes.items():
            self._unindex(entries, row[self.field_pos[name]], position)

    @staticmethod
    def _index(entries: list[tuple[str, Position]], value: Any, position: Position) -> None:
        """Add an index entry (null/non-string timestamps are never indexed)."""
        if isinstance(value, str):
            insort(entries, (value, position))

    @staticmethod
    def _unindex(entries: list[tuple[str, Position]], value: Any, position: Position) -> None:
        """Remove an index entry if it exists."""
        if isinstance(value, str):
            _remove_sorted(entries, (value, position))

    # -- reads ---------------------------------------------------------------------------
    def matching(self, criteria: tuple[Criterion, ...]) -> list[Position]:
        """Sorted positions of the rows matching ``criteria`` (cached per table version)."""
        if not criteria:
            return self.order
        hit = self.cache.get(criteria)
        if hit is not None and hit[0] == self.version:
            self.cache.move_to_end(criteria)
            return hit[1]
        predicate = _compile(self, criteria)
        rows = self.rows
        indexed = next(
            (c[0] for c in criteria if c[0] in self.indexes and c[1] in _RANGE_OPS), None
        )
        if indexed is not None:
            lo, hi, below = _merge_bounds([(op, v) for f, op, v in criteria if f == indexed])
            entries = self.indexes[indexed]
            start = bisect_left(entries, (lo,))
            stop = bisect_right(entries, (hi, (_TOP,)))
            if below is not None:
                stop = min(stop, bisect_left(entries, (below,)))
            found = sorted(p for _, p in entries[start:stop] if predicate(rows[p[1]]))
        else:
            found = [p for p in self.order if predicate(rows[p[1]])]
        self.cache[criteria] = (self.version, found)
        while len(self.cache) > _CACHE_SIZE:
            self.cache.popitem(last=False)
        return found


def _sorted_positions(positions: list[Position]) -> list[Position]:
    """Sort (sort value, key) pairs; start-up time at a million records matters here.

    When every sort value has the same length and keys are strings, comparing the
    concatenation orders exactly like comparing the tuples, and string comparison is about
    twice as fast as tuple comparison.
    """
    if len({len(sort) for sort, _ in positions}) <= 1 and all(
        isinstance(key, str) for _, key in positions
    ):
        positions.sort(key=lambda p: p[0] + str(p[1]))
    else:
        positions.sort()
    return positions


def _merge_bounds(bounds: list[tuple[str, Any]]) -> tuple[str, str, str | None]:
    """Collapse >=, <= and < bounds on one field into (lo, hi, below)."""
    lo = max((v for op, v in bounds if op == ">="), default="")
    hi = min((v for op, v in bounds if op == "<="), default=_TOP)
    below = min((v for op, v in bounds if op == "<"), default=None)
    return lo, hi, below


def _compile(table: _Table, criteria: Iterable[Criterion]) -> RowPredicate:
    """One predicate over stored rows for all criteria.

    Naive ``YYYY-MM-DD HH:MM:SS`` strings order like the wall-clock datetimes they spell, so
    string comparison is the documented wall-clock semantics; null timestamps never match.
    Membership is strict about type, so ``True`` does not match ``1`` or ``"True"``.
    """
    ranges: dict[int, list[tuple[str, Any]]] = {}
    members: list[tuple[int, tuple[Any, ...]]] = []
    sets: list[tuple[int, frozenset]] = []
    for name, op, value in criteria:
        pos = table.field_pos[name]
        if op == "in":
            members.append((pos, tuple(value)))
        elif op == "member":
            sets.append((pos, value.keys))
        elif op in _RANGE_OPS:
            ranges.setdefault(pos, []).append((op, value))
        else:
            raise ValueError(f"unknown operator {op!r}")
    merged = [(pos, *_merge_bounds(bounds)) for pos, bounds in ranges.items()]

    def predicate(row: Row) -> bool:
        for pos, lo, hi, below in merged:
            value = row[pos]
            if value.__class__ is not str or not lo <= value <= hi:
                return False
            if below is not None and value >= below:
                return False
        for pos, allowed in members:
            value = row[pos]
            if not any(value.__class__ is a.__class__ and value == a for a in allowed):
                return False
        return all(row[pos] in keys for pos, keys in sets)

    return predicate


class MemberOf:
    """A set of keys for a "member" criterion; equal and hashed by ``label`` only, so the
    query cache keys on (statuses, orders table version), never on a million keys."""

    __slots__ = ("keys", "label")

    def __init__(self, label: tuple, keys: frozenset) -> None:
        self.label = label
        self.keys = keys

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemberOf) and other.label == self.label

    def __hash__(self) -> int:
        return hash(self.label)


def _freeze(criteria: Iterable[Criterion]) -> tuple[Criterion, ...]:
    """Hashable criteria (lists become tuples) so they can key the query cache."""
    return tuple(
        (field, op, tuple(value) if isinstance(value, list | set) else value)
        for field, op, value in criteria
    )


def _deep_copy(value: Any) -> Any:
    """Copy through JSON so callers get exactly what the HTTP API would return."""
    return json.loads(json.dumps(value))


class Dataset:
    """Deterministic related Ordergroove data plus a thread-safe mutation API.

    The same ``seed`` and ``customers`` always produce identical records. Timestamps are naive
    wall-clock strings in ``timezone``; mutations stamp ``updated`` with the current time of
    that zone (or of :meth:`freeze_time`).
    """

    def __init__(
        self, seed: int = 42, customers: int = 500, timezone: str = "America/Chicago"
    ) -> None:
        if customers < 1:
            raise ValueError("customers must be >= 1")
        self.seed = seed
        self.customers = customers
        self.clock = LocalClock(timezone)
        self.timezone = timezone
        self._lock = threading.RLock()
        # The cyclic GC would rescan the ever-growing heap of (acyclic) row tuples many times
        # while a million records are allocated; pausing it keeps start-up roughly linear.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            generated = generate(seed, customers, self.clock)
            self._tables = {
                name: _Table(OBJECTS[name], rows) for name, rows in generated.rows.items()
            }
            generated.rows.clear()
        finally:
            if gc_was_enabled:
                gc.enable()
        if customers >= _FREEZE_FROM_CUSTOMERS:
            # Millions of long-lived objects would otherwise be traversed by the first young
            # collections (~1 s pauses mid-benchmark); the dataset lives as long as the process.
            gc.freeze()
        self.merchant = generated.merchant
        self._items_by_order = generated.items_by_order
        self._rng = random.Random(f"ordergroove-fake-mutations:{seed}")
        self._frozen_now: str | None = None
        self._members: dict[tuple, MemberOf] = {}

    # -- introspection -------------------------------------------------------------------
    @property
    def object_types(self) -> tuple[str, ...]:
        """Names of every object type (stream names), in reference-table order."""
        return tuple(OBJECTS)

    def spec(self, obj_type: str) -> ObjectSpec:
        """Static description of ``obj_type``; raises KeyError for unknown types."""
        return self._table(obj_type).spec

    def count(self, obj_type: str) -> int:
        """Number of stored records of ``obj_type`` (no API default filters applied)."""
        with self._lock:
            return len(self._table(obj_type).rows)

    def counts(self) -> dict[str, int]:
        """Record counts per object type."""
        with self._lock:
            return {name: len(table.rows) for name, table in self._tables.items()}

    def records(self, obj_type: str, *, deep_copy: bool = True) -> list[dict[str, Any]]:
        """All records in API order ((created, key) ascending), as the API serves them.

        ``deep_copy=False`` skips the JSON round trip (seconds at a million records) and
        shares nested objects with the store, so it is only for read-and-serialize use.
        """
        with self._lock:
            table = self._table(obj_type)
            view = [table.as_dict(table.rows[key]) for _, key in table.order]
        return _deep_copy(view) if deep_copy else view

    def get(self, obj_type: str, key: Any) -> dict[str, Any] | None:
        """One record by primary key (a list/tuple for compound keys), or None."""
        with self._lock:
            table = self._table(obj_type)
            row = table.rows.get(table.norm_key(key))
            view = None if row is None else table.as_dict(row)
        return _deep_copy(view)

    # -- time ----------------------------------------------------------------------------
    def now(self) -> str:
        """Current naive wall-clock time in the dataset zone (or the frozen value)."""
        if self._frozen_now is not None:
            return self._frozen_now
        return datetime.now(self.clock.zone).strftime("%Y-%m-%d %H:%M:%S")

    def freeze_time(self, value: str | None) -> None:
        """Pin :meth:`now` to a naive string (None unfreezes); lets tests predict stamps."""
        if value is not None:
            datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        self._frozen_now = value

    def set_timezone(self, timezone: str) -> None:
        """Change the zone used for `now` stamps (generated data keeps its wall clock)."""
        self.clock = LocalClock(timezone)
        self.timezone = timezone

    # -- queries used by the server ------------------------------------------------------
    def scan(
        self,
        obj_type: str,
        after: Position | None,
        criteria: Iterable[Criterion],
        limit: int,
        reverse: bool = False,
    ) -> tuple[list[tuple[Position, dict[str, Any]]], bool]:
        """Up to ``limit`` matching records strictly after (or, reversed, before) a position.

        Returns ``(page, more)``; ``more`` tells whether another match lies beyond the page.
        Positions are ``(created, key)`` so a cursor stays valid across creates and deletes.
        """
        with self._lock:
            table = self._table(obj_type)
            seq = table.matching(_freeze(self._resolve(criteria)))
            if not reverse:
                start = 0 if after is None else bisect_right(seq, after)
                stop = min(start + limit, len(seq))
                more = stop < len(seq)
            else:
                stop = len(seq) if after is None else bisect_left(seq, after)
                start = max(0, stop - limit)
                more = start > 0
            rows = table.rows
            return [(p, table.as_dict(rows[p[1]])) for p in seq[start:stop]], more

    def slice(
        self, obj_type: str, criteria: Iterable[Criterion], offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total matches, records[offset:offset+limit]) for the deprecated v1 pagination."""
        with self._lock:
            table = self._table(obj_type)
            seq = table.matching(_freeze(self._resolve(criteria)))
            rows = table.rows
            return len(seq), [table.as_dict(rows[p[1]]) for p in seq[offset : offset + limit]]

    # -- mutations -----------------------------------------------------------------------
    def update(self, obj_type: str, key: Any, /, **fields: Any) -> dict[str, Any]:
        """Apply ``fields`` and bump the record's updated stamp, like an API write would.

        An explicit ``updated``/``last_updated``/``last_update`` (or ``order_updated`` for
        items) is used verbatim instead of now. Orders push their new ``updated`` into all
        their items' ``order_updated``; an item change bumps its order the same way.
        """
        with self._lock:
            table = self._table(obj_type)
            spec = table.spec
            key = table.norm_key(key)
            row = table.rows.get(key)
            if row is None:
                raise KeyError(f"{obj_type} {key!r} not found")
            self._check_fields(spec, fields)
            for name in spec.key:
                if name in fields and fields[name] != row[table.field_pos[name]]:
                    raise ValueError(f"cannot change primary key field {name!r}")
            record = table.as_dict(row)
            old_order = record.get("order")
            now = self.now()
            if spec.updated_field and spec.updated_field not in fields:
                record[spec.updated_field] = now
            record.update(fields)
            sort_value = row[-1]
            if spec.created_field and spec.created_field in fields:
                sort_value = str(record[spec.created_field])
            if obj_type == "items":
                record["order_updated"] = fields.get("order_updated", now)
            table.store(table.make_row(record, sort_value))
            if obj_type == "orders":
                self._bump_order(key, record["updated"])
            elif obj_type == "items":
                if record["order"] != old_order:
                    self._items_by_order.get(old_order, []).remove(key)
                    self._items_by_order.setdefault(record["order"], []).append(key)
                    self._bump_order(old_order, record["order_updated"])
                self._bump_order(record["order"], record["order_updated"])
            return self._get_unlocked(table, key)

    def create(self, obj_type: str, /, **fields: Any) -> dict[str, Any]:
        """Insert a new record (fresh key unless given; created == updated == now).

        Unset fields are null. Creating an item bumps its order like any item change.
        """
        with self._lock:
            table = self._table(obj_type)
            spec = table.spec
            self._check_fields(spec, fields)
            record: dict[str, Any] = dict.fromkeys(spec.fields)
            if "merchant" in record:
                record["merchant"] = self.merchant
            for name in spec.key:
                if name not in fields:
                    if spec.compound_key:
                        raise ValueError(f"{obj_type} needs {list(spec.key)} to be created")
                    record[name] = self._new_key(table, name)
            now = self.now()
            if spec.created_field:
                record[spec.created_field] = now
            record.update(fields)
            if spec.created_field and spec.updated_field and spec.updated_field not in fields:
                record[spec.updated_field] = record[spec.created_field]
            if obj_type == "items":
                record["order_updated"] = fields.get("order_updated", now)
            if spec.created_field:
                sort_value = str(record[spec.created_field])
            else:  # items are ordered by their (hidden) creation time, cancel reasons by key
                sort_value = "" if obj_type == "merchant_cancel_reasons" else now
            row = table.make_row(record, sort_value)
            key = table.key_of(row)
            if key in table.rows:
                raise ValueError(f"{obj_type} {key!r} already exists")
            table.store(row)
            if obj_type == "items":
                self._items_by_order.setdefault(record["order"], []).append(key)
                self._bump_order(record["order"], record["order_updated"])
            elif obj_type == "orders":
                self._items_by_order.setdefault(key, [])
            return self._get_unlocked(table, key)

    def delete(self, obj_type: str, key: Any) -> None:
        """Hard-delete a record: orders take their items along; an item bumps its order."""
        with self._lock:
            table = self._table(obj_type)
            key = table.norm_key(key)
            row = table.drop(key)
            if row is None:
                raise KeyError(f"{obj_type} {key!r} not found")
            if obj_type == "orders":
                items = self._tables["items"]
                for item_key in self._items_by_order.pop(key, []):
                    items.drop(item_key)
            elif obj_type == "items":
                order_key = row[table.field_pos["order"]]
                siblings = self._items_by_order.get(order_key, [])
                if key in siblings:
                    siblings.remove(key)
                self._bump_order(order_key, self.now())

    # -- internals -----------------------------------------------------------------------
    def _resolve(self, criteria: Iterable[Criterion]) -> list[Criterion]:
        """Replace an items ``order_status`` criterion by membership in the matching orders."""
        resolved = []
        for name, op, value in criteria:
            if name != ORDER_STATUS:
                resolved.append((name, op, value))
                continue
            orders = self._tables["orders"]
            label = (tuple(value), orders.version)
            member = self._members.get(label)
            if member is None:
                statuses = (("status", "in", tuple(value)),)
                keys = frozenset(key for _, key in orders.matching(statuses))
                member = MemberOf(label, keys)
                self._members = {label: member}  # older versions are stale
            resolved.append(("order", "member", member))
        return resolved

    def _table(self, obj_type: str) -> _Table:
        """Table for a stream name; KeyError with the valid names otherwise."""
        table = self._tables.get(obj_type)
        if table is None:
            raise KeyError(f"unknown object type {obj_type!r}; expected one of {list(OBJECTS)}")
        return table

    def _get_unlocked(self, table: _Table, key: Key) -> dict[str, Any]:
        """Copy of a record; the caller already holds the lock."""
        return _deep_copy(table.as_dict(table.rows[key]))

    @staticmethod
    def _check_fields(spec: ObjectSpec, fields: dict[str, Any]) -> None:
        """Reject unknown field names instead of silently storing typos."""
        unknown = sorted(set(fields) - set(spec.fields))
        if unknown:
            raise ValueError(f"unknown {spec.name} fields: {unknown}")

    def _new_key(self, table: _Table, name: str) -> str:
        """A fresh, unused primary key in the style of the generated ones."""
        while True:
            if name == "public_id":
                candidate = f"{self._rng.getrandbits(128):032x}"
            else:
                candidate = str(self._rng.randint(10**12, 10**13 - 1))
            if candidate not in table.rows:
                return candidate

    def _bump_order(self, order_key: Any, stamp: Any) -> None:
        """Set an order's ``updated`` and all its items' ``order_updated`` to ``stamp``."""
        orders = self._tables["orders"]
        row = orders.rows.get(order_key)
        if row is not None:
            pos = orders.field_pos["updated"]
            if row[pos] != stamp:
                orders.store((*row[:pos], stamp, *row[pos + 1 :]))
        items = self._tables["items"]
        pos = items.field_pos["order_updated"]
        for item_key in self._items_by_order.get(order_key, []):
            item_row = items.rows.get(item_key)
            if item_row is not None and item_row[pos] != stamp:
                items.store((*item_row[:pos], stamp, *item_row[pos + 1 :]))
