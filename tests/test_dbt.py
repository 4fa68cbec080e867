"""The dbt models' figures against an independent computation from the fake API's own data.

fake API -> `meltano run tap-ordergroove target-postgres dbt-postgres:build` (the main job) into
a random schema of the test PostgreSQL, then every compared figure is recomputed here in plain
Python from what the API serves after the changes, never from a previous run:

- upcoming orders (count and value per currency) and their live items after a delete by each
  route: webhook with snapshot, webhook without snapshot, webhook-free reconciliation, an
  out-of-stock item removal (no event), an item.remove webhook, and an order deleted then
  re-created under the same id;
- upcoming revenue by local place date at a pinned as_of_date, incl. the next 30 days and a
  place date on a DST day;
- placed revenue, run-rate MRR and churn for one month, with a cancel at 20:30 CDT on 31 March
  (01:30 UTC on 1 April: it belongs to March) and a placement that succeeds after a decline
  across a month end.

Ordergroove's timestamps are naive US Central strings, so the merchant's local date of any of
them is simply its first 10 characters: the Python side needs no time-zone code at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fake_ordergroove.webhook_sender import WebhookSender
from tests.conftest import start_fake
from tests.test_meltano_e2e import MELTANO, ROOT, base_env, connect, meltano_run
from tests.test_webhooks_support import Receiver

KEY = "whsec-dbt-0123456789"
AS_OF = date(2026, 1, 15)  # the fake's upcoming orders are placed 2026-01-01 .. 2026-04-30
MONTH = "2025-03"
BOUNDARY_CANCEL = "2025-03-31 20:30:00"  # CDT: 2025-04-01 01:30 UTC
DST_PLACE = "2026-03-08 00:00:00"  # US DST starts that day: 00:00 CST is 06:00 UTC
DECLINE, SUCCESS = "2025-01-31 22:00:00", "2025-02-01 09:00:00"  # 04:00 and 15:00 UTC on Feb 1


def money(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def truthy(value) -> bool:
    return value is True or value == "True"


def per_month(every: int, period: int) -> Decimal:
    """Orders a month for a cadence; a month is 365.25/12 days (the models' definition)."""
    month_days = Decimal("365.25") / 12
    return {
        1: month_days / every,
        2: month_days / (7 * every),
        3: Decimal(1) / every,
        4: Decimal(1) / (12 * every),
    }[period]


def query(sql: str, *params) -> list[tuple]:
    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Land the fake's data twice (with deletes between) and build the dbt project."""
    tmp = tmp_path_factory.mktemp("dbt")
    schema = f"og_dbt_{uuid.uuid4().hex[:8]}"
    fake = start_fake(customers=150, seed=17)
    receiver = Receiver(f"sqlite:///{tmp}/events.db", KEY, tmp / "receiver.log").start()
    try:
        cases = _boundary_cases(fake.dataset)
        env = {
            **base_env(fake, schema),
            # prod, not dev: dbt then gets its connection from TARGET_POSTGRES_* alone (the
            # base config in meltano.yml), exactly the loader's settings.
            "MELTANO_ENVIRONMENT": "prod",
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
            "TAP_ORDERGROOVE_WEBHOOK_STORE_URL": receiver.store_url,
            "TAP_ORDERGROOVE_RECONCILE_UPCOMING_DELETES": "true",
            "DBT_POSTGRES_SCHEMA": f"{schema}_dbt",
            "OG_AS_OF_DATE": AS_OF.isoformat(),
            "DBT_TARGET_PATH": str(tmp / "target"),
            "DBT_LOG_PATH": str(tmp / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        run = ["--state-id-suffix", schema, "tap-ordergroove", "target-postgres"]
        meltano_run(env, *run)
        sender = WebhookSender(receiver.webhook_url, KEY)
        cases |= _deletes(fake.dataset, sender, keep=cases["dst_order"])
        started = time.monotonic()
        proc = meltano_run(env, *run, "dbt-postgres:build")
        cases["build_seconds"] = time.monotonic() - started
        cases["target"] = str(tmp / "target")
        cases["log"] = proc.stderr
        docs = subprocess.run(
            [MELTANO, "invoke", "dbt-postgres:docs-generate"],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        cases["docs"] = (docs.returncode, docs.stderr[-3000:])
        yield fake.dataset, schema, f"{schema}_dbt", cases
    finally:
        receiver.stop()
        fake.stop()
        with connect() as conn, conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}_dbt" CASCADE')
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.commit()


def _boundary_cases(dataset) -> dict:
    """Edit the API before the first sync so that the boundaries exist in the data."""
    subs = sorted(dataset.records("subscriptions"), key=lambda s: s["public_id"])
    active = [s for s in subs if s["cancelled"] is None and s["start_date"] < "2025-01-01"]
    cancelled = dataset.update(
        "subscriptions",
        active[0]["public_id"],
        cancelled=BOUNDARY_CANCEL,
        live=False,
        cancel_reason="It is too expensive",
        cancel_reason_code="7",
    )
    orders = sorted(dataset.records("orders"), key=lambda o: o["public_id"])
    dst = next(o for o in orders if o["status"] == 1)
    dataset.update("orders", dst["public_id"], place=DST_PLACE)
    retried = next(
        o for o in orders if o["status"] == 5 and o["created"] < "2025-01-01" and o["tries"] == 0
    )
    for response in dataset.records("placement_responses"):
        if response["order"] == retried["public_id"]:
            dataset.delete("placement_responses", response["public_id"])
    for created, code in ((DECLINE, "140"), (SUCCESS, "000")):
        dataset.create(
            "placement_responses",
            order=retried["public_id"],
            response_code=code,
            response_message="Success" if code == "000" else "Declined: insufficient funds",
            created=created,
        )
    return {
        "cancelled": cancelled["public_id"],
        "dst_order": dst["public_id"],
        "retried": retried["public_id"],
    }


def _deletes(dataset, sender: WebhookSender, keep: str) -> dict:
    """Delete upcoming orders and items by every route between the two syncs."""
    items = dataset.records("items")
    by_order: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_order[item["order"]].append(item["public_id"])
    upcoming = sorted(
        (
            o["public_id"]
            for o in dataset.records("orders")
            if o["status"] == 1 and o["public_id"] != keep
        ),
        key=lambda oid: (-len(by_order[oid]), oid),
    )
    snap, bare, reconciled, recreated, trimmed, removed = upcoming[:6]
    assert len(by_order[trimmed]) >= 2 and len(by_order[removed]) >= 2
    assert sender.delete_order(dataset, snap).status_code == 200
    assert sender.delete_order(dataset, bare, with_snapshot=False).status_code == 200
    dataset.delete("orders", reconciled)  # no webhook: only the reconciliation sees it
    dataset.delete("items", by_order[trimmed][0])  # out of stock: no event at all
    assert sender.remove_item(dataset, by_order[removed][0]).status_code == 200
    original = dataset.get("orders", recreated)
    assert sender.delete_order(dataset, recreated, with_snapshot=False).status_code == 200
    time.sleep(1.5)  # the re-creation is stamped in a later second than the delete
    dataset.create(
        "orders", **{k: v for k, v in original.items() if k not in ("created", "updated")}
    )
    return {
        "snap": snap,
        "bare": bare,
        "reconciled": reconciled,
        "recreated": recreated,
        "trimmed_item": by_order[trimmed][0],
        "removed_item": by_order[removed][0],
    }


def test_upcoming_orders_after_deletes_by_every_route(built):
    dataset, raw, dbt, cases = built
    api = [o for o in dataset.records("orders") if o["status"] == 1]
    want = Counter()
    value: dict[str, Decimal] = defaultdict(Decimal)
    for order in api:
        want[order["currency_code"]] += 1
        value[order["currency_code"]] += money(order["total"])
    rows = query(
        "SELECT currency_code, count(*), sum(order_value) "
        f'FROM "{dbt}".ordergroove__upcoming_orders GROUP BY 1'
    )
    assert {c: n for c, n, _ in rows} == dict(want)
    assert {c: v for c, _, v in rows} == dict(value)
    assert set(want) == {"USD", "CAD"}

    naive = query(
        f'SELECT count(*) FROM "{raw}".orders WHERE status = 1 AND _sdc_deleted_at IS NULL'
    )[0][0]
    staged = query(
        f'SELECT count(*) FROM "{dbt}".stg_ordergroove__orders WHERE status = 1 AND NOT is_deleted'
    )[0][0]
    assert staged == len(api) and naive == len(api) + 2  # the bare webhook and reconciliation

    via = dict(
        query(
            f'SELECT order_id, deleted_via FROM "{dbt}".stg_ordergroove__orders '
            "WHERE order_id = ANY(%s)",
            [cases[k] for k in ("snap", "bare", "reconciled", "recreated")],
        )
    )
    assert via == {
        cases["snap"]: "webhook_snapshot",
        cases["bare"]: "deleted_records",
        cases["reconciled"]: "reconciliation",
        cases["recreated"]: None,
    }


def test_live_upcoming_items_match_the_api(built):
    dataset, _, dbt, cases = built
    upcoming = {o["public_id"] for o in dataset.records("orders") if o["status"] == 1}
    api = {i["public_id"] for i in dataset.records("items") if i["order"] in upcoming}
    rows = query(
        f'SELECT i.item_id FROM "{dbt}".stg_ordergroove__items i '
        f'JOIN "{dbt}".ordergroove__upcoming_orders u USING (merchant_label, order_id) '
        "WHERE NOT i.is_deleted"
    )
    assert {r[0] for r in rows} == api
    via = dict(
        query(
            f'SELECT item_id, deleted_via FROM "{dbt}".stg_ordergroove__items '
            "WHERE item_id = ANY(%s)",
            [cases["trimmed_item"], cases["removed_item"]],
        )
    )
    assert via == {
        cases["trimmed_item"]: "reconciliation",
        cases["removed_item"]: "webhook_snapshot",
    }


def test_upcoming_revenue_by_local_place_date_and_next_30_days(built):
    dataset, _, dbt, cases = built
    want: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0)])
    for order in dataset.records("orders"):
        if order["status"] == 1:
            cell = want[(order["place"][:10], order["currency_code"])]
            cell[0] += 1
            cell[1] += money(order["total"])
    rows = query(
        f"SELECT place_local_date::text, currency_code, upcoming_orders, upcoming_value "
        f'FROM "{dbt}".ordergroove__upcoming_revenue'
    )
    assert {(d, c): [n, v] for d, c, n, v in rows} == dict(want)
    assert (DST_PLACE[:10], dataset.get("orders", cases["dst_order"])["currency_code"]) in want

    end = (AS_OF + timedelta(days=30)).isoformat()
    next_30: dict[str, Decimal] = defaultdict(Decimal)
    overdue = 0
    for (day, currency), (n, total) in want.items():
        if AS_OF.isoformat() <= day < end:
            next_30[currency] += total
        overdue += n if day < AS_OF.isoformat() else 0
    rows = query(
        f'SELECT currency_code, sum(upcoming_value) FROM "{dbt}".ordergroove__upcoming_revenue '
        "WHERE within_30_days GROUP BY 1"
    )
    assert dict(rows) == dict(next_30) and set(next_30) == {"USD", "CAD"}
    (marked,) = query(
        f'SELECT coalesce(sum(upcoming_orders), 0) FROM "{dbt}".ordergroove__upcoming_revenue '
        "WHERE is_overdue"
    )[0]
    assert marked == overdue > 0


