"""What the demo loaded into PostgreSQL, checked against the fake API, as a warehouse user would.

Steps (``scripts/demo`` runs them in this order, with ``meltano run`` in between):

- ``reset``: drop the demo schema, so every demo starts from an empty warehouse.
- ``check URL``: per table, rows vs API records AND every value of every row vs the API record
  converted independently of the tap (tests/expected.py); money columns are ``numeric`` and
  sum to the API's exact total; one timestamp on each side of a DST change.
- ``change URL``: through the fake's /_control/ API, change one order's total and delete one
  product (Ordergroove reports no deletes: the full-table read finds it gone).
- ``check-changes URL``: after the second run, the update landed in place and the product is
  a soft delete (``_sdc_deleted_at`` set, its data kept); the other rows still match the API.

Exits 1 on any mismatch.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import requests
from psycopg import sql

import local_postgres
from tap_ordergroove.streams import STREAM_TYPES
from tests.expected import expected_record, utc

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "output" / "pgdata"
CHANGES = ROOT / "output" / "demo-changes.json"
DATABASE = "ordergroove"
SCHEMA = "ordergroove"
CENTRAL = ZoneInfo("America/Chicago")
MONEY_COLUMNS = (("orders", "total"), ("orders", "sub_total"), ("items", "price"))


@contextmanager
def warehouse() -> Iterator[psycopg.Cursor]:
    """A cursor on the demo database (the server scripts/demo started)."""
    server = local_postgres.running(DATA_DIR)
    if server is None:
        raise SystemExit(
            f"error: the demo PostgreSQL ({DATA_DIR}) is not running: scripts/pg start"
        )
    with psycopg.connect(**server.params(DATABASE), autocommit=True) as conn, conn.cursor() as cur:
        yield cur


def api_records(api_url: str, name: str) -> list[dict]:
    """Every record of one object type as the fake API holds it (unpaginated)."""
    reply = requests.get(f"{api_url}/_control/records", params={"object": name}, timeout=60)
    reply.raise_for_status()
    return reply.json()


def table_rows(cur: psycopg.Cursor, table: str) -> list[dict[str, Any]]:
    cur.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(SCHEMA, table)))
    names = [column.name for column in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def as_emitted(value: Any) -> Any:
    """A database value in the form the tap emits it (UTC ISO text, date text, Decimal)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat()  # target-postgres stores UTC wall time
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [as_emitted(v) for v in value]
    if isinstance(value, dict):
        return {k: as_emitted(v) for k, v in value.items()}
    return value


def exact(value: Any) -> Any:
    """Numbers as Decimal, all the way down (psycopg reads JSON numbers as floats)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    return value


def same(db_value: Any, expected: Any) -> bool:
    """Equal as a warehouse user means it: 77.9 == 77.90, also inside JSON."""
    return exact(as_emitted(db_value)) == exact(expected)


def compare(cur: psycopg.Cursor, stream: type, api_url: str) -> tuple[int, int, int, list[str]]:
    """(live rows, API records, values compared, problems) for one stream's table."""
    keys = stream.primary_keys
    source = api_records(api_url, stream.name)
    expected = {tuple(r[k] for k in keys): expected_record(r, stream.schema) for r in source}
    rows = [r for r in table_rows(cur, stream.name) if r.get("_sdc_deleted_at") is None]
    landed = {tuple(as_emitted(r[k]) for k in keys): r for r in rows}
    problems, compared = [], 0
    for key, record in expected.items():
        row = landed.get(tuple(as_emitted(k) for k in key))
        if row is None:
            problems.append(f"{stream.name} {key}: missing")
            continue
        for column, value in record.items():
            compared += 1
            if not same(row.get(column), value):
                problems.append(f"{stream.name} {key} {column}: {row.get(column)!r} != {value!r}")
    if len(rows) != len(source):
        problems.append(f"{stream.name}: {len(rows)} live rows, {len(source)} API records")
    return len(rows), len(source), compared, problems


def check(api_url: str) -> int:
    """Counts, values, money types and totals, a DST pair."""
    problems: list[str] = []
    with warehouse() as cur:
        print(f"\n{'table':<26}{'rows':>8}{'API records':>13}{'values equal':>14}")
        for stream in STREAM_TYPES:
            rows, records, compared, bad = compare(cur, stream, api_url)
            problems += bad
            flag = "" if not bad and rows else "  MISMATCH"
            if not rows:
                problems.append(f"{stream.name}: empty")
            print(
                f"{stream.name:<26}{rows:>8}{records:>13}{compared - len(bad):>8}/{compared}{flag}"
            )
        problems += show_money(cur, api_url)
        problems += show_dst_pair(cur, api_url)
    return report(problems, "Every row and value matches the API.")


def show_money(cur: psycopg.Cursor, api_url: str) -> list[str]:
    """Money is numeric in PostgreSQL and sums to the exact cent."""
    print("\nMoney, exact:")
    problems = []
    for table, column in MONEY_COLUMNS:
        cur.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            (SCHEMA, table, column),
        )
        (kind,) = cur.fetchone()
        query = sql.SQL("SELECT sum({}) FROM {}").format(
            sql.Identifier(column), sql.Identifier(SCHEMA, table)
        )
        (total,) = cur.execute(query).fetchone()
        api_total = sum(
            (
                Decimal(str(r[column]))
                for r in api_records(api_url, table)
                if r[column] not in ("", None)
            ),
            Decimal(0),
        )
        ok = kind == "numeric" and total == api_total
        name = f"{table}.{column}"
        print(f"  {name:<18} {kind:<8} sum {total!s:>14}   API sum {api_total!s:>14}")
        if not ok:
            problems.append(f"{table}.{column}: {kind} sum {total} != API {api_total}")
    return problems


