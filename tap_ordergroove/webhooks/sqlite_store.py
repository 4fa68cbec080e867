"""The embedded SQLite backend: one file, WAL journal, ``synchronous=FULL``.

WAL lets the tap read while the receiver writes; ``synchronous=FULL`` fsyncs the WAL on every
commit, so an acknowledged event survives a killed process and a power cut alike. (WAL's usual
``NORMAL`` would survive a killed process but can lose the last commits in a power cut.) Both
pragmas are read back after being set: a build or filesystem that silently ignores them is
refused instead of trusted.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tap_ordergroove.webhooks.store import TABLE, EventStore, NewEvent, StoredEvent, as_utc

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    created_unix INTEGER,
    received_at TEXT NOT NULL,
    payload TEXT NOT NULL
)
"""
_INSERT = (
    f"INSERT INTO {TABLE} (event_id, event_type, created_unix, received_at, payload) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING"
)
_SELECT = (
    f"SELECT seq, event_id, event_type, created_unix, received_at, payload FROM {TABLE} "  # noqa: S608
    "WHERE seq > ? ORDER BY seq LIMIT ?"
)
_LAST_SEQ = f"SELECT max(seq) FROM {TABLE}"  # noqa: S608
_BUSY_TIMEOUT_MS = 5000  # another process writing the same file: wait, but less than 5 s
_SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
_DURABLE_SYNCHRONOUS = 2  # FULL or more


class SQLiteDurabilityError(RuntimeError):
    """SQLite refused WAL or synchronous=FULL, so commits would not be durable."""


def sqlite_path(url: str) -> Path:
    """Filesystem path of ``sqlite:///abs/path.db`` (or ``sqlite:relative/path.db``)."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path:
        msg = "SQLite store URL must look like sqlite:///absolute/path/events.db"
        raise ValueError(msg)
    path = unquote(parts.path)
    if path.startswith("//"):  # sqlite:////abs/path.db, the SQLAlchemy spelling
        path = path[1:]
    return Path(path)


class SQLiteEventStore(EventStore):
    """Events in a local SQLite file."""

    backend = "sqlite"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = sqlite_path(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._reader: sqlite3.Connection | None = self._connect()
        self._reader.executescript(_SCHEMA)
        self._write_conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1e3
        )
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        level = conn.execute("PRAGMA synchronous").fetchone()[0]
        if str(mode).lower() != "wal" or level < _DURABLE_SYNCHRONOUS:
            conn.close()
            msg = (
                f"SQLite store {self.path} must run with journal_mode=wal and synchronous=FULL, "
                f"got {mode} and {_SYNCHRONOUS_NAMES.get(level, level)}: put it on a local "
                "filesystem, or use a PostgreSQL store"
            )
            raise SQLiteDurabilityError(msg)
        self.durability = f"journal_mode=wal, synchronous={_SYNCHRONOUS_NAMES[level]}"
        return conn

    def _writer_conn(self) -> sqlite3.Connection:
        if self._write_conn is None:
            self._write_conn = self._connect()
        return self._write_conn

    def _write_batch(self, events: list[NewEvent]) -> list[bool | Exception]:
        conn = self._writer_conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            results: list[bool | Exception] = []
            for e in events:
                params = (e.event_id, e.event_type, e.created_unix, _utc_text(e), e.payload)
                results.append(conn.execute(_INSERT, params).rowcount == 1)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    def _last_seq(self) -> int | None:
        return self._writer_conn().execute(_LAST_SEQ).fetchone()[0]

    def _close_writer(self) -> None:
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None

    def _read(self, after_seq: int, limit: int) -> list[StoredEvent]:
        if self._reader is None:
            self._reader = self._connect()
        rows = self._reader.execute(_SELECT, (after_seq, limit)).fetchall()
        return [
            StoredEvent(seq, event_id, event_type, created, as_utc(received), json.loads(payload))
            for seq, event_id, event_type, created, received, payload in rows
        ]

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _utc_text(event: NewEvent) -> str:
    """``received_at`` as ISO-8601 UTC text with microseconds (sorts like the instants)."""
    return as_utc(event.received_at).isoformat(timespec="microseconds")
