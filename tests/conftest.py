"""Shared fixtures: the fake Ordergroove API as a real HTTP server on 127.0.0.1, the test
PostgreSQL (chosen and started once per run by tests/pg.py, stopped here at the end), and a
Meltano system directory of the run's own (never the project's ``.meltano/``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_ordergroove.dataset import Dataset
from fake_ordergroove.server import FakeOrdergroove
from tests import pg, tap_process

API_KEY = "test-key-0123456789abcdef"
LIMITED_KEY = "limited-key-0123456789"
ROOT = Path(__file__).resolve().parent.parent
#: Meltano's plugin-type folders under ``.meltano/`` holding installed virtualenvs.
PLUGIN_KINDS = ("extractors", "loaders", "mappers", "transformers", "utilities", "orchestrators")


def tap_config(fake: FakeOrdergroove, **overrides) -> dict:
    """A config pointing the tap at ``fake``, with quick retries for fault tests."""
    config = {
        "api_key": API_KEY,
        "base_url": fake.url,
        "retry_backoff_seconds": 0.05,
        "request_timeout": 5,
    }
    config.update(overrides)
    return config


def start_fake(**kwargs) -> FakeOrdergroove:
    dataset = Dataset(seed=kwargs.pop("seed", 42), customers=kwargs.pop("customers", 150))
    fake = FakeOrdergroove(dataset, api_keys=(API_KEY,), limited_keys=(LIMITED_KEY,), **kwargs)
    fake.start()
    return fake


@pytest.fixture(scope="session", autouse=True)
def meltano_system_dir(tmp_path_factory):
    """Meltano's system directory for this test run (each xdist worker its own): never the
    project's ``.meltano/``.

    Every ``meltano`` the tests start inherits ``MELTANO_SYS_DIR_ROOT``, so its run files
    (``run/<plugin>/``: config, catalog, state), logs, state and run history go here, and a
    ``meltano run`` the developer starts in the project meanwhile cannot delete a test's
    ``state.json`` (nor a test theirs). Only the installed plugin environments are shared,
    read-only, by symlink (``scripts/bootstrap`` made them; Meltano never writes there when
    it runs a plugin): one install, not one per run. ``target-jsonl`` writes here unless a
    test names its own folder, never to the project's ``output/``.
    """
    sys_dir = tmp_path_factory.mktemp("meltano-sys")
    installed = ROOT / ".meltano"
    for kind in PLUGIN_KINDS:
        if (installed / kind).is_dir():
            (sys_dir / kind).symlink_to(installed / kind)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MELTANO_SYS_DIR_ROOT", str(sys_dir))
        patch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{sys_dir / 'meltano.db'}")
        patch.setenv("TARGET_JSONL_DESTINATION_PATH", str(sys_dir / "jsonl"))
        yield sys_dir


@pytest.fixture(scope="session")
def shared_fake():
    """One read-only fake for tests that never change data or faults."""
    fake = start_fake()
    yield fake
    fake.stop()


@pytest.fixture
def fake():
    """A private fake for tests that mutate data or switch faults on."""
    fake = start_fake()
    yield fake
    fake.stop()


@pytest.fixture(scope="session", autouse=True)
def postgres_session():
    """One PostgreSQL per test run: tests/pg.py picks or starts it on first use (so a run
    of unit tests alone starts nothing); this stops the embedded one when the run ends."""
    yield
    pg.shutdown()


@pytest.fixture(scope="session")
def postgres() -> dict[str, str]:
    """The test server's libpq settings; the test fails (never skips) when there is none."""
    return pg.settings()


#: Modules whose module-scoped fixtures cost little (a few small fakes) while their tests are
#: slow ``meltano run``s: their tests are spread over workers, each making its own fixtures.
SPREAD_MODULES = frozenset({"test_merchants.py", "test_dagster.py"})


#: Whole ``meltano run``s, builds and process-level stop tests (tens of seconds each): under
#: xdist they are handed out first, so no worker starts one while the other has run dry.
SLOW_MODULES = frozenset(
    {
        "test_dbt.py",
        "test_targets.py",
        "test_dbt_merchants.py",
        "test_full_table_cadence_postgres.py",
        "test_resume.py",
        "test_sftp_e2e.py",
        "test_deletes_e2e.py",
        "test_merchants.py",
        "test_dagster.py",
        "test_resync_postgres.py",
        "test_meltano_e2e.py",
        "test_signals.py",
        "test_sftp_stop.py",
        "test_children_postgres.py",
        "test_packaging.py",
        "test_isolation.py",
        "test_state_recipe.py",
        "test_progress.py",
        "test_local_postgres.py",
        "test_webhooks_crash.py",
    }
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under pytest-xdist (``scripts/test``: ``--dist loadgroup``, cores + 1 workers): the tests
    of a module that share a module-scoped fixture (one tap run, one build, one receiver) stay on
    one worker, so that setup is made once; every other test goes wherever a worker is free.
    The slow modules come first (order within a module unchanged). Without xdist (``-n 0``
    or ``-p no:xdist``) nothing changes.

    Only xdist workers collect (the controller schedules what they report), and a worker's
    ``numprocesses`` is None, so this acts where ``config.workerinput`` exists. ``tryfirst``:
    the worker turns ``xdist_group`` marks into node-id suffixes in its own
    ``pytest_collection_modifyitems``, which must see the marks. Without both, every worker
    built every module's setup (a dbt build, a load into six targets) once more.
    """
    if not hasattr(config, "workerinput"):
        return
    items.sort(key=lambda item: item.path.name not in SLOW_MODULES)  # stable sort
    for item in items:
        if item.path.name in SPREAD_MODULES:
            continue
        defs = getattr(item, "_fixtureinfo", None)
        if defs is None:
            continue
        scopes = {d[-1].scope for d in defs.name2fixturedefs.values() if d}
        if "module" in scopes:
            item.add_marker(pytest.mark.xdist_group(item.path.name))


_worker_servers: list[str] = []  # under pytest-xdist: what each worker used (see below)


def pytest_sessionfinish(session) -> None:
    """Stop the tap fork server (tests/tap_process.py); a pytest-xdist worker hands its
    PostgreSQL's description to the controller."""
    tap_process.stop()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["postgres"] = pg.description


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """Controller side of the above (an xdist hook: never called without xdist)."""
    description = getattr(node, "workeroutput", {}).get("postgres")
    if description is not None:
        _worker_servers.append(f"{node.gateway.id}: {description}")


def pytest_terminal_summary(terminalreporter) -> None:
    """Say which PostgreSQL the run used, so a green run shows what it proved."""
    used = [line for line in _worker_servers if not line.endswith(": not used")]
    if not _worker_servers:
        terminalreporter.write_line(f"PostgreSQL for this run: {pg.description}")
    elif not used:
        terminalreporter.write_line("PostgreSQL for this run: not used")
    else:
        for line in sorted(used):
            terminalreporter.write_line(f"PostgreSQL for this run ({line.replace(': ', '): ', 1)}")
