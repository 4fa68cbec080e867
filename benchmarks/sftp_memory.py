"""Peak memory of the tap reading SFTP exports: a small file vs a large one (figures only).

Serves generated order-report CSVs from a real SFTP server on 127.0.0.1 (OpenSSH's
sshd where the tests can run it, else their asyncssh server), runs the tap as its
own process on each, and prints the tap's peak RSS (from ``wait4``), rows, and
throughput. Streaming means the two peaks should be about the same, whatever the
file size. Then it runs the tap on the large file once more and sends it SIGTERM
after ``--stop-after-rows`` records, printing how long the tap took to exit and
its exit status (the file in flight is abandoned, not read to its end).

Usage: .venv/bin/python benchmarks/sftp_memory.py [--small-mb 1] [--large-mb 200]
(``--large-mb 1000`` for the issue's 1 GB export; measured figures in benchmarks/SFTP.md).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sftp_server import start_server  # noqa: E402

HEADER = (
    "Order Item ID,Order ID,Order Status,Place Date,Merchant Product ID,Quantity,Price,"
    "Customer ID,Subscription ID,Created,Updated\n"
)


def write_export(path: Path, megabytes: float) -> int:
    """An order report of about ``megabytes`` MB; returns its row count."""
    target = int(megabytes * 1_000_000)
    rows = 0
    with path.open("w", newline="") as handle:
        handle.write(HEADER)
        written = len(HEADER)
        while written < target:
            block = "".join(
                f"I{rows + i:09d},O{(rows + i) // 3:08d},SUCCESS,03/05/2024,SKU-{i % 97:04d},"
                f"{1 + i % 4},{(i % 5000) / 100 + 1:.2f},C{i % 10007:06d},S{i % 5003:06d},"
                "03/01/2024 08:00:00,03/05/2024 10:00:00\n"
                for i in range(10_000)
            )
            handle.write(block)
            written += len(block)
            rows += 10_000
    old = time.time() - 3600
    os.utime(path, (old, old))
    return rows


def run_tap(
    config: dict, workdir: Path, stop_after: int | None = None
) -> tuple[float, int, int, int]:
    """(seconds, peak RSS in KiB, RECORD lines, exit status) of one tap process.

    With ``stop_after``, SIGTERM is sent after that many records and ``seconds``
    is the time from the signal to the exit.
    """
    config_file = workdir / "config.json"
    config_file.write_text(json.dumps(config))
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tap_ordergroove", "--config", str(config_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=(workdir / "stderr.log").open("w"),
    )
    records = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b'{"type":"RECORD"'):
            records += 1
            if records == stop_after:
                proc.send_signal(signal.SIGTERM)
                started = time.monotonic()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and stop_after is None:
        sys.exit(f"tap failed; see {workdir / 'stderr.log'}")
    return seconds, usage.ru_maxrss, records, code


def main() -> None:
    """Measure and print, small file first, then a stop mid-file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small-mb", type=float, default=1)
    parser.add_argument("--large-mb", type=float, default=200)
    parser.add_argument("--stop-after-rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        print(f"{'file':>8} {'MB':>8} {'rows':>10} {'seconds':>8} {'MB/s':>6} {'peak RSS MiB':>12}")
        for label, megabytes in (("small", args.small_mb), ("large", args.large_mb)):
            (base / label).mkdir()
            server = start_server(base / label / "sftp")
            try:
                name = "bench_orders_03052024090000.csv"
                rows = write_export(server.folder / name, megabytes)
                size = (server.folder / name).stat().st_size / 1e6
                seconds, rss_kib, records, _ = run_tap(server.config(), base / label)
                if label == "large":
                    (base / "stop").mkdir()
                    stop = run_tap(server.config(), base / "stop", args.stop_after_rows)
            finally:
                server.stop()
            assert records == rows, (records, rows)
            print(
                f"{label:>8} {size:8.1f} {rows:10d} {seconds:8.1f} {size / seconds:6.1f} "
                f"{rss_kib / 1024:12.1f}"
            )
        print(
            f"server: {type(server).__name__}; SIGTERM after {args.stop_after_rows} of {rows} "
            f"rows: exited {stop[3]} after {stop[0]:.2f} s, {stop[2]} records written"
        )


if __name__ == "__main__":
    main()
