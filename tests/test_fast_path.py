"""The page loop (``page_loop.sync_pages``) writes what the SDK's per-record loop writes.

Each test runs the real tap process twice against the fake API over HTTP: once as users
run it (the page loop), once with ``ORDERGROOVE_RECORD_PATH=sdk`` (the SDK's
``Stream._sync_records``, record by record), and compares records of every stream
including the child tables, the order of SCHEMA / ACTIVATE_VERSION messages, every STATE
(the run-time signpost aside) and the final STATE byte for byte. Stream maps take the
SDK's path by themselves and must still map correctly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tap_ordergroove.rest.page_loop import RECORD_PATH_ENV
from tests.conftest import tap_config
from tests.singer_run import ROOT, TapRun, _catalog, _parse

SDK_LINE = "records one by one on the SDK's path"
#: Runs the tap with a small STATE_MSG_FREQUENCY so pages are split where the SDK writes
#: its periodic STATE (7 does not divide the page size 10).
RUNNER = (
    "import sys; from tap_ordergroove.rest.client import OrdergrooveStream; "
    "OrdergrooveStream.STATE_MSG_FREQUENCY = int(sys.argv.pop(1)); "
    "from tap_ordergroove.tap import TapOrdergroove; TapOrdergroove.cli()"
)
PARENTS = ["orders", "items", "subscriptions", "products"]
CHILDREN = [
    "item_components",
    "subscription_components",
    "subscription_grantees",
    "product_group_memberships",
    "product_selection_rules",
    "product_selection_rule_elements",
    "product_resource_grants",
    "product_free_trial_configurations",
]


def run(
    tmp_path: Path,
    config: dict,
    *,
    sdk: bool,
    streams: list[str] | None = None,
    state: dict | None = None,
    frequency: int = 10_000,
) -> TapRun:
    """One tap process, on the page loop or (``sdk``) on the SDK's record loop."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.json").write_text(json.dumps(config))
    args = [sys.executable, "-c", RUNNER, str(frequency), "--config", str(tmp_path / "config.json")]
    if streams is not None:
        args += ["--catalog", str(_catalog(tmp_path, tmp_path / "config.json", streams))]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), RECORD_PATH_ENV: "sdk" if sdk else ""}
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _parse(proc)


def both(tmp_path: Path, config: dict, **kwargs) -> tuple[TapRun, TapRun]:
    fast = run(tmp_path / "fast", config, sdk=False, **kwargs)
    sdk = run(tmp_path / "sdk", config, sdk=True, **kwargs)
    return fast, sdk


def outline(run_: TapRun) -> list[tuple]:
    """Every message but RECORD and STATE, in order; a table version only as "present".

    The tests sync one stream at a time (``max_concurrent_streams=1``), so the order is
    deterministic."""
    return [
        (m["type"], m.get("stream"), "version" in m)
        for m in run_.messages
        if m["type"] not in {"RECORD", "STATE"}
    ]


def versions(run_: TapRun) -> dict[str, set[bool]]:
    """Per stream: whether its RECORD messages carried a table version."""
    seen: dict[str, set[bool]] = {}
    for m in run_.messages:
        if m["type"] == "RECORD":
            seen.setdefault(m["stream"], set()).add("version" in m)
    return seen


def without_signpost(state: dict) -> dict:
    """A STATE with the run's own start time (``replication_key_signpost``) taken out."""
    text = json.dumps(state)
    state = json.loads(text)
    for entry in state.get("bookmarks", {}).values():
        entry.pop("replication_key_signpost", None)
    return state


def final_state_line(run_: TapRun) -> str:
    return [line for line in run_.stdout.splitlines() if '"type":"STATE"' in line][-1]


def assert_same(fast: TapRun, sdk: TapRun) -> None:
    assert fast.records == sdk.records
    assert versions(fast) == versions(sdk)
    assert outline(fast) == outline(sdk)
    assert [without_signpost(s) for s in fast.states] == [without_signpost(s) for s in sdk.states]
    assert final_state_line(fast) == final_state_line(sdk)
    assert SDK_LINE not in fast.stderr
    assert f"{SDK_LINE} ({RECORD_PATH_ENV}=sdk)" in sdk.stderr


def done_lines(run_: TapRun) -> list[str]:
    """The per-stream summary lines, without the elapsed seconds."""
    return sorted(
        line.split(" done: ", 1)[1].rsplit(",", 1)[0]
        for line in run_.stderr.splitlines()
        if " done: " in line and "Stream '" in line
    )


