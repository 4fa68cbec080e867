"""Parallel streams: same records and final state as one-at-a-time, valid Singer output."""

from __future__ import annotations

import pytest

from tests.conftest import start_fake, tap_config
from tests.singer_run import run_tap

FAULTS = [
    {"kind": "429", "every": 7, "count": 6, "retry_after": 0},
    {"kind": "drop", "every": 11, "count": 4},
    {"kind": "500", "every": 13, "count": 3},
    {"kind": "423", "every": 17, "count": 2},
]


def run_with_faults(tmp_path, workers: int):
    fake = start_fake(latency_ms=15)
    fake.faults.set(FAULTS)
    try:
        config = tap_config(
            fake, max_concurrent_streams=workers, page_size=50, reconcile_upcoming_deletes=True
        )
        run = run_tap(tmp_path, config)
        return run, fake.request_log.snapshot(), fake.faults.remaining()
    finally:
        fake.stop()


def canonical(run):
    return {
        stream: sorted(records, key=lambda r: sorted((k, str(v)) for k, v in r.items()))
        for stream, records in run.records.items()
    }


def final_bookmarks(run):
    return {
        stream: entry.get("replication_key_value")
        for stream, entry in run.state.get("bookmarks", {}).items()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    sequential = run_with_faults(tmp_path_factory.mktemp("seq"), workers=1)
    concurrent = run_with_faults(tmp_path_factory.mktemp("conc"), workers=5)
    return sequential, concurrent


def test_concurrent_records_and_state_equal_sequential(runs):
    (seq, _, seq_left), (conc, _, conc_left) = runs
    assert seq_left == 0 and conc_left == 0, "every fault fired in both runs"
    assert canonical(conc) == canonical(seq)
    assert final_bookmarks(conc) == final_bookmarks(seq)
    # 13 REST streams + 2 reconciliation streams + the 4 child tables the fake fills
    # (subscription and item components, coupon discounts, product group memberships)
    assert len(conc.records) == 19


def test_streams_really_ran_in_parallel_within_ordergroove_rules(runs):
    (_, seq_log, _), (_, conc_log, _) = runs
    assert max(e["in_flight"] for e in seq_log) == 1
    assert max(e["in_flight"] for e in conc_log) > 1
    assert max(e["in_flight"] for e in conc_log) <= 5
    # orders and upcoming_orders (and upcoming_items' order scan) share /orders/: one at a time.
    assert max(e["in_flight_same_path"] for e in conc_log) == 1


def test_output_is_valid_singer_and_every_state_is_resumable(runs):
    _, (conc, _, _) = runs
    schema_at, last_record_at = {}, {}
    for index, message in enumerate(conc.messages):
        stream = message.get("stream")
        if message["type"] == "SCHEMA":
            schema_at.setdefault(stream, index)
        elif message["type"] == "RECORD":
            assert stream in schema_at, f"RECORD for {stream} before its SCHEMA"
            last_record_at[stream] = index
    for index, message in enumerate(conc.messages):
        if message["type"] != "STATE":
            continue
        for stream, entry in message["value"].get("bookmarks", {}).items():
            if entry.get("replication_key_value") is not None:
                # A saved bookmark may only appear once all of that stream's records are out
                # (a child table whose parents had no elements has a bookmark, no records).
                assert last_record_at.get(stream, -1) < index, (stream, index)
    streams_interleaved = {m.get("stream") for m in conc.messages[: len(conc.messages) // 3]}
    assert len(streams_interleaved - {None}) > 1


def test_no_stream_starts_after_one_failed(shared_fake, tmp_path):
    """As in a sequential run: streams already running finish, no queued one starts.

    A wrong key fails each stream at its first request. Up to 5 may have started before
    the first failure (thread start-up decides how many); before the fix, a worker freed
    by the first failure also started a 6th stream before the rest were cancelled.
    """
    before = len(shared_fake.request_log.snapshot())
    config = tap_config(shared_fake, api_key="wrong-key", max_concurrent_streams=5)
    run = run_tap(tmp_path, config, check=False)
    assert run.returncode != 0
    assert 1 <= len(shared_fake.request_log.snapshot()) - before <= 5