def _placed_month(dataset) -> dict[str, str]:
    """Order id -> local month it was placed: its first 000 attempt, else `place` if status 5."""
    first: dict[str, str] = {}
    for response in dataset.records("placement_responses"):
        if response["response_code"] == "000":
            created = response["created"]
            if response["order"] not in first or created < first[response["order"]]:
                first[response["order"]] = created
    months = {oid: created[:7] for oid, created in first.items()}
    for order in dataset.records("orders"):
        if order["public_id"] not in months and order["status"] == 5:
            months[order["public_id"]] = order["place"][:7]
    return months


def test_mrr_for_one_month(built):
    dataset, _, dbt, cases = built
    placed = _placed_month(dataset)
    assert placed[cases["retried"]] == "2025-02"  # succeeded on 1 Feb after a 31 Jan decline
    revenue: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for order in dataset.records("orders"):
        if placed.get(order["public_id"]) == MONTH:
            revenue[order["currency_code"]][0] += 1
            revenue[order["currency_code"]][1] += money(order["total"])

    prices = {p["external_product_id"]: p["price"] for p in dataset.records("products")}
    month_end = f"{MONTH}-31"
    mrr: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for sub in dataset.records("subscriptions"):
        if sub["cancelled"] is None and not truthy(sub["live"]):
            continue  # inactive: no history to date it, left out of run-rate MRR
        if sub["start_date"] > month_end:
            continue
        if sub["cancelled"] is not None and sub["cancelled"][:10] <= month_end:
            continue
        price = sub["price"] if sub["price"] is not None else prices[sub["product"]]
        cell = mrr[sub["currency_code"]]
        cell[0] += 1
        cell[1] += money(price) * sub["quantity"] * per_month(sub["every"], sub["every_period"])

    rows = query(
        "SELECT currency_code, placed_orders, placed_revenue, active_subscriptions, run_rate_mrr "
        f'FROM "{dbt}".ordergroove__mrr_by_month WHERE month = %s',
        date.fromisoformat(f"{MONTH}-01"),
    )
    got = {c: (n, r, a, m) for c, n, r, a, m in rows}
    assert set(got) == set(mrr) == {"USD", "CAD"}
    for currency, (count, total) in mrr.items():
        placed_n, placed_total = revenue.get(currency, (0, Decimal(0)))
        assert got[currency][:3] == (placed_n, placed_total, count)
        assert got[currency][3] == total.quantize(Decimal("0.01")), currency


