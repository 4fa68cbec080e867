"""Many merchants with Meltano: one extractor per merchant (``inherit_from``), for real.

Two fake Ordergroove APIs with different data AND different keys stand for two merchants.
Each merchant extractor must use its own key (the other's is refused), keep its own state ID,
and land in its own schema, or share one schema without overwriting the other merchant's rows
(their product groups have the same keys) or flagging them deleted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
import yaml

from fake_ordergroove.dataset import Dataset
from fake_ordergroove.server import FakeOrdergroove
from tests import pg

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(ROOT / ".venv" / "bin" / "meltano")
sys.path.insert(0, str(ROOT / "scripts"))
import plugin_definition  # noqa: E402

#: Checked in each schema: an incremental stream (state), full-table ones with
#: ACTIVATE_VERSION, and two whose keys collide between the two fake merchants. All streams
#: are synced: the SDK 0.54 fails a stream map that names a deselected stream
#: (meltano/sdk#1942), and the merchant extractors map every stream.
STREAMS = ["customers", "products", "product_groups", "merchant_cancel_reasons"]
LABEL = plugin_definition.MERCHANT_COLUMN


def pg_settings() -> dict:
    """The run's test PostgreSQL (tests/pg.py: PGHOST etc. if it answers, else the embedded
    one); asked here, not read from PGHOST, because this module may be the first (under
    pytest-xdist: the only) one of a worker to need it."""
    return pg.settings()


def target_env() -> dict:
    return pg.target_env()


def query(sql: str, *args) -> list[tuple]:
    try:
        conn = psycopg2.connect(**pg_settings(), connect_timeout=5)
    except psycopg2.OperationalError as exc:  # fail, never skip: CI must see a missing database
        pytest.fail(f"PostgreSQL is required at {pg_settings()} ({exc})")
    with conn, conn.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall() if cur.description else []
    conn.close()
    return rows


def drop_schema(schema: str) -> None:
    query(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class Merchant:
    """One fake Ordergroove store with its own data and its own API key."""

    def __init__(self, seed: int, key: str) -> None:
        self.key = key
        self.fake = FakeOrdergroove(Dataset(seed=seed, customers=15), api_keys=(key,))
        self.fake.start()

    def ids(self, stream: str, key: str) -> set:
        return {record[key] for record in self.fake.dataset.records(stream)}

    def count(self, stream: str) -> int:
        return len(self.fake.dataset.records(stream))


@pytest.fixture(scope="module")
def merchants():
    first, second = Merchant(seed=101, key="key-of-merchant-one"), Merchant(202, "key-of-two")
    yield first, second
    first.fake.stop()
    second.fake.stop()


def env_prefix(extractor: str) -> str:
    return extractor.upper().replace("-", "_")


def merchant_env(extractor: str, merchant: Merchant, schema: str) -> dict:
    """What a deployment sets per merchant: its key (and here: the fake's URL, the schema)."""
    prefix = env_prefix(extractor)
    return {
        f"{prefix}_API_KEY": merchant.key,
        f"{prefix}_BASE_URL": merchant.fake.url,
        f"{prefix}__LOAD_SCHEMA": schema,
    }


def meltano(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MELTANO, *args],
        cwd=ROOT,
        env={**os.environ, "MELTANO_ENVIRONMENT": "dev", **target_env(), **env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_merchant(extractor: str, merchant: Merchant, schema: str, suffix: str) -> None:
    env = merchant_env(extractor, merchant, schema)
    done = meltano(env, "run", "--state-id-suffix", suffix, extractor, "target-postgres")
    assert done.returncode == 0, done.stderr[-5000:]
    assert merchant.key not in done.stdout + done.stderr


def test_meltano_yml_defines_merchants_that_inherit_the_tap():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    extractors = {p["name"]: p for p in project["plugins"]["extractors"]}
    base = extractors[plugin_definition.MERCHANT_BASE]
    assert base["inherit_from"] == "tap-ordergroove"
    catalog = plugin_definition.full_catalog()
    assert base["config"]["stream_maps"] == plugin_definition.merchant_stream_maps(catalog), (
        "meltano.yml's merchant stream maps are stale: run scripts/plugin_definition.py --write"
    )
    merchants = [
        p for p in extractors.values() if LABEL in p.get("config", {}).get("stream_map_config", {})
    ]
    assert len(merchants) >= 2
    for plugin in merchants:
        # One inheritance level: Meltano resolves every setting through each level on every
        # run (about 4 s of CPU per level); the maps come by YAML merge (`<<: *merchant`).
        assert plugin["inherit_from"] == "tap-ordergroove", plugin["name"]
        assert plugin["config"]["stream_maps"] == base["config"]["stream_maps"], plugin["name"]
        # Its own key, named explicitly: an unset one must not fall back to the parent's.
        assert plugin["config"]["api_key"] == f"${{{env_prefix(plugin['name'])}_API_KEY}}"


def test_each_merchant_has_its_own_key_state_and_schema(merchants):
    one, two = merchants
    run_id = uuid.uuid4().hex[:8]
    schemas = {"a": f"og_merchant_a_{run_id}", "b": f"og_merchant_b_{run_id}"}
    try:
        run_merchant("tap-ordergroove--brand-a", one, schemas["a"], run_id)
        run_merchant("tap-ordergroove--brand-b", two, schemas["b"], run_id)
        for schema, merchant, label in (
            (schemas["a"], one, "brand_a"),
            (schemas["b"], two, "brand_b"),
        ):
            rows = query(f'SELECT merchant_user_id, {LABEL} FROM "{schema}".customers')
            assert {r[0] for r in rows} == merchant.ids("customers", "merchant_user_id")
            assert {r[1] for r in rows} == {label}
            for stream in STREAMS:
                (count,) = query(f'SELECT count(*) FROM "{schema}".{stream}')[0]
                assert count == merchant.count(stream), (schema, stream)
        states = meltano({}, "state", "list").stdout.split()
        for name in ("brand-a", "brand-b"):
            state_id = f"dev:tap-ordergroove--{name}-to-target-postgres:{run_id}"
            assert state_id in states
            state = json.loads(meltano({}, "state", "get", state_id).stdout)
            assert state["singer_state"]["bookmarks"]["customers"]["replication_key_value"]
    finally:
        for schema in schemas.values():
            drop_schema(schema)


def test_merchants_sharing_a_schema_keep_each_others_rows(merchants, tmp_path):
    one, two = merchants
    run_id = uuid.uuid4().hex[:8]
    schema = f"og_merchants_{run_id}"
    try:
        run_merchant("tap-ordergroove--region-us", one, schema, run_id)
        run_merchant("tap-ordergroove--region-eu", two, schema, run_id)
        for stream in STREAMS:
            rows = query(f'SELECT {LABEL}, count(*) FROM "{schema}".{stream} GROUP BY 1')
            assert dict(rows) == {"region_us": one.count(stream), "region_eu": two.count(stream)}
        # The two stores' product groups have the same (group_type, name) keys: without the
        # label in the key the second merchant would have overwritten the first.
        shared = {
            tuple(r[k] for k in ("group_type", "name"))
            for r in one.fake.dataset.records("product_groups")
        }
        assert shared == {
            tuple(r[k] for k in ("group_type", "name"))
            for r in two.fake.dataset.records("product_groups")
        }
        flagged = query(
            f'SELECT count(*) FROM "{schema}".products WHERE _sdc_deleted_at IS NOT NULL'
        )
        assert flagged == [(0,)], "a merchant's full-table read flagged another's rows deleted"
        assert_dbt_keeps_merchants_apart(
            schema, run_id, tmp_path, {"region_us": one, "region_eu": two}
        )
    finally:
        drop_schema(schema)
        drop_schema(f"og_sdbt_{run_id}")


def assert_dbt_keeps_merchants_apart(schema, run_id, tmp_path, by_label) -> None:
    """The dbt models over the shared schema: each merchant's upcoming orders and value per
    currency equal that merchant's API, keyed by the landed merchant_label (transform/)."""
    env = {
        "MELTANO_ENVIRONMENT": "prod",  # dbt connects with the loader's TARGET_POSTGRES_*
        "DBT_POSTGRES_SOURCE_SCHEMAS": schema,
        "DBT_POSTGRES_SCHEMA": f"og_sdbt_{run_id}",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = meltano(env, "invoke", "dbt-postgres:build")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    want: dict = {}
    for label, merchant in by_label.items():
        for order in merchant.fake.dataset.records("orders"):
            if order["status"] == 1:
                cell = want.setdefault((label, order["currency_code"]), [0, Decimal(0)])
                cell[0] += 1
                cell[1] += Decimal(order["total"])
    rows = query(
        "SELECT merchant_label, currency_code, count(*), sum(order_value) "
        f'FROM "og_sdbt_{run_id}".ordergroove__upcoming_orders GROUP BY 1, 2'
    )
    assert {(m, c): [n, v] for m, c, n, v in rows} == want


def test_a_merchant_without_its_own_key_never_uses_the_parents(merchants):
    one, _two = merchants
    env = merchant_env("tap-ordergroove--brand-b", one, "og_never_created")
    del env["TAP_ORDERGROOVE__BRAND_B_API_KEY"]
    env["TAP_ORDERGROOVE_API_KEY"] = one.key  # the parent's key is set, the merchant's is not
    before = len(one.fake.request_log.snapshot())
    done = meltano(env, "run", "tap-ordergroove--brand-b", "target-postgres")
    assert done.returncode != 0
    assert "No Ordergroove source is configured" in done.stderr
    assert len(one.fake.request_log.snapshot()) == before, "it read with the parent's key"
