"""Print what the demo loaded into DuckDB next to what the fake API holds; exit 1 on mismatch.

target-duckdb can silently load zero rows (duckdb >= 1.3), so the demo checks counts.
"""

from __future__ import annotations

import sys

import duckdb
import requests

from tap_ordergroove.streams import STREAM_TYPES


def main(db_path: str, api_url: str) -> int:
    """Per-table row counts vs the source, then a few orders as they landed."""
    con = duckdb.connect(db_path, read_only=True)
    ok = True
    print(f"\n{'table':<26}{'rows in DuckDB':>16}{'records in API':>16}")
    for stream in STREAM_TYPES:
        table = f"ordergroove.{stream.name}"  # names come from our own stream classes
        (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        source = requests.get(
            f"{api_url}/_control/records", params={"object": stream.name}, timeout=60
        ).json()
        same = rows == len(source) and rows > 0
        ok &= same
        print(f"{stream.name:<26}{rows:>16}{len(source):>16}{'' if same else '  MISMATCH'}")
    print(
        "\nThree upcoming orders (status 1), timestamps in UTC. Money is DOUBLE here: "
        "target-duckdb has no decimal type (PostgreSQL keeps it numeric, exact):"
    )
    query = (
        "SELECT public_id, status, total, place, updated FROM ordergroove.orders "
        "WHERE status = 1 ORDER BY place LIMIT 3"
    )
    print(f"   {'public_id':<34}{'status':>6}{'total':>10}  {'place (UTC)':<21}updated (UTC)")
    for public_id, status, total, place, updated in con.execute(query).fetchall():
        print(f"   {public_id:<34}{status:>6}{total:>10.2f}  {place!s:<21}{updated!s}")
    con.close()
    print("\nAll tables match the API." if ok else "\nSome tables do not match the API!")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
