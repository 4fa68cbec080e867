"""End to end for an SFTP-only merchant: `meltano run tap-ordergroove target-postgres`.

A real SFTP server on 127.0.0.1, the tap installed by Meltano, the real
target-postgres and the run's real PostgreSQL (tests/pg.py; the test fails, never
skips, without one). Meltano keeps the state, as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.sftp_server import SftpTestServer, start_server
from tests.test_meltano_e2e import MELTANO, ROOT, connect, target_env
from tests.test_sftp_sync import (
    DOCUMENTED_SUB_HEADER,
    ORDER_HEADER,
    SUB_HEADER,
    order_rows,
    sub_rows,
)

SFTP_STREAMS = ("order_report", "subscription_report", "sftp_rejected_rows")


def query(sql: str, *args) -> list[tuple]:
    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


@pytest.fixture
def pg_schema():
    connect().close()  # fail before any work when the database is missing
    schema = f"og_sftp_{uuid.uuid4().hex[:8]}"
    yield schema
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    meltano("state", "clear", "--force", state_id(schema))


def meltano_run(server: SftpTestServer, schema: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MELTANO_ENVIRONMENT": "dev",
        "TAP_ORDERGROOVE_API_KEY": "",  # an SFTP-only merchant has no API key
        "TAP_ORDERGROOVE_SFTP_HOST": "127.0.0.1",
        "TAP_ORDERGROOVE_SFTP_PORT": str(server.port),
        "TAP_ORDERGROOVE_SFTP_USERNAME": server.username,
        "TAP_ORDERGROOVE_SFTP_PASSWORD": server.password,
        "TAP_ORDERGROOVE_SFTP_HOST_KEY_FINGERPRINT": server.host_key_fingerprint,
        "TAP_ORDERGROOVE_SFTP_MIN_FILE_AGE_SECONDS": "0",
        "TAP_ORDERGROOVE__SELECT": '["' + '.*", "'.join(SFTP_STREAMS) + '.*"]',
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        **target_env(),
    }
    proc = subprocess.run(
        [MELTANO, "run", "--state-id-suffix", schema, "tap-ordergroove", "target-postgres"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert server.password not in proc.stderr + proc.stdout
    return proc


def meltano(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MELTANO, *args],
        cwd=ROOT,
        env={**os.environ, "MELTANO_ENVIRONMENT": "dev"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def state_id(schema: str) -> str:
    return f"dev:tap-ordergroove-to-target-postgres:{schema}"


def meltano_state(schema: str) -> dict:
    """The bookmarks Meltano stored for this test's runs."""
    return json.loads(meltano("state", "get", state_id(schema)).stdout)["singer_state"]["bookmarks"]


def column_types(schema: str, table: str) -> dict[str, str]:
    return dict(
        query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            schema,
            table,
        )
    )


def counts(schema: str) -> dict[str, int]:
    return {s: query(f'SELECT count(*) FROM "{schema}"."{s}"')[0][0] for s in SFTP_STREAMS}


