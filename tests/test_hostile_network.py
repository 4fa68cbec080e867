"""A hostile network, against a real tap process and the fake API over loopback.

Trickling pages, 200s that are not JSON, TLS spoken to a plain-HTTP host, a host that
refuses connections: each either clears with identical output or ends with one line
that says what it is.
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import API_KEY, start_fake, tap_config
from tests.live_tap import start_tap
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


def test_a_body_cut_off_mid_page_is_retried_with_one_short_warning(fake, orders_clean, tmp_path):
    """The server closes the connection before the body its Content-Length promised: a
    restart mid-answer. Retried like a dropped connection, one short line each."""
    fake.faults.set([{"kind": "cut", "count": 2, "path": "/orders/"}])
    run = run_tap(tmp_path, tap_config(fake), streams=STREAM)
    assert orders(run) == orders_clean
    assert fake.faults.remaining() == 0
    retries = [line for line in run.stderr.splitlines() if "Retrying" in line]
    assert len(retries) == 2, run.stderr[-3000:]
    assert all("response cut short" in line for line in retries), retries
    # the message after the SDK's log prefix (time, level, logger name: about 70 chars)
    assert all(len(line.rsplit(" | ", 1)[-1]) < 220 for line in retries), max(retries, key=len)


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
    assert "the API has not answered yet, giving up after 3 tries or 10 s" in first
    last = next(line for line in run.stderr.splitlines() if "Could not connect to" in line)
    assert "connection refused" in last
    assert "meltano.yml" not in last, "the hint must make sense after `pip install`"


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        (f"http://127.0.0.1:{_closed_port()}", "connection refused"),
        ("http://nonexistent.invalid", "the host name does not resolve"),
    ],
    ids=["closed-port", "unresolvable-host"],
)
def test_a_first_request_that_cannot_connect_fails_within_seconds(tmp_path, base_url, reason):
    """Default retry settings (8 tries, 1 s base): this took 86-96 s and seven warnings of
    up to 534 characters. Until the API has answered once, a wrong host is a setting to
    fix, not a blip to wait out: 3 quick tries, short warnings, the one-line error."""
    started = time.monotonic()
    run = run_tap(tmp_path, {"api_key": API_KEY, "base_url": base_url}, check=False)
    elapsed = time.monotonic() - started
    assert run.returncode == 1
    assert not run.messages
    retries = [line for line in run.stderr.splitlines() if "Retrying" in line]
    assert len(retries) == 2, retries  # tries 1 and 2 of 3; the 3rd ends in the error
    # the message after the SDK's log prefix (time, level, logger name: about 70 chars)
    assert all(len(line.rsplit(" | ", 1)[-1]) < 220 for line in retries), max(retries, key=len)
    assert all(reason in line for line in retries)
    last = run.stderr.strip().splitlines()[-1]
    assert f"Could not connect to {base_url} after 3 tries: {reason}." in last
    assert "Traceback" not in run.stderr
    assert elapsed < 30, f"took {elapsed:.1f} s"  # functional bound; ~2 s of retries measured


def test_refusals_after_the_api_answered_keep_the_full_retry_budget(tmp_path):
    """A restart at Ordergroove mid-run is waited out for `max_tries`, not 3 quick tries."""
    fake = start_fake(customers=150)
    url = fake.url
    try:
        config = tap_config(fake, max_tries=5, retry_backoff_seconds=0.2, page_size=1)
        tap = start_tap(tmp_path, config, streams=STREAM)
        deadline = time.monotonic() + 60
        while len(fake.request_log.snapshot()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(fake.request_log.snapshot()) >= 3, "the tap never reached the API"
    finally:
        fake.stop()  # the port now refuses connections
    assert tap.proc.wait(timeout=120) == 1
    stderr = tap.stderr_path.read_text()
    retries = [line for line in stderr.splitlines() if "Retrying" in line]
    assert len(retries) == 4, retries
    assert "will give up after 5 tries" in retries[0]
    # the message after the SDK's log prefix (time, level, logger name: about 70 chars)
    assert all(len(line.rsplit(" | ", 1)[-1]) < 220 for line in retries), max(retries, key=len)
    last = stderr.strip().splitlines()[-1]
    assert f"Could not connect to {url} after 5 tries: connection refused." in last
