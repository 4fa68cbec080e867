"""The tap as a real process against a real SFTP server on 127.0.0.1.

Nothing is mocked: paramiko in the tap talks SSH to OpenSSH's sshd (tests/openssh_server.py;
the asyncssh server in tests/sftp_server.py where sshd cannot run, never in CI). The two
tests that need a fault on cue (a connection dropped at a byte, a file growing while it is
looked at) use the asyncssh server, which injects them (``fault_server``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

import asyncssh
import pytest

from tap_ordergroove.sftp import connection
from tap_ordergroove.sftp.errors import SftpFileError
from tap_ordergroove.sftp.settings import SftpSettings
from tests.sftp_server import PASSWORD, SftpTestServer, start_server
from tests.singer_run import ROOT, run_tap

ORDER_HEADER = (
    "Order Item ID,Order ID,Order Status,Place Date,Merchant Product ID,Quantity,Price,"
    "Customer ID,Subscription ID,Created,Updated\n"
)
SUB_HEADER = (
    "Subscription ID,Customer ID,Merchant Product ID,Subscription Status,Quantity,Price,"
    "Frequency,Start Date,Cancel Date,Cancel Reason,Created,Updated\n"
)


def order_rows(prefix: str, count: int, price: str = "12.50", start: int = 0) -> str:
    return "".join(
        f"{prefix}{i},O{i // 2},SUCCESS,03/05/2024,SKU-{i % 7},{1 + i % 3},{price},C{i % 11},"
        f"S{i % 5},03/01/2024 08:00:00,03/05/2024 10:00:00\n"
        for i in range(start, start + count)
    )


def sub_rows(ids: list[str], status: str = "active", cancel: str = "") -> str:
    return "".join(
        f"{sid},C1,SKU-1,{status},1,9.99,every 1 month,01/15/2024,{cancel},"
        f"{'moved' if cancel else ''},01/15/2024 09:00:00,03/05/2024 10:00:00\n"
        for sid in ids
    )


@pytest.fixture
def server(tmp_path):
    srv = start_server(tmp_path / "sftp")
    yield srv
    srv.stop()


@pytest.fixture
def fault_server(tmp_path):
    """The asyncssh server, for faults OpenSSH cannot be made to produce on cue."""
    srv = SftpTestServer(tmp_path / "sftp").start()
    yield srv
    srv.stop()


def identity(server: SftpTestServer, name: str) -> dict[str, int]:
    """A file's ``read_files`` entry: its size and mtime as the server lists them."""
    info = (server.folder / name).stat()
    return {"size": info.st_size, "mtime": int(info.st_mtime)}


def streams_of(run) -> dict[str, int]:
    return {name: len(records) for name, records in run.records.items()}


