"""Singer output: msgspec encoding, one lock, and a flush only where a target needs one.

The SDK's default writers flush stdout after every message, a system call per record.
Records are buffered instead; SCHEMA, STATE and ACTIVATE_VERSION flush, so a target sees
every STATE promptly and never waits on a half-written line. The lock keeps lines whole
when streams sync in parallel threads.
"""

from __future__ import annotations

import sys
import threading
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage

if t.TYPE_CHECKING:
    from singer_sdk.singerlib.encoding.simple import Message


class OrdergrooveWriter(MsgSpecWriter):
    """Thread-safe msgspec writer that flushes at every non-RECORD message."""

    _lock = threading.Lock()

    def write_message(self, message: Message) -> None:
        """Encode and write one message; flush unless it is a RECORD."""
        with self._lock:
            sys.stdout.buffer.write(self.format_message(message))
            if not isinstance(message, RecordMessage):
                sys.stdout.flush()
