"""Command line entry point: ``python -m fake_ordergroove --port 8765 --api-key demo-key``.

Serves in the foreground for demos, ``meltano run`` smoke tests and benchmarks; prints one
line with the base URL once it accepts connections and exits cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .dataset import Dataset
from .server import FakeOrdergroove


def build_parser() -> argparse.ArgumentParser:
    """CLI options mirror the FakeOrdergroove constructor."""
    parser = argparse.ArgumentParser(
        prog="python -m fake_ordergroove", description="Serve a fake Ordergroove REST API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--customers", type=int, default=500, help="dataset scale")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help="accepted key with Bulk Operations permission (repeatable; default test-key)",
    )
    parser.add_argument(
        "--limited-key",
        action="append",
        dest="limited_keys",
        default=[],
        help="valid key WITHOUT Bulk Operations permission (repeatable)",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--timezone", default="America/Chicago")
    parser.add_argument("--auth-failure-status", type=int, choices=(401, 403), default=403)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Build the dataset, serve until a signal arrives, then stop cleanly."""
    args = build_parser().parse_args(argv)
    dataset = Dataset(seed=args.seed, customers=args.customers, timezone=args.timezone)
    fake = FakeOrdergroove(
        dataset,
        host=args.host,
        port=args.port,
        api_keys=args.api_keys or ("test-key",),
        latency_ms=args.latency_ms,
        auth_failure_status=args.auth_failure_status,
        limited_keys=args.limited_keys,
        verbose=args.verbose,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        """Wake the main thread; the actual shutdown happens outside the signal handler."""
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fake.start()
    print(fake.url, flush=True)
    try:
        while not stop.wait(0.5):
            continue
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
