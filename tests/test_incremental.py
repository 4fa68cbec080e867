"""Incremental sync: bookmarks follow Ordergroove's rule and never miss a change."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from tap_ordergroove.timezones import parse_instant
from tests.conftest import tap_config
from tests.expected import utc
from tests.singer_run import run_tap

INCREMENTAL = {
    "customers": ("merchant_user_id", "last_updated"),
    "subscriptions": ("public_id", "updated"),
    "orders": ("public_id", "updated"),
    "items": ("public_id", "order_updated"),
    "addresses": ("public_id", "updated"),
    "one_time_incentives": ("public_id", "last_updated"),
    "placement_responses": ("public_id", "created"),
}


def keys(run, stream):
    key = INCREMENTAL[stream][0]
    return {r[key] for r in run.records.get(stream, [])}


def boundary_keys(fake, stream, bookmark):
    """Records sitting exactly on the previous bookmark are re-read (filters are inclusive)."""
    key, field = INCREMENTAL[stream]
    return {r[key] for r in fake.dataset.records(stream) if utc(r[field]) == bookmark}


def test_second_run_fetches_exactly_what_changed(fake, tmp_path):
    """Changes made while the first run reads are caught by the next run.

    During the first run, an order on an already-read page changes at T0, then an
    order on a not-yet-read page changes at T1 > T0. The first run sees T1 but not
    T0, so a bookmark at "max value seen" would lose the T0 change forever; the
    run-start rule keeps it.
    """
    fake.latency_ms = 50  # slow enough to change data while the first run is reading
    orders = sorted(fake.dataset.records("orders"), key=lambda r: (r["created"], r["public_id"]))
    early, late = orders[0]["public_id"], orders[-1]["public_id"]

    def change_during_first_run():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            log = fake.request_log.snapshot()
            if any(e["path"] == "/orders/" and "cursor" in e["params"] for e in log):
                fake.dataset.update("orders", early, tries=7)  # its page was already read
                time.sleep(1.1)  # timestamps have one-second resolution
                fake.dataset.update("orders", late, tries=8)  # its page is still to come
                return
            time.sleep(0.005)

    changer = threading.Thread(target=change_during_first_run)
    changer.start()
    first = run_tap(tmp_path / "1", tap_config(fake, page_size=10), streams=["orders"])
    changer.join()
    fake.latency_ms = 0
    seen_late = next(r for r in first.records["orders"] if r["public_id"] == late)
    assert seen_late["tries"] == 8, "the late change must be seen by the first run"
    seen_early = next(r for r in first.records["orders"] if r["public_id"] == early)
    assert seen_early["tries"] != 7, "the early change must be missed by the first run"

    between = orders[5]["public_id"]
    fake.dataset.update("orders", between, discount_total="1.23")
    second = run_tap(tmp_path / "2", tap_config(fake), state=first.state, streams=["orders"])
    assert keys(second, "orders") == {early, late, between}
    assert next(r for r in second.records["orders"] if r["public_id"] == early)["tries"] == 7


def test_every_incremental_stream_rereads_only_changes_and_its_boundary(fake, tmp_path):
    first = run_tap(tmp_path / "1", tap_config(fake))
    orders = fake.dataset.records("orders")
    changed_order = orders[5]["public_id"]
    fake.dataset.update("orders", changed_order, discount_total="1.23")
    customer = fake.dataset.records("customers")[3]["merchant_user_id"]
    fake.dataset.update("customers", customer, first_name="Changed")
    item = fake.dataset.records("items")[10]
    fake.dataset.update("items", item["public_id"], quantity=9)
    created = fake.dataset.create("addresses", customer=customer, city="Austin")

    second = run_tap(tmp_path / "2", tap_config(fake), state=first.state)

    changed_orders = {changed_order, item["order"]}
    changed = {
        "orders": changed_orders,
        "items": {
            i["public_id"] for i in fake.dataset.records("items") if i["order"] in changed_orders
        },
        "customers": {customer},
        "addresses": {created["public_id"]},
    }
    for stream in INCREMENTAL:
        expected = changed.get(stream, set()) | boundary_keys(fake, stream, first.bookmark(stream))
        assert keys(second, stream) == expected, stream
    assert len(keys(second, "orders")) < len(orders) // 10


def test_bookmark_is_the_run_start_minus_lookback_when_changes_arrive_during_the_run(
    fake, tmp_path
):
    fake.dataset.update("orders", fake.dataset.records("orders")[0]["public_id"], tries=3)
    started = datetime.now(UTC).replace(microsecond=0)
    run = run_tap(tmp_path, tap_config(fake, lookback_minutes=10), streams=["orders"])
    behind = (started - parse_instant(run.bookmark("orders"))).total_seconds()
    assert 600 - 30 <= behind <= 600 + 1  # the tap started a moment after `started`


def test_bookmark_is_max_seen_when_nothing_changed_recently(shared_fake, tmp_path):
    run = run_tap(tmp_path, tap_config(shared_fake), streams=["orders"])
    newest = max(utc(r["updated"]) for r in shared_fake.dataset.records("orders"))
    assert run.bookmark("orders") == newest


def test_start_date_bounds_the_first_run(shared_fake, tmp_path):
    start = "2025-06-01T00:00:00+00:00"
    run = run_tap(tmp_path, tap_config(shared_fake, start_date=start), streams=["orders"])
    expected = {
        r["public_id"] for r in shared_fake.dataset.records("orders") if utc(r["updated"]) >= start
    }
    assert expected
    assert keys(run, "orders") == expected


@pytest.mark.parametrize(
    ("bookmark", "sent"),
    [
        ("2024-03-10T07:30:00+00:00", "2024-03-10T01:30:00"),  # CST side of spring-forward
        ("2024-03-10T08:30:00+00:00", "2024-03-10T03:30:00"),  # CDT side
        ("2024-11-03T05:30:00+00:00", "2024-11-03T00:30:00"),  # CDT side of fall-back
        ("2024-11-03T08:30:00+00:00", "2024-11-03T02:30:00"),  # CST side
    ],
)
def test_filters_are_exact_central_time_across_dst(fake, tmp_path, bookmark, sent):
    for i, local in enumerate(
        [
            "2024-03-10 01:29:59",
            "2024-03-10 01:30:00",
            "2024-03-10 03:30:00",
            "2024-11-03 00:30:00",
            "2024-11-03 02:29:59",
            "2024-11-03 02:30:00",
        ]
    ):
        fake.dataset.update("orders", fake.dataset.records("orders")[i]["public_id"], updated=local)
    state = {
        "bookmarks": {"orders": {"replication_key": "updated", "replication_key_value": bookmark}}
    }
    run = run_tap(tmp_path, tap_config(fake), state=state, streams=["orders"])
    first_page = next(
        e
        for e in fake.request_log.snapshot()
        if e["path"] == "/orders/" and e["params"]["page_size"] != "1"  # not the access check
    )
    assert first_page["params"]["updated_start"] == sent
    expected = {
        r["public_id"] for r in fake.dataset.records("orders") if utc(r["updated"]) >= bookmark
    }
    assert keys(run, "orders") == expected


def test_backfill_windows_cover_everything_once(shared_fake, tmp_path):
    config = tap_config(shared_fake, start_date="2022-12-01T00:00:00Z", backfill_window_days=90)
    run = run_tap(tmp_path, config, streams=["orders", "placement_responses"])
    for stream in ("orders", "placement_responses"):
        assert keys(run, stream) == {r["public_id"] for r in shared_fake.dataset.records(stream)}
    windows = [
        e["params"]
        for e in shared_fake.request_log.snapshot()
        if e["path"] == "/orders/" and "updated_end" in e["params"] and "cursor" not in e["params"]
    ]
    assert len(windows) >= 12


def test_one_time_incentives_can_fall_back_to_full_table(shared_fake, tmp_path):
    config = tap_config(shared_fake, one_time_incentives_incremental=False)
    run = run_tap(tmp_path, config, streams=["one_time_incentives"])
    assert "one_time_incentives" not in run.state.get("bookmarks", {}) or not run.bookmark(
        "one_time_incentives"
    )
    assert len(run.records["one_time_incentives"]) == len(
        shared_fake.dataset.records("one_time_incentives")
    )


def test_backfill_resumes_after_a_crash_without_refetching_finished_windows(fake, tmp_path):
    config = tap_config(fake, start_date="2022-12-01T00:00:00Z", backfill_window_days=60)
    fake.faults.set([{"kind": "503", "path": "/orders/", "every": 8, "count": 1}])
    crashed = run_tap(tmp_path / "1", {**config, "max_tries": 1}, streams=["orders"], check=False)
    assert crashed.returncode != 0
    done_until = crashed.state["bookmarks"]["orders"]["backfill_done_until"]
    assert done_until > "2023-"

    fake.request_log.clear()
    resumed = run_tap(tmp_path / "2", config, state=crashed.state, streams=["orders"])
    starts = [
        e["params"]["updated_start"]
        for e in fake.request_log.snapshot()
        if e["path"] == "/orders/" and "cursor" not in e["params"]
    ]
    resume_local = utc_to_central_filter(done_until)
    assert min(starts) == resume_local, "finished windows must not be fetched again"
    everything = {r["public_id"] for r in fake.dataset.records("orders")}
    assert keys(crashed, "orders") | keys(resumed, "orders") == everything
    assert "backfill_done_until" not in resumed.state["bookmarks"]["orders"]
    assert resumed.bookmark("orders") is not None


def utc_to_central_filter(value: str) -> str:
    from tap_ordergroove.timezones import OrdergrooveZone

    return OrdergrooveZone("America/Chicago").filter_value(parse_instant(value), bound="start")
