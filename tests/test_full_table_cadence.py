"""``full_table_every_hours``: full-table streams are read at most every N hours.

Real tap processes against the fake API over HTTP; requests are counted at the fake. Time
is moved by writing an older ``full_table_read_at`` into the state between runs.
"""

from __future__ import annotations

import copy
import signal
import time
from datetime import timedelta

import pytest

from tap_ordergroove.rest import cadence
from tap_ordergroove.rest.cadence import READ_AT
from tap_ordergroove.rest.resync import RESYNCED_AT
from tap_ordergroove.tap import TapOrdergroove
from tap_ordergroove.timezones import parse_instant, utc_iso
from tests.conftest import start_fake, tap_config
from tests.live_tap import start_tap
from tests.singer_run import run_tap

PRODUCT_CHILD = "product_selection_rules"
FULL = ["payments", "products", PRODUCT_CHILD]


@pytest.fixture
def fake():
    fake = start_fake(customers=40, seed=61)
    yield fake
    fake.stop()


def requests_to(fake, path: str) -> int:
    """Page requests to ``path``, not counting the tap's one-record access probe."""
    return sum(
        1
        for entry in fake.request_log
        if entry["path"] == path and entry["params"].get("page_size") != "1"
    )


def messages(run, stream: str) -> list[dict]:
    return [m for m in run.messages if m.get("stream") == stream]


def read_at(run, stream: str) -> str | None:
    return run.state.get("bookmarks", {}).get(stream, {}).get(READ_AT)


def aged(state: dict, hours: float, *streams: str) -> dict:
    """``state`` as if the streams had been read ``hours`` earlier than they were."""
    state = copy.deepcopy(state)
    for stream in streams:
        entry = state["bookmarks"][stream]
        entry[READ_AT] = utc_iso(parse_instant(entry[READ_AT]) - timedelta(hours=hours))
    return state


def config(fake, **overrides) -> dict:
    return tap_config(fake, **{"full_table_every_hours": 24, "page_size": 10, **overrides})


def test_two_runs_inside_the_interval_read_once_and_after_it_again(fake, tmp_path):
    first = run_tap(tmp_path / "1", config(fake), streams=FULL)
    payment_pages = requests_to(fake, "/payments/")
    assert payment_pages > 1
    assert requests_to(fake, "/products/") >= 1
    for stream in FULL:
        assert read_at(first, stream), f"{stream}: read time saved after a complete read"
        assert messages(first, stream)[-1]["type"] == "ACTIVATE_VERSION"

    fake.request_log.clear()
    second = run_tap(tmp_path / "2", config(fake), state=first.state, streams=FULL)
    assert requests_to(fake, "/payments/") == requests_to(fake, "/products/") == 0
    for stream in FULL:
        assert messages(second, stream) == [], f"{stream}: a skipped table sends nothing"
        assert read_at(second, stream) == read_at(first, stream)
        line = f"Stream '{stream}' skipped this run (full_table_every_hours=24): last read in"
        assert line in second.stderr
    assert f"last read in full at {read_at(first, 'payments')}" in second.stderr

    fake.request_log.clear()
    later = aged(second.state, 24, *FULL)
    third = run_tap(tmp_path / "3", config(fake), state=later, streams=FULL)
    assert requests_to(fake, "/payments/") == payment_pages
    assert requests_to(fake, "/products/") >= 1
    for stream in FULL:
        assert messages(third, stream)[-1]["type"] == "ACTIVATE_VERSION"
        # This run's start, not the aged time it was given (a second's resolution: it may
        # equal the first run's).
        now = parse_instant(read_at(third, stream))
        assert now > parse_instant(later["bookmarks"][stream][READ_AT])
        assert now >= parse_instant(read_at(first, stream))
    assert {r["public_id"] for r in third.records["payments"]} == {
        p["public_id"] for p in fake.dataset.records("payments")
    }


