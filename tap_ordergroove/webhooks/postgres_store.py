"""The PostgreSQL backend (psycopg 3), for production and for several receiver replicas.

Every write transaction first takes a transaction-level advisory lock, then draws ``seq``
values, then commits and releases the lock. Writers therefore commit in ``seq`` order across
processes, which is what lets the tap page with ``seq > bookmark`` without ever skipping a
row that committed late. With group commit one transaction holds a whole batch, so the lock
costs one round trip per batch, not per event.

Durability: a commit is acknowledged only once PostgreSQL has flushed it to its WAL, unless
``synchronous_commit`` is ``off`` for the receiver's role or database. The write connection
checks, and if it is off, sets it back to ``on`` in every write transaction (``SET LOCAL``,
which also holds behind a transaction-mode pooler). ``fsync=off`` is a server setting the
receiver cannot change; it is logged as an error and shown by ``/health``.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tap_ordergroove.webhooks.store import (
    TABLE,
    EventStore,
    NewEvent,
    StoredEvent,
    StoreError,
    as_utc,
)

logger = logging.getLogger("tap_ordergroove.webhooks.store")

_LOCK = f"SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.{TABLE}'))"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    created_unix BIGINT,
    received_at TIMESTAMPTZ NOT NULL,
    payload JSONB NOT NULL
)
"""
_INSERT = (
    f"INSERT INTO {TABLE} (event_id, event_type, created_unix, received_at, payload) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s::jsonb) ON CONFLICT (event_id) DO NOTHING RETURNING seq"
)
_SELECT = (
    f"SELECT seq, event_id, event_type, created_unix, received_at, payload FROM {TABLE} "  # noqa: S608
    "WHERE seq > %s ORDER BY seq LIMIT %s"
)
_LAST_SEQ = f"SELECT max(seq) FROM {TABLE}"  # noqa: S608
_EXISTS = f"SELECT to_regclass('{TABLE}')"
_SETTINGS = "SELECT current_setting('synchronous_commit'), current_setting('fsync')"
_SYNC_COMMIT_ON = "SET LOCAL synchronous_commit TO on"
_CONNECT_TIMEOUT_SECONDS = 5


class PostgresEventStore(EventStore):
    """Events in a PostgreSQL table (JSONB payload, TIMESTAMPTZ receipt time)."""

    backend = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._url = url
        self._params: dict[str, Any] = {"application_name": "tap-ordergroove-webhooks"}
        self._write_conn: psycopg.Connection | None = None
        self._force_sync_commit = False
        self._reader: psycopg.Connection | None = None
        failure: StoreError | None = None
        try:
            self._open()
        except psycopg.Error as exc:
            failure = self._open_error(exc)
        if failure is not None:
            raise failure  # raised outside the except block: no chained driver error

    def _open(self) -> None:
        """Connect for reading and create the table if it is missing."""
        if "connect_timeout" not in conninfo_to_dict(self._url):
            self._params["connect_timeout"] = _CONNECT_TIMEOUT_SECONDS
        self._reader = self._connect()
        # Only create what is missing, so a tap role with nothing but SELECT can open the store.
        if self._reader.execute(_EXISTS).fetchone()[0] is None:
            with self._reader.transaction():
                self._reader.execute(_LOCK)  # concurrent first opens must not race on CREATE
                self._reader.execute(_SCHEMA)

    def _open_error(self, exc: psycopg.Error) -> StoreError:
        """libpq quotes parts of a malformed URL, password included: never pass that on.

        The tap opens stores too, and whatever it raises ends up in its log.
        """
        if self._reader is not None:
            self._reader.close()
        detail = self.redact(f"{type(exc).__name__}: {exc}".strip())
        return StoreError(f"cannot open the store {self.masked_url}: {detail}")

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self._url, autocommit=True, **self._params)

    # -- writes (write thread only) ---------------------------------------------------------
    def _write_batch(self, events: list[NewEvent]) -> list[bool | Exception]:
        reused = self._write_conn is not None and not self._write_conn.closed
        try:
            return self._insert_isolating_bad_events(events)
        except psycopg.OperationalError:
            self._drop_write_conn()
            if not reused:
                raise
            # The server restarted or dropped an idle connection: one fresh attempt. If the
            # lost connection had in fact committed, the retry finds the ids and says False.
            logger.warning("store connection lost; reconnecting")
            return self._insert_isolating_bad_events(events)

    def _insert_isolating_bad_events(self, events: list[NewEvent]) -> list[bool | Exception]:
        try:
            return self._insert(events)
        except psycopg.DataError:
            if len(events) == 1:
                raise
        # One event Postgres refuses (e.g. "\u0000" inside JSONB) must not fail its batch.
        results: list[bool | Exception] = []
        for event in events:
            try:
                results.extend(self._insert([event]))
            except psycopg.DataError as exc:
                results.append(exc)
        return results

    def _insert(self, events: list[NewEvent]) -> list[bool | Exception]:
        conn = self._write_connection()
        params = [
            (e.event_id, e.event_type, e.created_unix, as_utc(e.received_at), e.payload)
            for e in events
        ]
        results: list[bool | Exception] = []
        with conn.transaction(), conn.cursor() as cur:
            if self._force_sync_commit:
                cur.execute(_SYNC_COMMIT_ON)
            cur.execute(_LOCK)
            cur.executemany(_INSERT, params, returning=True)
            while True:
                results.append(cur.fetchone() is not None)
                if not cur.nextset():
                    break
        return results

    def _last_seq(self) -> int | None:
        try:
            return self._write_connection().execute(_LAST_SEQ).fetchone()[0]
        except psycopg.OperationalError:
            self._drop_write_conn()  # the next ping or write reconnects
            raise

    def _write_connection(self) -> psycopg.Connection:
        if self._write_conn is None or self._write_conn.closed:
            self._write_conn = self._connect()
            self._check_durability(self._write_conn)
        return self._write_conn

    def _check_durability(self, conn: psycopg.Connection) -> None:
        """Make sure a commit waits for the WAL flush; say so in ``durability``."""
        sync_commit, fsync = conn.execute(_SETTINGS).fetchone()
        self._force_sync_commit = sync_commit == "off"
        if self._force_sync_commit:
            logger.warning(
                "synchronous_commit is off for this role or database; the receiver sets it to "
                "on in its own write transactions so that no acknowledged event can be lost"
            )
            sync_commit = "on (forced; the session default is off)"
        if fsync != "on":
            logger.error(
                "the PostgreSQL server runs with fsync=%s: a server crash can lose events "
                "that were already acknowledged; turn fsync on in postgresql.conf",
                fsync,
            )
        self.durability = f"synchronous_commit={sync_commit}, fsync={fsync}"

    def _drop_write_conn(self) -> None:
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None

    def _close_writer(self) -> None:
        self._drop_write_conn()

    # -- reads ----------------------------------------------------------------------------------
    def _read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        if self._reader is None or self._reader.closed or self._reader.broken:
            self._reader = self._connect()
        rows = self._reader.execute(_SELECT, (after_seq, limit)).fetchall()
        return [
            StoredEvent(seq, event_id, event_type, created, as_utc(received), payload)
            for seq, event_id, event_type, created, received, payload in rows
        ]

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
