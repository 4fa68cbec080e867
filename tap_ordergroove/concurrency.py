"""Syncing streams of different object types in parallel, within Ordergroove's rules.

Ordergroove allows 5 requests in flight and forbids two concurrent readers of one
object type (cursor pages must be read in order). Each stream is one reader with one
request in flight, so running at most 5 streams at once keeps both rules.

The SDK's stream and state code is not thread-safe, and a sync is bound by request
latency, not CPU. So a stream thread holds one tap-wide lock for everything except
waiting on the network: SDK bookkeeping, STATE and RECORD writes stay serialised (the
output stays valid and every STATE is resumable), while the waits overlap.
"""

from __future__ import annotations

import threading
import typing as t
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from singer_sdk import Stream

MAX_CONCURRENT_STREAMS = 5


class SyncLock:
    """The lock stream threads hold except while they wait on Ordergroove."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run SDK work (a whole stream sync) under the lock."""
        with self._lock:
            self._local.held = True
            try:
                yield
            finally:
                self._local.held = False

    @contextmanager
    def released(self) -> Iterator[None]:
        """Let other streams run while this thread waits on the network.

        A no-op when the caller does not hold the lock (sequential runs, SDK tests).
        """
        if not getattr(self._local, "held", False):
            yield
            return
        self._local.held = False
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._local.held = True


class ReaderSlots:
    """One cursor reader per object type (path) at a time, across all stream threads.

    Two streams may read the same endpoint (``orders`` and ``upcoming_orders``); their
    cursor chains then run one after the other. The slot is awaited with the SDK lock
    released, so a thread holding a slot can always finish.
    """

    def __init__(self, sync_lock: SyncLock) -> None:
        self._sync_lock = sync_lock
        self._guard = threading.Lock()
        self._slots: dict[str, threading.Lock] = {}

    @contextmanager
    def reading(self, path: str) -> Iterator[None]:
        """Hold the reader slot of ``path`` for one whole cursor chain."""
        with self._guard:
            slot = self._slots.setdefault(path, threading.Lock())
        with self._sync_lock.released():
            slot.acquire()
        try:
            yield
        finally:
            slot.release()


def sync_streams(
    streams: list[Stream],
    sync_one: Callable[[Stream], None],
    lock: SyncLock,
    workers: int,
) -> None:
    """Sync ``streams`` with up to ``workers`` at once, like the SDK's sequential loop.

    On the first failure no further stream starts (as sequentially); streams already
    running finish, so what they load and bookmark stays valid; then the error is raised.
    """
    if workers <= 1:
        for stream in streams:
            sync_one(stream)
        return

    failed = threading.Event()

    def run(stream: Stream) -> None:
        # A worker may pick up a queued stream before the pending ones are cancelled.
        if failed.is_set():
            return
        try:
            with lock.held():
                sync_one(stream)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stream") as pool:
        futures = [pool.submit(run, stream) for stream in streams]
        _done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
    failed = [f for f in futures if not f.cancelled() and f.exception() is not None]
    if failed:
        raise failed[0].exception()
