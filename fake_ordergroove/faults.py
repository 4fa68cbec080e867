"""Switchable, thread-safe fault injection for the fake API's list endpoints.

Tests of retry/back-off logic need the server to misbehave on demand and predictably:
"the next 2 requests to /orders/ get a 429" or "every 3rd request is dropped". Specs are
plain dicts so the same description works from Python and over ``POST /_control/faults``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["FAULT_KINDS", "Fault", "FaultInjector"]

#: ``trickle`` serves the real page a few bytes at a time (``delay`` seconds between pieces);
#: ``html`` answers 200 with a gateway's HTML page; ``truncated`` answers 200 with the real
#: page's JSON cut in half; ``cut`` promises the whole page (Content-Length) and closes the
#: connection halfway: what proxies, load balancers and restarting servers do now and then.
FAULT_KINDS = (
    "429",
    "423",
    "500",
    "502",
    "503",
    "slow",
    "drop",
    "trickle",
    "html",
    "truncated",
    "cut",
)


@dataclass
class Fault:
    """One fault spec plus its live counters."""

    kind: str
    count: int = 1
    path: str | None = None
    every: int | None = None
    retry_after: float | int | None = None
    delay: float = 0.0
    seen: int = 0
    fired: int = 0

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Fault:
        """Validate a JSON-style spec; raises ValueError with a readable message."""
        if not isinstance(spec, dict):
            raise ValueError("a fault spec must be an object")
        unknown = set(spec) - {"kind", "count", "path", "every", "retry_after", "delay"}
        if unknown:
            raise ValueError(f"unknown fault spec keys: {sorted(unknown)}")
        kind = str(spec.get("kind"))
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {list(FAULT_KINDS)}, got {kind!r}")
        count = spec.get("count", 1)
        every = spec.get("every")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("fault count must be an integer >= 1")
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ValueError("fault every must be an integer >= 1")
        retry_after = spec.get("retry_after")
        if retry_after is not None:
            if kind not in ("429", "503"):
                raise ValueError("retry_after only applies to 429 and 503 faults")
            if not isinstance(retry_after, int | float) or retry_after < 0:
                raise ValueError("retry_after must be a number of seconds >= 0")
        delay = spec.get("delay", 0.0)
        if not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay must be a number of seconds >= 0")
        if kind in ("slow", "trickle") and delay == 0:
            raise ValueError(f"{kind} faults need a delay > 0")
        path = spec.get("path")
        if path is not None and not isinstance(path, str):
            raise ValueError("fault path must be a string")
        return cls(kind, count, path, every, retry_after, float(delay))

    def describe(self) -> dict[str, Any]:
        """JSON-friendly view including how many times it has fired."""
        return asdict(self)


class FaultInjector:
    """Holds active faults; the server asks it once per list request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: str,
        count: int = 1,
        path: str | None = None,
        every: int | None = None,
        retry_after: float | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Install one fault (appended after the existing ones)."""
        spec: dict[str, Any] = {"kind": kind, "count": count, "path": path, "every": every}
        if retry_after is not None:
            spec["retry_after"] = retry_after
        if delay:
            spec["delay"] = delay
        fault = Fault.from_spec(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def set(self, specs: list[dict[str, Any]]) -> list[Fault]:
        """Replace all faults with ``specs`` (validated first, so a bad list changes nothing)."""
        if not isinstance(specs, list):
            raise ValueError("expected a JSON list of fault specs")
        faults = [Fault.from_spec(spec) for spec in specs]
        with self._lock:
            self._faults = faults
        return faults

    def extend(self, specs: list[dict[str, Any]]) -> list[Fault]:
        """Append ``specs`` to the active faults (validated first)."""
        if not isinstance(specs, list):
            raise ValueError("expected a JSON list of fault specs")
        faults = [Fault.from_spec(spec) for spec in specs]
        with self._lock:
            self._faults.extend(faults)
        return faults

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        """Faults that can still fire, with their counters."""
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def remaining(self) -> int:
        """How many more times the active faults will fire in total (0 once all fired)."""
        with self._lock:
            return sum(fault.count - fault.fired for fault in self._faults)

    def take(self, path: str) -> Fault | None:
        """The fault to apply to this list request, if any; updates counters atomically.

        Every matching fault counts the request (so ``every`` is relative to when it was
        installed); the first one due fires and exhausted faults are removed.
        """
        with self._lock:
            chosen: Fault | None = None
            for fault in self._faults:
                if fault.path is not None and fault.path != path:
                    continue
                fault.seen += 1
                due = fault.every is None or fault.seen % fault.every == 0
                if chosen is None and due:
                    fault.fired += 1
                    chosen = fault
            self._faults = [fault for fault in self._faults if fault.fired < fault.count]
            return chosen
