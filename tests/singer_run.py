"""Run the tap as a real process (tests/tap_process.py) and read its Singer output back."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tests import tap_process

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class TapRun:
    """What one tap process wrote: records per stream, states, schemas, logs."""

    returncode: int
    stdout: str
    stderr: str
    records: dict[str, list[dict]] = field(default_factory=dict)
    schemas: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)

    @property
    def state(self) -> dict:
        """The last STATE message's value (what a runner would persist)."""
        return self.states[-1] if self.states else {}

    def bookmark(self, stream: str) -> str | None:
        """The saved replication value of one stream."""
        entry = self.state.get("bookmarks", {}).get(stream, {})
        return entry.get("replication_key_value")


def run_tap(
    tmp_path: Path,
    config: dict,
    *,
    state: dict | None = None,
    streams: list[str] | None = None,
    catalog: dict | None = None,
    check: bool = True,
    timeout: float = 600,
) -> TapRun:
    """Run ``tap-ordergroove`` with ``config`` (and state, and a stream selection)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    args = ["--config", str(config_file)]
    if state is not None:
        state_file = tmp_path / "state.json"
        state_file.write_text(json.dumps(state))
        args += ["--state", str(state_file)]
    if streams is not None:
        args += ["--catalog", str(_catalog(tmp_path, config_file, streams))]
    elif catalog is not None:
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps(catalog))
        args += ["--catalog", str(catalog_file)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = tap_process.run(args, cwd=ROOT, env=env, timeout=timeout)
    run = _parse(proc)
    if check and proc.returncode != 0:
        raise AssertionError(f"tap failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return run


def discover(tmp_path: Path, config: dict) -> dict:
    """The catalog ``--discover`` prints for ``config``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    return _discover(config_file)


def _discover(config_file: Path) -> dict:
    args = ["--config", str(config_file), "--discover"]
    out = tap_process.run(args, cwd=ROOT, env=dict(os.environ), timeout=120)
    assert out.returncode == 0, f"--discover failed ({out.returncode}):\n{out.stderr[-4000:]}"
    return json.loads(out.stdout)


#: Catalogs ``--discover`` printed, per config without ``base_url`` (discovery sends no
#: request, and each fake has its own port): a test process discovers each config once.
_DISCOVERED: dict[str, str] = {}


def _catalog(tmp_path: Path, config_file: Path, streams: list[str]) -> Path:
    config = json.loads(config_file.read_text())
    key = json.dumps({k: v for k, v in config.items() if k != "base_url"}, sort_keys=True)
    if key not in _DISCOVERED:
        _DISCOVERED[key] = json.dumps(_discover(config_file))
    catalog = json.loads(_DISCOVERED[key])
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = chosen
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def _parse(proc: subprocess.CompletedProcess) -> TapRun:
    run = TapRun(proc.returncode, proc.stdout, proc.stderr)
    for line in proc.stdout.splitlines():
        message = json.loads(line, parse_float=Decimal)
        run.messages.append(message)
        kind = message["type"]
        if kind == "RECORD":
            run.records.setdefault(message["stream"], []).append(message["record"])
        elif kind == "SCHEMA":
            run.schemas[message["stream"]] = message["schema"]
        elif kind == "STATE":
            run.states.append(message["value"])
    return run
