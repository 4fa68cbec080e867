"""Meltano, as a new user and a container run it: no key yet, settings from the environment.

Each test runs the real ``meltano`` in a temporary project (a copy of meltano.yml; the
system database is the run's temporary one, see conftest.py). Only the installed plugin
virtualenvs are borrowed, read-only, from the worktree's ``.meltano/`` (a symlink per
plugin), so Meltano's run files, catalogs and state never touch the developer's project.

- Discovery makes no request, so ``meltano select --list`` works before any key is set; a
  ``meltano run`` without a source ends with the tap's one line (no "Catalog discovery
  failed", no traceback).
- Meltano 4.4.1 crashed ("Decimal is not JSON serializable") on a `kind: decimal` setting
  from an environment variable and printed a 100-line traceback for a bad integer or
  option. Every kind of setting is set from ``TAP_ORDERGROOVE_<NAME>`` here and its effect
  checked; bad values are one line each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import API_KEY, start_fake

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(ROOT / ".venv" / "bin" / "meltano")
PLUGINS = ("extractors/tap-ordergroove", "loaders/target-jsonl")
#: Meltano's own closing lines after a failed extractor (the tap cannot change them).
MELTANO_SUMMARY = ("Extractor failed", "Block run completed", "Run completed")


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "meltano.yml", root / "meltano.yml")
    for plugin in PLUGINS:
        installed = ROOT / ".meltano" / plugin
        assert installed.is_dir(), f"{installed} is missing: run scripts/bootstrap"
        (root / ".meltano" / plugin).parent.mkdir(parents=True, exist_ok=True)
        (root / ".meltano" / plugin).symlink_to(installed)
    return root


def meltano(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``meltano ARGS`` in ``project`` with none of the caller's TAP_ORDERGROOVE_* settings."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TAP_ORDERGROOVE", "MELTANO_ENV"))
    }
    return subprocess.run(
        [MELTANO, *args],
        cwd=project,
        env={**clean, "MELTANO_ENVIRONMENT": "prod", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# --- no credentials ----------------------------------------------------------------------------


def test_select_list_works_without_any_credentials(project):
    proc = meltano(project, {}, "select", "tap-ordergroove", "--list", "--all")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    listed = proc.stdout
    for stream in ("orders", "customers", "subscriptions", "item_components"):
        assert f"{stream}.public_id" in listed or f"{stream}." in listed, stream
    assert "listing the REST API streams" in proc.stderr


def test_run_without_a_source_ends_with_the_taps_one_line(project, tmp_path):
    env = {"TARGET_JSONL_DESTINATION_PATH": str(tmp_path / "out")}
    proc = meltano(project, env, "run", "tap-ordergroove", "target-jsonl")
    assert proc.returncode == 1
    assert "Catalog discovery failed" not in proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    errors = [i for i, line in enumerate(lines) if "No Ordergroove source is configured" in line]
    assert len(errors) == 1, proc.stderr[-3000:]
    after = lines[errors[0] + 1 :]
    # Only Meltano's fixed summary follows the tap's line: nothing else to read past.
    assert after and all(any(s in line for s in MELTANO_SUMMARY) for line in after), after
    assert "Set `api_key`" in lines[errors[0]]


# --- every setting kind from its environment variable -------------------------------------------


@pytest.fixture
def fake():
    fake = start_fake(customers=30, seed=3)
    yield fake
    fake.stop()


def test_every_kind_of_setting_works_from_its_environment_variable(project, fake, tmp_path):
    out = tmp_path / "out"
    env = {
        "TAP_ORDERGROOVE_API_KEY": API_KEY,  # password
        "TAP_ORDERGROOVE_BASE_URL": fake.url,  # string
        "TAP_ORDERGROOVE_ENVIRONMENT": "staging",  # option (base_url wins)
        "TAP_ORDERGROOVE_START_DATE": "2001-02-03T00:00:00Z",  # date_iso8601
        "TAP_ORDERGROOVE_PAGE_SIZE": "7",  # integer
        "TAP_ORDERGROOVE_LOOKBACK_MINUTES": "2.5",  # number (crashed Meltano as `decimal`)
        "TAP_ORDERGROOVE_RETRY_BACKOFF_SECONDS": "0.05",  # number
        "TAP_ORDERGROOVE_ONE_TIME_INCENTIVES_INCREMENTAL": "false",  # boolean
        "TAP_ORDERGROOVE_STREAM_MAPS": json.dumps({"orders": {"env_marker": "'from-env'"}}),
        "TAP_ORDERGROOVE__SELECT": json.dumps(["orders.*", "one_time_incentives.*"]),
        "TARGET_JSONL_DESTINATION_PATH": str(out),
    }
    out.mkdir()
    proc = meltano(project, env, "run", "tap-ordergroove", "target-jsonl")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert API_KEY not in proc.stderr + proc.stdout

    orders = [json.loads(line) for line in (out / "orders.jsonl").read_text().splitlines()]
    assert len(orders) == len(fake.dataset.records("orders"))
    assert {order["env_marker"] for order in orders} == {"from-env"}  # object
    log = [e for e in fake.request_log.snapshot() if e["path"].startswith("/orders/")]
    pages = [e for e in log if e["params"].get("page_size") != "1"]  # not the access check
    assert pages and {e["params"]["page_size"] for e in pages} == {"7"}  # integer
    assert all(e["params"]["updated_start"].startswith("2001-02-0") for e in pages)  # date
    incentives = [
        e
        for e in fake.request_log.snapshot()
        if e["path"] == "/one_time_incentives/" and e["params"].get("page_size") == "7"
    ]
    assert incentives, "one_time_incentives was selected"
    assert not any("last_updated_start" in e["params"] for e in incentives)  # boolean false


def test_bad_values_from_environment_variables_are_one_line_each(project, tmp_path):
    env = {
        "TAP_ORDERGROOVE_API_KEY": API_KEY,
        "TAP_ORDERGROOVE_BASE_URL": "http://127.0.0.1:9",
        "TAP_ORDERGROOVE_PAGE_SIZE": "ten",
        "TAP_ORDERGROOVE_LOOKBACK_MINUTES": "15min",
        "TAP_ORDERGROOVE_SOFT_DELETE_MISSING_RECORDS": "flase",
        "TAP_ORDERGROOVE_ENVIRONMENT": "prodution",
        "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / "out"),
    }
    proc = meltano(project, env, "run", "tap-ordergroove", "target-jsonl")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "Catalog discovery failed" not in proc.stderr
    assert "Could not connect" not in proc.stderr, "nothing may be requested"
    lines = proc.stderr.strip().splitlines()
    errors = [i for i, line in enumerate(lines) if "[error" in line and "tap-ordergroove" in line]
    said = "\n".join(lines[i] for i in errors)
    for name, value, expected in [
        ("page_size", "ten", "a whole number"),
        ("lookback_minutes", "15min", "a number"),
        ("soft_delete_missing_records", "flase", "true or false"),
        ("environment", "prodution", "one of production, staging"),
    ]:
        assert f"Setting `{name}` is '{value}', which is not {expected}." in said, said
        assert f"TAP_ORDERGROOVE_{name.upper()}" in said
    after = lines[errors[-1] + 1 :]
    assert after and all(any(s in line for s in MELTANO_SUMMARY) for line in after), after
