"""One process-wide flag: a scheduler asked the tap to stop (SIGTERM / SIGINT).

Every long loop (HTTP pages, SFTP file reads, webhook store reads) checks it between
units of work, so a stop takes effect within seconds instead of after the whole sync.
The signal handler only sets the flag; loops raise ``StopRequested`` where they notice.
"""

from __future__ import annotations

import signal
import threading

_requested = threading.Event()
_signal_number: list[int] = []


class StopRequested(BaseException):
    """Raised inside a sync loop once a stop was requested.

    A ``BaseException`` so that no ``except Exception`` in a stream swallows it.
    """


def request_stop(signum: int) -> None:
    """Record that the process must stop (called from the signal handler)."""
    if not _signal_number:
        _signal_number.append(signum)
    _requested.set()


def stop_requested() -> bool:
    """True once SIGTERM or SIGINT arrived."""
    return _requested.is_set()


def check() -> None:
    """Raise ``StopRequested`` if a stop was requested; cheap enough for every page or row."""
    if _requested.is_set():
        raise StopRequested


def exit_code() -> int:
    """The conventional exit status for the signal received: 143 for SIGTERM, 130 for SIGINT."""
    signum = _signal_number[0] if _signal_number else signal.SIGTERM
    return 128 + int(signum)


def sleep(seconds: float) -> None:
    """``time.sleep`` that ends at once, raising ``StopRequested``, when a stop arrives."""
    if _requested.wait(seconds):
        raise StopRequested
