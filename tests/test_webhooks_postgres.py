"""The receiver on a real PostgreSQL store: storage, read API, masking, outage and recovery.

Each test works in its own schema (dropped afterwards) through libpq's ``search_path`` option.
PostgreSQL missing is a failure, not a skip.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import requests

from tap_ordergroove.webhooks.store import open_store
from tests.test_webhooks_support import (
    PG,
    Receiver,
    all_events,
    event_body,
    pg_connect,
    pg_schema,
    pg_url,
    running,
)

KEY = "whkey-Postgres-5b1e0d9a77"
PASSWORD = "Pg-Secret-Passw0rd-91x"  # trust auth ignores it; it must still never be logged


@contextmanager
def login_role(prefix: str) -> Iterator[str]:
    """A temporary LOGIN role; what it owns and the role itself are dropped afterwards."""
    role = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with pg_connect() as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield role
    finally:
        with pg_connect() as admin:
            admin.execute(f'DROP OWNED BY "{role}" CASCADE')
            admin.execute(f'DROP ROLE "{role}"')


def test_postgres_store_end_to_end(tmp_path):
    with pg_schema() as schema:
        url = pg_url(schema, password=PASSWORD)
        with running(Receiver(url, KEY, tmp_path / "receiver.log")) as receiver:
            bodies = [event_body(event_type=t) for t in ("order.delete", "item.remove", "a.b")]
            for body in bodies:
                assert receiver.post_signed(body, KEY).json()["status"] == "stored"
            again = receiver.post_signed(bodies[0], KEY)
            assert again.status_code == 200 and again.json()["status"] == "duplicate"
            assert receiver.post_signed(event_body(), "wrong").status_code == 401
            health = requests.get(receiver.url + "/health", timeout=5)
            assert health.status_code == 200
            assert health.json()["store"]["backend"] == "postgresql"
            assert health.json()["store"]["durability"] == "synchronous_commit=on, fsync=on"

            events = all_events(url)
            assert [e.payload for e in events] == [json.loads(b) for b in bodies]
            assert [e.event_type for e in events] == ["order.delete", "item.remove", "a.b"]
            assert health.json()["store"]["last_seq"] == events[-1].seq
            for event in events:
                assert event.received_at.utcoffset() == timedelta(0)
                assert abs(event.received_at - datetime.now(UTC)) < timedelta(minutes=1)
                assert isinstance(event.created_unix, int)
        logs = receiver.logs()
        assert PASSWORD not in logs and KEY not in logs
        assert f"postgresql://{PG['user']}:***@" in logs

        with pg_connect() as conn:  # the documented schema, in the schema we chose
            columns = conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'ordergroove_webhook_events' "
                "ORDER BY ordinal_position",
                (schema,),
            ).fetchall()
        assert columns == [
            ("seq", "bigint"),
            ("event_id", "text"),
            ("event_type", "text"),
            ("created_unix", "bigint"),
            ("received_at", "timestamp with time zone"),
            ("payload", "jsonb"),
        ]


def test_postgres_outage_gives_503_then_recovers(tmp_path):
    with pg_schema() as schema, login_role("og_wh") as role:
        with pg_connect() as admin:
            admin.execute(f'GRANT ALL ON SCHEMA "{schema}" TO "{role}"')
        url = pg_url(schema, user=role)
        with running(Receiver(url, KEY, tmp_path / "receiver.log")) as receiver:
            assert receiver.post_signed(event_body("before-outage"), KEY).status_code == 200
            with pg_connect() as admin:  # the database goes away for this receiver
                admin.execute(f'ALTER ROLE "{role}" NOLOGIN')
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (role,),
                )
            health = requests.get(receiver.url + "/health", timeout=10)
            assert health.status_code == 503
            assert health.json()["store"]["reachable"] is False
            during = receiver.post_signed(event_body("during-outage"), KEY)
            assert during.status_code == 503  # not acknowledged: Ordergroove retries
            assert during.headers["Retry-After"] == "5"

            with pg_connect() as admin:
                admin.execute(f'ALTER ROLE "{role}" LOGIN')
            deadline = time.monotonic() + 10
            while requests.get(receiver.url + "/health", timeout=10).status_code != 200:
                assert time.monotonic() < deadline, "store did not come back"
                time.sleep(0.2)
            retried = receiver.post_signed(event_body("during-outage"), KEY)
            assert retried.status_code == 200
            assert retried.json()["status"] == "stored"
        ids = [e.event_id for e in all_events(url)]
        assert ids == ["before-outage", "during-outage"]
        assert "store unreachable" in receiver.logs()


def test_postgres_refused_payload_fails_alone(tmp_path):
    """JSONB cannot hold \\u0000: that event gets 503 (never a false 200), the others go on."""
    with pg_schema() as schema:
        url = pg_url(schema)
        with running(Receiver(url, KEY, tmp_path / "receiver.log")) as receiver:
            poisoned = event_body("evt-nul", note="a\u0000b")
            assert b"\\u0000" in poisoned
            assert receiver.post_signed(poisoned, KEY).status_code == 503
            assert receiver.post_signed(event_body("evt-fine"), KEY).status_code == 200
        assert [e.event_id for e in all_events(url)] == ["evt-fine"]


def test_two_stores_on_one_table_share_ids_and_keep_seq_order():
    """Two receivers (replicas) on one table: a duplicate across them is still stored once."""
    with pg_schema() as schema:
        url = pg_url(schema)
        with open_store(url) as first, open_store(url) as second:
            assert first.store_event("shared-1", "order.delete", 1, '{"id": "shared-1"}')
            assert not second.store_event("shared-1", "order.delete", 1, '{"id": "shared-1"}')
            assert second.store_event("shared-2", "item.remove", None, '{"id": "shared-2"}')
            events = first.read_since(0)
        assert [e.event_id for e in events] == ["shared-1", "shared-2"]
        assert events[0].seq < events[1].seq
        assert events[1].created_unix is None


def test_a_select_only_role_can_read_what_the_receiver_stored():
    """The tap may run with a read-only database role: opening the store must not need DDL."""
    with pg_schema() as schema, login_role("og_wh_ro") as role:
        with open_store(pg_url(schema)) as writer:
            assert writer.store_event("ro-1", "order.delete", 5, '{"id": "ro-1"}')
        with pg_connect() as admin:
            admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
            admin.execute(f'GRANT SELECT ON "{schema}".ordergroove_webhook_events TO "{role}"')
        with open_store(pg_url(schema, user=role)) as reader:
            [event] = reader.read_since(0)
        assert (event.event_id, event.created_unix, event.payload) == (
            "ro-1",
            5,
            {"id": "ro-1"},
        )


def test_synchronous_commit_off_for_the_role_is_overridden(tmp_path):
    """A role or database with synchronous_commit=off would let PostgreSQL confirm a commit
    before its WAL is flushed; the receiver must not inherit that for its writes."""
    with pg_schema() as schema, login_role("og_wh_async") as role:
        with pg_connect() as admin:
            admin.execute(f'ALTER ROLE "{role}" SET synchronous_commit = off')
            admin.execute(f'GRANT ALL ON SCHEMA "{schema}" TO "{role}"')
        url = pg_url(schema, user=role)
        with running(Receiver(url, KEY, tmp_path / "receiver.log")) as receiver:
            assert receiver.post_signed(event_body("async-role"), KEY).status_code == 200
            store = requests.get(receiver.url + "/health", timeout=5).json()["store"]
        assert store["durability"] == (
            "synchronous_commit=on (forced; the session default is off), fsync=on"
        )
        assert "synchronous_commit is off for this role" in receiver.logs()
        assert [e.event_id for e in all_events(url)] == ["async-role"]
