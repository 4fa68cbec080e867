"""Many merchants, one schema each: the dbt models union the listed schemas and key every row
by merchant_label, so two stores' figures stay apart even where they share ids.

Two fake merchants (different data) land in two schemas through `meltano run`; one
`dbt-postgres:build` over both must give each merchant its own upcoming orders and value per
currency, recomputed from that merchant's API, and pass every dbt test (keys over
merchant_label + id)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections import defaultdict
from decimal import Decimal

from tests.conftest import start_fake
from tests.test_meltano_e2e import MELTANO, ROOT, base_env, connect, meltano_run


def test_two_merchant_schemas_are_unioned_and_kept_apart(tmp_path):
    run_id = uuid.uuid4().hex[:8]
    schemas = [f"og_m1_{run_id}", f"og_m2_{run_id}"]
    fakes = [start_fake(customers=40, seed=31), start_fake(customers=30, seed=32)]
    try:
        for fake, schema in zip(fakes, schemas, strict=True):
            env = {
                **base_env(fake, schema),
                "MELTANO_ENVIRONMENT": "prod",
                "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            }
            meltano_run(env, "--state-id-suffix", schema, "tap-ordergroove", "target-postgres")
        # Both stores hold the same product ids and cancel-reason codes: keys must include
        # merchant_label, or the og_unique_key tests fail.
        shared = {p["external_product_id"] for p in fakes[0].dataset.records("products")}
        shared &= {p["external_product_id"] for p in fakes[1].dataset.records("products")}
        assert shared
        shared_id = min(shared)
        env = {
            **base_env(fakes[0], schemas[0]),
            "MELTANO_ENVIRONMENT": "prod",
            "DBT_POSTGRES_SOURCE_SCHEMAS": ",".join(schemas),
            "DBT_POSTGRES_SCHEMA": f"og_mdbt_{run_id}",
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        proc = subprocess.run(
            [MELTANO, "invoke", "dbt-postgres:build"],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]

        want: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0)])
        for fake, schema in zip(fakes, schemas, strict=True):
            for order in fake.dataset.records("orders"):
                if order["status"] == 1:
                    cell = want[(schema, order["currency_code"])]
                    cell[0] += 1
                    cell[1] += Decimal(order["total"])
        with connect() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT merchant_label, currency_code, count(*), sum(order_value) "
                f'FROM "og_mdbt_{run_id}".ordergroove__upcoming_orders GROUP BY 1, 2'
            )
            got = {(m, c): [n, v] for m, c, n, v in cur.fetchall()}
            cur.execute(
                f'SELECT merchant_label FROM "og_mdbt_{run_id}".stg_ordergroove__products '
                "WHERE product_id = %s ORDER BY 1",
                (shared_id,),
            )
            owners = [r[0] for r in cur.fetchall()]
        assert got == dict(want)
        assert {m for m, _ in got} == set(schemas)
        assert owners == sorted(schemas)
    finally:
        for fake in fakes:
            fake.stop()
        with connect() as conn, conn.cursor() as cur:
            for schema in (*schemas, f"og_mdbt_{run_id}"):
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.commit()
