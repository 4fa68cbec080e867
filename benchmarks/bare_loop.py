"""The practical floor for a Python tap: fetch pages, parse JSON, write RECORD lines.

No types, no time zones, no state: what any tap must at least do per record. It uses
the fastest libraries the tap itself uses (requests, msgspec for parsing and writing),
so the tap / bare ratio measures the tap's own work, not a choice of JSON library.
Usage: python benchmarks/bare_loop.py BASE_URL API_KEY STREAM_PATH... > /dev/null
"""

from __future__ import annotations

import sys

import msgspec
import requests


def main(base: str, key: str, paths: list[str]) -> None:
    """Read every page of each path in turn and write one RECORD line per result."""
    session = requests.Session()
    session.headers.update({"x-api-key": key, "X-OG-API-VERSION": "2"})
    encoder = msgspec.json.Encoder()
    out = sys.stdout.buffer
    for path in paths:
        url: str | None = f"{base}{path}?page_size=100"
        name = path.strip("/").replace("/", "_")
        while url:
            body = msgspec.json.decode(session.get(url, timeout=60).content)
            for record in body["results"]:
                out.write(encoder.encode({"type": "RECORD", "stream": name, "record": record}))
                out.write(b"\n")
            url = body["next"]
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
