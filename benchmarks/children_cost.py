"""What the child tables cost: requests with and without them, and their row counts.

Runs the tap twice against the fake API on the demo data (500 customers, seed 42, as
`scripts/demo`): every stream, then every stream but the child tables. Prints the API
requests each run made (the fake's request log), the tap's CPU seconds (tap and discovery
processes) and the rows per child table.

Usage: .venv/bin/python benchmarks/children_cost.py [--customers 500] [--seed 42]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tap_ordergroove.rest.streams import CHILD_STREAM_TYPES, STREAM_TYPES
from tests.conftest import start_fake, tap_config
from tests.singer_run import run_tap


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    fake = start_fake(customers=args.customers, seed=args.seed)
    parents = [stream.name for stream in STREAM_TYPES]
    children = [stream.name for stream in CHILD_STREAM_TYPES]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            fake.request_log.clear()
            cpu = cpu_of_children()
            both = run_tap(Path(tmp) / "with", tap_config(fake), streams=parents + children)
            cpu_with, cpu = cpu_of_children() - cpu, cpu_of_children()
            with_children = len(fake.request_log)
            fake.request_log.clear()
            run_tap(Path(tmp) / "without", tap_config(fake), streams=parents)
            cpu_without = cpu_of_children() - cpu
            without_children = len(fake.request_log)
    finally:
        fake.stop()
    print(f"demo data: {args.customers} customers, seed {args.seed}")
    print(f"API requests with child tables:    {with_children}")
    print(f"API requests without child tables: {without_children}")
    print(f"tap CPU seconds with / without:    {cpu_with:.2f} / {cpu_without:.2f}")
    for name in children:
        print(f"  {name}: {len(both.records.get(name, []))} rows")


if __name__ == "__main__":
    main()