def test_churn_for_one_month_counts_a_2030_cdt_cancel_on_31_march(built):
    dataset, _, dbt, cases = built
    subs = dataset.records("subscriptions")
    want = Counter(
        (  # the API sends the code as 2 or "2"; the tap lands text
            "(none)" if s["cancel_reason_code"] is None else str(s["cancel_reason_code"]),
            s["cancel_reason"] or "(none)",
        )
        for s in subs
        if s["cancelled"] is not None and s["cancelled"][:7] == MONTH
    )
    start = f"{MONTH}-01"
    active = sum(
        s["start_date"] < start and (s["cancelled"] is None or s["cancelled"][:10] >= start)
        for s in subs
    )
    rows = query(
        "SELECT cancel_reason_code, cancel_reason_text, cancelled_subscriptions, "
        f'active_at_month_start FROM "{dbt}".ordergroove__churn_by_month '
        "WHERE cancel_local_month = %s",
        date.fromisoformat(start),
    )
    assert {(c, t): n for c, t, n, _ in rows} == dict(want)
    assert {a for *_, a in rows} == {active}
    (local, utc_at) = query(
        f'SELECT cancelled_local_date::text, cancelled_at_utc::text FROM "{dbt}".'
        "stg_ordergroove__subscriptions WHERE subscription_id = %s",
        cases["cancelled"],
    )[0]
    assert (local, utc_at) == ("2025-03-31", "2025-04-01 01:30:00")


