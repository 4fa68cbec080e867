"""The one place tests get PostgreSQL from: connection settings, connections, URLs, target env.

Which server (decided once per test run, on first use, so runs that never touch PostgreSQL
start nothing):

- ``CI`` set (true/1/yes): the server described by ``PGHOST``/``PGPORT``/``PGUSER``/
  ``PGDATABASE`` (defaults 127.0.0.1, 5432, postgres, test), which the CI provides. If it does
  not answer, every test that needs it FAILS: a CI must never go green on a substitute.
- Otherwise: that same server when ``PGHOST`` or ``PGPORT`` is set and it answers; else (unset,
  or set but unreachable) the embedded server from ``local_postgres``, started once in a fresh
  temporary directory and stopped at the end of the run (conftest.py's session fixture).

Once decided, ``PGHOST``/``PGPORT``/``PGUSER``/``PGDATABASE`` in ``os.environ`` name the chosen
server, so every subprocess (meltano, the targets, the webhook receiver) reaches the same one.
Nothing here ever skips.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import psycopg
import pytest

import local_postgres

DEFAULTS = {"host": "127.0.0.1", "port": "5432", "user": "postgres", "dbname": "test"}
ENV_NAMES = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE"}
EMBEDDED_DB = "test"

_settings: dict[str, str] | None = None
_failure: str | None = None
_embedded_dir: Path | None = None
description = "not used"  # one line for the test summary: which server and why


def in_ci() -> bool:
    """CI=true (GitHub Actions, GitLab, this project's .ci/run harness)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _from_env() -> dict[str, str]:
    return {key: os.environ.get(name) or DEFAULTS[key] for key, name in ENV_NAMES.items()}


def _answers(params: Mapping[str, str]) -> str | None:
    """None if a connection works, else libpq's reason (last line)."""
    try:
        psycopg.connect(**params, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return lines[-1] if lines else type(exc).__name__
    return None


def _start_embedded() -> dict[str, str]:
    global _embedded_dir
    base = Path(tempfile.mkdtemp(prefix="og-test-pg-"))
    base.chmod(0o711)  # as root the server runs as 'nobody': data/ stays here if it can pass
    _embedded_dir = base / "data"
    atexit.register(shutdown)
    server = local_postgres.start(_embedded_dir)
    local_postgres.ensure_database(server, EMBEDDED_DB)
    return server.params(EMBEDDED_DB)


def _resolve() -> dict[str, str]:
    global description
    wanted = _from_env()
    where = f"{wanted['host']}:{wanted['port']}"
    explicit = bool(os.environ.get("PGHOST") or os.environ.get("PGPORT"))
    if in_ci():
        if (reason := _answers(wanted)) is not None:
            raise RuntimeError(
                f"CI=true: PostgreSQL is required at {where} ({reason}); set PGHOST/PGPORT/"
                "PGUSER/PGDATABASE to the CI's server (without CI=true the tests start their own)"
            )
        description = f"the CI's server at {where}"
        return wanted
    if explicit:
        reason = _answers(wanted)
        if reason is None:
            description = f"PGHOST/PGPORT's server at {where}"
            return wanted
        why = f"PGHOST/PGPORT's server at {where} does not answer ({reason})"
    else:
        why = "PGHOST/PGPORT not set"
    params = _start_embedded()
    description = f"embedded PostgreSQL at 127.0.0.1:{params['port']} ({why})"
    return params


def settings() -> dict[str, str]:
    """libpq keywords (host, port, user, dbname) of the test server; FAILS the test if none."""
    global _settings, _failure, description
    if _settings is None and _failure is None:
        try:
            _settings = _resolve()
        except (RuntimeError, local_postgres.LocalPostgresError) as exc:
            _failure = str(exc)
            description = f"none: {_failure}"
        else:
            for key, name in ENV_NAMES.items():
                os.environ[name] = _settings[key]
    if _failure is not None:
        pytest.fail(_failure, pytrace=False)
    assert _settings is not None
    return dict(_settings)


class _LazySettings(Mapping[str, str]):
    """``PG["host"]`` etc., resolved on first use (importing a test module starts nothing)."""

    def __getitem__(self, key: str) -> str:
        return settings()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(settings())

    def __len__(self) -> int:
        return len(settings())


PG: Mapping[str, str] = _LazySettings()


def connect(**overrides: str) -> psycopg.Connection:
    """An autocommit psycopg connection to the test server (the test fails if it is missing)."""
    params = {**settings(), **overrides}
    try:
        return psycopg.connect(**params, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {params['host']}:{params['port']} refused: {exc}")


def url(schema: str | None = None, user: str | None = None, password: str | None = None) -> str:
    """A postgresql:// URL (the webhook store's form), optionally pinned to one schema."""
    params = settings()
    auth = user or params["user"]
    if password:
        auth += f":{password}"
    query = f"?options=-csearch_path%3D{schema}" if schema else ""
    return f"postgresql://{auth}@{params['host']}:{params['port']}/{params['dbname']}{query}"


def target_env() -> dict[str, str]:
    """TARGET_POSTGRES_* for ``meltano run ... target-postgres`` (overrides meltano.yml)."""
    params = settings()
    env = {
        "TARGET_POSTGRES_HOST": params["host"],
        "TARGET_POSTGRES_PORT": params["port"],
        "TARGET_POSTGRES_USER": params["user"],
        "TARGET_POSTGRES_DATABASE": params["dbname"],
    }
    if os.environ.get("PGPASSWORD"):
        env["TARGET_POSTGRES_PASSWORD"] = os.environ["PGPASSWORD"]
    return env


def shutdown() -> None:
    """Stop the embedded server (if this run started one) and delete its data."""
    global _embedded_dir
    if _embedded_dir is None:
        return
    data, _embedded_dir = _embedded_dir, None
    local_postgres.remove(data)  # stops it; also its cluster in the cache if it went there
    shutil.rmtree(data.parent, ignore_errors=True)
