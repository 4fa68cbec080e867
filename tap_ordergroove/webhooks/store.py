"""Durable, idempotent storage of received webhook events, and the read API the tap uses.

One table, ``ordergroove_webhook_events``, in SQLite (embedded default) or PostgreSQL
(production), keyed by ``seq`` (arrival order) with ``event_id`` unique so Ordergroove's retries
and duplicates are stored once. ``seq`` only ever grows and rows become visible in ``seq`` order,
so a reader that remembers the last ``seq`` it saw (the tap's bookmark) never misses an event:

* SQLite has one writer at a time and ``AUTOINCREMENT`` never reuses a value;
* PostgreSQL writers take a transaction-level advisory lock before drawing from the sequence,
  so even several receiver processes commit in ``seq`` order (a plain ``BIGSERIAL`` would let a
  lower ``seq`` commit after a higher one and a reader could skip it for good).

Writes go through a :class:`~tap_ordergroove.webhooks.batching.GroupCommitWriter`: one thread
owns the write connection and commits whatever arrived while the previous commit was flushing,
so many concurrent requests share one fsync while each is still acknowledged only after its own
event is on disk. Reads use their own connection and never wait for writes.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from tap_ordergroove.webhooks.batching import GroupCommitWriter, StoreError

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "TABLE",
    "EventStore",
    "NewEvent",
    "StoreError",
    "StoredEvent",
    "mask_url",
    "open_store",
]

TABLE = "ordergroove_webhook_events"
_SECRET_QUERY_KEYS = frozenset({"password", "passfile", "sslpassword", "sslkey"})


@dataclass(frozen=True)
class StoredEvent:
    """One stored webhook event, as the tap reads it."""

    seq: int
    event_id: str
    event_type: str
    created_unix: int | None
    received_at: datetime  # UTC, timezone-aware
    payload: dict


@dataclass(frozen=True)
class NewEvent:
    """One verified event on its way into the store; ``payload`` is the raw body text."""

    event_id: str
    event_type: str
    created_unix: int | None
    received_at: datetime
    payload: str


def mask_url(url: str) -> str:
    """``url`` with any password (userinfo or query parameter) replaced by ``***``."""
    parts = urlsplit(url)
    if not url_secrets(url):
        return url  # urlunsplit would also rewrite "sqlite:///x" as "sqlite:/x"
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostinfo = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:***@{hostinfo}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str) -> tuple[str, ...]:
    """Secret values inside ``url`` (as written and percent-decoded), for scrubbing messages."""
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    found += [v for k, v in parse_qsl(parts.query) if k.lower() in _SECRET_QUERY_KEYS and v]
    return tuple(dict.fromkeys(found + [unquote(value) for value in found]))


class EventStore(ABC):
    """Backend-neutral store: write API for the receiver, read API for the tap.

    Thread-safe. Open with :func:`open_store`; tables are created on first open. The write
    thread starts on the first write, so a reader (the tap) never runs one.
    """

    backend: str = ""

    def __init__(self, url: str, *, max_batch: int = 256) -> None:
        # What makes a commit durable on this backend, as read back from the write connection
        # (set when it opens). Shown by /health and logged at startup so an operator can see
        # that an acknowledged event really is on disk.
        self.durability = "unknown (no write yet)"
        self.masked_url = mask_url(url)
        self._secrets = url_secrets(url)
        self._max_batch = max_batch
        self._writer: GroupCommitWriter | None = None
        self._writer_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._closed = False

    # -- write API (the receiver) ---------------------------------------------------------
    def submit(self, event: NewEvent) -> Future[bool]:
        """Queue ``event``; the future resolves to True (new) or False (duplicate id) once the
        transaction holding it has committed, or fails with :class:`StoreError`."""
        return self._get_writer().submit(event)

    def store_event(
        self,
        event_id: str,
        event_type: str,
        created_unix: int | None,
        payload: str,
        received_at: datetime | None = None,
    ) -> bool:
        """Store one event durably and return True if it is new (False: id already stored)."""
        event = NewEvent(
            event_id, event_type, created_unix, received_at or datetime.now(UTC), payload
        )
        return self.submit(event).result()

    def ping(self) -> Future[int | None]:
        """Round trip through the write connection; resolves to the highest stored ``seq``."""
        return self._get_writer().ping()

    # -- read API (the tap) -----------------------------------------------------------------
    def read_since(self, after_seq: int, limit: int = 1000) -> list[StoredEvent]:
        """Up to ``limit`` events with ``seq > after_seq``, in ``seq`` (arrival) order."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        with self._read_lock:
            if self._closed:
                raise StoreError("the store is closed")
            return self._read(int(after_seq), int(limit))

    def close(self) -> None:
        """Commit everything already queued, stop the write thread and close connections."""
        with self._writer_lock:
            writer, self._writer = self._writer, None
            self._closed = True
        if writer is not None:
            writer.close()
        with self._read_lock:
            self._close_reader()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def redact(self, text: str) -> str:
        """``text`` with the URL's password removed (driver errors may quote the DSN)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    # -- backend hooks ------------------------------------------------------------------------
    @abstractmethod
    def _write_batch(self, events: list[NewEvent]) -> list[bool | Exception]:
        """Insert ``events`` in one committed transaction (write thread only).

        Returns per event True (new), False (duplicate) or the error that kept just that event
        out; raising means none of them was stored.
        """

    @abstractmethod
    def _last_seq(self) -> int | None:
        """Highest stored ``seq`` via the write connection (write thread only)."""

    @abstractmethod
    def _close_writer(self) -> None:
        """Close the write connection (write thread only, when it stops)."""

    @abstractmethod
    def _read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        """Backend query behind :meth:`read_since` (caller holds the read lock)."""

    @abstractmethod
    def _close_reader(self) -> None:
        """Close the read connection, if open."""

    def _get_writer(self) -> GroupCommitWriter:
        with self._writer_lock:
            if self._closed:
                raise StoreError("the store is closed")
            if self._writer is None:
                self._writer = GroupCommitWriter(
                    write_batch=self._write_batch,
                    last_seq=self._last_seq,
                    on_stop=self._close_writer,
                    redact=self.redact,
                    max_batch=self._max_batch,
                    name=f"og-webhook-writer-{self.backend}",
                )
            return self._writer


def open_store(url: str) -> EventStore:
    """Open (and create on first use) the event store at ``url``.

    ``sqlite:///abs/path/events.db`` (the path after ``sqlite://`` is used as is; a relative
    path is written ``sqlite:relative/events.db``) or ``postgresql://user[:pw]@host:port/db``
    (any libpq parameter may follow as a query string, e.g. ``?options=-csearch_path%3Dog``
    to keep the table in schema ``og``; the password can also come from ``PGPASSWORD``).
    """
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        from tap_ordergroove.webhooks.sqlite_store import SQLiteEventStore

        return SQLiteEventStore(url)
    if scheme in {"postgresql", "postgres"}:
        from tap_ordergroove.webhooks.postgres_store import PostgresEventStore

        return PostgresEventStore(url)
    msg = (
        f"Unsupported store URL {mask_url(url)!r}: use sqlite:///absolute/path/events.db "
        "or postgresql://user@host:5432/dbname."
    )
    raise ValueError(msg)


def as_utc(value: Any) -> datetime:
    """A stored ``received_at`` (ISO text or datetime) as an aware UTC datetime."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
