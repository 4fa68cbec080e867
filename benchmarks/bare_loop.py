"""The practical floor for a Python tap: fetch pages, parse JSON, write RECORD lines.

No types, no time zones, no state: what any tap must at least do per record. It uses
the fastest libraries the tap itself uses (requests, msgspec for parsing and writing),
so the tap / bare ratio measures the tap's own work, not a choice of JSON library.

``--per-minute N`` paces request starts like the tap's rate limiter (``ratelimit.py``, at
most N a minute, slots ``60 / N`` s apart, slept with ``time.sleep``). Pacing alone costs a
loop CPU (sleeps, wake-ups, a colder cache), so compare it with the tap paced the same way
(the tap is always paced: ``max_requests_per_minute``, default 6,000).

Usage: python benchmarks/bare_loop.py [--per-minute N] BASE_URL API_KEY STREAM_PATH... > /dev/null
"""

from __future__ import annotations

import sys
import time

import msgspec
import requests


def main(base: str, key: str, paths: list[str], per_minute: int | None) -> None:
    """Read every page of each path in turn and write one RECORD line per result."""
    session = requests.Session()
    session.headers.update({"x-api-key": key, "X-OG-API-VERSION": "2"})
    encoder = msgspec.json.Encoder()
    out = sys.stdout.buffer
    interval = 60.0 / per_minute if per_minute else 0.0
    next_slot = 0.0
    for path in paths:
        url: str | None = f"{base}{path}?page_size=100"
        name = path.strip("/").replace("/", "_")
        while url:
            if interval:
                now = time.monotonic()
                slot = max(now, next_slot)
                next_slot = slot + interval
                if slot > now:
                    time.sleep(slot - now)
            body = msgspec.json.decode(session.get(url, timeout=60).content)
            for record in body["results"]:
                out.write(encoder.encode({"type": "RECORD", "stream": name, "record": record}))
                out.write(b"\n")
            url = body["next"]
    out.flush()


if __name__ == "__main__":
    args = sys.argv[1:]
    pace = None
    if args and args[0] == "--per-minute":
        pace = int(args[1])
        args = args[2:]
    main(args[0], args[1], args[2:], pace)