def test_both_name_forms_load_in_completion_order_and_reruns_resume_after_the_bookmark(
    server, tmp_path
):
    # Out of name order on purpose: help form (MMDD) and guide form (DDMM) interleave.
    server.put("acme_orders_03062024090000.csv", ORDER_HEADER + order_rows("B", 3))  # 6 Mar
    server.put("acmeorders__full04032024120000.csv", ORDER_HEADER + order_rows("A", 4))  # 4 Mar
    server.put("acmeorders__delta07032024090000.csv", ORDER_HEADER + order_rows("A", 1, "1.00"))
    server.put(
        "acme_subscriptions_03052024100000.csv",
        SUB_HEADER + sub_rows(["S1", "S2"]) + sub_rows(["S3"], "cancelled", "03/04/2024"),
    )
    server.put("notes.txt", "not an export\n")

    first = run_tap(tmp_path / "1", server.config())
    orders = first.records["order_report"]
    assert [r["_sdc_source_file"] for r in orders] == (
        ["acmeorders__full04032024120000.csv"] * 4
        + ["acme_orders_03062024090000.csv"] * 3
        + ["acmeorders__delta07032024090000.csv"]
    )
    assert orders[0]["_sdc_source_file_completed_at"] == "2024-03-04T18:00:00+00:00"
    assert orders[-1] == {
        "order_item_id": "A0",
        "order_id": "O0",
        "order_status": "SUCCESS",
        "place_date": "2024-03-05",
        "merchant_product_id": "SKU-0",
        "quantity": 1,
        "price": Decimal("1.00"),
        "customer_id": "C0",
        "subscription_id": "S0",
        "created": "2024-03-01T14:00:00+00:00",
        "updated": "2024-03-05T16:00:00+00:00",
        "extra_columns": None,
        "_sdc_source_file": "acmeorders__delta07032024090000.csv",
        "_sdc_source_line": 2,
        "_sdc_source_file_completed_at": "2024-03-07T15:00:00+00:00",
    }
    subs = first.records["subscription_report"]
    assert [(s["subscription_id"], s["cancel_date"]) for s in subs] == [
        ("S1", None),
        ("S2", None),
        ("S3", "2024-03-04"),
    ]
    schema = first.schemas["order_report"]
    assert schema["properties"]["price"]["type"] == ["number", "null"]
    assert schema["properties"]["place_date"]["format"] == "date"
    order_files = sorted(p.name for p in server.folder.glob("acme*orders*.csv"))
    assert first.state["bookmarks"]["order_report"] == {
        "replication_key": "_sdc_source_file_completed_at",
        "replication_key_value": "2024-03-07T15:00:00+00:00",
        "last_file": "acmeorders__delta07032024090000.csv",
        "read_files": {name: identity(server, name) for name in order_files},
    }
    assert "notes.txt" in first.stderr  # unrecognised names are reported, not read

    # A state is written after every file, and only once the file's last row is out.
    positions = [(i, m) for i, m in enumerate(first.messages) if m.get("stream") == "order_report"]
    last_row_of_full = max(
        i
        for i, m in positions
        if m["type"] == "RECORD"
        and m["record"]["_sdc_source_file"] == "acmeorders__full04032024120000.csv"
    )
    states_with_full = [
        i
        for i, m in enumerate(first.messages)
        if m["type"] == "STATE"
        and m["value"]["bookmarks"].get("order_report", {}).get("last_file")
        == "acmeorders__full04032024120000.csv"
    ]
    assert states_with_full and min(states_with_full) > last_row_of_full

    second = run_tap(tmp_path / "2", server.config(), state=first.state)
    assert streams_of(second).get("order_report", 0) == 0
    assert streams_of(second).get("subscription_report", 0) == 0
    assert second.state["bookmarks"]["order_report"]["last_file"] == (
        "acmeorders__delta07032024090000.csv"
    )

    # New delta: only it is read; a cancellation arrives as an upsert of the same key.
    server.put(
        "acme_subscriptions__delta06032024100000.csv",
        SUB_HEADER + sub_rows(["S2"], "cancelled", "03/05/2024"),
    )
    server.put("acme_orders_03082024090000.csv", ORDER_HEADER + order_rows("C", 2))
    third = run_tap(tmp_path / "3", server.config(), state=second.state)
    assert [r["order_item_id"] for r in third.records["order_report"]] == ["C0", "C1"]
    assert [
        (s["subscription_id"], s["subscription_status"])
        for s in third.records["subscription_report"]
    ] == [("S2", "cancelled")]
    assert third.state["bookmarks"]["subscription_report"]["last_file"] == (
        "acme_subscriptions__delta06032024100000.csv"
    )


def test_late_and_replaced_files_are_read_with_every_later_file_so_the_newest_wins(
    server, tmp_path
):
    first, late, last = (
        "acme_orders_03012024090000.csv",
        "acme_orders_03022024090000.csv",
        "acme_orders_03032024090000.csv",
    )
    server.put(first, ORDER_HEADER + order_rows("A", 2, "1.00"))
    server.put(last, ORDER_HEADER + order_rows("A", 1, "3.00"))
    run1 = run_tap(tmp_path / "1", server.config())
    assert len(run1.records["order_report"]) == 3
    assert sorted(run1.state["bookmarks"]["order_report"]["read_files"]) == [first, last]

    # 2 March turns up after 3 March was loaded: read it, then 3 March again, in order.
    server.put(late, ORDER_HEADER + order_rows("A", 2, "2.00"))
    run2 = run_tap(tmp_path / "2", server.config(), state=run1.state)
    rows = run2.records["order_report"]
    assert [(r["order_item_id"], r["_sdc_source_file"]) for r in rows] == [
        ("A0", late),
        ("A1", late),
        ("A0", last),
    ]
    newest = {r["order_item_id"]: r["price"] for r in rows}  # what an upserting target keeps
    assert newest == {"A0": Decimal("3.00"), "A1": Decimal("2.00")}
    assert f"{late} (completed 2024-03-02T15:00:00+00:00) must be read" in run2.stderr
    assert "appeared after later files had been read" in run2.stderr
    bookmark = run2.state["bookmarks"]["order_report"]
    assert bookmark["last_file"] == last
    assert sorted(bookmark["read_files"]) == [first, late, last]

    run3 = run_tap(tmp_path / "3", server.config(), state=run2.state)
    assert "order_report" not in run3.records  # nothing new, nothing read twice

    # 1 March is replaced by a longer file: it is read again, and everything after it.
    server.put(first, ORDER_HEADER + order_rows("A", 3, "1.50"), age_seconds=1800)
    run4 = run_tap(tmp_path / "4", server.config(), state=run3.state)
    assert [r["_sdc_source_file"] for r in run4.records["order_report"]] == (
        [first] * 3 + [late] * 2 + [last]
    )
    assert "it changed after it was read" in run4.stderr

    # A state saved before `read_files` existed still means "read up to the bookmark".
    old_state = {"bookmarks": {"order_report": {**bookmark}}}
    del old_state["bookmarks"]["order_report"]["read_files"]
    run5 = run_tap(tmp_path / "5", server.config(), state=old_state)
    assert "order_report" not in run5.records


