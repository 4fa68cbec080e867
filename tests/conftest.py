"""Shared fixtures: the fake Ordergroove API as a real HTTP server on 127.0.0.1, and the
test PostgreSQL (chosen and started once per run by tests/pg.py, stopped here at the end)."""

from __future__ import annotations

import pytest

from fake_ordergroove.dataset import Dataset
from fake_ordergroove.server import FakeOrdergroove
from tests import pg

API_KEY = "test-key-0123456789abcdef"
LIMITED_KEY = "limited-key-0123456789"


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
def meltano_system_database(tmp_path_factory):
    """Meltano's state and run history go to a temporary database, not the project's.

    Every `meltano run` of the tests inherits this, so test state IDs never show up in
    the developer's own `meltano state list`.
    """
    path = tmp_path_factory.mktemp("meltano") / "meltano.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{path}")
        yield path


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


def pytest_terminal_summary(terminalreporter) -> None:
    """Say which PostgreSQL the run used, so a green run shows what it proved."""
    terminalreporter.write_line(f"PostgreSQL for this run: {pg.description}")
