"""Load test of the webhook receiver: sustained events/s and latency with durable writes.

Starts ``tap-ordergroove-webhooks serve`` as a real process on SQLite (WAL, synchronous=FULL)
and on PostgreSQL (a throw-away schema), fires signed events from K client threads over
loopback for a bounded time, checks that every acknowledged event is in the store, and prints
events/s and p50/p99 latency per store and client count.

    .venv/bin/python benchmarks/webhook_load.py                 # 1 and 16 clients, 10 s each
    .venv/bin/python benchmarks/webhook_load.py --clients 32 --seconds 20 --stores sqlite
    PGHOST=db PGUSER=og .venv/bin/python benchmarks/webhook_load.py --stores postgresql

Clients and server share the machine, so on a small box the numbers are a floor for the
server alone. Results and the machine they came from go in benchmarks/WEBHOOKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fake_ordergroove.webhook_sender import sign
from tests.test_webhooks_support import (
    WEBHOOK_PATH,
    Receiver,
    all_events,
    pg_connect,
    pg_schema,
    pg_url,
    running,
)

KEY = "benchmark-key-not-secret"


def body_for(event_id: str) -> bytes:
    """A realistic order.delete with a snapshot (~1.5 KB, like a small order)."""
    order = {
        "public_id": uuid.uuid4().hex,
        "customer": "cust-123",
        "status": 1,
        "total": "77.94",
        "sub_total": "70.00",
        "created": "2024-03-10 08:00:01",
        "updated": "2024-03-11 09:30:00",
        "place": "2024-04-01",
    }
    items = [
        {
            "public_id": uuid.uuid4().hex,
            "order": order["public_id"],
            "product": f"sku-{i}",
            "quantity": 1,
            "price": "23.33",
            "total_price": "23.33",
        }
        for i in range(3)
    ]
    body = {
        "id": event_id,
        "type": "order.delete",
        "created": int(time.time()),
        "data": {"object": {"public_id": order["public_id"]}},
        "context": {},
        "snapshot": {"orders": [order], "items": items},
    }
    return json.dumps(body).encode()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(receiver: Receiver, clients: int, seconds: float) -> dict:
    """K keep-alive clients (stdlib http.client: cheaper than requests, so more of the two
    cores is left to the server) posting back to back until the time is up."""
    latencies: list[float] = []
    acked: list[str] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=30)
        mine: list[float] = []
        ok: list[str] = []
        failed = 0
        while time.monotonic() < stop_at:
            event_id = uuid.uuid4().hex
            body = body_for(event_id)
            headers = {
                "Content-Type": "application/json",
                "Ordergroove-Signature": sign(body, [KEY], int(time.time())),
            }
            started = time.perf_counter()
            try:
                conn.request("POST", WEBHOOK_PATH, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failed += 1  # counted, and the client goes on with a fresh connection
                conn.close()
                continue
            elapsed = time.perf_counter() - started
            if response.status == 200:
                mine.append(elapsed)
                ok.append(event_id)
            else:
                failed += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            acked.extend(ok)
            errors[0] += failed

    cpu_before = cpu_seconds(receiver.proc.pid)
    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    server_cpu = cpu_seconds(receiver.proc.pid) - cpu_before
    stored = {e.event_id for e in all_events(receiver.store_url)}
    lost = len(set(acked) - stored)
    latencies.sort()
    return {
        "clients": clients,
        "acked": len(acked),
        "errors": errors[0],
        "lost": lost,
        "events_per_s": len(acked) / duration,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": latencies[-1] * 1000,
        "server_cpu_ms_per_event": server_cpu * 1000 / max(1, len(acked)),
    }


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list: at least pct% of values are <= it."""
    return ordered[max(0, math.ceil(len(ordered) * pct / 100) - 1)]


def run_store(name: str, store_url: str, log: Path, args: argparse.Namespace) -> list[dict]:
    results = []
    with running(Receiver(store_url, KEY, log, "--log-level", "WARNING")) as receiver:
        for clients in args.clients:
            result = load(receiver, clients, args.seconds)
            result["store"] = name
            results.append(result)
            print(
                f"{name:10s} clients={clients:3d} {result['events_per_s']:8.0f} events/s  "
                f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                f"max {result['max_ms']:6.1f} ms  server CPU "
                f"{result['server_cpu_ms_per_event']:.2f} ms/event  acked {result['acked']}  "
                f"errors {result['errors']}  lost {result['lost']}  "
                f"load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}: {os.cpu_count()} CPUs, "
        f"{platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {args.seconds:.0f} s per run, "
        f"load average before start {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.stores:
            url = f"sqlite:///{tmp}/events.db"
            run_store("sqlite", url, Path(tmp) / "sqlite.log", args)
        if "postgresql" in args.stores:
            with pg_connect() as conn:
                server = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
                settings = ", ".join(
                    f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}"
                    for name in ("fsync", "synchronous_commit")
                )
                where = f"{conn.info.host}:{conn.info.port}"
            print(f"postgresql: {server} at {where} ({settings})", flush=True)
            with pg_schema() as schema:
                run_store("postgresql", pg_url(schema), Path(tmp) / "pg.log", args)


if __name__ == "__main__":
    main()
