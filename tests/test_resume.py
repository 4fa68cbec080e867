"""Backfill resume: a resumed stream always ends with a real bookmark; markers keep the lookback.

A run killed (SIGKILL, no chance to write anything) right after its last closed
``backfill_window_days`` window leaves a STATE holding only ``backfill_done_until``. The
resume must read from there, end with a bookmark, and the run after it must not go back
to ``start_date``. The number of records the resume reads again is printed (``-s``).
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest

from tap_ordergroove.timezones import utc_iso
from tests.conftest import start_fake, tap_config
from tests.live_tap import start_tap
from tests.singer_run import run_tap

STEP_DAYS = 60
LOOKBACK_MINUTES = 15


def pk(stream: str) -> str:
    return "merchant_user_id" if stream == "customers" else "public_id"


@pytest.mark.parametrize("stream", ["orders", "addresses", "customers"])
def test_kill_after_the_last_closed_window_then_resume_ends_with_a_bookmark(tmp_path, stream):
    fake = start_fake(latency_ms=300)  # the open window's first page takes 0.3 s: time to kill
    try:
        config = tap_config(
            fake,
            start_date="2022-12-01T00:00:00Z",
            backfill_window_days=STEP_DAYS,
            lookback_minutes=LOOKBACK_MINUTES,
        )
        last_close = datetime.now(UTC) - timedelta(days=STEP_DAYS, minutes=LOOKBACK_MINUTES)
        threshold = utc_iso(last_close)

        def last_window_closed(messages) -> bool:
            return any(
                m["type"] == "STATE"
                and m["value"]["bookmarks"].get(stream, {}).get("backfill_done_until", "")
                >= threshold
                for m in messages
            )

        tap = start_tap(tmp_path / "killed", config, streams=[stream])
        tap.wait_for(last_window_closed, what="the last closed window's STATE")
        tap.signal(signal.SIGKILL)
        killed = tap.run()
        state = killed.state  # the last STATE a runner would have saved
        assert set(state["bookmarks"][stream]) >= {"backfill_done_until"}
        assert not state["bookmarks"][stream].get("replication_key_value")

        resumed = run_tap(tmp_path / "resumed", config, state=state, streams=[stream])
        seen = {r[pk(stream)] for r in killed.records.get(stream, [])}
        again = [r for r in resumed.records.get(stream, []) if r[pk(stream)] in seen]
        print(
            f"\n{stream}: killed after the last closed window; the resume re-read "
            f"{len(again)} of {len(seen)} records already emitted"
        )
        bookmark = resumed.bookmark(stream)
        assert bookmark, "a resumed stream must end with a real bookmark"
        assert bookmark >= state["bookmarks"][stream]["backfill_done_until"]
        assert len(again) <= len(seen) // 10

        after = run_tap(tmp_path / "after", config, state=resumed.state, streams=[stream])
        total = len(fake.dataset.records(stream))
        assert len(after.records.get(stream, [])) <= total // 10, (
            "the run after the resume went back to start_date"
        )
        everything = seen | {r[pk(stream)] for r in resumed.records.get(stream, [])}
        assert everything == {r[pk(stream)] for r in fake.dataset.records(stream)}
    finally:
        fake.stop()


def test_backfill_markers_obey_the_lookback(shared_fake, tmp_path):
    """A closed window's end (a resume point) is never later than run start - lookback.

    A change Ordergroove commits late, stamped just before the marker, would otherwise
    be skipped by a resume from that marker, as the bookmark rule already prevents.
    """
    lookback = timedelta(days=3)
    config = tap_config(
        shared_fake,
        start_date=utc_iso(datetime.now(UTC) - timedelta(days=10)),
        backfill_window_days=1,
        lookback_minutes=lookback.total_seconds() / 60,
    )
    run = run_tap(tmp_path, config, streams=["orders"])
    latest_allowed = utc_iso(datetime.now(UTC) - lookback)
    markers = [
        s["bookmarks"]["orders"]["backfill_done_until"]
        for s in run.states
        if "backfill_done_until" in s.get("bookmarks", {}).get("orders", {})
    ]
    assert len(markers) >= 6, "the closed windows before the lookback still checkpoint"
    assert max(markers) <= latest_allowed
