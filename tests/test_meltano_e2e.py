"""End to end: `meltano run tap-ordergroove target-postgres` for real, into the run's test
PostgreSQL (tests/pg.py)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest

from tap_ordergroove.rest.streams import STREAM_TYPES
from tests import pg
from tests.conftest import API_KEY, start_fake
from tests.expected import utc

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(ROOT / ".venv" / "bin" / "meltano")


def connect():
    """psycopg2 to the run's test server (tests/pg.py); fails, never skips, without one."""
    params = pg.settings()
    try:
        return psycopg2.connect(**params, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {params['host']}:{params['port']} ({exc})")


def meltano_run(env: dict, *args: str, expect_failure: bool = False):
    proc = subprocess.run(
        [MELTANO, "run", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert (proc.returncode != 0) == expect_failure, proc.stderr[-5000:]
    assert API_KEY not in proc.stderr + proc.stdout
    return proc


@pytest.fixture(scope="module")
def fake():
    fake = start_fake(customers=400, seed=7)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def pg_schema():
    schema = f"og_e2e_{uuid.uuid4().hex[:8]}"
    yield schema
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def target_env() -> dict:
    """Point target-postgres at the database the tests read back (tests/pg.py)."""
    return pg.target_env()


def base_env(fake, suffix: str) -> dict:
    return {
        "MELTANO_ENVIRONMENT": "dev",
        "TAP_ORDERGROOVE_BASE_URL": fake.url,
        "TAP_ORDERGROOVE_API_KEY": API_KEY,
        **target_env(),
    }


def select_env(*streams: str) -> dict:
    """Meltano's ``select`` for only ``streams``: a test that checks a few tables need not
    make every run create, merge and drop all 25 (about a third of a run's CPU)."""
    return {"TAP_ORDERGROOVE__SELECT": json.dumps([f"{stream}.*" for stream in streams])}


def table_counts(schema: str) -> dict[str, int]:
    with connect() as conn, conn.cursor() as cur:
        counts = {}
        for stream in STREAM_TYPES:
            cur.execute(f'SELECT count(*) FROM "{schema}"."{stream.name}"')
            counts[stream.name] = cur.fetchone()[0]
        return counts


def test_postgres_end_to_end_with_incremental_update_in_place(fake, pg_schema):
    env = {**base_env(fake, pg_schema), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": pg_schema}
    meltano_run(env, "--state-id-suffix", pg_schema, "tap-ordergroove", "target-postgres")

    expected = {s.name: len(fake.dataset.records(s.name)) for s in STREAM_TYPES}
    assert table_counts(pg_schema) == expected

    with connect() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'orders'",
            (pg_schema,),
        )
        types = dict(cur.fetchall())
    assert types["total"] == "numeric"
    assert types["created"].startswith("timestamp")
    assert types["status"] == "bigint"
    assert types["extra_data"] == "jsonb"

    order = sorted(fake.dataset.records("orders"), key=lambda r: r["public_id"])[0]
    with connect() as conn, conn.cursor() as cur:
        cur.execute(
            f'SELECT total::text, created FROM "{pg_schema}".orders WHERE public_id = %s',
            (order["public_id"],),
        )
        total, created = cur.fetchone()
    assert total == order["total"]  # exact decimal, same digits
    assert created.isoformat() + "+00:00" == utc(order["created"])  # the UTC instant

    fake.dataset.update("orders", order["public_id"], total="1234.56")
    meltano_run(env, "--state-id-suffix", pg_schema, "tap-ordergroove", "target-postgres")
    assert table_counts(pg_schema) == expected  # updated in place, nothing duplicated
    with connect() as conn, conn.cursor() as cur:
        cur.execute(
            f'SELECT total::text FROM "{pg_schema}".orders WHERE public_id = %s',
            (order["public_id"],),
        )
        assert cur.fetchone()[0] == "1234.56"
