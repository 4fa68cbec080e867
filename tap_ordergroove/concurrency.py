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
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from tap_ordergroove import stopping

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from singer_sdk import Stream

MAX_CONCURRENT_STREAMS = 5
#: How often the main thread looks at the stop flag (and the progress clock) while waiting.
POLL_SECONDS = 0.2
T = t.TypeVar("T")


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

    def seize(self, timeout: float) -> bool:
        """Take the lock for good (stopping): no stream does SDK work or writes after this.

        Streams hold it only between network waits, so it comes within one page's
        processing; False if it did not come within ``timeout`` seconds.
        """
        return self._lock.acquire(timeout=timeout)

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
    tick: Callable[[], None] | None = None,
) -> None:
    """Sync ``streams`` with up to ``workers`` at once (1: one after another).

    Streams always run on worker threads, so the main thread stays free to notice a
    stop (SIGTERM / SIGINT) within ``POLL_SECONDS`` and to call ``tick`` (progress
    lines) while it waits. On a stop it raises ``StopRequested`` at once: no queued
    stream starts, and running ones are abandoned mid-page (the caller writes the
    final STATE and exits). On the first failure no further stream starts; streams
    already running finish, so what they load and bookmark stays valid; then the
    error is raised.
    """
    failed = threading.Event()

    def run(stream: Stream) -> None:
        # A worker may pick up a queued stream before the pending ones are cancelled.
        if failed.is_set() or stopping.stop_requested():
            return
        try:
            with lock.held():
                stopping.check()
                sync_one(stream)
        except BaseException:
            failed.set()
            raise

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="stream")
    futures = [pool.submit(run, stream) for stream in streams]
    try:
        _wait_all(futures, tick)
    finally:
        # Never waits: after a stop the running threads are abandoned, not joined.
        pool.shutdown(wait=False, cancel_futures=True)
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]
    if errors:
        raise errors[0]


def _wait_all(futures: list[Future], tick: Callable[[], None] | None) -> None:
    """Wait for every future, polling the stop flag; cancel the queue on a failure."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
        if tick is not None:
            tick()
        stopping.check()
        if any(not f.cancelled() and f.exception() is not None for f in done):
            for future in pending:
                future.cancel()


def call_interruptibly(func: Callable[[], T]) -> T:
    """``func()`` on a helper thread, abandoned at once when a stop is requested.

    For the main thread's own network calls (the access check): a signal handler only
    sets the stop flag, so a request the main thread waits on could otherwise delay the
    stop by up to ``request_timeout``.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="main-call")
    future = pool.submit(func)
    try:
        while not wait([future], timeout=POLL_SECONDS).done:
            stopping.check()
        return future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