def test_exports_completed_in_the_repeated_fall_back_hour_load_in_real_order(server, tmp_path):
    # 3 Nov 2024: 01:45 CDT (06:45Z), then 01:15 CST (07:15Z); names alone say the reverse.
    early = server.put("acme_orders_11032024014500.csv", ORDER_HEADER + order_rows("A", 1, "1"))
    late = server.put("acme_orders_11032024011500.csv", ORDER_HEADER + order_rows("A", 1, "2"))
    for path, uploaded in (
        (early, "2024-11-03T06:47:00+00:00"),
        (late, "2024-11-03T07:16:00+00:00"),
    ):
        stamp = datetime.fromisoformat(uploaded).timestamp()
        os.utime(path, (stamp, stamp))
    run = run_tap(tmp_path / "1", server.config())
    rows = run.records["order_report"]
    assert [(r["_sdc_source_file"], r["_sdc_source_file_completed_at"]) for r in rows] == [
        (early.name, "2024-11-03T06:45:00+00:00"),
        (late.name, "2024-11-03T07:15:00+00:00"),
    ]
    assert rows[-1]["price"] == Decimal("2")


def test_a_line_without_an_end_stops_the_file_before_it_fills_memory(server, monkeypatch):
    monkeypatch.setattr(connection, "MAX_LINE_BYTES", 1024 * 1024)
    name = "acme_orders_03012024090000.csv"
    server.put(name, ORDER_HEADER.replace("\n", "\r") + order_rows("A", 30_000).replace("\n", "\r"))
    settings = SftpSettings.from_config(server.config())
    with connection.SftpConnection(settings, logging.getLogger("test")) as conn:
        (remote,) = [f for f in conn.list() if f.name == name]
        with pytest.raises(SftpFileError, match=r"longer than 1 MiB; its line breaks are CR only"):
            for _ in conn.lines(remote):
                pass


def run_until_killed(tmp_path, config: dict, *, file: str, rows: int) -> list[dict]:
    """Run the tap and SIGKILL it once ``rows`` rows of ``file`` are out: a real crash.

    The pipe to the tap holds a few hundred records at most, so the tap cannot
    finish the file before it is killed. Returns the messages read until then.
    """
    tmp_path.mkdir(parents=True)
    (tmp_path / "config.json").write_text(json.dumps(config))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tap_ordergroove", "--config", str(tmp_path / "config.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    messages, seen = [], 0
    try:
        for line in proc.stdout:
            message = json.loads(line, parse_float=Decimal)
            messages.append(message)
            if message["type"] == "RECORD" and message["record"].get("_sdc_source_file") == file:
                seen += 1
                if seen == rows:
                    proc.kill()
                    break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert seen == rows, "the tap ended before it could be killed mid-file"
    return messages