def test_a_run_shortly_before_the_interval_ends_still_reads(fake, tmp_path):
    """An hourly schedule's run that starts a little early is not pushed back an hour."""
    first = run_tap(tmp_path / "1", config(fake), streams=["payments"])
    fake.request_log.clear()
    early = aged(first.state, 24 - 5 / 60, "payments")  # 23 h 55 min ago
    run_tap(tmp_path / "2", config(fake), state=early, streams=["payments"])
    assert requests_to(fake, "/payments/") > 0
    fake.request_log.clear()
    too_early = aged(first.state, 23, "payments")
    run_tap(tmp_path / "3", config(fake), state=too_early, streams=["payments"])
    assert requests_to(fake, "/payments/") == 0


def test_a_failed_full_read_is_retried_next_run(fake, tmp_path):
    first = run_tap(tmp_path / "1", config(fake), streams=["payments"])
    old = aged(first.state, 25, "payments")
    fake.faults.set([{"kind": "503", "path": "/payments/", "every": 3, "count": 1}])
    failed = run_tap(
        tmp_path / "2", config(fake, max_tries=1), state=old, streams=["payments"], check=False
    )
    fake.faults.set([])
    assert failed.returncode != 0
    sent = messages(failed, "payments")
    assert [m for m in sent if m["type"] == "RECORD"], "some pages were read"
    assert "ACTIVATE_VERSION" not in [m["type"] for m in sent]
    assert read_at(failed, "payments") == old["bookmarks"]["payments"][READ_AT]

    fake.request_log.clear()
    redone = run_tap(tmp_path / "3", config(fake), state=failed.state, streams=["payments"])
    assert requests_to(fake, "/payments/") > 1
    assert messages(redone, "payments")[-1]["type"] == "ACTIVATE_VERSION"
    now = parse_instant(read_at(redone, "payments"))
    assert now > parse_instant(old["bookmarks"]["payments"][READ_AT])
    assert now >= parse_instant(read_at(first, "payments"))


def test_a_stopped_full_read_is_redone_next_run(fake, tmp_path):
    first = run_tap(tmp_path / "1", config(fake), streams=["payments"])
    old = aged(first.state, 25, "payments")
    fake.latency_ms = 200
    fake.request_log.clear()
    tap = start_tap(tmp_path / "2", config(fake, page_size=3), state=old, streams=["payments"])
    deadline = time.monotonic() + 60
    while requests_to(fake, "/payments/") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the tap buffers RECORD lines: watch the requests at the fake
    assert requests_to(fake, "/payments/") < len(first.records["payments"]) / 3, "read ended"
    assert tap.signal(signal.SIGTERM).returncode == 143
    stopped = tap.run()
    assert "ACTIVATE_VERSION" not in [m["type"] for m in messages(stopped, "payments")]
    assert read_at(stopped, "payments") == old["bookmarks"]["payments"][READ_AT]

    fake.latency_ms = 0
    fake.request_log.clear()
    redone = run_tap(tmp_path / "3", config(fake), state=stopped.state, streams=["payments"])
    assert requests_to(fake, "/payments/") > 1
    assert messages(redone, "payments")[-1]["type"] == "ACTIVATE_VERSION"
    now = parse_instant(read_at(redone, "payments"))
    assert now > parse_instant(old["bookmarks"]["payments"][READ_AT])
    assert now >= parse_instant(read_at(first, "payments"))


def test_a_run_without_state_reads_everything(fake, tmp_path):
    """Meltano's ``--full-refresh`` runs the tap without state: nothing is skipped."""
    run_tap(tmp_path / "1", config(fake), streams=FULL)
    fake.request_log.clear()
    refresh = run_tap(tmp_path / "2", config(fake), streams=FULL)
    assert requests_to(fake, "/payments/") > 1
    for stream in FULL:
        assert messages(refresh, stream)[-1]["type"] == "ACTIVATE_VERSION"


