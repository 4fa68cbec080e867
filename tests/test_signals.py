"""SIGTERM / SIGINT stop a real tap process within seconds, non-zero, resumable.

Schedulers (Airflow, Dagster, Kubernetes, systemd, `meltano run`) stop a job with SIGTERM
and SIGKILL it a little later. The tap must start no further stream, abandon the page in
flight, leave a STATE from which a resume loses nothing, and exit 143 (SIGTERM) or 130
(SIGINT). Figures (seconds from the signal to the exit) are printed: run with ``-s``.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tap_ordergroove.tap import TapOrdergroove
from tests.conftest import API_KEY, start_fake, tap_config
from tests.live_tap import find_tap_pid, pid_alive, start_meltano, start_tap
from tests.singer_run import run_tap

#: Generous: the machine is shared; the measured figures are printed, not asserted.
STOP_WITHIN_SECONDS = 10
SLOW = {"latency_ms": 40}


def keys(run, stream: str) -> set:
    pk = "merchant_user_id" if stream == "customers" else "public_id"
    return {json.dumps(r.get(pk), sort_keys=True) for r in run.records.get(stream, [])}


def dataset_keys(fake, stream: str) -> set:
    pk = "merchant_user_id" if stream == "customers" else "public_id"
    return {json.dumps(r.get(pk), sort_keys=True) for r in fake.dataset.records(stream)}


def finished_streams(stderr: str) -> set[str]:
    return {
        line.split("Stream '", 1)[1].split("'", 1)[0]
        for line in stderr.splitlines()
        if "Stream '" in line and "' done:" in line
    }


def records_written(messages) -> int:
    return sum(m["type"] == "RECORD" for m in messages)


def one_stream_done(messages) -> bool:
    """True once some incremental stream saved a final bookmark (and records flowed)."""
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    return any(
        entry.get("replication_key_value")
        for state in states
        for entry in state.get("bookmarks", {}).values()
    )


@pytest.mark.parametrize(
    ("workers", "signame", "code"),
    [(5, "SIGTERM", 143), (1, "SIGTERM", 143), (5, "SIGINT", 130), (1, "SIGINT", 130)],
    ids=["parallel-SIGTERM", "sequential-SIGTERM", "parallel-SIGINT", "sequential-SIGINT"],
)
def test_signal_stops_at_once_and_a_resume_loses_nothing(tmp_path, workers, signame, code):
    fake = start_fake(**SLOW)
    try:
        config = tap_config(fake, page_size=10, max_concurrent_streams=workers)
        tap = start_tap(tmp_path / "stopped", config)
        tap.wait_for(one_stream_done, what="a finished stream")
        tap.wait_for(lambda ms: records_written(ms) > 200, what="200 records")
        sent = time.monotonic()
        stopped = tap.signal(getattr(signal, signame))
        print(
            f"\n{signame} {'parallel' if workers > 1 else 'sequential'}: exit {stopped.returncode} "
            f"{stopped.seconds:.2f} s after the signal"
        )
        assert stopped.returncode == code
        assert stopped.seconds < STOP_WITHIN_SECONDS
        run = tap.run()
        assert f"Stopped on request; exit {code}" in run.stderr
        assert "Traceback" not in run.stderr

        # Nothing new started: no request left the tap later than a poll after the signal.
        late = [e for e in fake.request_log.snapshot() if e["started"] > sent + 1.0]
        assert not late, f"requests sent after the stop: {late[:3]}"

        # Only streams that finished moved their bookmark or activated a table version.
        done = finished_streams(run.stderr)
        assert len(done) < len(fake.dataset.counts()), "the stop came too late to test"
        for stream, entry in run.state["bookmarks"].items():
            if entry.get("replication_key_value"):
                assert stream in done, f"unfinished {stream} advanced its bookmark"
        activated = {m["stream"] for m in run.messages if m["type"] == "ACTIVATE_VERSION"}
        assert activated <= done

        # A resume from the final STATE completes, and together they lose nothing.
        fake.latency_ms = 0
        resumed = run_tap(tmp_path / "resumed", config, state=run.state)
        for stream in fake.dataset.counts():
            missing = dataset_keys(fake, stream) - keys(run, stream) - keys(resumed, stream)
            assert not missing, f"{stream}: {len(missing)} records lost by the stop"
        for stream in done & {"addresses", "customers", "orders", "items", "subscriptions"}:
            assert len(resumed.records.get(stream, [])) < len(fake.dataset.records(stream)), (
                f"{stream} finished before the stop but was read again in full"
            )
    finally:
        fake.stop()


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "slow", "path": "/orders/", "delay": 60},
        {"kind": "503", "path": "/orders/", "retry_after": 60},
    ],
    ids=["page-in-flight", "backoff-sleep"],
)
def test_a_page_in_flight_or_a_backoff_wait_is_abandoned(tmp_path, fault):
    fake = start_fake(**SLOW)
    try:
        config = tap_config(fake, page_size=10, request_timeout=120, max_concurrent_streams=1)
        tap = start_tap(tmp_path, config, streams=["orders"])
        tap.wait_for(lambda ms: records_written(ms) >= 20, what="two pages of orders")
        fake.faults.set([fault])
        deadline = time.monotonic() + 30
        while fake.faults.remaining() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not fake.faults.remaining(), "the fault never fired"
        time.sleep(0.5)  # the tap now waits on the slow page, or sleeps 60 s before a retry
        stopped = tap.signal(signal.SIGTERM)
        print(
            f"\nSIGTERM during {fault['kind']}: "
            f"exit {stopped.returncode} in {stopped.seconds:.2f} s"
        )
        assert stopped.returncode == 143
        assert stopped.seconds < STOP_WITHIN_SECONDS
        run = tap.run()
        assert not run.bookmark("orders"), "an interrupted stream must keep its old bookmark"
    finally:
        fake.stop()


def meltano_env(fake, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    return {
        "MELTANO_ENVIRONMENT": "dev",
        "TAP_ORDERGROOVE_BASE_URL": fake.url,
        "TAP_ORDERGROOVE_API_KEY": API_KEY,
        "TAP_ORDERGROOVE_PAGE_SIZE": "10",
        "TARGET_JSONL_DESTINATION_PATH": str(out),
    }


def jsonl_keys(out: Path, stream: str) -> set:
    """The keys target-jsonl wrote to ``out``. A stopped run's target may be killed mid-line:
    an unterminated last line is what it had not finished writing, never a record."""
    path = out / f"{stream}.jsonl"
    if not path.exists():
        return set()
    text = path.read_text()
    lines = text.split("\n")
    if not text.endswith("\n"):
        lines.pop()  # cut short by the stop
    pk = "merchant_user_id" if stream == "customers" else "public_id"
    return {json.dumps(json.loads(line).get(pk), sort_keys=True) for line in lines if line.strip()}


@pytest.mark.parametrize(
    ("target", "signame", "workers"),
    [
        ("tap", "SIGTERM", 5),
        ("tap", "SIGINT", 5),
        ("meltano", "SIGTERM", 5),
        ("meltano", "SIGINT", 5),
        ("meltano", "SIGTERM", 1),
    ],
)
def test_meltano_run_stops_within_seconds_and_resumes(tmp_path, target, signame, workers):
    """Signalled directly or through Meltano (which sends SIGTERM to the tap)."""
    fake = start_fake(**SLOW)
    suffix = f"sig{target}{signame}{workers}{time.monotonic_ns()}"
    try:
        stopped_out, resumed_out = tmp_path / "jsonl", tmp_path / "jsonl-resumed"
        env = {
            **meltano_env(fake, stopped_out),
            "TAP_ORDERGROOVE_MAX_CONCURRENT_STREAMS": str(workers),
        }
        args = ("--state-id-suffix", suffix, "tap-ordergroove", "target-jsonl")
        meltano = start_meltano(tmp_path / "1", env, *args)
        tap_pid = find_tap_pid(meltano.pid)
        deadline = time.monotonic() + 120
        while not (stopped_out / "addresses.jsonl").exists():
            assert time.monotonic() < deadline and meltano.poll() is None, "no records landed"
            time.sleep(0.05)
        time.sleep(1.0)
        sent = time.monotonic()
        signal_to = tap_pid if target == "tap" else meltano.pid
        os.kill(signal_to, getattr(signal, signame))
        while pid_alive(tap_pid) and time.monotonic() - sent < 60:
            time.sleep(0.01)
        tap_seconds = time.monotonic() - sent
        code = meltano.wait(timeout=120)
        meltano_seconds = time.monotonic() - sent
        print(
            f"\nmeltano run ({workers} streams at once), {signame} to {target}: "
            f"tap gone after {tap_seconds:.2f} s, "
            f"meltano exit {code} after {meltano_seconds:.2f} s"
        )
        assert tap_seconds < STOP_WITHIN_SECONDS
        assert code != 0
        late = [e for e in fake.request_log.snapshot() if e["started"] > sent + 1.0]
        assert not late, "the tap kept reading after the stop"
        partial = {s: jsonl_keys(stopped_out, s) for s in fake.dataset.counts()}
        assert sum(map(len, partial.values())) < sum(fake.dataset.counts().values())

        fake.latency_ms = 0
        # Its own folder: appending to a file whose last line the stop cut would glue a record
        # onto that fragment.
        resumed = start_meltano(tmp_path / "2", {**env, **meltano_env(fake, resumed_out)}, *args)
        assert resumed.wait(timeout=600) == 0, (tmp_path / "2" / "meltano.err").read_text()[-3000:]
        for stream in fake.dataset.counts():
            landed = jsonl_keys(stopped_out, stream) | jsonl_keys(resumed_out, stream)
            missing = dataset_keys(fake, stream) - landed
            assert not missing, f"{stream}: {len(missing)} records lost by the stop"
    finally:
        fake.stop()


def test_sdk_installs_handle_termination_for_sigterm_and_sigint(shared_fake):
    """Pins the private SDK hook overridden in tap.py (docs/sdk-overrides.md).

    singer-sdk 0.54 registers ``self._handle_termination`` for SIGTERM and SIGINT in
    ``PluginBase.__init__``; the override only works while that stays so.
    """
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        tap = TapOrdergroove(config=tap_config(shared_fake), validate_config=True)
        for signum in (signal.SIGTERM, signal.SIGINT):
            handler = signal.getsignal(signum)
            assert getattr(handler, "__func__", None) is TapOrdergroove._handle_termination
            assert handler.__self__ is tap
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
