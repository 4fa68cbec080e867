"""Group commit: many concurrent writers, one transaction (and one fsync) per turn.

A durable commit costs an fsync, a few milliseconds on real disks. Committing each webhook on
its own would cap the receiver at a few hundred events per second; holding requests back to
batch them would add latency. A single writer thread that commits *everything queued while the
previous commit was flushing* gets both: alone, an event commits at once; under load, batches
grow by themselves. Each request still waits for the commit that holds its own event, so a 2xx
is only ever sent for an event that is on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("tap_ordergroove.webhooks.store")


class StoreError(Exception):
    """The store could not take or read events right now; the message holds no secrets."""


@dataclass
class _Job:
    kind: str  # "event" or "ping"
    item: Any = None
    future: Future = field(default_factory=Future)


_STOP = _Job("stop")


class GroupCommitWriter:
    """Owns the write connection's thread; callers get futures resolved after commit."""

    def __init__(
        self,
        *,
        write_batch: Callable[[list[Any]], list[bool | Exception]],
        last_seq: Callable[[], int | None],
        on_stop: Callable[[], None],
        redact: Callable[[str], str],
        max_batch: int,
        name: str,
    ) -> None:
        self._write_batch = write_batch
        self._last_seq = last_seq
        self._on_stop = on_stop
        self._redact = redact
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._closing = False
        self._submit_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: Any) -> Future[bool]:
        """Queue one event; see :meth:`EventStore.submit`."""
        return self._enqueue(_Job("event", item))

    def ping(self) -> Future[int | None]:
        """Queue a liveness check of the write connection."""
        return self._enqueue(_Job("ping"))

    def close(self, timeout: float = 30.0) -> None:
        """Finish every job queued so far, then stop the thread and close the connection."""
        with self._submit_lock:
            if self._closing:
                return
            self._closing = True
            self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.error("store writer did not stop within %.0f s", timeout)

    def _enqueue(self, job: _Job) -> Future:
        with self._submit_lock:
            if self._closing:
                raise StoreError("the store is closed")
            self._queue.put(job)
        return job.future

    def _run(self) -> None:
        stopping = False
        try:
            while not stopping:
                batch = [self._queue.get()]
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if _STOP in batch:
                    stopping = True
                    batch = [job for job in batch if job is not _STOP]
                # A job whose caller gave up (timeout) before we got to it is dropped: that
                # caller already answered non-2xx, so Ordergroove will send the event again.
                live = [job for job in batch if job.future.set_running_or_notify_cancel()]
                events = [job for job in live if job.kind == "event"]
                if events:
                    self._commit(events)
                for job in live:
                    if job.kind == "ping":
                        self._answer_ping(job)
        finally:
            self._close_connection()

    def _commit(self, jobs: list[_Job]) -> None:
        try:
            results = self._write_batch([job.item for job in jobs])
        except Exception as exc:  # noqa: BLE001 - any driver error must reach every waiting caller
            error = self._store_error("store write failed", exc)
            for job in jobs:
                job.future.set_exception(error)
            return
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result, Exception):
                error = self._store_error(f"event {job.item.event_id!r} was not stored", result)
                job.future.set_exception(error)
            else:
                job.future.set_result(result)

    def _answer_ping(self, job: _Job) -> None:
        try:
            job.future.set_result(self._last_seq())
        except Exception as exc:  # noqa: BLE001 - a failed ping is the answer, not a crash
            job.future.set_exception(self._store_error("store unreachable", exc))

    def _store_error(self, what: str, exc: BaseException) -> StoreError:
        message = f"{what}: {self._redact(f'{type(exc).__name__}: {exc}'.strip())}"
        logger.error("%s", message)
        error = StoreError(message)
        error.__cause__ = None  # the driver's exception may quote the DSN; do not chain it
        return error

    def _close_connection(self) -> None:
        try:
            self._on_stop()
        except Exception as exc:  # noqa: BLE001 - closing is best effort at shutdown; report it
            logger.warning(
                "closing the store's write connection failed: %s", self._redact(str(exc))
            )
