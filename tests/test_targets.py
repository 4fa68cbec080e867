"""Any Singer target: the demo data, through the tap, into each target that installs from PyPI.

The claims of docs/targets.md, checked against the fake API's own data. The tap reads the fake
(real HTTP on 127.0.0.1) once per run; its Singer output is piped, byte for byte, into every
target's standard input. Each target lives in its own virtualenv, cached outside the project
(``$TAP_ORDERGROOVE_TARGETS_CACHE``, default ``~/.cache/tap-ordergroove/targets``) so only the
first run on a machine pays the installs. Never the project's ``.meltano/`` or ``output/``.

Run 1 checks per table: rows, and the sum of every money column to the cent. Run 2 changes an
order and deletes a product in the API, then checks what each target does with an update
(upsert or append) and with ACTIVATE_VERSION after the full-table read (soft delete or not).
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest

from tap_ordergroove.rest.streams import STREAM_TYPES
from tests import pg
from tests.conftest import start_fake, tap_config
from tests.singer_run import discover, run_tap

NEW_TOTAL = "1234.56"


# --- the targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One Singer target as users install it: pinned requirements and its command."""

    name: str
    requirements: tuple[str, ...]
    command: str
    #: Newest Python its pinned dependencies have wheels for (psycopg2-binary 2.9.5: 3.11).
    max_python: tuple[int, int] | None = None


MELTANOLABS_POSTGRES = Target(
    "meltanolabs-target-postgres", ("meltanolabs-target-postgres==0.8.1",), "target-postgres"
)
PIPELINEWISE_POSTGRES = Target(
    "pipelinewise-target-postgres",
    ("pipelinewise-target-postgres==2.1.2",),
    "target-postgres",
    max_python=(3, 11),
)
TARGET_CSV = Target("meltanolabs-target-csv", ("meltanolabs-target-csv==0.5.0",), "target-csv")
TARGET_JSONL = Target("target-jsonl", ("target-jsonl==0.1.4",), "target-jsonl")
TARGET_DUCKDB = Target("target-duckdb", ("target-duckdb==0.8.0", "duckdb==2.0.1"), "target-duckdb")
TARGETS = (MELTANOLABS_POSTGRES, PIPELINEWISE_POSTGRES, TARGET_CSV, TARGET_JSONL, TARGET_DUCKDB)
#: target-csv once more, with the file naming docs/targets.md advises.
CSV_PER_RUN = "meltanolabs-target-csv, a file per run"


