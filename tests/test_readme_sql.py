"""The SQL the docs give for "current children", found to be run verbatim on a real load.

Each block is found by the marker comment on its first line, in README.md or any
docs/*.md (the README is being split into docs/ pages; the marker survives the move).
tests/test_children_postgres.py executes it exactly as written with ``search_path`` set to
its schema, after the two real ``meltano run tap-ordergroove target-postgres`` loads of its
scenario (a subscription loses a component, an offer profile a coupon discount): the rows
must be exactly the children the API has now.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_meltano_e2e import connect

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


def test_the_marked_blocks_are_found_once():
    for marker in (INCREMENTAL, FULL_TABLE):
        assert "SELECT" in doc_sql(marker)
