"""The SQL the docs give for "current children" runs, verbatim, on a real load.

Each block is found by the marker comment on its first line, in README.md or any
docs/*.md (the README is being split into docs/ pages; the marker survives the move), and
executed exactly as written with ``search_path`` set to the test's schema, after two real
``meltano run tap-ordergroove target-postgres`` loads between which a subscription loses a
component and an offer profile loses a coupon discount. The rows it returns must be exactly
the children the API has now.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.conftest import start_fake
from tests.test_children_postgres import api_components, query
from tests.test_meltano_e2e import base_env, connect, meltano_run

ROOT = Path(__file__).resolve().parent.parent
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)
INCREMENTAL = "-- current children of incremental parents"
FULL_TABLE = "-- current children of full-table parents"


def doc_sql(marker: str) -> str:
    """The one SQL block whose first line is ``marker``, in README.md or docs/*.md."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    found = [
        (page.name, block)
        for page in pages
        if page.exists()
        for block in SQL_BLOCK.findall(page.read_text())
        if block.splitlines()[0].strip() == marker
    ]
    assert len(found) == 1, f"expected one ```sql block starting {marker!r}, found {found}"
    return found[0][1]


def run_in_schema(schema: str, sql: str) -> list[dict]:
    """``sql`` exactly as the docs print it, in ``schema`` (as the docs tell users to)."""
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f'SET search_path TO "{schema}"')
        cur.execute(sql)
        names = [col.name for col in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def api_discounts(fake) -> set[tuple]:
    """(offer_profile, coupon, discount public_id) as the API has them now."""
    current = set()
    for profile in fake.dataset.records("offer_profiles"):
        for kind in ("initial", "recurring"):
            coupon = profile.get(f"{kind}_coupon") or {}
            for discount in coupon.get("discounts") or []:
                current.add((profile["public_id"], kind, discount["public_id"]))
    return current


@pytest.fixture
def schema():
    name = f"og_readme_{uuid.uuid4().hex[:8]}"
    yield name
    query(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_the_marked_blocks_are_found_once():
    for marker in (INCREMENTAL, FULL_TABLE):
        assert "SELECT" in doc_sql(marker)


def test_current_children_sql_runs_verbatim_after_a_real_load(schema):
    fake = start_fake(customers=80, seed=31)
    try:
        env = {**base_env(fake, schema), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema}
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)

        bundle = next(
            s
            for s in fake.dataset.records("subscriptions")
            if isinstance(s["components"], list) and len(s["components"]) == 2
        )
        lost_component, kept = bundle["components"]
        fake.dataset.update("subscriptions", bundle["public_id"], components=[kept])
        profile, kind = next(
            (p, kind)
            for p in fake.dataset.records("offer_profiles")
            for kind in ("initial", "recurring")
            if len((p.get(f"{kind}_coupon") or {}).get("discounts") or []) == 2
        )
        coupon = profile[f"{kind}_coupon"]
        lost_discount, stays = coupon["discounts"]
        fake.dataset.update(
            "offer_profiles",
            profile["public_id"],
            **{f"{kind}_coupon": {**coupon, "discounts": [stays]}},
        )
        meltano_run(env, *run)

        components = run_in_schema(schema, doc_sql(INCREMENTAL))
        got = {(r["subscription"], r["child_key"], r["product"]) for r in components}
        assert got == api_components(fake)
        assert (
            bundle["public_id"],
            lost_component["public_id"],
            lost_component["product"],
        ) not in got

        discounts = run_in_schema(schema, doc_sql(FULL_TABLE))
        got = {(r["offer_profile"], r["coupon"], r["child_key"]) for r in discounts}
        assert got == api_discounts(fake)
        assert (profile["public_id"], kind, lost_discount["public_id"]) not in got
        (stale,) = query(
            f'SELECT count(*) FROM "{schema}".offer_profile_coupon_discounts '
            "WHERE offer_profile = %s AND coupon = %s",
            profile["public_id"],
            kind,
        )
        assert stale == (2,), "the lost discount's row stays, flagged; the query leaves it out"
    finally:
        fake.stop()
