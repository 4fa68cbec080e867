"""Pure pieces of the receiver: header parsing, HMAC, settings resolution, the store API.

The store tests use real SQLite files and real threads; nothing is mocked.
"""

from __future__ import annotations

import argparse
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from fake_ordergroove.webhook_sender import sign
from tap_ordergroove.webhooks.settings import SettingsError, add_options, resolve, split_keys
from tap_ordergroove.webhooks.signature import (
    SignatureError,
    SignatureVerifier,
    compute_signature,
    parse_header,
)
from tap_ordergroove.webhooks.store import StoreError, mask_url, open_store

BODY = b'{"id":"evt_1","type":"order.delete"}'


# -- signature -----------------------------------------------------------------------------
def test_signature_matches_openssl_and_the_independent_sender():
    # printf '1700000000.<BODY>' | openssl dgst -sha256 -hmac secret
    expected = "d9ad2879473d57afcbace14491c3d2aa6b8d600b1239e4b371c5a613c7514cae"
    assert compute_signature("secret", "1700000000", BODY) == expected
    assert sign(BODY, ["secret"], 1700000000) == f"ts=1700000000,sig={expected}"


def test_parse_header_accepts_spaces_case_and_two_signatures():
    a, b = "a" * 64, "B" * 64
    parsed = parse_header(f" ts=123 , sig={a}, SIG={b} ,v9=future")
    assert parsed.ts == "123"
    assert parsed.signatures == (a, "b" * 64)
    # Two header lines joined by the receiver repeat the same ts: fine.
    assert parse_header(f"ts=5,sig={a},ts=5,sig={b}").signatures == (a, "b" * 64)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "ts=1",
        f"sig={'a' * 64}",
        "ts=x,sig=" + "a" * 64,
        "ts=1,sig=xyz",
        "ts=1;sig=a",
        "ts=-5,sig=" + "a" * 64,
        "ts=1,ts=2,sig=" + "a" * 64,
        "ts=1," + ",".join(["sig=" + "a" * 64] * 9),
    ],
)
def test_parse_header_rejects_malformed_values(header):
    with pytest.raises(SignatureError):
        parse_header(header)


def test_verifier_checks_age_then_any_key_against_any_signature():
    verifier = SignatureVerifier(["new", "old"], tolerance_seconds=300)
    ts = 1_700_000_000
    assert verifier.verify(sign(BODY, ["old"], ts), BODY, now=ts + 300) == ts
    assert verifier.verify(sign(BODY, ["zzz", "new"], ts), BODY, now=ts - 300) == ts
    with pytest.raises(SignatureError, match="tolerance"):
        verifier.verify(sign(BODY, ["new"], ts), BODY, now=ts + 301)
    with pytest.raises(SignatureError, match="does not match"):
        verifier.verify(sign(BODY, ["other"], ts), BODY, now=ts)
    with pytest.raises(SignatureError, match="does not match"):
        verifier.verify(sign(BODY, ["new"], ts), BODY + b" ", now=ts)
    with pytest.raises(ValueError, match="key"):
        SignatureVerifier(["", ""], tolerance_seconds=300)


# -- settings ------------------------------------------------------------------------------
def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_options(parser)
    return parser.parse_args(argv)


def test_options_win_over_environment_which_wins_over_defaults():
    env = {"OG_WEBHOOK_STORE": "sqlite:///env.db", "OG_WEBHOOK_PORT": "9000", "OG_WEBHOOK_KEY": "a"}
    settings = resolve(parse("--port", "9100"), env)
    assert settings.port == 9100
    assert settings.store_url == "sqlite:///env.db"
    assert settings.host == "127.0.0.1" and settings.tolerance_seconds == 4 * 24 * 3600
    assert settings.max_body_bytes == 1048576
    assert resolve(parse(), env).port == 9000


def test_keys_come_from_a_named_env_var_or_a_file_as_a_list(tmp_path):
    env = {"MY_KEYS": " new , old ,", "OG_WEBHOOK_STORE": "sqlite:///x.db"}
    settings = resolve(parse("--verification-key-env", "MY_KEYS"), env)
    assert settings.keys == ("new", "old")
    assert settings.key_source == "env MY_KEYS"
    key_file = tmp_path / "keys"
    key_file.write_text("filekey1\nfilekey2\n")
    from_file = resolve(parse("--verification-key-file", str(key_file)), env)
    assert from_file.keys == ("filekey1", "filekey2")
    assert split_keys("a,\n b\n\n,c") == ("a", "b", "c")


def test_settings_errors_name_the_setting_not_the_secret():
    with pytest.raises(SettingsError, match="OG_WEBHOOK_STORE"):
        resolve(parse(), {"OG_WEBHOOK_KEY": "k"})
    with pytest.raises(SettingsError, match="env OG_WEBHOOK_KEY"):
        resolve(parse("--store", "sqlite:///x.db"), {})
    with pytest.raises(SettingsError, match="OG_WEBHOOK_PORT must be an integer"):
        resolve(parse(), {"OG_WEBHOOK_PORT": "eighty", "OG_WEBHOOK_KEY": "k"})
    with pytest.raises(SettingsError, match="OG_WEBHOOK_READ_TIMEOUT_SECONDS must be a number"):
        resolve(parse(), {"OG_WEBHOOK_READ_TIMEOUT_SECONDS": "soon", "OG_WEBHOOK_KEY": "k"})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--port", "0"), r"--port \(env OG_WEBHOOK_PORT\) must be 1-65535, got 0\."),
        (("--tolerance-seconds", "0"), r"--tolerance-seconds .* must be at least 1, got 0"),
        (("--max-body-bytes", "10"), r"--max-body-bytes .* at least 1024, got 10"),
        (("--read-timeout-seconds", "0"), r"--read-timeout-seconds .* positive, got 0\.0"),
        (("--max-concurrency", "0"), r"--max-concurrency \(env OG_WEBHOOK_MAX_CONCURRENCY\)"),
        (("--write-timeout-seconds", "-1"), r"--write-timeout-seconds .* positive"),
        (("--log-level", "loud"), r"--log-level .* one of DEBUG, INFO.*got 'LOUD'"),
    ],
)
def test_invalid_values_name_the_option_and_its_variable(argv, message):
    with pytest.raises(SettingsError, match=message):
        resolve(parse("--store", "sqlite:///x.db", *argv), {"OG_WEBHOOK_KEY": "k"})


