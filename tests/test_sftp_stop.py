"""SIGTERM to a real tap process reading a large export from a real SFTP server.

Schedulers stop a job with SIGTERM, then SIGKILL a few seconds later. The tap must
abandon the file in flight at once (not read the rest of a few hundred MB), exit 143,
and leave a state from which the next run reads that file again, whole.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.sftp_server import start_server
from tests.singer_run import ROOT
from tests.test_sftp_sync import ORDER_HEADER, order_rows

#: Big enough that reading it to the end takes several times the stop allowance's worth of
#: rows (about 270,000 rows; about 9 s of CPU to read whole on an idle 2-core machine, see
#: benchmarks/SFTP.md), so a tap that kept reading after SIGTERM would reach the end and fail
#: ``records < rows``; small enough that the resumed run reading all of it stays cheap.
BIG_FILE_BYTES = 24 * 1024 * 1024
#: How long the tap may take to stop after SIGTERM.
STOP_WITHIN_SECONDS = 10
SMALL = "acme_orders_03042024090000.csv"
BIG = "acme_orders_03052024090000.csv"
TAP = Path(sys.executable).with_name("tap-ordergroove")
RECORD = b'{"type":"RECORD","stream":"'


def write_big_export(path: Path, target_bytes: int) -> int:
    """An order export of about ``target_bytes``, unique keys; returns its row count."""
    rows = 0
    with path.open("w") as out:
        out.write(ORDER_HEADER)
        while out.tell() < target_bytes:
            out.write(order_rows("B", 20_000, start=rows))
            rows += 20_000
    return rows


class TapProcess:
    """``tap-ordergroove`` as its own process; stdout is read as it comes (it is large)."""

    def __init__(self, tmp_path: Path, config: dict, state: dict | None = None) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        config_file = tmp_path / "config.json"
        config_file.write_text(json.dumps(config))
        args = [str(TAP), "--config", str(config_file)]
        if state is not None:
            (tmp_path / "state.json").write_text(json.dumps(state))
            args += ["--state", str(tmp_path / "state.json")]
        self.stderr_file = (tmp_path / "stderr.log").open("w+")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.stderr_file
        )
        self.records: dict[str, int] = {}
        self.states: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Count records by their prefix (parsing a million of them would slow the tap's
        machine down), keep every STATE."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(RECORD):
                stream = line[len(RECORD) : line.index(b'"', len(RECORD))].decode()
                self.records[stream] = self.records.get(stream, 0) + 1
            elif line.startswith(b'{"type":"STATE"'):
                self.states.append(json.loads(line)["value"])

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=30)
        return code

    @property
    def stderr(self) -> str:
        self.stderr_file.seek(0)
        return self.stderr_file.read()

    def order_bookmark(self) -> dict:
        return self.states[-1]["bookmarks"]["order_report"]


def test_sigterm_abandons_a_large_file_within_seconds_and_the_next_run_reads_it_whole(tmp_path):
    server = start_server(tmp_path / "sftp")
    try:
        server.put(SMALL, ORDER_HEADER + order_rows("A", 10))
        rows = write_big_export(server.folder / BIG, BIG_FILE_BYTES)
        server.age(BIG, 3600)
        config = server.config()

        first = TapProcess(tmp_path / "first", config)
        deadline = time.monotonic() + 120
        while first.records.get("order_report", 0) < 10 + 1000:  # well into the big file
            assert first.proc.poll() is None, first.stderr[-3000:]
            assert time.monotonic() < deadline, "the tap never started reading the big file"
            time.sleep(0.05)
        sent = time.monotonic()
        first.proc.send_signal(signal.SIGTERM)
        try:
            code = first.wait(timeout=STOP_WITHIN_SECONDS)
        except subprocess.TimeoutExpired:
            first.proc.kill()
            first.wait(timeout=30)
            raise AssertionError(  # noqa: B904
                f"the tap was still running {STOP_WITHIN_SECONDS} s after SIGTERM"
            )
        stopped_after = time.monotonic() - sent
        assert code == 128 + signal.SIGTERM, first.stderr[-3000:]
        assert first.records["order_report"] < rows  # it did not read on to the end
        bookmark = first.order_bookmark()
        assert bookmark["last_file"] == SMALL  # the big file is not marked done
        assert BIG not in bookmark["read_files"]
        assert server.password not in first.stderr

        second = TapProcess(tmp_path / "second", config, state=first.states[-1])
        assert second.wait(timeout=600) == 0, second.stderr[-3000:]
        assert second.records["order_report"] == rows  # the whole file, the small one not again
        assert second.order_bookmark()["last_file"] == BIG
        print(f"stopped {stopped_after:.2f} s after SIGTERM; resumed run read {rows} rows")
    finally:
        server.stop()
