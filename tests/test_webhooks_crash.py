"""kill -9 in the middle of a burst loses no acknowledged event.

Several client threads fire signed events as fast as they can; once a good share has been
acknowledged the receiver gets SIGKILL (no shutdown code runs). Every event that got a 2xx
must be in the store afterwards, intact, on SQLite and on PostgreSQL, and a restarted receiver
goes on appending after the last stored ``seq``.

The burst catches an answer sent before the commit only when the kill lands in between, so a
second test makes that window as wide as it likes: it holds SQLite's write lock from outside,
so no commit can happen, and checks that no answer comes until the lock is released.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from fake_ordergroove.webhook_sender import sign
from tests.test_webhooks_support import (
    Receiver,
    all_events,
    event_body,
    pg_schema,
    pg_url,
    running,
)

KEY = "whkey-Crash-0badc0de"
EVENTS = 2000
THREADS = 8
KILL_AFTER_ACKS = 700


def burst_and_kill(receiver: Receiver) -> tuple[set[str], int]:
    """Fire EVENTS signed events, SIGKILL the receiver mid-burst; returns (acked ids, errors)."""
    bodies = [(f"burst-{i:05d}", event_body(f"burst-{i:05d}")) for i in range(EVENTS)]
    next_index = itertools.count()
    acked: list[str] = []
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        while (i := next(next_index)) < EVENTS:
            event_id, body = bodies[i]
            headers = {"Ordergroove-Signature": sign(body, [KEY], int(time.time()))}
            try:
                response = session.post(
                    receiver.webhook_url, data=body, headers=headers, timeout=10
                )
            except requests.RequestException:
                with lock:
                    errors[0] += 1
                continue
            if 200 <= response.status_code < 300:
                with lock:
                    acked.append(event_id)

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < KILL_AFTER_ACKS:
        assert time.monotonic() < deadline, f"only {len(acked)} acks in 60 s"
        assert any(t.is_alive() for t in threads), "burst ended before the kill"
        time.sleep(0.005)
    receiver.kill()
    for thread in threads:
        thread.join(30)
    return set(acked), errors[0]


def check_no_acknowledged_event_lost(receiver: Receiver) -> None:
    receiver.start()
    acked, errors = burst_and_kill(receiver)
    assert receiver.proc.returncode == -9
    assert len(acked) >= KILL_AFTER_ACKS
    assert len(acked) < EVENTS and errors > 0, "the kill did not land mid-burst"

    with running(receiver):  # restart on the same store; the burst's tail is retried
        events = all_events(receiver.store_url)
        stored = {e.event_id for e in events}
        lost = acked - stored
        assert not lost, f"{len(lost)} acknowledged events lost, e.g. {sorted(lost)[:5]}"
        assert stored <= {f"burst-{i:05d}" for i in range(EVENTS)}
        assert len(events) == len(stored)  # once each
        for event in events:  # whole, not torn by the kill
            assert event.payload["id"] == event.event_id
            assert event.payload["data"]["object"]["public_id"]
        last_seq = max(e.seq for e in all_events(receiver.store_url))
        resend = sorted({f"burst-{i:05d}" for i in range(EVENTS)} - stored)[:20]
        for event_id in resend:
            assert receiver.post_signed(event_body(event_id), KEY).json()["status"] == "stored"
        assert receiver.post_signed(event_body(sorted(acked)[0]), KEY).json() == {
            "status": "duplicate",
            "id": sorted(acked)[0],
        }
        after = [e for e in all_events(receiver.store_url) if e.event_id in resend]
        assert len(after) == len(resend) and min(e.seq for e in after) > last_seq
    print(f"acked {len(acked)} of {EVENTS} before SIGKILL, {len(stored)} stored, 0 lost")


def test_sigkill_mid_burst_loses_no_acknowledged_event_sqlite(tmp_path):
    store = f"sqlite:///{tmp_path}/events.db"
    check_no_acknowledged_event_lost(Receiver(store, KEY, tmp_path / "receiver.log"))


def test_sigkill_mid_burst_loses_no_acknowledged_event_postgres(tmp_path):
    with pg_schema() as schema:
        store = pg_url(schema)
        check_no_acknowledged_event_lost(Receiver(store, KEY, tmp_path / "receiver.log"))


def test_graceful_stop_mid_burst_also_loses_nothing(tmp_path):
    """SIGTERM (a deploy): in-flight requests finish and queued writes commit before exit.

    uvicorn re-raises the SIGTERM it caught once shutdown is complete, so the exit status is
    "killed by SIGTERM" (-15) after a clean shutdown, which the log confirms.
    """
    receiver = Receiver(f"sqlite:///{tmp_path}/events.db", KEY, tmp_path / "receiver.log")
    receiver.start()
    receiver.kill = receiver.stop  # burst_and_kill's kill becomes a graceful stop
    acked, _ = burst_and_kill(receiver)
    assert receiver.proc.returncode in (0, -15)
    stored = {e.event_id for e in all_events(receiver.store_url)}
    assert acked <= stored
    assert "Application shutdown complete" in receiver.logs()
    assert "Finished server process" in receiver.logs()


def test_no_answer_until_the_commit_and_none_if_killed_before_it(tmp_path):
    """Hold the SQLite write lock from another connection: nothing can commit, so nothing may
    be acknowledged. Release it and the waiting request gets its 200; kill the receiver while
    a request waits and the client gets no 2xx, and the event is not there."""
    path = tmp_path / "events.db"
    receiver = Receiver(f"sqlite:///{path}", KEY, tmp_path / "receiver.log")
    receiver.start()
    try:
        assert receiver.post_signed(event_body("warm-up"), KEY).status_code == 200
        with ThreadPoolExecutor(1) as pool, hold_write_lock(path):
            waiting = pool.submit(receiver.post_signed, event_body("held-1"), KEY)
            time.sleep(1.5)
            assert not waiting.done(), f"answered while nothing could commit: {waiting.result()}"
        assert waiting.result(timeout=10).json() == {"status": "stored", "id": "held-1"}

        with ThreadPoolExecutor(1) as pool, hold_write_lock(path):
            doomed = pool.submit(receiver.post_signed, event_body("held-2"), KEY)
            time.sleep(1.0)
            receiver.kill()
            try:
                status = doomed.result(timeout=10).status_code
            except requests.ConnectionError:
                status = None
            assert status is None, f"a request killed before its commit was answered {status}"
    finally:
        receiver.kill()
    ids = [e.event_id for e in all_events(receiver.store_url)]
    assert ids == ["warm-up", "held-1"]


@contextmanager
def hold_write_lock(path: Path) -> Iterator[None]:
    """SQLite's write lock, taken by another connection until the block ends."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()