def test_keys_never_come_from_argv_and_a_missing_key_file_is_explained():
    with pytest.raises(SystemExit):  # no way to pass a key itself on the command line
        parse("--verification-key", "secret")
    with pytest.raises(SettingsError, match="Cannot read the verification key file") as info:
        resolve(parse("--store", "sqlite:///x.db", "--verification-key-file", "/nonexistent"), {})
    assert "No such file" in str(info.value)


# -- store ---------------------------------------------------------------------------------
def test_mask_url_hides_passwords_only():
    assert mask_url("postgresql://og:s3cret@db:5432/og") == "postgresql://og:***@db:5432/og"
    assert mask_url("postgresql://db/og?password=s3cret&sslmode=require") == (
        "postgresql://db/og?password=***&sslmode=require"
    )
    assert mask_url("sqlite:///var/lib/og/events.db") == "sqlite:///var/lib/og/events.db"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://og:S3cret%zzPw@127.0.0.1:5432/og",  # libpq quotes the bad token
        "postgresql://og:S3cretPw@127.0.0.1:abc/og",
        "postgresql://og@127.0.0.1:1/og?password=S3cretPw",  # nothing listens on port 1
    ],
)
def test_postgres_open_errors_never_carry_the_password(url):
    """The tap opens stores too and logs what they raise: the message, and the whole
    traceback, must be free of the password, and still say which store failed."""
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert str(info.value).startswith(f"cannot open the store {mask_url(url)}: ")
    rendered = "".join(traceback.format_exception(info.value))
    assert "S3cret" not in rendered
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_store_is_idempotent_under_concurrent_writers(tmp_path):
    url = f"sqlite:///{tmp_path}/sub/dir/events.db"  # parent folders are created
    with open_store(url) as store:
        ids = [f"evt-{i % 150}" for i in range(600)]  # every id four times

        def write(event_id: str) -> bool:
            return store.store_event(event_id, "order.delete", 1, f'{{"id": "{event_id}"}}')

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(write, ids))
        assert sum(results) == 150  # exactly one True per id
        events = store.read_since(0, limit=1000)
    assert sorted(e.event_id for e in events) == sorted({*ids})
    assert [e.seq for e in events] == sorted(e.seq for e in events)


def test_store_reopens_with_data_and_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path}/events.db"
    with open_store(url) as store:
        received = datetime(2024, 3, 10, 8, 0, 1, 123456, tzinfo=UTC)
        assert store.store_event("a", "item.remove", None, '{"id": "a", "n": 1}', received)
    with open_store(url) as store:
        [event] = store.read_since(0)
        assert event.received_at == received
        assert event.payload == {"id": "a", "n": 1}
        assert event.created_unix is None
        assert store.ping().result(timeout=5) == event.seq
    import sqlite3

    with sqlite3.connect(tmp_path / "events.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_store_reports_the_durability_it_read_back(tmp_path):
    """synchronous=FULL is per connection and never stored in the file: the store reads it
    back from its own connections, and says so (logged at startup, shown by /health)."""
    with open_store(f"sqlite:///{tmp_path}/events.db") as store:
        assert store.durability == "journal_mode=wal, synchronous=FULL"
        store.store_event("d1", "t", None, "{}")
        assert store.durability == "journal_mode=wal, synchronous=FULL"


def test_closed_store_refuses_work_and_bad_urls_are_explained(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/events.db")
    store.close()
    with pytest.raises(StoreError):
        store.store_event("a", "t", None, "{}")
    with pytest.raises(StoreError):
        store.read_since(0)
    with pytest.raises(ValueError, match=r"mysql://u:\*\*\*@h/db"):
        open_store("mysql://u:pw@h/db")
    with pytest.raises(ValueError, match="limit"):
        open_store(f"sqlite:///{tmp_path}/other.db").read_since(0, limit=0)


def test_read_while_writing_sees_only_committed_events_in_order(tmp_path):
    url = f"sqlite:///{tmp_path}/events.db"
    with open_store(url) as writer, open_store(url) as reader:
        done = threading.Event()

        def produce() -> None:
            for i in range(300):
                writer.store_event(f"e{i}", "t", i, f'{{"i": {i}}}')
            done.set()

        thread = threading.Thread(target=produce)
        thread.start()
        seen: list[int] = []
        after = 0
        while True:
            finished = done.is_set()  # read before the page: then an empty page is final
            page = reader.read_since(after)
            seen.extend(e.payload["i"] for e in page)
            after = page[-1].seq if page else after
            if finished and not page:
                break
        thread.join()
    assert seen == list(range(300))
