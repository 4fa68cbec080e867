"""A hostile network, against a real tap process and the fake API over loopback.

Trickling pages, 200s that are not JSON, TLS spoken to a plain-HTTP host, a host that
refuses connections: each either clears with identical output or ends with one line
that says what it is.
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import API_KEY, tap_config
from tests.singer_run import run_tap

STREAM = ["orders"]


@pytest.fixture(scope="module")
def orders_clean(shared_fake, tmp_path_factory):
    run = run_tap(tmp_path_factory.mktemp("clean"), tap_config(shared_fake), streams=STREAM)
    return sorted(run.records["orders"], key=lambda r: r["public_id"])


def orders(run):
    return sorted(run.records["orders"], key=lambda r: r["public_id"])


def test_a_trickling_page_is_cut_at_request_timeout_and_retried(fake, orders_clean, tmp_path):
    # 16 bytes every 0.1 s: each socket read succeeds, the page would take minutes.
    # every=2: the first request to /orders/ is the tiny access check before any SCHEMA.
    trickle = {"kind": "trickle", "count": 1, "every": 2, "delay": 0.1, "path": "/orders/"}
    fake.faults.set([trickle])
    started = time.monotonic()
    run = run_tap(tmp_path, tap_config(fake, request_timeout=2), streams=STREAM, timeout=120)
    elapsed = time.monotonic() - started
    assert orders(run) == orders_clean
    assert fake.faults.remaining() == 0, "the fault never fired"
    assert "no complete page within `request_timeout` (2 s)" in run.stderr
    assert elapsed < 60, f"the trickling page was waited for ({elapsed:.0f} s)"


@pytest.mark.parametrize("kind", ["html", "truncated"])
def test_a_200_that_is_not_json_is_retried_like_a_5xx(fake, orders_clean, tmp_path, kind):
    fake.faults.set([{"kind": kind, "count": 2, "path": "/orders/"}])
    run = run_tap(tmp_path, tap_config(fake), streams=STREAM)
    assert orders(run) == orders_clean
    assert fake.faults.remaining() == 0
    assert run.stderr.count("with a body that is not JSON") == 2


def test_a_gateway_page_that_never_clears_ends_in_one_clear_line(fake, tmp_path):
    fake.faults.set([{"kind": "html", "count": 100, "path": "/orders/"}])
    run = run_tap(tmp_path, tap_config(fake, max_tries=3), streams=STREAM, check=False)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "on each of 3 tries" in line]
    assert len(errors) == 1, run.stderr[-3000:]
    assert "200 OK from /orders/ with a body that is not JSON" in errors[0]
    assert "right back" in errors[0]  # the gateway page's words, tags taken out
    assert "Traceback" not in run.stderr
    assert API_KEY not in run.stderr


def test_https_against_a_plain_http_host_fails_at_once_saying_so(shared_fake, tmp_path):
    config = tap_config(shared_fake, base_url=shared_fake.url.replace("http://", "https://"))
    started = time.monotonic()
    run = run_tap(tmp_path, config, streams=STREAM, check=False)
    assert run.returncode == 1
    assert time.monotonic() - started < 30
    assert "Retrying" not in run.stderr, "a TLS failure does not clear by itself"
    line = next(line for line in run.stderr.splitlines() if "TLS handshake with" in line)
    assert "use an http:// `base_url`" in line
    assert "rate-limiting" not in run.stderr and "max_tries" not in line


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_host_says_at_the_first_failure_how_long_it_will_retry(tmp_path):
    config = {
        "api_key": API_KEY,
        "base_url": f"http://127.0.0.1:{_closed_port()}",
        "retry_backoff_seconds": 0.05,
        "max_tries": 3,
    }
    run = run_tap(tmp_path, config, streams=STREAM, check=False)
    assert run.returncode == 1
    first = next(line for line in run.stderr.splitlines() if "Retrying" in line)
    assert "try 1 of 3" in first
    assert "will give up after 3 tries, at most about 0.2 s from now" in first
    last = next(line for line in run.stderr.splitlines() if "Could not connect to" in line)
    assert "connection refused" in last
    assert "meltano.yml" not in last, "the hint must make sense after `pip install`"
