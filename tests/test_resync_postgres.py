"""Deletes resync end to end: `meltano run` into the real PostgreSQL.

A customer and an address removed from the API are flagged `_sdc_deleted_at` after a
resync and not before; a failed resync flags nothing; a later incremental run leaves them
flagged and still picks up changes (the bookmark stays right).
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import start_fake
from tests.test_children_postgres import flagged_keys, query, row_count
from tests.test_meltano_e2e import base_env, meltano_run, select_env

KEYS = {"customers": "merchant_user_id", "addresses": "public_id"}


def flagged(schema: str, table: str) -> set[str]:
    return flagged_keys(schema, table, KEYS[table])


@pytest.fixture
def schema():
    name = f"og_resync_{uuid.uuid4().hex[:8]}"
    yield name
    query(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_resync_flags_deleted_customers_and_addresses(schema):
    fake = start_fake(customers=60, seed=51)
    try:
        env = {
            **base_env(fake, schema),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            **select_env(*KEYS),
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        totals = {table: row_count(schema, table) for table in KEYS}
        customer = fake.dataset.records("customers")[3]["merchant_user_id"]
        address = fake.dataset.records("addresses")[5]["public_id"]
        fake.dataset.delete("customers", customer)
        fake.dataset.delete("addresses", address)

        meltano_run(env, *run)  # incremental: a delete is invisible
        assert flagged(schema, "customers") == flagged(schema, "addresses") == set()

        resync = {**env, "TAP_ORDERGROOVE_RESYNC_DELETES_EVERY_DAYS": "7"}
        failing = {**resync, "TAP_ORDERGROOVE_MAX_TRIES": "1", "TAP_ORDERGROOVE_PAGE_SIZE": "10"}
        fake.faults.set(
            [
                {"kind": "503", "path": "/customers/", "every": 3, "count": 1},
                {"kind": "503", "path": "/addresses/", "every": 3, "count": 1},
            ]
        )
        meltano_run(failing, *run, expect_failure=True)
        fake.faults.set([])
        assert flagged(schema, "customers") == flagged(schema, "addresses") == set(), (
            "a failed resync flags nothing"
        )

        meltano_run(resync, *run)
        assert flagged(schema, "customers") == {customer}
        assert flagged(schema, "addresses") == {address}
        assert {table: row_count(schema, table) for table in KEYS} == totals  # soft deletes only

        changed = fake.dataset.records("customers")[0]["merchant_user_id"]
        fake.dataset.update("customers", changed, first_name="Renamed")
        fake.request_log.clear()
        meltano_run(resync, *run)  # not due again for 7 days: incremental
        reads = [e["params"] for e in fake.request_log if e["path"] == "/customers/"]
        assert reads and all("updated_start" in params for params in reads)
        assert flagged(schema, "customers") == {customer}
        assert flagged(schema, "addresses") == {address}
        names = query(
            f'SELECT first_name FROM "{schema}".customers WHERE merchant_user_id = %s', changed
        )
        assert names == [("Renamed",)]
    finally:
        fake.stop()
