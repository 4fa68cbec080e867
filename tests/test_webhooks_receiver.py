"""The receiver over real HTTP: signatures, timestamps, body limits, idempotency, health, logs.

One receiver (SQLite, one key, configured through environment variables only) serves most
tests; a second one holds two keys (from a key file, logging at DEBUG) for key rotation. The
last test checks that nothing sent to the first one caused a server error.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from fake_ordergroove.webhook_sender import sign
from tap_ordergroove.webhooks.store import open_store
from tests.test_webhooks_support import COMMAND, Receiver, all_events, event_body, running

KEY = "whkey-Primary-7f3a9c21e5d84b06"
NEW_KEY = "whkey-Rotated-New-c0ffee"
OLD_KEY = "whkey-Rotated-Old-decade"
MAX_BODY = 64 * 1024
TOLERANCE = 300
READ_TIMEOUT = 1.0
BAD_SIGNATURE = b"ts=1,sig=" + b"0" * 64


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("receiver")
    store_url = f"sqlite:///{tmp}/events.db"
    env = {
        "OG_WEBHOOK_STORE": store_url,
        "OG_WEBHOOK_MAX_BODY_BYTES": str(MAX_BODY),
        "OG_WEBHOOK_TOLERANCE_SECONDS": str(TOLERANCE),
        "OG_WEBHOOK_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT),
    }
    # Only the port is on the command line: every other setting comes from the environment.
    server = Receiver(store_url, KEY, tmp / "receiver.log", env=env)
    server.args = ()
    with running(server):
        yield server


@pytest.fixture(scope="module")
def rotating_receiver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rotating")
    key_file = tmp / "keys"
    key_file.write_text(f"{NEW_KEY}\n{OLD_KEY}\n")
    server = Receiver(
        f"sqlite:///{tmp}/events.db",
        "",  # no key in the environment: the file is the only source
        tmp / "receiver.log",
        "--verification-key-file",
        str(key_file),
        "--tolerance-seconds",
        "300",
        "--log-level",
        "DEBUG",  # even uvicorn's debug output must not show a key
    )
    with running(server):
        yield server


def stored_ids(receiver: Receiver) -> set[str]:
    return {event.event_id for event in all_events(receiver.store_url)}


def test_valid_signature_is_stored_and_readable(receiver):
    created = int(time.time()) - 30
    body = event_body(event_type="item.remove", created=created, snapshot={"items": [{"x": 1}]})
    before = datetime.now(UTC)
    response = receiver.post_signed(body, KEY)
    assert response.status_code == 200, response.text
    sent = json.loads(body)
    assert response.json() == {"status": "stored", "id": sent["id"]}

    [event] = [e for e in all_events(receiver.store_url) if e.event_id == sent["id"]]
    assert event.event_type == "item.remove"
    assert event.created_unix == created
    assert event.payload == sent  # the whole body, snapshot included
    assert event.received_at.tzinfo is not None
    assert event.received_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= event.received_at <= datetime.now(UTC)


def test_events_of_any_type_are_stored_in_arrival_order(receiver):
    types = ["order.delete", "item.remove", "subscription.cancel", "subscriber.create", "new.kind"]
    ids = []
    for event_type in types:
        body = event_body(event_type=event_type)
        assert receiver.post_signed(body, KEY).status_code == 200
        ids.append(json.loads(body)["id"])
    events = all_events(receiver.store_url)
    ours = [e for e in events if e.event_id in ids]
    assert [e.event_id for e in ours] == ids
    assert [e.event_type for e in ours] == types
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_read_since_pages_by_seq(receiver):
    for _ in range(5):
        assert receiver.post_signed(event_body(), KEY).status_code == 200
    everything = all_events(receiver.store_url)
    with open_store(receiver.store_url) as store:
        first = store.read_since(0, limit=2)
        assert [e.seq for e in first] == [e.seq for e in everything[:2]]
        rest = store.read_since(first[-1].seq, limit=1000)
        assert [e.seq for e in rest] == [e.seq for e in everything[2:]]
        assert store.read_since(everything[-1].seq) == []


def test_duplicate_event_id_is_stored_once(receiver):
    body = event_body(event_id="dup-evt-1")
    now = int(time.time())
    first = receiver.post_signed(body, KEY, ts=now - 1)
    # Ordergroove retries with a fresh timestamp (so a fresh signature) and may even resend a
    # different rendering: the first stored copy wins.
    again = receiver.post_signed(body, KEY, ts=now)
    other = receiver.post_signed(event_body(event_id="dup-evt-1", event_type="x.y"), KEY)
    assert first.json()["status"] == "stored"
    assert again.status_code == other.status_code == 200
    assert again.json() == other.json() == {"status": "duplicate", "id": "dup-evt-1"}
    copies = [e for e in all_events(receiver.store_url) if e.event_id == "dup-evt-1"]
    assert len(copies) == 1
    assert copies[0].payload == json.loads(body)


def test_wrong_signatures_are_rejected_with_401(receiver):
    body = event_body()
    ts = int(time.time())
    good = sign(body, [KEY], ts)
    tampered = body.replace(b'"context"', b'"kontext"')
    cases = {
        "wrong key": sign(body, ["not-the-key"], ts),
        "other body": sign(tampered, [KEY], ts),
        "other ts": sign(body, [KEY], ts - 1).replace(f"ts={ts - 1}", f"ts={ts}"),
        "no sig": f"ts={ts}",
        "no ts": good.split(",", 1)[1],
        "not hex": f"ts={ts},sig={'z' * 64}",
        "short sig": f"ts={ts},sig=abc123",
        "garbage": "hello",
        "two ts": f"ts={ts + 1},{good}",
    }
    for name, header in cases.items():
        response = receiver.post(body, header)
        assert response.status_code == 401, name
        assert "detail" in response.json()
    assert receiver.post(tampered, good).status_code == 401
    assert json.loads(body)["id"] not in stored_ids(receiver)


def test_missing_signature_header_is_401(receiver):
    body = event_body()
    response = receiver.post(body, None)
    assert response.status_code == 401
    assert response.json() == {"detail": "missing Ordergroove-Signature header"}
    assert json.loads(body)["id"] not in stored_ids(receiver)


def test_header_with_two_signatures_accepts_either_position(receiver):
    ts = int(time.time())
    for keys in ([KEY, "retired-key"], ["retired-key", KEY]):
        body = event_body()
        response = receiver.post(body, sign(body, keys, ts))
        assert response.status_code == 200, keys
    body = event_body()
    assert receiver.post(body, sign(body, ["retired-key", "other-key"], ts)).status_code == 401


def test_signature_split_over_two_header_lines_is_read_as_one(receiver):
    body = event_body()
    ts = int(time.time())
    first, second = sign(body, ["retired-key"], ts), sign(body, [KEY], ts)
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    conn.putrequest("POST", "/webhooks/ordergroove")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.putheader("Ordergroove-Signature", first)
    conn.putheader("Ordergroove-Signature", second)
    conn.endheaders(body)
    response = conn.getresponse()
    assert response.status == 200, response.read()
    conn.close()


def test_stale_and_future_timestamps_are_rejected(receiver):
    now = int(time.time())
    for ts in (now - TOLERANCE - 60, now + TOLERANCE + 60, 0):
        body = event_body()
        response = receiver.post_signed(body, KEY, ts=ts)
        assert response.status_code == 401, ts
        assert "tolerance" in response.json()["detail"]
    for ts in (now - TOLERANCE + 60, now + TOLERANCE - 60):  # inside the window: accepted
        assert receiver.post_signed(event_body(), KEY, ts=ts).status_code == 200


def test_malformed_or_incomplete_json_is_400(receiver):
    bodies = {
        "not json": b"{not json",
        "array": b"[1, 2]",
        "no id": json.dumps({"type": "order.delete"}).encode(),
        "empty id": json.dumps({"id": "", "type": "order.delete"}).encode(),
        "no type": json.dumps({"id": "evt-no-type"}).encode(),
        "type not text": json.dumps({"id": "evt-bad-type", "type": 5}).encode(),
        "not utf-8": b'{"id": "evt-latin1", "type": "caf\xe9"}',
        # Python would parse these; JSONB, the tap's JSON output and its targets would not.
        "NaN": b'{"id": "evt-nan", "type": "order.delete", "created": NaN}',
        "Infinity": b'{"id": "evt-inf", "type": "t", "data": {"x": -Infinity}}',
        # Deeper than Python's recursion limit, well under the size cap.
        "deep": b'{"id": "evt-deep", "type": "t", "data": ' + b"[" * 20000 + b"]" * 20000 + b"}",
    }
    for name, body in bodies.items():
        response = receiver.post_signed(body, KEY)
        assert response.status_code == 400, name
        assert response.json()["detail"], name
    rejected = {"evt-no-type", "evt-bad-type", "evt-latin1", "evt-nan", "evt-inf", "evt-deep"}
    assert not rejected & stored_ids(receiver)


@pytest.mark.parametrize(
    ("created", "stored_as"),
    [
        ("1700000000", 1700000000),
        ("1700000000.9", 1700000000),
        ('"1700000000"', 1700000000),
        ("1e400", None),  # parses as a float infinity
        ("-5", None),
        ("1.5e12", None),  # milliseconds, not seconds
        ('"yesterday"', None),
        ("true", None),
        ("null", None),
    ],
)
def test_odd_created_values_are_kept_raw_not_refused(receiver, created, stored_as):
    """``created`` only feeds ``created_unix``; an odd value must never cost the event."""
    event_id = json.dumps(f"evt-created-{created}").encode()
    body = b'{"id": ' + event_id + b', "type": "t", "created": ' + created.encode() + b"}"
    response = receiver.post_signed(body, KEY)
    assert response.status_code == 200, response.text
    [event] = [e for e in all_events(receiver.store_url) if e.event_id == response.json()["id"]]
    assert event.created_unix == stored_as


def test_signature_is_checked_before_the_body_is_parsed(receiver):
    assert receiver.post(b"{not json", "ts=1,sig=" + "0" * 64).status_code == 401


def test_oversized_bodies_are_413_whether_declared_or_streamed(receiver):
    padding = "x" * MAX_BODY
    big = event_body(padding=padding)
    assert receiver.post_signed(big, KEY).status_code == 413

    def chunks():  # chunked transfer encoding: no Content-Length to trust
        for _ in range(64):
            yield b"y" * 4096

    response = requests.post(
        receiver.webhook_url,
        data=chunks(),
        headers={"Ordergroove-Signature": "ts=1,sig=" + "0" * 64},
        timeout=10,
    )
    assert response.status_code == 413

    # Exactly at the limit is fine.
    skeleton = event_body(event_id="evt-at-limit", padding="")
    exact = skeleton.replace(
        b'"padding": ""', b'"padding": "' + b"p" * (MAX_BODY - len(skeleton)) + b'"'
    )
    assert len(exact) == MAX_BODY
    assert receiver.post_signed(exact, KEY).status_code == 200
    assert "evt-at-limit" in stored_ids(receiver)


def raw_request(port: int, head: bytes) -> socket.socket:
    """A socket that has sent ``head`` (request line and headers) and nothing else."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(head)
    return sock