def dst_changes(first: datetime, last: datetime) -> list[datetime]:
    """Central-time DST changes (as naive local times) between two naive local times."""
    changes, hour = [], first.replace(minute=0, second=0)
    offset = hour.replace(tzinfo=CENTRAL).utcoffset()
    while hour <= last:
        hour += timedelta(hours=1)
        now = hour.replace(tzinfo=CENTRAL).utcoffset()
        if now != offset:
            changes.append(hour)
            offset = now
    return changes


def show_dst_pair(cur: psycopg.Cursor, api_url: str) -> list[str]:
    """The orders created last before and first after a DST change, API time vs landed UTC."""
    created = {
        o["public_id"]: datetime.fromisoformat(o["created"])
        for o in api_records(api_url, "orders")
        if o["created"]
    }
    ordered = sorted(created.items(), key=lambda item: item[1])
    changes = dst_changes(ordered[0][1], ordered[-1][1])
    if not changes:
        return ["orders: no DST change between the first and last created order"]
    change = changes[-1]
    before = max((i for i in ordered if i[1] < change), key=lambda i: i[1])
    after = min((i for i in ordered if i[1] >= change), key=lambda i: i[1])
    print(f"\nA DST change in Central time ({change:%Y-%m-%d}), orders.created:")
    problems = []
    for public_id, local in (before, after):
        (landed,) = cur.execute(
            sql.SQL("SELECT created FROM {} WHERE public_id = %s").format(
                sql.Identifier(SCHEMA, "orders")
            ),
            (public_id,),
        ).fetchone()
        hours = (landed - local).total_seconds() / 3600
        print(f"  API {local} Central  ->  {landed} UTC  (+{hours:g} h)")
        if as_emitted(landed) != utc(local.isoformat(sep=" ")):
            problems.append(f"orders {public_id} created: {landed} != {utc(str(local))}")
    return problems


def control(api_url: str, action: str, body: dict) -> dict:
    reply = requests.post(f"{api_url}/_control/{action}", json=body, timeout=60)
    reply.raise_for_status()
    return reply.json()


def change(api_url: str) -> int:
    """One order's total changes, one product disappears; remember which for the check."""
    order = min(api_records(api_url, "orders"), key=lambda o: o["public_id"])
    product = min(api_records(api_url, "products"), key=lambda p: p["external_product_id"])
    new_total = str(Decimal(order["total"] or "0") + Decimal("100.01"))
    control(
        api_url,
        "update",
        {"object": "orders", "key": order["public_id"], "fields": {"total": new_total}},
    )
    control(api_url, "delete", {"object": "products", "key": product["external_product_id"]})
    print(f"\nChanged in the API: order {order['public_id']} total {order['total']} -> {new_total}")
    print(f"Deleted in the API: product {product['external_product_id']} (no event: just gone)")
    CHANGES.write_text(
        json.dumps(
            {
                "order": order["public_id"],
                "old_total": order["total"],
                "new_total": new_total,
                "product": product["external_product_id"],
                "product_name": product.get("name"),
            }
        )
    )
    return 0


def check_changes(api_url: str) -> int:
    """The update in place, the delete as a soft delete, everything else still equal."""
    done = json.loads(CHANGES.read_text())
    problems: list[str] = []
    with warehouse() as cur:
        orders = sql.Identifier(SCHEMA, "orders")
        products = sql.Identifier(SCHEMA, "products")
        total, count = cur.execute(
            sql.SQL(
                "SELECT total, (SELECT count(*) FROM {} WHERE public_id = %s) FROM {} "
                "WHERE public_id = %s"
            ).format(orders, orders),
            (done["order"], done["order"]),
        ).fetchone()
        print(f"\norder {done['order']}: total {total} (was {done['old_total']}), {count} row")
        if total != Decimal(done["new_total"]) or count != 1:
            problems.append(f"orders {done['order']}: total {total}, {count} rows")
        name, deleted = cur.execute(
            sql.SQL("SELECT name, _sdc_deleted_at FROM {} WHERE external_product_id = %s").format(
                products
            ),
            (done["product"],),
        ).fetchone()
        print(f"product {done['product']} ({name}): _sdc_deleted_at = {deleted}  (row kept)")
        if deleted is None or name != done["product_name"]:
            problems.append(f"products {done['product']}: not a soft delete ({deleted}, {name})")
        print(f"\n{'table':<26}{'live rows':>10}{'API records':>13}{'values equal':>14}")
        for stream in STREAM_TYPES:
            rows, records, compared, bad = compare(cur, stream, api_url)
            problems += bad
            flag = "  MISMATCH" if bad else ""
            print(
                f"{stream.name:<26}{rows:>10}{records:>13}{compared - len(bad):>8}/{compared}{flag}"
            )
    return report(problems, "The change landed in place, the delete as a soft delete.")


def reset() -> int:
    with warehouse() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))
    return 0


def report(problems: list[str], success: str) -> int:
    for problem in problems[:20]:
        print(f"  MISMATCH {problem}")
    if len(problems) > 20:
        print(f"  ... and {len(problems) - 20} more")
    print(f"\n{success}" if not problems else f"\n{len(problems)} mismatches!")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    """Dispatch one step (see the module docstring)."""
    steps = {"check": check, "change": change, "check-changes": check_changes}
    if argv[:1] == ["reset"]:
        return reset()
    if len(argv) != 2 or argv[0] not in steps:
        print("usage: show_landed.py reset | check URL | change URL | check-changes URL")
        return 2
    return steps[argv[0]](argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
