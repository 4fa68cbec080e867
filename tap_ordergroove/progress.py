"""Readable progress for long syncs: one line per running stream every N seconds.

A 94k-record sync is otherwise silent for a minute and more, and the SDK's metric
lines lose the stream name under Meltano, so parallel streams cannot be told apart.
Every line here names its stream. The main thread calls ``tick`` while it waits for
the stream threads, so progress costs the streams nothing.
"""

from __future__ import annotations

import threading
import time
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    import logging
    from collections import Counter

    from singer_sdk import Stream

#: Default of the ``progress_interval_seconds`` setting.
PROGRESS_INTERVAL = 30


@dataclass
class _Run:
    """One stream's sync as seen from outside: when it started, records before it."""

    stream: Stream
    started: float
    records_before: int
    finished: float | None = None


class ProgressReporter:
    """Tracks which streams run and logs their progress; thread-safe."""

    def __init__(self, logger: logging.Logger, records: Counter[str], interval: float) -> None:
        self._logger = logger
        self._records = records  # RECORD messages written per stream (the writer's counter)
        self._interval = interval
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()
        self._last_report = time.monotonic()

    def started(self, stream: Stream) -> None:
        """A stream thread began syncing ``stream``."""
        with self._lock:
            self._runs[stream.name] = _Run(stream, time.monotonic(), self._records[stream.name])

    def finished(self, stream: Stream) -> None:
        """``stream`` synced completely (its bookmark is final)."""
        with self._lock:
            self._runs[stream.name].finished = time.monotonic()

    def tick(self) -> None:
        """Log one line per running stream if ``interval`` seconds passed since the last."""
        now = time.monotonic()
        if self._interval <= 0 or now - self._last_report < self._interval:
            return
        self._last_report = now
        with self._lock:
            running = [run for run in self._runs.values() if run.finished is None]
        for run in running:
            self._logger.info("%s", self.line(run.stream))

    def line(self, stream: Stream) -> str:
        """``Stream 'orders' progress: 1200 records, 12 pages, ... , window ...``."""
        run = self._runs[stream.name]
        elapsed = time.monotonic() - run.started
        records = self._records[stream.name] - run.records_before
        rate = records / elapsed if elapsed > 0 else 0.0
        return (
            f"Stream '{stream.name}' progress: {self.counts(stream)}, {rate:.0f} records/s, "
            f"{elapsed:.0f} s elapsed, {_window(stream)}"
        )

    def counts(self, stream: Stream) -> str:
        """``N records, P pages, R requests`` so far (pages only for REST streams)."""
        run = self._runs[stream.name]
        text = f"{self._records[stream.name] - run.records_before} records"
        pages = getattr(stream, "pages", None)
        if pages is not None:
            text += f", {pages} pages, {getattr(stream, 'tries_total', 0)} requests"
        return text

    def elapsed(self, stream: Stream) -> float:
        """Seconds ``stream`` has been (or was) syncing."""
        run = self._runs[stream.name]
        return (run.finished or time.monotonic()) - run.started

    def stop_summary(self, selected: list[Stream], code: int) -> str:
        """The one line a stop leaves: what finished, what was cut off, what never ran."""
        with self._lock:
            runs = dict(self._runs)
        done = [s.name for s in selected if s.name in runs and runs[s.name].finished]
        cut = [s.name for s in selected if s.name in runs and not runs[s.name].finished]
        never = [s.name for s in selected if s.name not in runs]
        return (
            f"Stopped on request; exit {code}. Finished (bookmarks saved): "
            f"{', '.join(done) or 'none'}. Interrupted (bookmark not moved, resumes from "
            f"the last STATE): {', '.join(cut) or 'none'}. Not started: "
            f"{', '.join(never) or 'none'}."
        )


def _window(stream: Stream) -> str:
    """The time window the stream is reading, as far as it has one."""
    window = getattr(stream, "current_window", None)
    if window is None:
        return "not reading pages yet"
    if window.get("start") and window.get("end"):
        return f"window {window['start']} .. {window['end']}"
    if window.get("start"):
        return f"window {window['start']} .. now"
    return "full read"
