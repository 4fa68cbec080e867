"""The state-file recipe of docs/plain-singer.md, run exactly as written, never loses a good state.

The script is cut out of docs/plain-singer.md (after the ``state-recipe`` marker) so the two cannot
drift. Scenario: a first run, a failed run (refused key: no STATE at all), a stopped run
(SIGTERM mid-sync), and a run after each; the file must always hold a resumable state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import time

from tests.conftest import start_fake, tap_config
from tests.singer_run import ROOT

MARKER = "<!-- state-recipe:"


def documented_recipe() -> str:
    text = (ROOT / "docs" / "plain-singer.md").read_text()
    assert MARKER in text, "docs/plain-singer.md lost its state recipe marker"
    after = text.split(MARKER, 1)[1]
    block = after.split("```bash\n", 1)[1].split("```", 1)[0]
    return textwrap.dedent(block)


def run_recipe(workdir, config: dict, *, stop_mid_sync: bool = False) -> int:
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "sync.sh").write_text(documented_recipe())
    (workdir / "out.jsonl").unlink(missing_ok=True)  # records seen below are this run's
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.Popen(
        ["bash", "sync.sh"],
        cwd=workdir,
        env=env,
        stderr=(workdir / "stderr.log").open("a"),
        start_new_session=True,
    )
    if stop_mid_sync:
        # Once records flow (not at a fixed time: a loaded machine starts slowly).
        out = workdir / "out.jsonl"
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and '"RECORD"' in out.read_text():
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGTERM)  # what a scheduler's stop does to the job
    return proc.wait(timeout=600)


def saved(workdir) -> dict:
    return json.loads((workdir / "state.json").read_text())


def out_records(workdir, stream: str) -> int:
    lines = (workdir / "out.jsonl").read_text().splitlines()
    return sum(1 for line in lines if '"RECORD"' in line and f'"stream":"{stream}"' in line)


def test_documented_state_recipe_survives_failed_and_stopped_runs(tmp_path):
    fake = start_fake()
    try:
        good = tap_config(fake)
        assert run_recipe(tmp_path, good) == 0
        first = saved(tmp_path)
        assert first["bookmarks"]["orders"]["replication_key_value"]
        total_orders = out_records(tmp_path, "orders")
        assert total_orders == len(fake.dataset.records("orders"))

        # A refused key: the tap writes no STATE at all. The file must stay as it was.
        before = (tmp_path / "state.json").read_bytes()
        assert run_recipe(tmp_path, {**good, "api_key": "wrong-key"}) == 1
        assert (tmp_path / "state.json").read_bytes() == before
        assert not (tmp_path / "state.json.new").exists()

        # The next good run resumes from it: only the lookback is read again.
        assert run_recipe(tmp_path, good) == 0
        assert out_records(tmp_path, "orders") < total_orders // 10
        assert "bookmarks" in saved(tmp_path)

        # A stopped run (SIGTERM to the whole job) saves its last STATE; resuming works.
        fake.latency_ms = 100  # 10-record pages: the sync takes far longer than the stop
        fake.dataset.update("orders", fake.dataset.records("orders")[0]["public_id"], tries=9)
        code = run_recipe(tmp_path, {**good, "page_size": 10}, stop_mid_sync=True)
        assert code == 143
        fake.latency_ms = 0
        states = [
            line for line in (tmp_path / "out.jsonl").read_text().splitlines() if '"STATE"' in line
        ]
        assert saved(tmp_path) == json.loads(states[-1])["value"], "the stopped run's last STATE"
        assert saved(tmp_path)["bookmarks"]
        assert run_recipe(tmp_path, good) == 0
        assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    finally:
        fake.stop()