def chunked_head(signature: bytes = BAD_SIGNATURE) -> bytes:
    return (
        b"POST /webhooks/ordergroove HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Ordergroove-Signature: " + signature + b"\r\n\r\n"
    )


def status_of(sock: socket.socket) -> int:
    return int(sock.recv(4096).split(b" ", 2)[1])


def test_chunked_body_is_refused_413_before_it_ends(receiver):
    """No Content-Length to check: the 413 must come while the body is still arriving,
    i.e. the receiver counts as it reads instead of waiting for (and buffering) it all."""
    chunk = b"y" * 4096
    with raw_request(receiver.port, chunked_head()) as sock:
        for _ in range(MAX_BODY // len(chunk) + 1):  # just past the cap, so no send can
            sock.sendall(b"1000\r\n" + chunk + b"\r\n")  # race the receiver hanging up
        # The terminating zero-length chunk is never sent.
        assert status_of(sock) == 413


def test_endless_body_is_cut_off_not_buffered(receiver):
    """A client that never stops sending is disconnected after the cap, not read to the end."""
    chunk = b"z" * 65536
    sent = 0
    with raw_request(receiver.port, chunked_head()) as sock:
        try:
            while sent < 256 * 1024 * 1024:
                sock.sendall(b"10000\r\n" + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:  # reset or broken pipe: the receiver hung up
            pass
    # What got through fits in the kernel's socket buffers, far below what we tried to send.
    assert sent < 32 * 1024 * 1024, f"the receiver read {sent} bytes of an endless body"
    assert receiver.post_signed(event_body(), KEY).status_code == 200


def test_body_that_never_arrives_is_408_after_the_read_timeout(receiver):
    """A Content-Length larger than what is sent (or a trickling chunked body) would otherwise
    hold a connection, a task and a buffer forever."""
    lying = (
        b"POST /webhooks/ordergroove HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
        b"Ordergroove-Signature: " + BAD_SIGNATURE + b"\r\n\r\n{"
    )
    started = time.monotonic()
    with raw_request(receiver.port, lying) as sock:
        assert status_of(sock) == 408
    assert READ_TIMEOUT <= time.monotonic() - started < READ_TIMEOUT + 3
    with raw_request(receiver.port, chunked_head()) as sock:  # one byte every 0.1 s
        sock.settimeout(0.1)
        deadline = time.monotonic() + READ_TIMEOUT + 3
        answer = b""
        while not answer:
            assert time.monotonic() < deadline, "a trickling body was never cut off"
            sock.sendall(b"1\r\n{\r\n")
            try:
                answer = sock.recv(4096)
            except TimeoutError:
                continue
        assert answer.startswith(b"HTTP/1.1 408 ")
    line = '408 type=- id=- outcome="body not received within 1 s"'
    assert line in logs_when(receiver, lambda log: line in log)


def test_client_dropping_mid_body_is_logged_and_harmless(receiver):
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=5) as sock:
        sock.sendall(
            b"POST /webhooks/ordergroove HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            b"Ordergroove-Signature: ts=1,sig=" + b"0" * 64 + b"\r\n\r\n" + b"{" * 100
        )
    deadline = time.monotonic() + 5
    while "client disconnected" not in receiver.logs():
        assert time.monotonic() < deadline, "the dropped request was not logged"
        time.sleep(0.05)
    assert receiver.post_signed(event_body(), KEY).status_code == 200


def test_health_reports_the_store(receiver):
    response = requests.get(receiver.url + "/health", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store"]["backend"] == "sqlite"
    assert body["store"]["reachable"] is True
    assert body["store"]["last_seq"] == max(e.seq for e in all_events(receiver.store_url))
    # Read back from the write connection, and logged at startup for the operator.
    assert body["store"]["durability"] == "journal_mode=wal, synchronous=FULL"
    assert "(sqlite; journal_mode=wal, synchronous=FULL)" in receiver.logs()


def test_only_the_webhook_route_and_health_exist(receiver):
    assert requests.get(receiver.webhook_url, timeout=5).status_code == 405
    assert receiver.post_signed(event_body(), KEY).status_code == 200
    root = requests.post(receiver.url + "/", data=event_body(), timeout=5)
    assert root.status_code == 404


def test_server_holding_two_keys_accepts_either_during_rotation(rotating_receiver):
    for keys in ([NEW_KEY], [OLD_KEY], [NEW_KEY, OLD_KEY], [OLD_KEY, "unrelated"]):
        assert rotating_receiver.post_signed(event_body(), *keys).status_code == 200, keys
    assert rotating_receiver.post_signed(event_body(), "retired").status_code == 401
    assert rotating_receiver.post_signed(event_body(), KEY).status_code == 401
    assert "2 verification key(s) from file " in rotating_receiver.logs()


def logs_when(receiver, ready) -> str:
    """The receiver's log once ``ready(log)`` holds, or after 10 s (the caller's asserts say
    why): the access line is written after the response is sent, so a test reading the log
    right after its request can run ahead of it."""
    deadline = time.monotonic() + 10
    logs = receiver.logs()
    while not ready(logs) and time.monotonic() < deadline:
        time.sleep(0.05)
        logs = receiver.logs()
    return logs


def test_logs_have_one_access_line_per_request_and_no_secrets(receiver, rotating_receiver):
    body = event_body(event_id="evt-logged", event_type="order.cancel")
    assert receiver.post_signed(body, KEY).status_code == 200
    assert receiver.post_signed(event_body(), "attacker-guess").status_code == 401
    own = logs_when(receiver, lambda log: "id=evt-logged" in log and '" 401 ' in log)
    logs = own + rotating_receiver.logs()
    for secret in (KEY, NEW_KEY, OLD_KEY):
        assert secret not in logs
    assert "sig=" not in logs
    access = [line for line in own.splitlines() if "webhooks.access" in line]
    line = next(line for line in access if "id=evt-logged" in line)
    assert '"POST /webhooks/ordergroove" 200 type=order.cancel' in line
    assert 'outcome="stored"' in line
    assert any(" 401 " in line and "signature does not match" in line for line in access)
    assert any('"GET /health" 200' in line for line in access)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )


def test_serve_refuses_to_start_without_a_key_or_store(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OG_WEBHOOK")}
    no_key = run_cli("serve", "--store", f"sqlite:///{tmp_path}/e.db", env=env)
    assert no_key.returncode == 2
    assert "No verification key found in env OG_WEBHOOK_KEY" in no_key.stderr
    no_store = run_cli("serve", env={**env, "OG_WEBHOOK_KEY": "k"})
    assert no_store.returncode == 2
    assert "--store or OG_WEBHOOK_STORE" in no_store.stderr
    bad_store = run_cli("serve", "--store", "mysql://u:pw@h/db", env={**env, "OG_WEBHOOK_KEY": "k"})
    assert bad_store.returncode == 1
    assert "mysql://u:***@h/db" in bad_store.stderr and ":pw@" not in bad_store.stderr


def test_store_errors_are_one_clean_line_without_the_password(tmp_path):
    """Nothing listens on port 1: both commands fail at once, with no traceback."""
    env = {**os.environ, "OG_WEBHOOK_KEY": "k"}
    url = "postgresql://og:Hunter2-Secret@127.0.0.1:1/og?sslpassword=Other-Secret"
    for args in (("serve", "--store", url, "--port", "1"), ("events", "--store", url)):
        result = run_cli(*args, env=env)
        assert result.returncode == 1, args
        assert "cannot open the store postgresql://og:***@127.0.0.1:1/og" in result.stderr
        assert "Secret" not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr
    unreadable = tmp_path / "not-a-dir"
    unreadable.write_text("")
    result = run_cli("events", "--store", f"sqlite:///{unreadable}/events.db", env=env)
    assert result.returncode == 1
    assert "cannot open the store" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "tap_ordergroove.webhooks", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--store", "--verification-key-file", "--read-timeout-seconds"):
        assert option in result.stdout


def test_events_command_prints_stored_events(receiver):
    result = run_cli("events", "--store", receiver.store_url, "--limit", "2", env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert lines[0]["seq"] < lines[1]["seq"]
    assert {"event_id", "event_type", "received_at", "payload"} <= set(lines[0])


def test_events_command_refuses_nonsense_paging(receiver):
    result = run_cli("events", "--store", receiver.store_url, "--limit", "0", env=dict(os.environ))
    assert result.returncode == 2
    assert "--limit at least 1" in result.stderr


def test_nothing_sent_above_caused_a_server_error(receiver):
    """Runs last on this receiver: every odd input above got a 4xx, never a 500 + traceback."""
    logs = receiver.logs()
    assert "Traceback" not in logs
    assert "Exception in ASGI application" not in logs
    assert not [line for line in logs.splitlines() if '" 500 ' in line]


def test_connections_beyond_max_concurrency_get_503(tmp_path):
    """With a body cap of 1 MB, a connection cap is what bounds the memory a flood can take.
    Ordergroove retries a 503, so a delivery turned away here is delayed, not lost."""
    server = Receiver(
        f"sqlite:///{tmp_path}/events.db",
        KEY,
        tmp_path / "receiver.log",
        "--max-concurrency",
        "3",
    )
    with running(server):
        stalled = b"POST /webhooks/ordergroove HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        held = [raw_request(server.port, stalled) for _ in range(2)]  # waiting for their bodies
        try:
            time.sleep(0.3)  # let the receiver accept them
            refused = server.post_signed(event_body(), KEY)  # the third open connection
            assert refused.status_code == 503
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + 5
        while (response := server.post_signed(event_body(), KEY)).status_code == 503:
            assert time.monotonic() < deadline, "connections were not released"
            time.sleep(0.1)
        assert response.status_code == 200
