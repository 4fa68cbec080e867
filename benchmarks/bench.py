"""Tap speed and memory against the fake API, printed as figures (never asserted in tests).

Prints, in one run on this machine:
1. records/s and CPU-seconds per 100k records, tap vs the bare loop (and their ratio);
2. full-sync wall time for all 13 streams at a per-request latency (default 200 ms),
   sequential vs concurrent, next to the floor the API rules imply (the longest
   stream's pages x latency, since pages of one object type must be read in order);
3. the tap's peak RSS at two dataset sizes.

Usage: .venv/bin/python benchmarks/bench.py [--cpu-customers 8000] [--latency-customers 1000]
       [--latency-ms 200] [--rss-small 500] [--rss-large 53000]
(customers -> total records is about x19: 500 -> 10k, 53000 -> 1M.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tap_ordergroove.streams import STREAM_TYPES

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
KEY = "bench-key"
CPU_STREAMS = ["orders", "items", "subscriptions"]
REST_STREAMS = [stream.name for stream in STREAM_TYPES]
PATHS = {"orders": "/orders/", "items": "/items/", "subscriptions": "/subscriptions/"}
REPEAT = 5  # CPU figures: the fastest of five runs (this machine is shared and noisy)


class Fake:
    """The fake API in its own process, so its CPU is not counted as the tap's."""

    def __init__(self, customers: int, latency_ms: int = 0) -> None:
        self.proc = subprocess.Popen(
            [
                PY,
                "-m",
                "fake_ordergroove",
                "--port",
                "0",
                "--api-key",
                KEY,
                "--customers",
                str(customers),
                "--latency-ms",
                str(latency_ms),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError(f"fake API did not start: {self.url!r}")

    def count(self, stream: str) -> int:
        reply = requests.get(f"{self.url}/_control/records", params={"object": stream}, timeout=600)
        return len(reply.json())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def catalog(config: Path, streams: list[str] | None, directory: Path) -> Path:
    out = subprocess.run(
        [PY, "-m", "tap_ordergroove", "--config", str(config), "--discover"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    for entry in data["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = streams is None or entry["tap_stream_id"] in streams
    path = directory / "catalog.json"
    path.write_text(json.dumps(data))
    return path


def measured(args: list[str], repeat: int = 1) -> dict:
    """Run a child; return wall seconds, CPU seconds and its own peak RSS (MiB).

    With ``repeat`` > 1 the child runs that many times and the fastest run is kept:
    on a shared machine the minimum is the figure least disturbed by other load.
    """
    if repeat > 1:
        return min((measured(args) for _ in range(repeat)), key=lambda m: m["cpu"])
    probe = (
        "import resource,subprocess,sys,json;"
        "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc':p.returncode,'cpu':u.ru_utime+u.ru_stime,'rss':u.ru_maxrss/1024}))"
    )
    start = time.monotonic()
    out = subprocess.run(
        [PY, "-c", probe, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{args[:3]} exited {result['rc']}")
    result["wall"] = time.monotonic() - start
    return result


def tap_args(fake: Fake, directory: Path, streams: list[str] | None, **config) -> list[str]:
    path = directory / "config.json"
    path.write_text(json.dumps({"api_key": KEY, "base_url": fake.url, **config}))
    return [
        PY,
        "-m",
        "tap_ordergroove",
        "--config",
        str(path),
        "--catalog",
        str(catalog(path, streams, directory)),
    ]


def cpu_section(customers: int, directory: Path) -> None:
    fake = Fake(customers)
    try:
        records = sum(fake.count(s) for s in CPU_STREAMS)
        paths = [PATHS[s] for s in CPU_STREAMS]
        bare = measured([PY, "benchmarks/bare_loop.py", fake.url, KEY, *paths], REPEAT)
        bare_start = measured([PY, "benchmarks/bare_loop.py", fake.url, KEY], REPEAT)
        tap_run = tap_args(fake, directory, CPU_STREAMS, max_concurrent_streams=1)
        tap = measured(tap_run, REPEAT)
        tap_start = measured(tap_args(fake, directory, [], max_concurrent_streams=1), REPEAT)
    finally:
        fake.stop()
    print(
        f"\n1. CPU per record ({records:,} records of {', '.join(CPU_STREAMS)}, no latency, "
        f"fastest of {REPEAT} runs)"
    )
    print(
        f"   {'':10}{'records/s':>12}{'CPU-s/100k':>12}{'startup CPU-s':>15}"
        f"{'net CPU-s/100k':>16}{'wall s':>8}"
    )
    net = {}
    for name, m, start in (("bare loop", bare, bare_start), ("tap", tap, tap_start)):
        net[name] = (m["cpu"] - start["cpu"]) / records * 1e5
        print(
            f"   {name:10}{records / m['wall']:>12,.0f}{m['cpu'] / records * 1e5:>12.2f}"
            f"{start['cpu']:>15.2f}{net[name]:>16.2f}{m['wall']:>8.1f}"
        )
    print(
        f"   tap / bare CPU per record: {tap['cpu'] / bare['cpu']:.2f}x with startup, "
        f"{net['tap'] / net['bare loop']:.2f}x net of startup"
    )
    print(
        "   (the tap paces itself at 6,000 requests/min, i.e. at most 10,000 records/s of "
        "100-record pages; the bare loop is not paced)"
    )


def latency_section(customers: int, latency_ms: int, directory: Path) -> None:
    fake = Fake(customers, latency_ms)
    try:
        pages = {}
        for stream in REST_STREAMS:
            size = 1000 if stream == "placement_responses" else 100
            pages[stream] = max(1, -(-fake.count(stream) // size))
        seq = measured(tap_args(fake, directory, None, max_concurrent_streams=1))
        conc = measured(tap_args(fake, directory, None, max_concurrent_streams=5))
    finally:
        fake.stop()
    longest = max(pages, key=pages.get)
    floor = pages[longest] * latency_ms / 1000
    total = sum(pages.values())
    print(f"\n2. Full sync of all 13 streams at {latency_ms} ms per request ({total} pages)")
    print(f"   sequential (max_concurrent_streams=1): {seq['wall']:7.1f} s")
    print(
        f"   concurrent (max_concurrent_streams=5): {conc['wall']:7.1f} s"
        f"   ({seq['wall'] / conc['wall']:.2f}x faster)"
    )
    print(
        f"   floor from the API rules ({longest}: {pages[longest]} pages x {latency_ms} ms): "
        f"{floor:7.1f} s; sum of all pages x latency: {total * latency_ms / 1000:.1f} s"
    )


def rss_section(small: int, large: int, directory: Path) -> None:
    print("\n3. Peak RSS of the tap (all 13 streams, no latency)")
    for customers in (small, large):
        fake = Fake(customers)
        try:
            records = sum(fake.count(s) for s in REST_STREAMS)
            m = measured(tap_args(fake, directory, None))
        finally:
            fake.stop()
        print(
            f"   {records:>10,} records: peak RSS {m['rss']:6.1f} MiB, wall {m['wall']:6.1f} s,"
            f" {records / m['wall']:,.0f} records/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cpu-customers", type=int, default=8000)
    parser.add_argument("--latency-customers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--rss-small", type=int, default=500)
    parser.add_argument("--rss-large", type=int, default=53000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["cpu", "latency", "rss"])
    args = parser.parse_args()
    print(
        f"tap-ordergroove benchmark on {platform.node()}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if "cpu" not in args.skip:
            cpu_section(args.cpu_customers, directory)
        if "latency" not in args.skip:
            latency_section(args.latency_customers, args.latency_ms, directory)
        if "rss" not in args.skip:
            rss_section(args.rss_small, args.rss_large, directory)


if __name__ == "__main__":
    main()