def test_sftp_only_merchant_lands_typed_rows_in_postgres_with_deltas_upserted(tmp_path, pg_schema):
    server = start_server(tmp_path / "sftp")
    try:
        # A first run meets a backfill and the deltas after it: the same keys arrive twice.
        server.put("acmeorders__full04032024120000.csv", ORDER_HEADER + order_rows("A", 40))
        server.put(
            "acme_orders_03052024090000.csv",
            ORDER_HEADER
            + order_rows("B", 10)
            + "B99,O1,SUCCESS,02/30/2024,S,1,1.00,C1,S1,,\n"  # no 30 February
            + "B98,O1,SUCCESS,03/05/2024,S,99999999999999999999,1.00,C1,S1,,\n"  # > bigint
            + "B97,O1,SUCCESS,03/05/2024,S,1,1e400,C1,S1,,\n",  # fits numeric
        )
        server.put(
            "acmeorders__delta06032024090000.csv", ORDER_HEADER + order_rows("A", 1, "99.95")
        )
        server.put("acme_subscriptions_03052024100000.csv", SUB_HEADER + sub_rows(["S1", "S2"]))
        server.put(
            "acme_subscriptions__delta06032024100000.csv",
            SUB_HEADER + sub_rows(["S2"], "cancelled", "03/05/2024"),
        )
        meltano_run(server, pg_schema)

        assert counts(pg_schema) == {
            "order_report": 51,
            "subscription_report": 2,
            "sftp_rejected_rows": 2,
        }
        types = dict(
            query(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'order_report'",
                pg_schema,
            )
        )
        assert types["price"] == "numeric"
        assert types["place_date"] == "date"
        assert types["created"].startswith("timestamp")
        assert types["quantity"] == "bigint"
        assert types["_sdc_source_line"] == "bigint"
        ((price, place, created, line),) = query(
            f"SELECT price, place_date, created, _sdc_source_line "
            f'FROM "{pg_schema}".order_report WHERE order_item_id = %s',
            "B3",
        )
        assert (price, place, line) == (Decimal("12.50"), date(2024, 3, 5), 5)
        assert created.isoformat().startswith("2024-03-01T14:00:00")  # 08:00 CST in UTC
        assert query(  # the delta, read after the full file, wins
            f'SELECT price::text, _sdc_source_file FROM "{pg_schema}".order_report '
            "WHERE order_item_id = 'A0'"
        ) == [("99.95", "acmeorders__delta06032024090000.csv")]
        assert query(
            f'SELECT subscription_status, cancel_date FROM "{pg_schema}".subscription_report '
            "ORDER BY subscription_id"
        ) == [("active", None), ("cancelled", date(2024, 3, 5))]
        reasons = dict(query(f'SELECT source_line, reason FROM "{pg_schema}".sftp_rejected_rows'))
        assert sorted(reasons) == [12, 13]
        assert "'Place Date'" in reasons[12] and "64-bit" in reasons[13]
        # Exact, however large: not a float, not Infinity.
        assert query(
            f"SELECT price = 1e400 FROM \"{pg_schema}\".order_report WHERE order_item_id = 'B97'"
        ) == [(True,)]

        # Meltano kept the bookmarks: the last file read of each report.
        bookmarks = meltano_state(pg_schema)
        assert bookmarks["order_report"]["last_file"] == "acmeorders__delta06032024090000.csv"
        assert bookmarks["subscription_report"]["replication_key_value"] == (
            "2024-03-06T16:00:00+00:00"
        )

        # Next day: the 5 March delta turns up late, after 6 March was loaded, with A0
        # (changed again on 6 March) and A1 (changed only on 5 March). Both changes must
        # land, and A0 must keep its 6 March price: the late file is read, then 6 March again.
        server.put(
            "acmeorders__delta05032024090000.csv",
            ORDER_HEADER + order_rows("A", 2, "55.55"),
        )
        server.put("acme_orders_03072024090000.csv", ORDER_HEADER + order_rows("C", 1))
        # The help center's names and columns: a singular subscription report, and a
        # cancellation report that must not land in subscription_report.
        server.put(
            "acme_subscription_03072024100000.csv",
            DOCUMENTED_SUB_HEADER
            + "Acme,988432,941874,01/09/2016,01/09/2016 13:10:38,01/09/2016,Existing,S3,active,\n",
        )
        server.put("acme_cancelled_subscriptions_03072024100000.csv", "Subscription ID\nS9\n")
        second = meltano_run(server, pg_schema)
        assert counts(pg_schema)["order_report"] == 52
        assert query(
            f"SELECT subscription_id, create_time, create_date, ordergroove_user_id "
            f"FROM \"{pg_schema}\".subscription_report WHERE subscription_id IN ('S3', 'S9')"
        ) == [("S3", datetime(2016, 1, 9, 19, 10, 38), date(2016, 1, 9), 988432)]
        sub_types = column_types(pg_schema, "subscription_report")
        assert sub_types["create_time"].startswith("timestamp")
        assert (sub_types["create_date"], sub_types["ordergroove_user_id"]) == ("date", "bigint")
        assert column_types(pg_schema, "order_report")["order_subtotal"] == "numeric"
        assert "Not reading 1 file(s) of Ordergroove's cancellation report" in second.stderr
        assert query(
            f'SELECT order_item_id, price::text, _sdc_source_file FROM "{pg_schema}".order_report '
            "WHERE order_item_id IN ('A0', 'A1', 'A2', 'C0') ORDER BY 1"
        ) == [
            ("A0", "99.95", "acmeorders__delta06032024090000.csv"),
            ("A1", "55.55", "acmeorders__delta05032024090000.csv"),
            ("A2", "12.50", "acmeorders__full04032024120000.csv"),
            ("C0", "12.50", "acme_orders_03072024090000.csv"),
        ]
        assert "must be read: it appeared after later files had been read" in second.stderr
        assert sorted(meltano_state(pg_schema)["order_report"]["read_files"]) == sorted(
            p.name for p in server.folder.glob("acme*orders*.csv")
        )

        # Nothing new: a third run loads nothing and leaves every row as it was.
        before = query(f'SELECT max(_sdc_batched_at) FROM "{pg_schema}".order_report')
        meltano_run(server, pg_schema)
        assert query(f'SELECT max(_sdc_batched_at) FROM "{pg_schema}".order_report') == before
    finally:
        server.stop()
