"""``python -m local_postgres start|stop|status|psql DATA_DIR``: the demo's database by hand.

``scripts/pg`` wraps this for the demo's cluster (output/pgdata, port 54329, database
``ordergroove``), so a user can reopen what the demo loaded after it stopped the server.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import LocalPostgresError, ensure_database, psql_argv, running, start, stop


def build_parser() -> argparse.ArgumentParser:
    """One sub-command per action; the data directory always comes first after it."""
    parser = argparse.ArgumentParser(prog="python -m local_postgres")
    parser.add_argument("action", choices=("start", "stop", "status", "psql"))
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--port", type=int, help="for a new cluster only (default: a free one)")
    parser.add_argument("--database", default="postgres", help="created on start if missing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 on success, 1 with a one-line reason otherwise."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = build_parser().parse_args(argv[: len(argv) - len(extra) - (1 if extra else 0)])
    args.psql_args = extra
    try:
        return _act(args)
    except LocalPostgresError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _act(args: argparse.Namespace) -> int:
    if args.action == "start":
        server = start(args.data_dir, args.port)
        ensure_database(server, args.database)
        print(f"PostgreSQL running: 127.0.0.1:{server.port}, data in {server.data_dir}")
        return 0
    if args.action == "stop":
        stopped = stop(args.data_dir)
        print("stopped" if stopped else f"not running ({args.data_dir})")
        return 0
    server = running(args.data_dir.resolve())
    if args.action == "status":
        print(f"running on 127.0.0.1:{server.port}" if server else "not running")
        return 0 if server else 3  # pg_ctl status' code for "not running"
    if server is None:
        print(
            f"error: PostgreSQL in {args.data_dir} is not running: start it first", file=sys.stderr
        )
        return 1
    argv = [*psql_argv(server, args.database), *args.psql_args]
    os.execv(argv[0], argv)  # noqa: S606 - the bundled psql, replacing this process
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
