"""Shared helpers for the webhook receiver tests (no tests here).

The receiver always runs as a real subprocess on a free 127.0.0.1 port, exactly as deployed,
and is spoken to over real HTTP; its stdout and stderr go to a file the tests can scan.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests

from fake_ordergroove.webhook_sender import sign
from tests import pg

WEBHOOK_PATH = "/webhooks/ordergroove"
KEY_ENV = "OG_WEBHOOK_KEY"
# The console script the docs tell users to run, not a module path, so the entry point is tested.
COMMAND = str(Path(sys.executable).with_name("tap-ordergroove-webhooks"))
PG = pg.PG  # the run's test PostgreSQL (tests/pg.py), resolved on first use


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """``tap-ordergroove-webhooks serve`` as a child process.

    The key(s) go in the environment (``OG_WEBHOOK_KEY``), never on the command line.
    """

    def __init__(
        self,
        store_url: str,
        keys: str,
        log_path: Path,
        *args: str,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.store_url = store_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.webhook_url = self.url + WEBHOOK_PATH
        self.log_path = log_path
        self.args = args
        self.env = {**os.environ, KEY_ENV: keys, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> Receiver:
        cmd = [
            COMMAND,
            "serve",
            "--store",
            self.store_url,
            "--port",
            str(self.port),
            *self.args,
        ]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"receiver exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        self.kill()
        pytest.fail(f"receiver did not become healthy in {timeout} s:\n{self.logs()}")
        return self

    def stop(self) -> int:
        """Graceful stop (SIGTERM, as a process manager does); returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                pytest.fail("receiver ignored SIGTERM for 15 s")
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs at all."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def post(self, body: bytes, header: str | None, **kwargs) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["Ordergroove-Signature"] = header
        return requests.post(self.webhook_url, data=body, headers=headers, timeout=10, **kwargs)

    def post_signed(self, body: bytes, *keys: str, ts: int | None = None) -> requests.Response:
        ts = int(time.time()) if ts is None else ts
        return self.post(body, sign(body, list(keys), ts))


@contextmanager
def running(receiver: Receiver):
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def event_body(event_id: str | None = None, event_type: str = "order.delete", **extra) -> bytes:
    body = {
        "id": event_id or uuid.uuid4().hex,
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"public_id": uuid.uuid4().hex}},
        "context": {},
        **extra,
    }
    return json.dumps(body).encode()


def all_events(store_url: str) -> list:
    """Every stored event, paging with read_since like the tap does."""
    from tap_ordergroove.webhooks.store import open_store

    events, after = [], 0
    with open_store(store_url) as store:
        while page := store.read_since(after, limit=500):
            events.extend(page)
            after = page[-1].seq
    return events


def pg_connect(**overrides) -> psycopg.Connection:
    """A connection to the test PostgreSQL; the test FAILS (never skips) when there is none."""
    return pg.connect(**overrides)


def pg_url(schema: str, user: str | None = None, password: str | None = None) -> str:
    return pg.url(schema, user=user, password=password)


@contextmanager
def pg_schema():
    """A fresh schema for one test, dropped afterwards."""
    name = f"og_webhooks_{uuid.uuid4().hex[:12]}"
    with pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with pg_connect() as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
