"""Singer output: msgspec encoding, one lock, and a flush only where a target needs one.

The SDK's writers flush stdout after every message, a system call per record. Records
are collected in a 64 KiB buffer instead; SCHEMA, STATE and ACTIVATE_VERSION write the
buffer out and flush, so a target sees every record before the STATE that covers it,
and sees that STATE at once. The lock keeps lines whole when streams sync in threads.
"""

from __future__ import annotations

import atexit
import sys
import threading
import typing as t
from collections import Counter

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage

if t.TYPE_CHECKING:
    from singer_sdk.singerlib.encoding.simple import Message

BUFFER_BYTES = 1 << 16


class OrdergrooveWriter(MsgSpecWriter):
    """Thread-safe msgspec writer that batches RECORD lines between flushes."""

    def __init__(self) -> None:
        # Re-entrant: the SDK's SIGTERM handler writes a final STATE from the main thread,
        # possibly while that thread is inside ``write_message`` (sequential runs).
        self._lock = threading.RLock()
        self._pending = bytearray()
        self.records: Counter[str] = Counter()  # RECORD messages written, per stream
        atexit.register(self.flush)  # records of a crashed run still reach the target

    def write_message(self, message: Message) -> None:
        """Encode one message; RECORDs wait in the buffer, anything else flushes it."""
        with self._lock:
            self._pending += self.format_message(message)
            if isinstance(message, RecordMessage):
                self.records[message.stream] += 1
                if len(self._pending) < BUFFER_BYTES:
                    return
            self._write_out()

    def write_records(self, stream: str, lines: bytes, count: int) -> None:
        """Append ``count`` RECORD lines of ``stream`` encoded at once (``page_loop``)."""
        with self._lock:
            self._pending += lines
            self.records[stream] += count
            if len(self._pending) >= BUFFER_BYTES:
                self._write_out()

    def flush(self) -> None:
        """Write out whatever is buffered."""
        with self._lock:
            self._write_out()

    def _write_out(self) -> None:
        if self._pending:
            sys.stdout.buffer.write(self._pending)
            self._pending.clear()
        sys.stdout.flush()