def test_a_due_deletes_resync_reads_full_table_streams(fake, tmp_path):
    streams = ["customers", "payments"]
    settings = config(fake, resync_deletes_every_days=7)
    first = run_tap(tmp_path / "1", settings, streams=streams)
    assert read_at(first, "payments")
    assert first.state["bookmarks"]["customers"][RESYNCED_AT]

    fake.request_log.clear()
    run_tap(tmp_path / "2", settings, state=first.state, streams=streams)
    assert requests_to(fake, "/payments/") == 0, "no resync due: skipped"

    due = copy.deepcopy(first.state)
    resynced = parse_instant(due["bookmarks"]["customers"][RESYNCED_AT])
    due["bookmarks"]["customers"][RESYNCED_AT] = utc_iso(resynced - timedelta(days=8))
    fake.request_log.clear()
    third = run_tap(tmp_path / "3", settings, state=due, streams=streams)
    assert requests_to(fake, "/payments/") > 1
    assert messages(third, "payments")[-1]["type"] == "ACTIVATE_VERSION"
    assert "deletes resync due this run, reading in full" in third.stderr


def test_an_old_state_without_the_key_resumes(fake, tmp_path):
    """A state written before the setting existed (or with it at 0) has no read times."""
    streams = ["customers", "payments"]
    old = run_tap(tmp_path / "1", tap_config(fake), streams=streams)
    assert read_at(old, "payments") is None, "setting 0: the state format is unchanged"
    bookmark = old.bookmark("customers")

    fake.request_log.clear()
    resumed = run_tap(tmp_path / "2", config(fake), state=old.state, streams=streams)
    assert requests_to(fake, "/payments/") > 1, "never read under the setting: read now"
    assert read_at(resumed, "payments")
    customer_reads = [e["params"] for e in fake.request_log if e["path"] == "/customers/"]
    assert customer_reads and all("updated_start" in p for p in customer_reads)
    assert resumed.bookmark("customers") >= bookmark

    fake.request_log.clear()
    run_tap(tmp_path / "3", config(fake), state=resumed.state, streams=streams)
    assert requests_to(fake, "/payments/") == 0


def test_a_newly_selected_child_table_makes_its_parent_read(fake, tmp_path):
    first = run_tap(tmp_path / "1", config(fake), streams=["products"])
    fake.request_log.clear()
    both = ["products", PRODUCT_CHILD]
    second = run_tap(tmp_path / "2", config(fake), state=first.state, streams=both)
    assert requests_to(fake, "/products/") >= 1, "the child was never read: the parent reads"
    assert messages(second, PRODUCT_CHILD)[-1]["type"] == "ACTIVATE_VERSION"
    assert read_at(second, PRODUCT_CHILD)

    fake.request_log.clear()
    third = run_tap(tmp_path / "3", config(fake), state=second.state, streams=both)
    assert requests_to(fake, "/products/") == 0
    assert messages(third, PRODUCT_CHILD) == []


def test_reconciliation_streams_are_read_every_run(fake, tmp_path):
    settings = config(fake, reconcile_upcoming_deletes=True)
    streams = ["upcoming_orders"]
    first = run_tap(tmp_path / "1", settings, streams=streams)
    fake.request_log.clear()
    second = run_tap(tmp_path / "2", settings, state=first.state, streams=streams)
    assert requests_to(fake, "/orders/") > 0
    assert messages(second, "upcoming_orders")[-1]["type"] == "ACTIVATE_VERSION"


def skipped(hours: int, since: timedelta | None, stream: str = "payments") -> bool:
    settings = {"api_key": "k", "base_url": "http://127.0.0.1:9", "full_table_every_hours": hours}
    tap = TapOrdergroove(config=settings, parse_env_config=False, validate_config=True)
    target = tap.streams[stream]
    if since is not None:
        target.stream_state[READ_AT] = utc_iso(target.run_started_at - since)
    return cadence.skip(target)


def test_when_a_full_table_stream_is_skipped():
    assert skipped(24, timedelta(hours=1))
    assert skipped(24, timedelta(hours=23, minutes=49))
    assert not skipped(24, timedelta(hours=23, minutes=51)), "a schedule's drift"
    assert not skipped(24, None), "never read: read"
    assert not skipped(0, timedelta(minutes=1)), "0: every run"
    assert not skipped(24, timedelta(minutes=1), stream="customers"), "incremental: never"