def cache_root() -> Path:
    configured = os.environ.get("TAP_ORDERGROOVE_TARGETS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tap-ordergroove" / "targets"


def interpreter(target: Target) -> str:
    """This Python, or an older one on PATH when the target's wheels stop before ours."""
    if target.max_python is None or sys.version_info[:2] <= target.max_python:
        return sys.executable
    major, newest = target.max_python
    for minor in range(newest, 10, -1):
        found = shutil.which(f"python{major}.{minor}")
        if found:
            return found
    pytest.fail(
        f"{target.name} needs Python <= {major}.{newest} (its pinned wheels stop there); "
        f"install python{major}.{newest} so the test can build its virtualenv",
        pytrace=False,
    )


def target_bin(target: Target) -> Path:
    """The target's command in its cached virtualenv, built once per requirements and Python.

    A file lock lets parallel test runs share the cache; a stamp written after a complete
    install tells a finished venv from one a killed run left half-built (rebuilt from scratch).
    """
    python = interpreter(target)
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    key = hashlib.sha256("\n".join((version, *target.requirements)).encode()).hexdigest()[:12]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / f"{target.name}-{key}"
    stamp = venv / "installed-by-tap-ordergroove-tests"
    with (root / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([python, "-m", "venv", venv], check=True)
            pip_install = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
            pip = subprocess.run(
                [*pip_install, "--disable-pip-version-check", *target.requirements],
                capture_output=True,
                text=True,
                check=False,
            )
            assert pip.returncode == 0, f"{target.name}: pip failed\n{pip.stderr[-3000:]}"
            stamp.write_text("\n".join(target.requirements) + "\n")
    return venv / "bin" / target.command


# --- what the fake API holds --------------------------------------------------------------------


def as_list(value) -> list:
    """An array field as the API sends it: a list, a comma-separated string, or null."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    return list(value)


def coupon_discounts(offer_profile: dict) -> list:
    coupons = (offer_profile.get(name) or {} for name in ("initial_coupon", "recurring_coupon"))
    return [discount for coupon in coupons for discount in as_list(coupon.get("discounts"))]


def rule_elements(product: dict) -> list:
    rules = as_list(product.get("product_selection_rules"))
    return [e for rule in rules for e in as_list(rule.get("product_selection_list_elements"))]


def resource_grants(product: dict) -> list:
    grants = product.get("product_resource_grants", product.get("resource_grants"))
    return as_list(grants)


#: Child table: (parent stream, the elements of one raw parent record), from the API's shapes.
CHILDREN: dict[str, tuple[str, Callable[[dict], list]]] = {
    "subscription_components": ("subscriptions", lambda r: as_list(r.get("components"))),
    "subscription_grantees": ("subscriptions", lambda r: as_list(r.get("grantees"))),
    "item_components": ("items", lambda r: as_list(r.get("components"))),
    "offer_profile_offers": ("offer_profiles", lambda r: as_list(r.get("offers"))),
    "offer_profile_coupon_discounts": ("offer_profiles", coupon_discounts),
    "product_group_memberships": ("products", lambda r: as_list(r.get("groups"))),
    "product_selection_rules": (
        "products",
        lambda r: as_list(r.get("product_selection_rules")),
    ),
    "product_selection_rule_elements": ("products", rule_elements),
    "product_resource_grants": ("products", resource_grants),
    "product_free_trial_configurations": (
        "products",
        lambda r: as_list(r.get("product_free_trial_configurations")),
    ),
}


def money_columns(schema: dict) -> list[str]:
    """The columns the tap types as exact decimals (``number``): prices, totals, values."""
    found = []
    for name, spec in schema["properties"].items():
        kinds = spec.get("type", [])
        if "number" in (kinds if isinstance(kinds, list) else [kinds]):
            found.append(name)
    return found


@dataclass
class Table:
    rows: int
    money: dict[str, Decimal] = field(default_factory=dict)


def decimal_sum(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v not in (None, "")), Decimal(0))


def expected_tables(dataset, schemas: dict[str, dict]) -> dict[str, Table]:
    """Per table: the API's record count and, per money column, the sum of its values."""
    tables = {}
    for stream in STREAM_TYPES:
        records = dataset.records(stream.name)
        money = money_columns(schemas[stream.name])
        tables[stream.name] = Table(
            len(records), {c: decimal_sum(r.get(c) for r in records) for c in money}
        )
    for child, (parent, elements_of) in CHILDREN.items():
        elements = [e for r in dataset.records(parent) for e in elements_of(r)]
        money = money_columns(schemas[child])
        tables[child] = Table(
            len(elements),
            {c: decimal_sum(e.get(c) for e in elements if isinstance(e, dict)) for c in money},
        )
    return tables


# --- reading back what each target kept -------------------------------------------------------


def pg_connect():
    params = pg.settings()
    try:
        return psycopg2.connect(**params, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {params['host']}:{params['port']} ({exc})")


def pg_tables(schema: str, expected: dict[str, Table]) -> dict[str, Table]:
    """Rows and money sums per table; a double is cast back to numeric (shortest decimal)."""
    landed = {}
    with pg_connect() as conn, conn.cursor() as cur:
        for name, table in expected.items():
            cur.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = %s",
                (schema, name),
            )
            if cur.fetchone() is None:
                continue
            sums = ", ".join(f'coalesce(sum("{c}"::numeric), 0)' for c in table.money)
            cur.execute(f'SELECT count(*){", " + sums if sums else ""} FROM "{schema}"."{name}"')
            count, *totals = cur.fetchone()
            landed[name] = Table(count, dict(zip(table.money, totals, strict=True)))
    return landed


def pg_column_types(schema: str, table: str) -> dict[str, str]:
    with pg_connect() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        )
        return dict(cur.fetchall())


def pg_one(sql: str, *params):
    with pg_connect() as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def file_rows(directory: Path, name: str, suffix: str) -> list[dict]:
    path = directory / f"{name}.{suffix}"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        if suffix == "csv":
            return list(csv.DictReader(handle))
        return [json.loads(line, parse_float=Decimal) for line in handle if line.strip()]


def file_tables(directory: Path, suffix: str, expected: dict[str, Table]) -> dict[str, Table]:
    landed = {}
    for name, table in expected.items():
        rows = file_rows(directory, name, suffix)
        if (directory / f"{name}.{suffix}").exists():
            landed[name] = Table(
                len(rows), {c: decimal_sum(r.get(c) for r in rows) for c in table.money}
            )
    return landed


def duckdb_contents(python: Path, path: Path, schema: str) -> dict:
    """Row counts per table and the types of ``orders``, read by the target's own duckdb."""
    script = (
        "import duckdb, json, sys\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        "q = 'SELECT table_name FROM information_schema.tables WHERE table_schema = ?'\n"
        "names = [t for (t,) in c.execute(q, [sys.argv[2]]).fetchall()]\n"
        'counts = {t: c.execute(f\'SELECT count(*) FROM "{sys.argv[2]}"."{t}"\').fetchone()[0]'
        " for t in names}\n"
        "q = ('SELECT column_name, data_type FROM information_schema.columns'"
        " ' WHERE table_schema = ? AND table_name = ?')\n"
        "types = dict(c.execute(q, [sys.argv[2], 'orders']).fetchall())\n"
        "print(json.dumps({'counts': counts, 'orders': types}))\n"
    )
    done = subprocess.run(
        [python, "-c", script, path, schema], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


# --- the runs ----------------------------------------------------------------------------------


@dataclass
class Piped:
    returncode: int
    stderr: str


def pipe(command: Path, config: dict, singer: str, workdir: Path) -> Piped:
    """``tap | target``: the tap's Singer output on the target's standard input."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "target.json").write_text(json.dumps(config))
    done = subprocess.run(
        [command, "--config", workdir / "target.json"],
        input=singer,
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=600,
        check=False,
    )
    return Piped(done.returncode, done.stderr)


@dataclass
class World:
    """Everything the tests read: the API's tables, and each target's config and runs."""

    fake: object
    expected: dict[str, Table]
    configs: dict[str, dict]
    first: dict[str, Piped]
    #: Per target, its tables right after run 1 (before run 2 adds to them).
    landed: dict[str, dict[str, Table]]
    second: dict[str, Piped]
    second_records: dict[str, list[dict]]
    changed_order: str
    deleted_product: str
    bins: dict[str, Path]
    workdir: Path


def target_configs(workdir: Path, schema: str) -> dict[str, dict]:
    params = pg.settings()
    return {
        MELTANOLABS_POSTGRES.name: {
            "host": params["host"],
            "port": int(params["port"]),
            "user": params["user"],
            "password": os.environ.get("PGPASSWORD", ""),
            "database": params["dbname"],
            "dialect+driver": "postgresql+psycopg",
            "default_target_schema": f"{schema}_ml",
            "add_record_metadata": True,
            "hard_delete": False,
            "activate_version": True,
        },
        PIPELINEWISE_POSTGRES.name: {
            "host": params["host"],
            "port": int(params["port"]),
            "user": params["user"],
            # Required by the target even where the server trusts the connection.
            "password": os.environ.get("PGPASSWORD") or "unused-with-trust-auth",
            "dbname": params["dbname"],
            "default_target_schema": f"{schema}_pw",
            "add_metadata_columns": True,
        },
        # overwrite_behavior is left out: 0.5.0 rewrites each file every run whatever it says.
        TARGET_CSV.name: {"output_path": str(workdir / "csv")},
        # What docs/targets.md advises instead: a file per stream and run.
        CSV_PER_RUN: {
            "output_path": str(workdir / "csv-per-run"),
            "file_naming_scheme": "{stream_name}-{timestamp}.csv",
            "timestamp_format": "%Y%m%dT%H%M%S%f",
        },
        TARGET_JSONL.name: {"destination_path": str(workdir / "jsonl"), "do_timestamp_file": False},
        TARGET_DUCKDB.name: {
            "filepath": str(workdir / "duckdb" / "warehouse.duckdb"),
            "default_target_schema": "ordergroove",
        },
    }


def pipe_all(world_bins, configs, singer: str, workdir: Path, names) -> dict[str, Piped]:
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = {
            n: pool.submit(pipe, world_bins[n], configs[n], singer, workdir / "run" / n)
            for n in names
        }
    return {n: f.result() for n, f in futures.items()}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("targets")
    (workdir / "csv").mkdir()
    (workdir / "jsonl").mkdir()
    (workdir / "duckdb").mkdir()
    schema = f"og_targets_{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(max_workers=len(TARGETS)) as pool:
        bins = dict(zip((t.name for t in TARGETS), pool.map(target_bin, TARGETS), strict=True))
    bins[CSV_PER_RUN] = bins[TARGET_CSV.name]
    fake = start_fake()
    try:
        config = tap_config(fake)
        catalog = discover(workdir / "discover", config)
        schemas = {s["tap_stream_id"]: s["schema"] for s in catalog["streams"]}
        expected = expected_tables(fake.dataset, schemas)
        configs = target_configs(workdir, schema)
        names = [*(t.name for t in TARGETS), CSV_PER_RUN]

        run1 = run_tap(workdir / "tap1", config)
        first = pipe_all(bins, configs, run1.stdout, workdir, names)
        landed = {
            MELTANOLABS_POSTGRES.name: pg_tables(f"{schema}_ml", expected),
            PIPELINEWISE_POSTGRES.name: pg_tables(f"{schema}_pw", expected),
            TARGET_CSV.name: file_tables(workdir / "csv", "csv", expected),
            TARGET_JSONL.name: file_tables(workdir / "jsonl", "jsonl", expected),
        }

        order = sorted(fake.dataset.records("orders"), key=lambda r: r["public_id"])[0]
        fake.dataset.update("orders", order["public_id"], total=NEW_TOTAL)
        product = sorted(fake.dataset.records("products"), key=lambda r: r["sku"])[0]
        fake.dataset.delete("products", product["external_product_id"])
        run2 = run_tap(workdir / "tap2", config, state=run1.state)
        ok = [n for n in names if first[n].returncode == 0]
        second = pipe_all(bins, configs, run2.stdout, workdir, ok)
        yield World(
            fake,
            expected,
            configs,
            first,
            landed,
            second,
            run2.records,
            order["public_id"],
            product["external_product_id"],
            bins,
            workdir,
        )
    finally:
        fake.stop()
        with pg_connect() as conn, conn.cursor() as cur:
            for suffix in ("ml", "pw"):
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}_{suffix}" CASCADE')


def assert_every_table(landed: dict[str, Table], expected: dict[str, Table], *, skip_empty=()):
    """Every table with every row, and every money column summing to the API's cent."""
    wanted = {n: t for n, t in expected.items() if not (n in skip_empty and t.rows == 0)}
    assert sorted(landed) == sorted(wanted), "tables differ from the API's"
    for name, table in wanted.items():
        assert landed[name].rows == table.rows, (name, landed[name].rows, table.rows)
        assert landed[name].money == table.money, (name, landed[name].money, table.money)


def test_the_api_data_has_money_and_children_to_check(world):
    """The check below means something: money columns and non-empty child tables exist."""
    with_money = {name for name, table in world.expected.items() if table.money}
    assert with_money >= {"orders", "items", "products", "subscriptions"}
    assert world.expected["orders"].money["total"] > 0
    assert sum(1 for n in CHILDREN if world.expected[n].rows) >= 8


# --- meltanolabs target-postgres --------------------------------------------------------------


def test_meltanolabs_target_postgres_keeps_everything(world):
    name = MELTANOLABS_POSTGRES.name
    schema = world.configs[name]["default_target_schema"]
    assert world.first[name].returncode == 0, world.first[name].stderr[-3000:]
    assert_every_table(world.landed[name], world.expected)
    types = pg_column_types(schema, "orders")
    assert types["total"] == "numeric"
    assert types["created"] == "timestamp without time zone"  # the UTC instant
    assert types["extra_data"] == "jsonb"
    assert pg_column_types(schema, "items")["components"] == "ARRAY"  # jsonb[]

    assert world.second[name].returncode == 0, world.second[name].stderr[-3000:]
    assert pg_one(f'SELECT count(*) FROM "{schema}".orders')[0] == world.expected["orders"].rows
    total = pg_one(
        f'SELECT total::text FROM "{schema}".orders WHERE public_id = %s', world.changed_order
    )
    assert total == (NEW_TOTAL,)  # upserted in place
    flagged = pg_one(
        f"SELECT count(*) FILTER (WHERE _sdc_deleted_at IS NOT NULL), count(*) FILTER (WHERE "
        f'_sdc_deleted_at IS NOT NULL AND external_product_id = %s) FROM "{schema}".products',
        world.deleted_product,
    )
    assert flagged == (1, 1)  # ACTIVATE_VERSION: the deleted product, and only it


# --- pipelinewise-target-postgres -------------------------------------------------------------


def test_pipelinewise_target_postgres_loads_every_row_as_double_without_soft_deletes(world):
    name = PIPELINEWISE_POSTGRES.name
    schema = world.configs[name]["default_target_schema"]
    assert world.first[name].returncode == 0, world.first[name].stderr[-3000:]
    # Every row; money sums to the cent once the doubles are read back as numeric.
    assert_every_table(world.landed[name], world.expected)
    types = pg_column_types(schema, "orders")
    assert types["total"] == "double precision"  # every JSON number becomes a double
    assert types["created"] == "timestamp without time zone"
    assert types["extra_data"] == "jsonb"
    assert types["_sdc_deleted_at"] == "character varying"
    assert pg_column_types(schema, "items")["components"] == "jsonb"

    assert world.second[name].returncode == 0, world.second[name].stderr[-3000:]
    assert pg_one(f'SELECT count(*) FROM "{schema}".orders')[0] == world.expected["orders"].rows
    total = pg_one(
        f'SELECT total::numeric::text FROM "{schema}".orders WHERE public_id = %s',
        world.changed_order,
    )
    assert total == (NEW_TOTAL,)  # upserted on the primary key
    flagged = pg_one(
        f'SELECT count(*) FILTER (WHERE _sdc_deleted_at IS NOT NULL) FROM "{schema}".products'
    )
    assert flagged == (0,)  # ACTIVATE_VERSION ignored: the deleted product looks live


def assert_appended(rows: list[dict], world: World) -> None:
    """Run 2's records are added after run 1's: the changed order has its old and new row."""
    resent = len(world.second_records["orders"])
    assert resent >= 1
    assert len(rows) == world.expected["orders"].rows + resent
    totals = [str(r["total"]) for r in rows if r["public_id"] == world.changed_order]
    assert len(totals) == 2
    assert totals[-1] == NEW_TOTAL


def assert_not_flagged(rows: list[dict], world: World) -> None:
    """The product deleted in the API keeps its row, with no deletion mark."""
    (row,) = [r for r in rows if r["external_product_id"] == world.deleted_product]
    assert row.get("_sdc_deleted_at") in (None, "")


# --- file targets ------------------------------------------------------------------------------


def test_target_csv_writes_every_row_with_exact_money_and_each_run_replaces_the_files(world):
    name = TARGET_CSV.name
    out = Path(world.configs[name]["output_path"])
    assert world.first[name].returncode == 0, world.first[name].stderr[-3000:]
    # A table with no rows still gets its header-only file.
    assert_every_table(world.landed[name], world.expected)
    order = next(r for r in file_rows(out, "orders", "csv") if r["public_id"])
    assert order["created"].endswith("+00:00")  # UTC, with its offset
    extra = next(r["extra_data"] for r in file_rows(out, "orders", "csv") if r["extra_data"])
    with pytest.raises(json.JSONDecodeError):
        json.loads(extra)  # a JSON object is written as Python's repr, not as JSON

    assert world.second[name].returncode == 0, world.second[name].stderr[-3000:]
    # Each run rewrites every file it has records for: after an incremental run only the
    # records of that run are left (docs/targets.md: a file name per run keeps them all).
    rows = file_rows(out, "orders", "csv")
    assert len(rows) == len(world.second_records["orders"]) < world.expected["orders"].rows
    (changed,) = [r for r in rows if r["public_id"] == world.changed_order]
    assert changed["total"] == NEW_TOTAL


def test_target_csv_with_a_file_per_run_keeps_every_run(world):
    out = Path(world.configs[CSV_PER_RUN]["output_path"])
    assert world.second[CSV_PER_RUN].returncode == 0, world.second[CSV_PER_RUN].stderr[-3000:]
    files = sorted(out.glob("orders-*.csv"))
    assert len(files) == 2  # one per run, the older one untouched
    rows = []
    for path in files:
        with path.open(newline="") as handle:
            rows += list(csv.DictReader(handle))
    assert_appended(rows, world)


def test_target_jsonl_writes_every_row_with_exact_money_and_appends(world):
    name = TARGET_JSONL.name
    out = Path(world.configs[name]["destination_path"])
    assert world.first[name].returncode == 0, world.first[name].stderr[-3000:]
    # No file for a table with no rows.
    assert_every_table(world.landed[name], world.expected, skip_empty=tuple(CHILDREN))
    assert "ACTIVATE_VERSION" in world.first[name].stderr  # warned about, then ignored

    assert world.second[name].returncode == 0, world.second[name].stderr[-3000:]
    assert_appended(file_rows(out, "orders", "jsonl"), world)
    assert_not_flagged(file_rows(out, "products", "jsonl"), world)


def duckdb_one(python: Path, path: Path, sql: str) -> list:
    """One row of ``sql``, read by the target's own duckdb."""
    script = (
        "import duckdb, json, sys\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps(c.execute(sys.argv[2]).fetchone(), default=str))\n"
    )
    done = subprocess.run([python, "-c", script, path, sql], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_target_duckdb_loads_every_row_as_double_and_ignores_deletes(world):
    """target-duckdb 0.8.0 (last release 2024): every row, money as DOUBLE, no soft deletes.

    Before the tap's types were made to agree between parents and child tables (issue 16),
    it stopped part-way on this data; docs/targets.md keeps that history.
    """
    name = TARGET_DUCKDB.name
    assert world.first[name].returncode == 0, world.first[name].stderr[-3000:]
    path = Path(world.configs[name]["filepath"])
    python = world.bins[name].parent / "python"
    landed = duckdb_contents(python, path, "ordergroove")
    assert landed["orders"]["total"] == "DOUBLE"  # money as a binary float
    wanted = {t: table.rows for t, table in world.expected.items() if table.rows}
    assert {t: landed["counts"].get(t) for t in wanted} == wanted
    assert world.second[name].returncode == 0, world.second[name].stderr[-3000:]
    total = duckdb_one(
        python,
        path,
        "SELECT CAST(total AS DECIMAL(12, 2)) FROM ordergroove.orders "
        f"WHERE public_id = '{world.changed_order}'",
    )
    assert total == [NEW_TOTAL]  # upserted on the primary key
    orders = duckdb_one(python, path, "SELECT count(*) FROM ordergroove.orders")
    assert orders == [world.expected["orders"].rows]  # not appended
    columns = duckdb_one(
        python,
        path,
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ordergroove' "
        "AND table_name = 'products' AND column_name = '_sdc_deleted_at'",
    )
    if columns == [1]:
        flagged = duckdb_one(
            python,
            path,
            "SELECT count(*) FROM ordergroove.products WHERE _sdc_deleted_at IS NOT NULL",
        )
        assert flagged == [0]  # ACTIVATE_VERSION ignored: the deleted product looks live
    rows = duckdb_one(
        python,
        path,
        "SELECT count(*) FROM ordergroove.products "
        f"WHERE external_product_id = '{world.deleted_product}'",
    )
    assert rows == [1]  # the row stays, with nothing marking it deleted
