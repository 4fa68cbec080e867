"""A tap (or `meltano run`) as a live process: read its output while it runs, signal it.

``singer_run.run_tap`` waits for the process to end; tests of stopping need to act in
the middle of a run (send SIGTERM once a STATE appeared) and time how long the exit
takes. Every message is kept with the moment it was read.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tests.singer_run import ROOT, TapRun, _catalog

MELTANO = str(ROOT / ".venv" / "bin" / "meltano")


@dataclass
class Stopped:
    """How a signalled process ended."""

    returncode: int
    seconds: float  # from the signal to the exit


@dataclass
class LiveProcess:
    """A running process whose stdout (Singer messages) is read on a thread."""

    proc: subprocess.Popen
    stderr_path: Path
    messages: list[tuple[float, dict]] = field(default_factory=list)
    _reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip():
                self.messages.append((time.monotonic(), json.loads(line, parse_float=Decimal)))

    def wait_for(self, predicate, timeout: float = 120, what: str = "condition") -> None:
        """Poll the messages read so far until ``predicate(messages)`` is true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate([m for _, m in self.messages]):
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"process ended ({self.proc.returncode}) before {what}")
            time.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what}")

    def signal(self, signum: int, pid: int | None = None) -> Stopped:
        """Send ``signum`` (to the process or ``pid``) and wait for the process to end."""
        sent = time.monotonic()
        os.kill(pid or self.proc.pid, signum)
        try:
            code = self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        seconds = time.monotonic() - sent
        assert self._reader is not None
        self._reader.join(timeout=10)
        return Stopped(code, seconds)

    def wait(self, timeout: float = 600) -> int:
        """Wait for a normal end."""
        code = self.proc.wait(timeout=timeout)
        assert self._reader is not None
        self._reader.join(timeout=10)
        return code

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def run(self) -> TapRun:
        """Everything read, in the shape ``run_tap`` returns."""
        run = TapRun(self.proc.returncode, "", self.stderr)
        for _, message in self.messages:
            run.messages.append(message)
            if message["type"] == "RECORD":
                run.records.setdefault(message["stream"], []).append(message["record"])
            elif message["type"] == "SCHEMA":
                run.schemas[message["stream"]] = message["schema"]
            elif message["type"] == "STATE":
                run.states.append(message["value"])
        return run


def start_tap(
    tmp_path: Path,
    config: dict,
    *,
    state: dict | None = None,
    streams: list[str] | None = None,
) -> LiveProcess:
    """Start ``tap-ordergroove`` (the installed console script) in the background."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    args = [str(ROOT / ".venv" / "bin" / "tap-ordergroove"), "--config", str(config_file)]
    if state is not None:
        state_file = tmp_path / "state.json"
        state_file.write_text(json.dumps(state))
        args += ["--state", str(state_file)]
    if streams is not None:
        args += ["--catalog", str(_catalog(tmp_path, config_file, streams))]
    stderr_path = tmp_path / "stderr.log"
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=stderr_path.open("w"),
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return LiveProcess(proc, stderr_path)


def start_meltano(tmp_path: Path, env: dict, *args: str) -> subprocess.Popen:
    """Start ``meltano run ...`` in the background (its own session, like a scheduler's job)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [MELTANO, "run", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=(tmp_path / "meltano.out").open("w"),
        stderr=(tmp_path / "meltano.err").open("w"),
        start_new_session=True,
    )


def find_tap_pid(parent: int, timeout: float = 120) -> int:
    """The pid of the ``tap-ordergroove`` sync process below ``parent`` (walks /proc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _descendants(parent):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            text = b" ".join(cmdline).decode(errors="replace")
            if "tap-ordergroove" in text and "--config" in text and "--discover" not in text:
                return pid
        time.sleep(0.05)
    raise AssertionError("no tap-ordergroove process appeared under meltano")


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT}
PYTHON = sys.executable
