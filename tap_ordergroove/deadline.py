"""A wall-clock deadline per page.

``requests``' timeout is per socket read: a server (or proxy) that sends a page a few
bytes at a time resets it on every read and is waited for indefinitely. Here each
request runs under a ``Deadline`` (one watchdog thread keeps them all): when the page is
not complete in time, it shuts the connection's socket down, which wakes the blocked read
at once. (A stop, SIGTERM / SIGINT, does not wait for pages in flight at all: the tap
writes its final STATE and exits, see ``TapOrdergroove._stop``.)

How the socket is found: the session's connection pools use ``TrackedHTTPConnection``,
which hands its socket to the calling thread's ``Deadline`` as it waits for the answer.
Only urllib3's public pool and connection classes are subclassed.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
import typing as t
from contextlib import contextmanager

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

if t.TYPE_CHECKING:
    from collections.abc import Iterator

_local = threading.local()


class Deadline:
    """One request's time limit; ``expired`` tells why a read was cut short."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.finished = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def watch(self, sock: socket.socket | None) -> None:
        """The socket the page is being read from (called by the connection)."""
        with self._lock:
            self._sock = sock
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            _shutdown(self._sock)

    def start(self) -> None:
        """Start the clock and make this thread's requests report their socket to it."""
        _local.deadline = self
        _watchdog.add(self, time.monotonic() + self.seconds)

    def finish(self) -> None:
        """Stop the clock; the socket, if it survived, goes back to the pool untouched."""
        self.finished = True  # the watchdog drops it unexpired
        _local.deadline = None


class _Watchdog:
    """One thread that expires every due ``Deadline`` (a thread per request cost more CPU
    than the request's own Python: a start, a wake-up and an exit per page).

    Finished deadlines are dropped lazily: the thread sleeps until the earliest one falls
    due, so a run of quick pages wakes it about once per ``request_timeout``; the heap is
    rebuilt from the unfinished ones when the finished ones outnumber them.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Deadline]] = []
        self._count = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, limit: Deadline, due: float) -> None:
        with self._cond:
            heap = self._heap
            if len(heap) > _REBUILD_AT:
                live = [entry for entry in heap if not entry[2].finished]
                if len(live) * 2 < len(heap):
                    heapq.heapify(live)
                    heap[:] = live
            heapq.heappush(heap, (due, next(self._count), limit))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="page-deadlines", daemon=True
                )
                self._thread.start()
            elif heap[0][2] is limit:  # due before anything the thread waits for
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                heap = self._heap
                while heap and heap[0][2].finished:
                    heapq.heappop(heap)
                if not heap:
                    self._cond.wait()
                    continue
                wait = heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                limit = heapq.heappop(heap)[2]
            if not limit.finished:
                limit._expire()


#: Unfinished deadlines are few (one per stream reading); past this many entries the
#: finished ones are dropped at the next ``add``.
_REBUILD_AT = 256
_watchdog = _Watchdog()


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run one request (headers and whole body) under a wall-clock limit of ``seconds``."""
    limit = Deadline(seconds)
    limit.start()
    try:
        yield limit
    finally:
        limit.finish()


def _shutdown(sock: socket.socket | None) -> None:
    """Wake any thread blocked reading ``sock``; the connection is then discarded."""
    if sock is None:
        return
    try:
        # The plain socket method, also for TLS sockets: it only wakes the reader.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        return  # already closed: nothing is waiting on it


class _Tracked:
    """Mixin: report the socket to the current thread's deadline before reading the answer."""

    sock: socket.socket | None

    def getresponse(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        limit = getattr(_local, "deadline", None)
        if limit is not None:
            limit.watch(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class TrackedHTTPConnection(_Tracked, HTTPConnection):
    """urllib3's HTTP connection, watched by the current request's deadline."""


class TrackedHTTPSConnection(_Tracked, HTTPSConnection):
    """urllib3's HTTPS connection, watched by the current request's deadline."""


class _TrackedHTTPPool(HTTPConnectionPool):
    ConnectionCls = TrackedHTTPConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = TrackedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An HTTP adapter whose connections can be cut by a ``Deadline``."""

    def init_poolmanager(self, *args: t.Any, **kwargs: t.Any) -> None:
        """The standard pool manager, with tracked connection pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _TrackedHTTPPool,
            "https": _TrackedHTTPSPool,
        }


def mount(session: requests.Session) -> requests.Session:
    """Make every request of ``session`` cancellable by its deadline."""
    adapter = DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
