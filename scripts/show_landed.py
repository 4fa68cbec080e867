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
- ``delete-upcoming URL``: hard-delete a few upcoming orders and one item with no webhook, as
  Ordergroove does on a skip or an out-of-stock item.
- ``analytics URL``: after a run with reconciliation on and ``dbt-postgres:build``, the naive
  upcoming count beside the dbt staging count and the API's, then next-30-days revenue and
  one month's run-rate MRR per currency beside the same figures computed from the API.

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
from tap_ordergroove.rest.streams import STREAM_TYPES
from tests.expected import expected_record, utc

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "output" / "pgdata"
CHANGES = ROOT / "output" / "demo-changes.json"
DATABASE = "ordergroove"
SCHEMA = "ordergroove"
ANALYTICS = "ordergroove_analytics"  # where dbt-postgres builds the models (transform/)
DEMO_AS_OF = "2026-01-15"  # the demo pins dbt's as_of_date (OG_AS_OF_DATE) to this day
DEMO_MONTH = "2025-06"
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
                "product_price": product.get("price"),
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
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(ANALYTICS)))
    return 0


def delete_upcoming(api_url: str) -> int:
    """Ordergroove-style hard deletes with no webhook: a few upcoming orders (a skip or a
    cancel) and one item of another upcoming order (out of stock). Only the reconciliation
    (`reconcile_upcoming_deletes`) can see them."""
    items = api_records(api_url, "items")
    per_order: dict[str, list[str]] = {}
    for item in items:
        per_order.setdefault(item["order"], []).append(item["public_id"])
    upcoming = sorted(o["public_id"] for o in api_records(api_url, "orders") if o["status"] == 1)
    doomed, trimmed = upcoming[:4], next(o for o in upcoming[4:] if len(per_order.get(o, [])) > 1)
    for order in doomed:
        control(api_url, "delete", {"object": "orders", "key": order})
    control(api_url, "delete", {"object": "items", "key": per_order[trimmed][0]})
    print(f"\nDeleted in the API, no event: {len(doomed)} upcoming orders and 1 item of {trimmed}")
    return 0


def month_value(every: int, period: int) -> Decimal:
    """Orders a month for a cadence (an average month is 365.25/12 days), as the models."""
    days = Decimal("365.25") / 12
    return {
        1: days / every,
        2: days / (7 * every),
        3: 1 / Decimal(every),
        4: 1 / Decimal(12 * every),
    }[period]


def independent_figures(api_url: str, as_of: date, month: str) -> dict[str, dict[str, Any]]:
    """From the API's own records, with no SQL: per currency, live upcoming orders, their
    value in the 30 days from ``as_of``, and run-rate MRR at the end of ``month``. Central
    naive timestamps make the merchant's local date their first 10 characters."""
    end = (as_of + timedelta(days=30)).isoformat()
    out: dict[str, dict[str, Any]] = {}
    for order in api_records(api_url, "orders"):
        if order["status"] != 1:
            continue
        cell = out.setdefault(
            order["currency_code"], {"n": 0, "next30": Decimal(0), "mrr": Decimal(0)}
        )
        cell["n"] += 1
        if as_of.isoformat() <= order["place"][:10] < end:
            cell["next30"] += Decimal(order["total"])
    # A product deleted from the catalog keeps its last price (the models use the landed row).
    gone = json.loads(CHANGES.read_text()) if CHANGES.exists() else {}
    prices = {gone["product"]: gone["product_price"]} if gone.get("product_price") else {}
    prices |= {p["external_product_id"]: p["price"] for p in api_records(api_url, "products")}
    last = (date.fromisoformat(f"{month}-01") + timedelta(days=31)).replace(day=1) - timedelta(
        days=1
    )
    for sub in api_records(api_url, "subscriptions"):
        live = sub["live"] is True or sub["live"] == "True"
        if sub["cancelled"] is None and not live:
            continue
        if sub["start_date"] > last.isoformat():
            continue
        if sub["cancelled"] is not None and sub["cancelled"][:10] <= last.isoformat():
            continue
        price = sub["price"] if sub["price"] is not None else prices.get(sub["product"])
        if price is None:
            continue
        cell = out.setdefault(
            sub["currency_code"], {"n": 0, "next30": Decimal(0), "mrr": Decimal(0)}
        )
        cell["mrr"] += (
            Decimal(price) * sub["quantity"] * month_value(sub["every"], sub["every_period"])
        )
    return out


