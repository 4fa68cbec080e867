"""The practical floor for a Python tap: fetch pages, parse JSON, write RECORD lines.

No types, no time zones, no state: what any tap must at least do per record.
Usage: python benchmarks/bare_loop.py BASE_URL API_KEY STREAM_PATH... > /dev/null
"""

from __future__ import annotations

import json
import sys

import requests


def main(base: str, key: str, paths: list[str]) -> None:
    """Read every page of each path in turn and print one RECORD line per result."""
    session = requests.Session()
    session.headers.update({"x-api-key": key, "X-OG-API-VERSION": "2"})
    out = sys.stdout
    for path in paths:
        url: str | None = f"{base}{path}?page_size=100"
        name = path.strip("/").replace("/", "_")
        while url:
            body = session.get(url, timeout=60).json()
            for record in body["results"]:
                out.write(json.dumps({"type": "RECORD", "stream": name, "record": record}))
                out.write("\n")
            url = body["next"]
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