def test_a_crash_mid_file_rereads_that_file_and_only_that_file(fault_server, tmp_path):
    server = fault_server
    first, second = "acme_orders_03012024090000.csv", "acme_orders_03022024090000.csv"
    server.put(first, ORDER_HEADER + order_rows("A", 10))
    big = ORDER_HEADER + order_rows("B", 16000)  # ~1.6 MB: several read chunks
    server.put(second, big)
    committed = {
        "replication_key": "_sdc_source_file_completed_at",
        "replication_key_value": "2024-03-01T15:00:00+00:00",
        "last_file": first,
        "read_files": {first: identity(server, first)},
    }

    # The network drops mid-file: a clear error, and the bookmark stays on the first file.
    server.faults.drop_after_bytes[second] = len(big) * 9 // 10
    dropped = run_tap(tmp_path / "dropped", server.config(), check=False)
    assert dropped.returncode != 0 and server.drops >= 1
    assert f"Reading SFTP file '{second}' failed" in dropped.stderr
    assert "reads it again" in dropped.stderr
    assert dropped.state["bookmarks"]["order_report"] == committed
    server.faults.drop_after_bytes.clear()

    # The tap process is killed after 12,000 rows of the second file (past the SDK's
    # periodic STATE at 10,000 records): no STATE it wrote names the unfinished file.
    messages = run_until_killed(tmp_path / "killed", server.config(), file=second, rows=12_000)
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    with_bookmark = [s for s in states if s["bookmarks"].get("order_report", {}).get("last_file")]
    assert with_bookmark, "a STATE after the first file"
    assert all(s["bookmarks"]["order_report"] == committed for s in with_bookmark)
    last_state = states[-1]

    resumed = run_tap(tmp_path / "resumed", server.config(), state=last_state)
    rows = resumed.records["order_report"]
    assert {r["_sdc_source_file"] for r in rows} == {second}  # the first file is not re-read
    assert len(rows) == 16_000
    assert [r["_sdc_source_line"] for r in rows[:2]] == [2, 3]  # from the start again
    assert resumed.state["bookmarks"]["order_report"]["last_file"] == second


def test_files_still_uploading_wait_with_every_later_file(fault_server, tmp_path):
    server = fault_server
    server.put("acme_orders_03012024090000.csv", ORDER_HEADER + order_rows("A", 2))
    server.put("acme_orders_03022024090000.csv", ORDER_HEADER + "B0,O0,SUCC", age_seconds=600)
    server.put("acme_orders_03032024090000.csv", ORDER_HEADER + order_rows("C", 2))
    server.put(
        "acme_subscriptions_03012024090000.csv", SUB_HEADER + sub_rows(["S1"]), age_seconds=5
    )
    server.put("acme_subscriptions_03022024090000.csv", SUB_HEADER + sub_rows(["S2"]))
    config = server.config(sftp_min_file_age_seconds=60)

    first = run_tap(tmp_path / "1", config)
    assert {r["order_item_id"] for r in first.records["order_report"]} == {"A0", "A1"}
    assert "subscription_report" not in first.records  # its first file is 5 s old
    assert first.state["bookmarks"]["order_report"]["last_file"] == (
        "acme_orders_03012024090000.csv"
    )
    assert "acme_orders_03022024090000.csv" in first.stderr and "no newline" in first.stderr
    assert re.search(
        r"leaving acme_subscriptions_03012024090000.csv .* modified \d+ s ago", first.stderr
    )

    # The upload finishes; the young file ages; a third file is caught mid-upload.
    server.put("acme_orders_03022024090000.csv", ORDER_HEADER + order_rows("B", 1))
    server.put("acme_subscriptions_03012024090000.csv", SUB_HEADER + sub_rows(["S1"]))
    server.put("acme_subscriptions_03032024090000.csv", SUB_HEADER + sub_rows(["S3"]))
    server.faults.grow_on_stat.add("acme_subscriptions_03032024090000.csv")
    second = run_tap(tmp_path / "2", config, state=first.state)
    assert [r["order_item_id"] for r in second.records["order_report"]] == ["B0", "C0", "C1"]
    assert [r["subscription_id"] for r in second.records["subscription_report"]] == ["S1", "S2"]
    assert "size changed" in second.stderr
    assert second.state["bookmarks"]["subscription_report"]["last_file"] == (
        "acme_subscriptions_03022024090000.csv"
    )

    # A file that has lacked its final newline for over a day is broken, not uploading.
    server.faults.grow_on_stat.clear()
    server.put("acme_subscriptions_03032024090000.csv", SUB_HEADER + "S3,C1", age_seconds=90_000)
    third = run_tap(tmp_path / "3", config, state=second.state, check=False)
    assert third.returncode != 0
    assert "looks truncated" in third.stderr


