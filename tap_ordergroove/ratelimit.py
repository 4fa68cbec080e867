"""Client-side pacing so the tap stays under Ordergroove's 6,000 requests/minute per IP.

One limiter is shared by every stream of a tap run (streams may run in
parallel threads), so the budget is global, as Ordergroove counts it.
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Spaces request starts at least ``60 / per_minute`` seconds apart, across threads."""

    def __init__(self, per_minute: int) -> None:
        if per_minute < 1:
            msg = f"Setting `max_requests_per_minute` must be at least 1, got {per_minute}."
            raise ValueError(msg)
        self.interval = 60.0 / per_minute
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller may send; returns the seconds waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay
