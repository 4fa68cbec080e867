"""No-change incremental run, with and without ``full_table_every_hours``: wall time and requests.

A full sync first (no latency) gives a state with bookmarks and full-table read times; then
incremental runs from that state, nothing changed at the fake, at ``--latency-ms`` per
request, alternating ``full_table_every_hours`` 0 (every run reads payments, products, ...)
and 24 (they were just read: skipped). Prints requests per path, wall time and the load
average beside each run.

Usage: .venv/bin/python benchmarks/full_table_cadence.py [--customers 1000] [--latency-ms 200]
       [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fake_ordergroove.dataset import Dataset  # noqa: E402
from fake_ordergroove.server import FakeOrdergroove  # noqa: E402

KEY = "bench-key-0123456789"


def run_tap(directory: Path, config: dict, state: dict | None) -> tuple[float, dict]:
    """One tap process; returns its wall time and its last STATE."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    args = [sys.executable, "-m", "tap_ordergroove", "--config", str(directory / "config.json")]
    if state is not None:
        (directory / "state.json").write_text(json.dumps(state))
        args += ["--state", str(directory / "state.json")]
    started = time.monotonic()
    proc = subprocess.run(
        args, capture_output=True, text=True, cwd=ROOT, check=False, env={**os.environ}
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"tap failed:\n{proc.stderr[-3000:]}")
    last = {}
    for line in proc.stdout.splitlines():
        if '"STATE"' in line:
            message = json.loads(line)
            if message["type"] == "STATE":
                last = message["value"]
    return wall, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    fake = FakeOrdergroove(Dataset(seed=7, customers=args.customers), api_keys=(KEY,))
    fake.start()
    try:
        base = {"api_key": KEY, "base_url": fake.url}
        with tempfile.TemporaryDirectory() as tmp:
            wall, state = run_tap(Path(tmp) / "full", {**base, "full_table_every_hours": 24}, None)
            print(f"full sync (no latency): {len(fake.request_log)} requests, {wall:.1f} s")
            fake.latency_ms = args.latency_ms
            print(
                f"\nNo-change incremental run at {args.latency_ms} ms/request "
                f"({args.customers} customers)"
            )
            print(
                "  full_table_every_hours  requests  wall s  load avg (1/5/15 min)  pages by path"
            )
            for round_ in range(args.rounds):
                for hours in (0, 24):
                    fake.request_log.clear()
                    config = {**base, "full_table_every_hours": hours}
                    wall, _ = run_tap(Path(tmp) / f"r{round_}h{hours}", config, state)
                    paths = Counter(entry["path"] for entry in fake.request_log)
                    load = "/".join(f"{value:.2f}" for value in os.getloadavg())
                    top = ", ".join(f"{p} {n}" for p, n in paths.most_common(3))
                    print(
                        f"  {hours:>22}  {sum(paths.values()):>8}  {wall:>6.1f}  {load:>21}  {top}"
                    )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
