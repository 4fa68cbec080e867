"""Deletes resync: a due incremental stream reads everything and activates after the last page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tap_ordergroove.rest.resync import RESYNCED_AT, is_due
from tap_ordergroove.tap import TapOrdergroove
from tap_ordergroove.timezones import utc_iso
from tests.conftest import start_fake, tap_config
from tests.expected import utc
from tests.singer_run import run_tap

STREAMS = ["customers", "addresses", "subscription_components", "subscriptions"]


def customer_requests(fake) -> list[dict]:
    return [e["params"] for e in fake.request_log if e["path"] == "/customers/"]


def stream_messages(run, stream: str) -> list[dict]:
    return [m for m in run.messages if m.get("stream") == stream]


@pytest.fixture
def fake():
    fake = start_fake(customers=70, seed=41)
    yield fake
    fake.stop()


def test_due_resync_reads_all_and_activates_after_the_last_page(fake, tmp_path):
    first = run_tap(tmp_path / "1", tap_config(fake), streams=STREAMS)
    gone = fake.dataset.records("customers")[0]["merchant_user_id"]
    fake.dataset.delete("customers", gone)
    fake.request_log.clear()

    config = tap_config(fake, resync_deletes_every_days=7, page_size=25)
    resync = run_tap(tmp_path / "2", config, state=first.state, streams=STREAMS)
    params = customer_requests(fake)
    assert params and not any("updated_start" in p for p in params), "no start filter"
    messages = stream_messages(resync, "customers")
    assert messages[-1]["type"] == "ACTIVATE_VERSION"
    version = messages[-1]["version"]
    records = [m for m in messages if m["type"] == "RECORD"]
    assert {m["version"] for m in records} == {version}
    assert {m["record"]["merchant_user_id"] for m in records} == {
        c["merchant_user_id"] for c in fake.dataset.records("customers")
    }
    entry = resync.state["bookmarks"]["customers"]
    assert entry[RESYNCED_AT]
    newest = max(utc(c["last_updated"]) for c in fake.dataset.records("customers"))
    assert entry["replication_key_value"] == newest  # the usual rule: newest seen, capped
    # Children of a resynced parent read the whole table too: they are activated as well.
    assert stream_messages(resync, "subscription_components")[-1]["type"] == "ACTIVATE_VERSION"

    fake.request_log.clear()
    later = run_tap(tmp_path / "3", config, state=resync.state, streams=STREAMS)
    assert all("updated_start" in p for p in customer_requests(fake)), "not due: incremental"
    assert "ACTIVATE_VERSION" not in [m["type"] for m in stream_messages(later, "customers")]
    assert later.state["bookmarks"]["customers"][RESYNCED_AT] == entry[RESYNCED_AT]


def test_failed_resync_flags_nothing_and_is_redone(fake, tmp_path):
    first = run_tap(tmp_path / "1", tap_config(fake), streams=STREAMS)
    config = tap_config(fake, resync_deletes_every_days=7, page_size=20, max_tries=1)
    fake.faults.set([{"kind": "503", "path": "/customers/", "every": 3, "count": 1}])
    failed = run_tap(tmp_path / "2", config, state=first.state, streams=STREAMS, check=False)
    fake.faults.set([])
    assert failed.returncode != 0
    customers = stream_messages(failed, "customers")
    assert [m for m in customers if m["type"] == "RECORD"], "some pages were read"
    assert "ACTIVATE_VERSION" not in [m["type"] for m in customers]
    assert RESYNCED_AT not in failed.state["bookmarks"].get("customers", {})

    fake.request_log.clear()
    redone = run_tap(tmp_path / "3", config, state=failed.state, streams=STREAMS)
    assert not any("updated_start" in p for p in customer_requests(fake))
    assert stream_messages(redone, "customers")[-1]["type"] == "ACTIVATE_VERSION"
    assert RESYNCED_AT in redone.state["bookmarks"]["customers"]


def due(days: int | None, since: timedelta | None, stream: str = "customers") -> bool:
    config = {"api_key": "k", "base_url": "http://127.0.0.1:9"}
    if days:
        config["resync_deletes_every_days"] = days
    tap = TapOrdergroove(config=config, parse_env_config=False, validate_config=True)
    target = tap.streams[stream]
    if since is not None:
        target.stream_state[RESYNCED_AT] = utc_iso(target.run_started_at - since)
    return is_due(target)


def test_when_a_resync_is_due():
    assert due(7, None), "never resynced: due"
    assert due(7, timedelta(days=7))
    assert due(7, timedelta(days=6, hours=23, minutes=59)), "a daily schedule's drift"
    assert not due(7, timedelta(days=6, hours=12))
    assert not due(None, None), "setting empty: never"
    assert not due(7, None, stream="products"), "full-table streams read it all anyway"