def analytics(api_url: str) -> int:
    """After `dbt-postgres:build`: the naive query, the staging model and the API side by side,
    then next-30-days upcoming revenue and one month's MRR beside the independent figure."""
    as_of, month = date.fromisoformat(DEMO_AS_OF), DEMO_MONTH
    truth = independent_figures(api_url, as_of, month)
    problems: list[str] = []
    with warehouse() as cur:
        naive = cur.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE status = 1 AND _sdc_deleted_at IS NULL").format(
                sql.Identifier(SCHEMA, "orders")
            )
        ).fetchone()[0]
        staged = cur.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE status = 1 AND NOT is_deleted").format(
                sql.Identifier(ANALYTICS, "stg_ordergroove__orders")
            )
        ).fetchone()[0]
        api = sum(cell["n"] for cell in truth.values())
        print("\nUpcoming orders (status 1):")
        print(f"  naive  orders WHERE status = 1 AND _sdc_deleted_at IS NULL : {naive}")
        print(f"  dbt    stg_ordergroove__orders WHERE NOT is_deleted        : {staged}")
        print(f"  API    orders with status 1 right now                      : {api}")
        if staged != api:
            problems.append(f"staging has {staged} upcoming orders, the API {api}")
        next30 = dict(
            cur.execute(
                sql.SQL(
                    "SELECT currency_code, sum(upcoming_value) FROM {} "
                    "WHERE within_30_days GROUP BY 1"
                ).format(sql.Identifier(ANALYTICS, "ordergroove__upcoming_revenue"))
            ).fetchall()
        )
        mrr = dict(
            cur.execute(
                sql.SQL("SELECT currency_code, run_rate_mrr FROM {} WHERE month = %s").format(
                    sql.Identifier(ANALYTICS, "ordergroove__mrr_by_month")
                ),
                (date.fromisoformat(f"{month}-01"),),
            ).fetchall()
        )
    print(
        f"\n{'per currency':<14}{'next 30 days from ' + DEMO_AS_OF:>34}"
        f"{'run-rate MRR ' + month:>28}"
    )
    print(f"{'':<14}{'dbt':>17}{'API':>17}{'dbt':>14}{'API':>14}")
    for currency in sorted(truth):
        want_30 = truth[currency]["next30"]
        want_mrr = truth[currency]["mrr"].quantize(Decimal("0.01"))
        got_30, got_mrr = next30.get(currency, Decimal(0)), mrr.get(currency)
        print(f"{currency:<14}{got_30:>17}{want_30:>17}{got_mrr!s:>14}{want_mrr:>14}")
        if got_30 != want_30 or got_mrr != want_mrr:
            problems.append(f"{currency}: dbt {got_30}/{got_mrr}, API {want_30}/{want_mrr}")
    return report(problems, "The models agree with the API; the naive query does not.")


def report(problems: list[str], success: str) -> int:
    for problem in problems[:20]:
        print(f"  MISMATCH {problem}")
    if len(problems) > 20:
        print(f"  ... and {len(problems) - 20} more")
    print(f"\n{success}" if not problems else f"\n{len(problems)} mismatches!")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    """Dispatch one step (see the module docstring)."""
    steps = {
        "check": check,
        "change": change,
        "check-changes": check_changes,
        "delete-upcoming": delete_upcoming,
        "analytics": analytics,
    }
    if argv[:1] == ["reset"]:
        return reset()
    if len(argv) != 2 or argv[0] not in steps:
        print(
            "usage: show_landed.py reset | check URL | change URL | check-changes URL"
            " | delete-upcoming URL | analytics URL"
        )
        return 2
    return steps[argv[0]](argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