def test_page_loop_writes_what_the_sdk_loop_writes(shared_fake, tmp_path):
    """Every stream and child table, pages of 10, a periodic STATE every 7 records."""
    config = tap_config(shared_fake, page_size=10, max_concurrent_streams=1)
    fast, sdk = both(tmp_path, config, frequency=7)
    assert set(CHILDREN) - {"subscription_grantees"} <= set(fast.records), "rows in this data"
    assert sum(len(rows) for rows in fast.records.values()) > 2000
    assert len(fast.states) > 100  # the periodic STATEs, split inside pages
    assert_same(fast, sdk)
    assert done_lines(fast) == done_lines(sdk)  # records, pages, requests per stream


def test_page_loop_under_faults_and_a_resumed_backfill(fake, tmp_path):
    """429s, 5xx, a truncated page and a dropped connection, windows with STATEs between
    them, then a run resumed from the state after changes at the API: same output."""
    config = tap_config(
        fake,
        page_size=10,
        start_date="2023-01-01T00:00:00Z",
        backfill_window_days=120,
        max_concurrent_streams=1,
    )
    faults = [
        {"kind": "429", "path": "/orders/", "every": 4, "count": 5, "retry_after": 0},
        {"kind": "503", "path": "/items/", "every": 5, "count": 3},
        {"kind": "truncated", "path": "/subscriptions/", "count": 1},
        {"kind": "drop", "path": "/orders/", "count": 1},
    ]
    runs = []
    for sdk in (False, True):
        fake.faults.set(faults)
        runs.append(run(tmp_path / f"first-{sdk}", config, sdk=sdk, streams=PARENTS + CHILDREN))
        assert fake.faults.remaining() == 0, "every fault was hit"
    first_fast, first_sdk = runs
    assert "Retrying /orders/" in first_fast.stderr
    assert any("backfill_done_until" in json.dumps(s) for s in first_fast.states)
    assert_same(first_fast, first_sdk)

    fake.faults.clear()
    # Stamped before either run starts: a child bookmark is never capped by a run's start.
    fake.dataset.freeze_time("2026-02-01 10:00:00")
    order = fake.dataset.records("orders")[0]["public_id"]
    item = fake.dataset.records("items")[0]["public_id"]
    fake.dataset.update("orders", order, total="12.34")
    fake.dataset.update("items", item, quantity=7)
    fake.faults.set([{"kind": "500", "path": "/items/", "count": 1}])
    resumed_fast = run(
        tmp_path / "again-fast",
        config,
        sdk=False,
        streams=PARENTS + CHILDREN,
        state=first_fast.state,
    )
    fake.faults.set([{"kind": "500", "path": "/items/", "count": 1}])
    resumed_sdk = run(
        tmp_path / "again-sdk",
        config,
        sdk=True,
        streams=PARENTS + CHILDREN,
        state=first_fast.state,
    )
    assert_same(resumed_fast, resumed_sdk)
    orders = {r["public_id"]: r for r in resumed_fast.records["orders"]}
    assert orders[order]["total"] == Decimal("12.34")
    assert [r["quantity"] for r in resumed_fast.records["items"] if r["public_id"] == item] == [7]


@pytest.mark.parametrize("forced", [False, True], ids=["maps-alone", "maps-and-env"])
def test_stream_maps_take_the_sdk_path_and_still_map(shared_fake, tmp_path, forced):
    """A map on ``orders`` sends orders (and only orders) down the SDK's loop; the mapped
    records are the page loop's records, mapped."""
    plain = run(
        tmp_path / "plain",
        tap_config(shared_fake),
        sdk=False,
        streams=["orders", "items", "item_components"],
    )
    maps = {"orders": {"total_text": "str(total)", "extra_data": None}}
    mapped = run(
        tmp_path / "mapped",
        tap_config(shared_fake, stream_maps=maps, max_concurrent_streams=1),
        sdk=forced,
        streams=["orders", "items", "item_components"],
    )
    line = f"Stream 'orders': {SDK_LINE} (stream maps or flattening configured for 'orders')"
    if forced:
        assert f"Stream 'orders': {SDK_LINE} ({RECORD_PATH_ENV}=sdk)" in mapped.stderr
    else:
        assert line in mapped.stderr
        assert f"Stream 'items': {SDK_LINE}" not in mapped.stderr  # no map: page loop
    expected = []
    for record in plain.records["orders"]:
        record = {k: v for k, v in record.items() if k != "extra_data"}
        record["total_text"] = None if record.get("total") is None else str(record["total"])
        expected.append(record)
    assert mapped.records["orders"] == expected
    assert "total_text" in mapped.schemas["orders"]["properties"]
    assert "extra_data" not in mapped.schemas["orders"]["properties"]
    assert mapped.records["items"] == plain.records["items"]
    assert mapped.records["item_components"] == plain.records["item_components"]
    assert final_state_line(mapped) == final_state_line(plain)