def test_placement_outcomes_across_a_month_end(built):
    dataset, _, dbt, cases = built
    by_order: dict[str, list] = defaultdict(list)
    for response in dataset.records("placement_responses"):
        by_order[response["order"]].append(response)
    want: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for responses in by_order.values():
        responses.sort(key=lambda r: (r["created"], r["public_id"]))
        declined = False
        for number, response in enumerate(responses):
            key = (response["created"][:7], response["response_code"])
            want[key][0] += 1
            want[key][1] += number == 0 and response["response_code"] == "000"
            want[key][2] += response["response_code"] == "000" and declined
            declined = declined or response["response_code"] != "000"
    rows = query(
        "SELECT to_char(attempt_local_month, 'YYYY-MM'), response_code, attempts, "
        f'first_try_successes, recovered_after_retry FROM "{dbt}".ordergroove__placement_outcomes'
    )
    assert {(m, c): [a, f, r] for m, c, a, f, r in rows} == dict(want)
    assert want[("2025-01", "140")][0] >= 1 and want[("2025-02", "000")][2] >= 1
    (placed,) = query(
        f'SELECT placed_local_month::text FROM "{dbt}".int_ordergroove__order_placements '
        "WHERE order_id = %s",
        cases["retried"],
    )[0]
    assert placed == "2025-02-01"


def test_every_model_and_test_ran_green(built):
    *_, cases = built
    log = cases["log"]
    assert "Completed successfully" in log, log[-3000:]
    assert " ERROR=0 " in log and " SKIP=0 " in log


def test_dbt_docs_generate_works(built):
    *_, cases = built
    returncode, log = cases["docs"]
    assert returncode == 0, log
    target = Path(cases["target"])
    assert (target / "index.html").is_file()
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.ordergroove.ordergroove__mrr_by_month" in catalog["nodes"]