def test_malformed_rows_land_in_sftp_rejected_rows_and_good_rows_load(server, tmp_path):
    body = (
        order_rows("A", 2)
        + "A9,O1,SUCCESS,02/30/2024,SKU,1,1.00,C1,S1,,\n"  # line 4: no 30 February
        + "A10,O1,SUCCESS\n"  # line 5: short row
        + ",O1,SUCCESS,03/05/2024,SKU,1,1.00,C1,S1,,\n"  # line 6: no key
        + "A11,O1,SUCCESS,03/05/2024,SKU,1,12.5.0,C1,S1,,\n"  # line 7: bad decimal
        + order_rows("Z", 1)  # line 8: good
    )
    server.put("acme_orders_03012024090000.csv", ORDER_HEADER + body)
    # The SDK's switch would end the rejected rows' own (empty) full-table sync with an
    # ACTIVATE_VERSION, flagging every rejection already loaded as deleted.
    run = run_tap(tmp_path / "1", server.config(emit_activate_version_messages=True))
    assert [r["order_item_id"] for r in run.records["order_report"]] == ["A0", "A1", "Z0"]
    rejected_messages = [m for m in run.messages if m.get("stream") == "sftp_rejected_rows"]
    assert [m["type"] for m in rejected_messages] == ["SCHEMA"] + ["RECORD"] * 4
    rejected = {r["source_line"]: r for r in run.records["sftp_rejected_rows"]}
    assert sorted(rejected) == [4, 5, 6, 7]
    assert rejected[5] == {
        "source_file": "acme_orders_03012024090000.csv",
        "source_line": 5,
        "report": "order_report",
        "reason": "expected 11 columns as in the header, found 3",
        "raw_line": "A10,O1,SUCCESS",
        "file_completed_at": "2024-03-01T15:00:00+00:00",
    }
    assert "'Place Date'" in rejected[4]["reason"]
    assert "order_item_id" in rejected[6]["reason"]
    assert "'Price'" in rejected[7]["reason"]
    for line in (4, 5, 6, 7):
        assert f"acme_orders_03012024090000.csv, line {line}:" in run.stderr
    assert run.schemas["sftp_rejected_rows"]["properties"]["raw_line"]["type"] == [
        "string",
        "null",
    ]
    assert run.state["bookmarks"]["order_report"]["last_file"] == "acme_orders_03012024090000.csv"
    # Missing and stopped exports are said, not just an empty sync.
    assert "Stream 'subscription_report': no export of this report in '/outgoing/'" in run.stderr
    assert re.search(
        r"Stream 'order_report': the newest export, acme_orders_03012024090000.csv, was "
        r"completed \d+ days ago",
        run.stderr,
    )


