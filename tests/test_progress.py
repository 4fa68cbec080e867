"""Long syncs log one readable progress line per running stream every N seconds.

Each line names its stream (Meltano's log view drops the SDK metrics' stream tag) and
says records so far, pages, rate, elapsed time and the window being read; the final
per-stream summary stays.
"""

from __future__ import annotations

import os
import re
import subprocess

from tests.conftest import API_KEY, start_fake, tap_config
from tests.singer_run import ROOT, run_tap

LINE = re.compile(
    r"Stream '(?P<stream>\w+)' progress: (?P<records>\d+) records, (?P<pages>\d+) pages, "
    r"\d+ requests, \d+ records/s, \d+ s elapsed, (?P<window>window \S+ \.\. \S+|full read)"
)


ARGS = ("tap-ordergroove", "target-jsonl")


def progress(stderr: str) -> dict[str, list[re.Match]]:
    found: dict[str, list[re.Match]] = {}
    for line in stderr.splitlines():
        match = LINE.search(line)
        if match:
            found.setdefault(match["stream"], []).append(match)
    return found


def test_progress_lines_name_each_parallel_stream(tmp_path):
    fake = start_fake(latency_ms=30)
    try:
        config = tap_config(
            fake,
            page_size=10,
            progress_interval_seconds=1,
            start_date="2023-01-01T00:00:00Z",
            backfill_window_days=120,
        )
        run = run_tap(tmp_path, config)
        lines = progress(run.stderr)
        assert {"orders", "items"} <= set(lines), "the two longest streams report progress"
        assert len(lines) >= 3, "parallel streams each have their own lines"
        for stream, matches in lines.items():
            counts = [int(m["records"]) for m in matches]
            assert counts == sorted(counts), f"{stream}: records so far never go back"
            assert all(int(m["records"]) <= len(run.records[stream]) for m in matches)
        assert any(m["window"].startswith("window 20") for m in lines["orders"])
        for stream in run.records:
            assert f"Stream '{stream}' done:" in run.stderr, "the final summary stays"
    finally:
        fake.stop()


def test_progress_lines_under_meltano_name_the_stream(tmp_path):
    fake = start_fake(latency_ms=30)
    try:
        env = {
            **os.environ,
            "MELTANO_ENVIRONMENT": "dev",
            "TAP_ORDERGROOVE_BASE_URL": fake.url,
            "TAP_ORDERGROOVE_API_KEY": API_KEY,
            "TAP_ORDERGROOVE_PAGE_SIZE": "10",
            "TAP_ORDERGROOVE_PROGRESS_INTERVAL_SECONDS": "1",
            "TARGET_JSONL_DESTINATION_PATH": str(tmp_path),
        }
        proc = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "meltano"), "run", "--full-refresh", *ARGS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        lines = progress(proc.stderr)
        assert {"orders", "items"} <= set(lines)
    finally:
        fake.stop()
