"""The forked taps of tests/tap_process.py behave like exec'd ones: same messages, same exit
code, same last line of the log, for a complete run, a run that fails mid-stream (its buffered
records still flushed at exit) and a config file that is not JSON."""

from __future__ import annotations

import os
import re

from tests import tap_process
from tests.conftest import start_fake, tap_config
from tests.singer_run import TapRun, run_tap
from tests.tap_process import FORK_ENV

STREAMS = ["orders", "items", "item_components", "products", "product_group_memberships"]


def both(monkeypatch, tmp_path, run) -> tuple[TapRun, TapRun]:
    """``run(folder)`` once with a forked tap and once with an exec'd one."""
    results = []
    for mode in ("1", "0"):
        monkeypatch.setenv(FORK_ENV, mode)
        results.append(run(tmp_path / f"fork-{mode}"))
    return results[0], results[1]


def comparable(run: TapRun) -> list[dict]:
    """Every message, without what differs between two runs seconds apart: the extraction
    time, the table version (a time in ms; kept as "present") and the STATE's signpost (the
    run's start; the final STATE has none)."""
    messages = []
    for message in run.messages:
        message = {k: v for k, v in message.items() if k != "time_extracted"}
        if "version" in message:
            message["version"] = "present"
        if message["type"] == "STATE":
            for entry in message["value"].get("bookmarks", {}).values():
                entry.pop("replication_key_signpost", None)
        messages.append(message)
    return messages


def last_line(run) -> str:
    """The log's last line without its time stamp and the run's own folder."""
    line = run.stderr.strip().splitlines()[-1].split(" | ", 1)[-1]
    return re.sub(r"fork-[01]", "fork-N", line)


def test_a_forked_tap_writes_what_an_execd_one_writes(monkeypatch, tmp_path, shared_fake):
    forked, execd = both(
        monkeypatch,
        tmp_path,
        # One stream at a time: message order is then the same in every run.
        lambda folder: run_tap(
            folder, tap_config(shared_fake, max_concurrent_streams=1), streams=STREAMS
        ),
    )
    assert forked.returncode == execd.returncode == 0
    assert set(forked.records) == set(STREAMS)
    assert comparable(forked) == comparable(execd)
    assert forked.stdout.splitlines()[-1] == execd.stdout.splitlines()[-1]  # final STATE


def test_a_failing_tap_flushes_its_records_and_exits_alike(monkeypatch, tmp_path):
    fake = start_fake()
    try:

        def failing(folder):
            fake.faults.set([{"kind": "503", "path": "/items/", "every": 4, "count": 1}])
            config = tap_config(fake, max_tries=1, page_size=25)
            return run_tap(folder, config, streams=["items"], check=False)

        forked, execd = both(monkeypatch, tmp_path, failing)
    finally:
        fake.stop()
    assert forked.returncode == execd.returncode != 0
    assert forked.records.get("items"), "the pages before the failure reach stdout"
    assert comparable(forked) == comparable(execd)
    assert last_line(forked) == last_line(execd)


def test_a_bad_config_file_fails_alike(monkeypatch, tmp_path):
    def bad_config(folder):
        folder.mkdir(parents=True)
        (folder / "config.json").write_text("{not json")
        args = ["--config", str(folder / "config.json")]
        return tap_process.run(args, cwd=folder, env=dict(os.environ), timeout=60)

    forked, execd = both(monkeypatch, tmp_path, bad_config)
    assert forked.returncode == execd.returncode != 0
    assert forked.stdout == execd.stdout == ""
    assert last_line(forked) == last_line(execd)
    assert "config.json" in forked.stderr
