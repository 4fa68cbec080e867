"""Tap speed and memory against the fake API, printed as figures (never asserted in tests).

Prints, in one run on this machine, each figure with the 1-minute load average beside it:

1. CPU per record: the tap (page loop), the tap on the SDK's record path
   (``ORDERGROOVE_RECORD_PATH=sdk``) and the bare fetch/parse/write loop, all three paced
   at the same requests/minute (``--pace``, default 6,000 as the tap; ``--pace 0`` runs the
   bare loop unpaced and the tap at its 6,000 cap, only for comparison with old figures).
   Runs alternate (bare, tap, SDK path; the order rotates each round) and the figures are
   medians with the spread (min-max); ratios are taken within a round, then the median.
   The first round also checks that both tap paths wrote the same records and final STATE.
2. Process start-up: ``python -c pass``, importing singer_sdk, importing the tap, and a tap
   run with nothing selected (medians of ``--startup-runs``).
3. No-change incremental run at ``--latency-ms`` per request: a full sync without latency
   gives the state, then runs from it with nothing changed (wall and requests), with
   ``full_table_every_hours`` 0 (the default) and 24.
4. Full sync of all 13 streams at ``--latency-ms``, sequential vs concurrent, next to the
   floor the API rules imply (the longest stream's pages x latency).
5. The tap's peak RSS at two dataset sizes.

Usage: .venv/bin/python benchmarks/bench.py [--cpu-customers 5700] [--rounds 5] [--pace 6000]
       [--latency-ms 200] [--skip cpu startup nochange latency rss]
(customers -> records of orders, items, subscriptions is about x12: 5700 -> 68k; all 13
streams about x19: 500 -> 10k, 53000 -> 1M.) Needs nothing but this checkout's .venv.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fake_ordergroove.dataset import Dataset  # noqa: E402
from fake_ordergroove.server import FakeOrdergroove  # noqa: E402
from tap_ordergroove.rest.page_loop import RECORD_PATH_ENV  # noqa: E402
from tap_ordergroove.rest.streams import STREAM_TYPES  # noqa: E402

PY = sys.executable
KEY = "bench-key-0123456789"
CPU_STREAMS = ["orders", "items", "subscriptions"]
CPU_PATHS = ["/orders/", "/items/", "/subscriptions/"]
REST_STREAMS = [stream.name for stream in STREAM_TYPES]


def load() -> float:
    """The 1-minute load average now."""
    return os.getloadavg()[0]


def start_fake(customers: int, latency_ms: float = 0) -> FakeOrdergroove:
    """The fake API on a free port, in this process (its CPU is not the measured child's)."""
    fake = FakeOrdergroove(
        Dataset(seed=42, customers=customers), api_keys=(KEY,), latency_ms=latency_ms
    )
    fake.start()
    return fake


#: Runs the measured child from a small fresh process: a child forked straight from this
#: one (which holds the fake's dataset) would count this process's memory as its peak RSS.
PROBE = (
    "import json, os, subprocess, sys, time\n"
    "out = open(sys.argv[1], 'wb') if sys.argv[1] else subprocess.DEVNULL\n"
    "started = time.monotonic()\n"
    "proc = subprocess.Popen(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(proc.pid, 0)\n"
    "print(json.dumps({'rc': os.waitstatus_to_exitcode(status), 'wall': time.monotonic() - "
    "started, 'cpu': usage.ru_utime + usage.ru_stime, 'rss': usage.ru_maxrss / 1024}))\n"
)


def child_env(extra: dict | None = None) -> dict:
    """The environment of every child: this checkout importable, and bytecode cached.

    An installed tap runs from compiled bytecode, as the bare loop's libraries do from
    site-packages. With ``PYTHONDONTWRITEBYTECODE`` set (some CI images and sandboxes set
    it) every tap run would compile its own 40-odd modules again, about 0.15 s of CPU the
    bare loop never pays, so it is unset here: the first run writes ``__pycache__``
    (ignored by git) and the rest read it.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT), **(extra or {})}


def run(args: list[str], env: dict | None = None, stdout: Path | None = None) -> dict:
    """Run a child to completion: wall s, CPU s (user + system), peak RSS MiB, load after."""
    probe = subprocess.run(
        [PY, "-c", PROBE, str(stdout or ""), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=child_env(env),
    )
    result = json.loads(probe.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(args[:4])} exited {result['rc']}")
    result["load"] = load()
    return result


def write_config(directory: Path, url: str, **settings: object) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps({"api_key": KEY, "base_url": url, **settings}))
    return path


def catalog(config: Path, streams: list[str] | None, directory: Path) -> Path:
    """The discovered catalog with only ``streams`` selected (None: every stream)."""
    out = subprocess.run(
        [PY, "-m", "tap_ordergroove", "--config", str(config), "--discover"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    )
    data = json.loads(out.stdout)
    for entry in data["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = streams is None or entry["tap_stream_id"] in streams
    path = directory / f"catalog-{len(streams) if streams is not None else 'all'}.json"
    path.write_text(json.dumps(data))
    return path


def tap_args(config: Path, catalog_path: Path | None, state: Path | None = None) -> list[str]:
    args = [PY, "-m", "tap_ordergroove", "--config", str(config)]
    if catalog_path is not None:
        args += ["--catalog", str(catalog_path)]
    if state is not None:
        args += ["--state", str(state)]
    return args


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """``median (min-max)``."""
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}-{fmt.format(max(values))})"
    )


def same_output(fast: Path, sdk: Path) -> str:
    """Do both tap paths' outputs hold the same records (per stream, in order) and STATE?"""

    def read(path: Path) -> tuple[dict, str]:
        records: dict[str, list] = {}
        last_state = ""
        for line in path.read_bytes().splitlines():
            message = json.loads(line)
            if message["type"] == "RECORD":
                message.pop("time_extracted", None)
                records.setdefault(message["stream"], []).append(line.split(b',"time_')[0])
            elif message["type"] == "STATE":
                last_state = line
        return records, last_state

    a, b = read(fast), read(sdk)
    counts = ", ".join(f"{name} {len(rows):,}" for name, rows in sorted(a[0].items()))
    verdict = "identical" if a == b else "DIFFERENT"
    return f"records and final STATE of the two tap paths: {verdict} ({counts})"


def cpu_section(customers: int, rounds: int, pace: int, directory: Path) -> None:
    fake = start_fake(customers)
    try:
        records = sum(fake.dataset.count(name) for name in CPU_STREAMS)
        settings = {"max_requests_per_minute": pace} if pace else {}
        config = write_config(directory, fake.url, max_concurrent_streams=1, **settings)
        cat = catalog(config, CPU_STREAMS, directory)
        tap = tap_args(config, cat)
        bare = [PY, "benchmarks/bare_loop.py"]
        if pace:
            bare += ["--per-minute", str(pace)]
        bare += [fake.url, KEY, *CPU_PATHS]
        variants = {
            "bare loop": (bare, {}),
            "tap": (tap, {RECORD_PATH_ENV: ""}),
            "tap, SDK path": (tap, {RECORD_PATH_ENV: "sdk"}),
        }
        names = list(variants)
        results: dict[str, list[dict]] = {name: [] for name in names}
        check = ""
        for round_ in range(rounds):
            order = names[round_ % 3 :] + names[: round_ % 3]
            for name in order:
                args, env = variants[name]
                keep = directory / f"{name.replace(' ', '_').replace(',', '')}.jsonl"
                results[name].append(run(args, env, keep if round_ == 0 else None))
            if round_ == 0:
                check = same_output(directory / "tap.jsonl", directory / "tap_SDK_path.jsonl")
    finally:
        fake.stop()
    paced = f"all paced at {pace:,} requests/min" if pace else "bare loop unpaced, tap at 6,000/min"
    print(
        f"\n1. CPU per record: {records:,} records of {', '.join(CPU_STREAMS)}, no latency, "
        f"{paced}; {rounds} alternating rounds, median (min-max)"
    )
    print(f"   {'':15}{'CPU s':>20}{'us/record':>22}{'wall s':>20}{'load avg':>20}")
    for name in names:
        runs = results[name]
        print(
            f"   {name:15}{spread([r['cpu'] for r in runs]):>20}"
            f"{spread([r['cpu'] / records * 1e6 for r in runs], '{:.1f}'):>22}"
            f"{spread([r['wall'] for r in runs], '{:.1f}'):>20}"
            f"{spread([r['load'] for r in runs]):>20}"
        )
    bare_runs = results["bare loop"]
    for name in ("tap", "tap, SDK path"):
        ratios = [r["cpu"] / b["cpu"] for r, b in zip(results[name], bare_runs, strict=True)]
        print(f"   {name} / bare loop CPU, per round: {spread(ratios)}x")
    ratios = [
        s["cpu"] / f["cpu"] for s, f in zip(results["tap, SDK path"], results["tap"], strict=True)
    ]
    print(f"   SDK path / page loop CPU, per round: {spread(ratios)}x")
    print(f"   {check}")


def startup_section(runs: int, directory: Path) -> None:
    fake = start_fake(10)
    try:
        config = write_config(directory, fake.url)
        nothing = catalog(config, [], directory)
        variants = {
            "python -c pass": [PY, "-c", "pass"],
            "import singer_sdk": [PY, "-c", "import singer_sdk"],
            "import the tap": [PY, "-c", "import tap_ordergroove.tap"],
            "tap run, no stream": tap_args(config, nothing),
        }
        results: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, args in variants.items():
                results[name].append(run(args))
    finally:
        fake.stop()
    print(f"\n2. Process start-up, {runs} alternating runs, median (min-max)")
    print(f"   {'':22}{'wall s':>20}{'CPU s':>20}{'load avg':>20}")
    for name, values in results.items():
        print(
            f"   {name:22}{spread([r['wall'] for r in values], '{:.3f}'):>20}"
            f"{spread([r['cpu'] for r in values], '{:.3f}'):>20}"
            f"{spread([r['load'] for r in values]):>20}"
        )


def nochange_section(customers: int, latency_ms: int, runs: int, directory: Path) -> None:
    fake = start_fake(customers)
    try:
        # Read times saved (full_table_every_hours) so the runs with 24 can skip; the
        # runs with 0 read every full-table stream whatever the state says.
        config = write_config(directory, fake.url, full_table_every_hours=24)
        state_file = directory / "state.json"
        out = directory / "full.jsonl"
        full = run(tap_args(config, None), stdout=out)
        full_requests = len(fake.request_log)
        states = [line for line in out.read_bytes().splitlines() if b'"type":"STATE"' in line]
        state_file.write_text(json.dumps(json.loads(states[-1])["value"]))
        fake.latency_ms = latency_ms
        rows = []
        for _ in range(runs):
            for hours in (0, 24):
                fake.request_log.clear()
                settings = {"full_table_every_hours": hours}
                (directory / f"h{hours}").mkdir(exist_ok=True)
                hours_config = write_config(directory / f"h{hours}", fake.url, **settings)
                result = run(tap_args(hours_config, None, state_file))
                paths = Counter(entry["path"] for entry in fake.request_log)
                rows.append((hours, sum(paths.values()), result))
    finally:
        fake.stop()
    print(
        f"\n3. No-change incremental run, all streams, {latency_ms} ms per request "
        f"({customers} customers; the full sync before it: {full_requests} requests, "
        f"{full['wall']:.1f} s without latency); median (min-max) of {runs}"
    )
    print(f"   {'full_table_every_hours':24}{'requests':>10}{'wall s':>20}{'load avg':>20}")
    for hours in (0, 24):
        mine = [(n, r) for h, n, r in rows if h == hours]
        requests_ = sorted({n for n, _ in mine})
        print(
            f"   {hours:<24}{'/'.join(map(str, requests_)):>10}"
            f"{spread([r['wall'] for _, r in mine]):>20}"
            f"{spread([r['load'] for _, r in mine]):>20}"
        )


def latency_section(customers: int, latency_ms: int, directory: Path) -> None:
    fake = start_fake(customers, latency_ms)
    try:
        pages = {}
        for spec in STREAM_TYPES:
            size = 1000 if spec.name == "placement_responses" else 100
            pages[spec.name] = max(1, -(-fake.dataset.count(spec.name) // size))
        seq = run(tap_args(write_config(directory, fake.url, max_concurrent_streams=1), None))
        conc = run(tap_args(write_config(directory, fake.url, max_concurrent_streams=5), None))
    finally:
        fake.stop()
    longest = max(pages, key=pages.get)
    floor = pages[longest] * latency_ms / 1000
    total = sum(pages.values())
    print(f"\n4. Full sync of all 13 streams at {latency_ms} ms per request (about {total} pages)")
    print(
        f"   sequential (max_concurrent_streams=1): {seq['wall']:7.1f} s   load {seq['load']:.2f}"
    )
    print(
        f"   concurrent (max_concurrent_streams=5): {conc['wall']:7.1f} s   load "
        f"{conc['load']:.2f}   ({seq['wall'] / conc['wall']:.2f}x faster)"
    )
    print(
        f"   floor from the API rules ({longest}: {pages[longest]} pages x {latency_ms} ms): "
        f"{floor:7.1f} s; sum of all pages x latency: {total * latency_ms / 1000:.1f} s"
    )


def rss_section(small: int, large: int, directory: Path) -> None:
    print("\n5. Peak RSS of the tap (all 13 streams, no latency)")
    for customers in (small, large):
        fake = start_fake(customers)
        try:
            records = sum(fake.dataset.count(name) for name in REST_STREAMS)
            m = run(tap_args(write_config(directory, fake.url), None))
        finally:
            fake.stop()
        print(
            f"   {records:>10,} records: peak RSS {m['rss']:6.1f} MiB, wall {m['wall']:6.1f} s,"
            f" {records / m['wall']:,.0f} records/s, load {m['load']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cpu-customers", type=int, default=5700)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pace", type=int, default=6000, help="requests/min, 0: bare unpaced")
    parser.add_argument("--startup-runs", type=int, default=7)
    parser.add_argument("--nochange-customers", type=int, default=1000)
    parser.add_argument("--nochange-runs", type=int, default=3)
    parser.add_argument("--latency-customers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--rss-small", type=int, default=500)
    parser.add_argument("--rss-large", type=int, default=53000)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["cpu", "startup", "nochange", "latency", "rss"]
    )
    args = parser.parse_args()
    print(
        f"tap-ordergroove benchmark on {platform.node()}: {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"load average at start {'/'.join(f'{v:.2f}' for v in os.getloadavg())}; "
        "bytecode cached for every measured process (see child_env)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name, section in (
            ("cpu", lambda: cpu_section(args.cpu_customers, args.rounds, args.pace, directory)),
            ("startup", lambda: startup_section(args.startup_runs, directory)),
            (
                "nochange",
                lambda: nochange_section(
                    args.nochange_customers, args.latency_ms, args.nochange_runs, directory
                ),
            ),
            (
                "latency",
                lambda: latency_section(args.latency_customers, args.latency_ms, directory),
            ),
            ("rss", lambda: rss_section(args.rss_small, args.rss_large, directory)),
        ):
            if name not in args.skip:
                (directory / name).mkdir()
                section()
                sys.stdout.flush()


if __name__ == "__main__":
    main()
