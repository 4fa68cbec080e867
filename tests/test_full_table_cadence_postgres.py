"""``full_table_every_hours`` end to end: `meltano run` into the real PostgreSQL.

A run that skips the full-table streams flags nothing deleted (it sends nothing for them),
although a product and a payment were removed from the API; the next run that reads them
(the interval has passed: the saved read time is moved back with `meltano state set`)
flags exactly those rows, and deletes nothing; `meltano run --full-refresh` reads them at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import timedelta

import pytest

from tap_ordergroove.rest.cadence import READ_AT
from tap_ordergroove.timezones import parse_instant, utc_iso
from tests.conftest import start_fake
from tests.test_children_postgres import flagged_keys, query, row_count
from tests.test_meltano_e2e import MELTANO, ROOT, base_env, meltano_run

KEYS = {"products": "external_product_id", "payments": "public_id"}
STREAMS = ["products", "payments", "product_selection_rules"]


def flagged(schema: str, table: str) -> set[str]:
    return flagged_keys(schema, table, KEYS[table])


def meltano_state(env: dict, *args: str) -> str:
    proc = subprocess.run(
        [MELTANO, "state", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def age_read_times(env: dict, suffix: str, hours: int) -> None:
    """Move every saved full-table read time ``hours`` back, as if that much time passed."""
    (state_id,) = [
        line.strip() for line in meltano_state(env, "list").splitlines() if suffix in line
    ]
    state = json.loads(meltano_state(env, "get", state_id))
    bookmarks = state["singer_state"]["bookmarks"]
    assert all(READ_AT in bookmarks[stream] for stream in STREAMS), "kept by the skipped run"
    for stream in STREAMS:
        entry = bookmarks[stream]
        entry[READ_AT] = utc_iso(parse_instant(entry[READ_AT]) - timedelta(hours=hours))
    meltano_state(env, "set", "--force", state_id, json.dumps(state))


def page_requests(fake, path: str) -> int:
    """Page requests (not the one-record access probe)."""
    return sum(
        1
        for entry in fake.request_log
        if entry["path"] == path and entry["params"].get("page_size") != "1"
    )


@pytest.fixture
def schema():
    name = f"og_cadence_{uuid.uuid4().hex[:8]}"
    yield name
    query(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_a_skipped_run_flags_nothing_and_the_next_reading_run_flags_the_deletes(schema):
    fake = start_fake(customers=40, seed=71)
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            "TAP_ORDERGROOVE_FULL_TABLE_EVERY_HOURS": "24",
            "TAP_ORDERGROOVE__SELECT": json.dumps([f"{s}.*" for s in STREAMS]),
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        totals = {table: row_count(schema, table) for table in KEYS}
        assert all(totals.values())
        product = sorted(p["external_product_id"] for p in fake.dataset.records("products"))[0]
        payment = sorted(p["public_id"] for p in fake.dataset.records("payments"))[0]
        fake.dataset.delete("products", product)
        fake.dataset.delete("payments", payment)

        fake.request_log.clear()
        skipped = meltano_run(env, *run)
        assert page_requests(fake, "/products/") == page_requests(fake, "/payments/") == 0
        assert "Stream 'products' skipped this run" in skipped.stderr
        assert flagged(schema, "products") == flagged(schema, "payments") == set()

        age_read_times(env, schema, 24)
        fake.request_log.clear()
        meltano_run(env, *run)
        assert page_requests(fake, "/products/") > 0
        assert flagged(schema, "products") == {product}
        assert flagged(schema, "payments") == {payment}
        assert {table: row_count(schema, table) for table in KEYS} == totals  # soft deletes only

        fake.request_log.clear()
        meltano_run(env, "--full-refresh", *run)  # no state: read although just read
        assert page_requests(fake, "/products/") > 0
        assert page_requests(fake, "/payments/") > 0
        assert flagged(schema, "products") == {product}
    finally:
        fake.stop()