def test_bad_files_stop_their_report_with_a_clear_error_and_no_bookmark_past_them(server, tmp_path):
    server.put("acme_orders_03012024090000.csv", ORDER_HEADER + order_rows("A", 1))
    server.put("acme_orders_03022024090000.csv", ORDER_HEADER + order_rows("B", 1))
    server.refuse_open("acme_orders_03022024090000.csv")
    server.put("acme_orders_03032024090000.csv", ORDER_HEADER + order_rows("C", 1))
    server.put("acme_subscriptions_13012024090000.csv", SUB_HEADER)  # month 13
    server.put("stray.csv", "a,b\n")
    server.put("acme_orders_2024-03-05.csv", ORDER_HEADER + order_rows("R", 1))
    cases = {  # one folder; `sftp_file_pattern` picks what each run sees
        "unreadable": {"sftp_file_pattern": "_orders_0"},
        "impossible": {"sftp_file_pattern": "_subscriptions_"},
        "strict": {"sftp_file_pattern": "stray|_0301", "sftp_unrecognised_files": "error"},
        "renamed": {"sftp_file_pattern": "_orders_"},
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(
            zip(
                cases,
                pool.map(
                    lambda item: run_tap(tmp_path / item[0], server.config(**item[1]), check=False),
                    cases.items(),
                ),
                strict=True,
            )
        )
    unreadable = runs["unreadable"]
    assert unreadable.returncode != 0
    assert "'acme_orders_03022024090000.csv' cannot be read" in unreadable.stderr
    assert "permission denied" in unreadable.stderr.lower()
    assert [r["order_item_id"] for r in unreadable.records["order_report"]] == ["A0"]
    assert unreadable.state["bookmarks"]["order_report"]["last_file"] == (
        "acme_orders_03012024090000.csv"
    )
    impossible = runs["impossible"]
    assert impossible.returncode != 0
    assert "'acme_subscriptions_13012024090000.csv'" in impossible.stderr
    assert "not a valid MMDDYYYYHHMMSS" in impossible.stderr
    strict = runs["strict"]
    assert strict.returncode != 0
    assert "stray.csv" in strict.stderr and "`sftp_unrecognised_files: warn`" in strict.stderr
    renamed = runs["renamed"]  # an order export in a naming the tap does not know
    assert renamed.returncode != 0 and "order_report" not in renamed.records
    assert "'acme_orders_2024-03-05.csv' looks like an Ordergroove order_report export" in (
        renamed.stderr
    )


def test_login_failures_and_unreachable_hosts_are_clear_and_never_show_the_password(
    server, tmp_path
):
    server.put("acme_orders_03012024090000.csv", ORDER_HEADER + order_rows("A", 1))
    wrong = "Wr0ng-Pa55word-not-logged"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens once the socket closes
    cases = {
        "password": server.config(sftp_password=wrong),
        "user": server.config(sftp_username="someone-else"),
        "unreachable": server.config(sftp_port=closed_port),
        "host_key": server.config(sftp_host_key_fingerprint="SHA256:" + "A" * 43),
        # An unquoted numeric password in meltano.yml arrives as a number; a type error
        # from the SDK's config validation would print it.
        "numeric": server.config(sftp_password=987654321),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(
            zip(
                cases,
                pool.map(
                    lambda item: run_tap(tmp_path / item[0], item[1], check=False),
                    cases.items(),
                ),
                strict=True,
            )
        )
    for name, run in runs.items():
        assert run.returncode != 0, name
        assert "order_report" not in run.records, name
        for secret in (PASSWORD, wrong, "987654321"):
            assert secret not in run.stderr + run.stdout, name
    for name in ("password", "user", "numeric"):
        assert "refused the login of `sftp_username`" in runs[name].stderr
        assert "`sftp_password`" in runs[name].stderr
    assert ("password", "someone-else", False) in server.logins
    assert "Cannot reach the SFTP server" in runs["unreachable"].stderr
    assert "`sftp_host`, `sftp_port`" in runs["unreachable"].stderr
    assert server.host_key_fingerprint in runs["host_key"].stderr
    assert "sftp_host_key_fingerprint" in runs["host_key"].stderr


def test_key_authentication_with_openssh_and_encrypted_pem_keys(tmp_path):
    ed25519 = asyncssh.generate_private_key("ssh-ed25519")
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    srv = start_server(tmp_path / "sftp", authorized_keys=[ed25519, rsa])
    try:
        srv.put("acme_orders_03012024090000.csv", ORDER_HEADER + order_rows("A", 2))
        keys = {
            # one line with literal \n, as it would sit in an environment variable
            "ed25519": {
                "sftp_private_key": ed25519.export_private_key("openssh")
                .decode()
                .replace("\n", "\\n")
            },
            "rsa": {
                "sftp_private_key": rsa.export_private_key(
                    "pkcs8-pem", passphrase="pp-123"
                ).decode(),
                "sftp_private_key_passphrase": "pp-123",
            },
            "stranger": {"sftp_private_key": stranger.export_private_key("openssh").decode()},
        }
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = dict(
                zip(
                    keys,
                    pool.map(
                        lambda item: run_tap(
                            tmp_path / item[0],
                            srv.config(sftp_password=None, **item[1]),
                            check=False,
                        ),
                        keys.items(),
                    ),
                    strict=True,
                )
            )
        for name in ("ed25519", "rsa"):
            assert runs[name].returncode == 0, runs[name].stderr[-2000:]
            assert len(runs[name].records["order_report"]) == 2
        assert runs["stranger"].returncode != 0
        assert "`sftp_private_key`" in runs["stranger"].stderr
        assert "PRIVATE KEY" not in runs["stranger"].stderr
        assert {m for m, _, ok in srv.logins if ok} == {"publickey"}  # never a password
        assert ("publickey", srv.username, False) in srv.logins  # the stranger's key
    finally:
        srv.stop()


#: The help center's subscription report header (Automating Subscription Reports).
DOCUMENTED_SUB_HEADER = (
    "Merchant,Ordergroove User ID,Merchant User ID,Create Date,Create Time,Start Date,"
    "Customer Status,Subscription ID,Subscription Status,Cancel Date\n"
)
#: The help center's order report header (Order Report), with the developer guide's key.
DOCUMENTED_ORDER_HEADER = (
    "Order Item ID,Merchant,Ordergroove User ID,Merchant User ID,Place Date,"
    "Ordergroove Order ID,Ordergroove Subscription ID,Product,SKU,Quantity,Price,"
    "Order Subtotal,Order Status,Merchant Order ID,Rejected Error Code\n"
)


def test_documented_report_names_and_columns_load_typed_and_other_reports_are_named(
    server, tmp_path
):
    server.put(
        "acme_subscription_03052024100000.csv",  # singular, as the help center names it
        DOCUMENTED_SUB_HEADER
        + "Acme,988432,941874,01/09/2016,01/09/2016 13:10:38,01/09/2016,Existing,S1,active,\n"
        + "Acme,988433,941875,07/04/2016,07/04/2016 23:30:00,07/05/2016,New,S2,cancelled,"
        "03/04/2024\n",
    )
    server.put(
        "acme_orders_03052024090000.csv",
        DOCUMENTED_ORDER_HEADER
        + "I1,Acme,676873,2142608423,08/26/2025,2976631,911458,Growth,HS 1010-8,1,39.98,"
        "39.98,Success,V263578579,\n",
    )
    server.put(
        "acme_crm_subscription_03052024100000.csv",
        "og_subscription_id,customer_id,subscription_create_date,quantity,frequency,"
        "subscription_status,next_order_date\n"
        "52845dc2,9647,10302019150324,1,60,0,11022020000000\n",
    )
    # Documented reports the tap does not read; the cancellation report's name ends in
    # `_subscriptions` and must not be taken for a subscription report of "acme_cancelled".
    not_read = {
        "acme_cancelled_subscriptions_03052024100000.csv": "Subscription ID,Merchant\nS9,Acme\n",
        "acme_crm_subscriber_events_03052024100000.csv": "og_subscription_id,user_id\nX,1\n",
    }
    for name, text in not_read.items():
        server.put(name, text)

    run = run_tap(tmp_path, server.config())
    (first, second) = run.records["subscription_report"]
    assert {k: first[k] for k in ("subscription_id", "ordergroove_user_id", "create_date")} == {
        "subscription_id": "S1",
        "ordergroove_user_id": 988432,
        "create_date": "2016-01-09",
    }
    assert first["create_time"] == "2016-01-09T19:10:38+00:00"  # 13:10:38 CST
    assert second["create_time"] == "2016-07-05T04:30:00+00:00"  # 23:30 CDT, next day UTC
    assert second["cancel_date"] == "2024-03-04"
    assert first["extra_columns"] is None and first["customer_status"] == "Existing"
    (order,) = run.records["order_report"]
    assert order["order_subtotal"] == Decimal("39.98")
    assert order["ordergroove_order_id"] == 2976631 and order["ordergroove_user_id"] == 676873
    assert order["ordergroove_subscription_id"] == "911458" and order["extra_columns"] is None
    assert "S9" not in {r["subscription_id"] for r in run.records["subscription_report"]}
    assert run.state["bookmarks"]["subscription_report"]["last_file"] == (
        "acme_subscription_03052024100000.csv"
    )
    (crm,) = run.records["crm_subscription_report"]
    assert (crm["og_subscription_id"], crm["subscription_status"], crm["frequency"]) == (
        "52845dc2",
        0,
        60,
    )
    assert crm["subscription_create_date"] == "2019-10-30T20:03:24+00:00"
    assert crm["next_order_date"] == "2020-11-02T06:00:00+00:00"
    for name, report in zip(not_read, ("cancellation report", "member activity file"), strict=True):
        assert re.search(
            rf"Not reading 1 file\(s\) of Ordergroove's {report}: the tap does not load that "
            rf"report .*{re.escape(name)}",
            run.stderr,
        ), run.stderr[-3000:]
    assert "does not know, kept as text in extra_columns" not in run.stderr
