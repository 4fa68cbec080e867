"""SFTP exports, in process: file names, ordering, CSV rows, types, settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_ordergroove.sftp import files
from tap_ordergroove.sftp.errors import SftpFileError
from tap_ordergroove.sftp.rows import Rejection, ReportReader
from tap_ordergroove.sftp.schemas import (
    CRM_SUBSCRIPTION_REPORT,
    ORDER_REPORT,
    SUBSCRIPTION_REPORT,
    normalise_header,
)
from tap_ordergroove.sftp.settings import SftpSettings, check_sources
from tap_ordergroove.tap import TapOrdergroove
from tap_ordergroove.timezones import OrdergrooveZone

ZONE = OrdergrooveZone("America/Chicago")


def remote(name: str, size: int = 10) -> files.RemoteFile:
    return files.RemoteFile(name=name, size=size, mtime=0.0)


def test_both_naming_forms_read_their_own_date_order_in_central_time():
    listing = files.classify(
        [
            remote("acme_orders_03052024103000.csv"),  # help form: MMDD -> 5 March, CST
            remote("acmeorders__delta05032024103000.csv"),  # guide form: DDMM -> 5 March
            remote("acme_subscriptions__full12072024080000.csv"),  # guide, '_' after merchant
            remote("acme_subscriptions_07122024080000.csv"),  # help: 12 July, CDT (-5)
        ],
        zone=ZONE,
    )
    orders = listing.files("order_report")
    assert [(f.form, f.kind, f.merchant) for f in orders] == [
        ("help", None, "acme"),
        ("guide", "delta", "acme"),
    ]
    assert {f.completed_at_iso for f in orders} == {"2024-03-05T16:30:00+00:00"}
    subs = listing.files("subscription_report")
    assert {f.completed_at_iso for f in subs} == {"2024-07-12T13:00:00+00:00"}
    assert {f.kind for f in subs} == {"full", None}


def test_files_are_ordered_by_completion_time_not_by_name():
    names = [
        "acme_orders_12312023235959.csv",  # 31 Dec 2023
        "acmeorders__delta01012024000001.csv",  # 1 Jan 2024
        "acme_orders_01022024120000.csv",  # 2 Jan 2024
        "acmeorders__full31122023100000.csv",  # 31 Dec 2023, earlier that day
    ]
    ordered = [
        f.name for f in files.classify([remote(n) for n in names], zone=ZONE).files("order_report")
    ]
    assert ordered == [names[3], names[0], names[1], names[2]]


def order_files(*entries: tuple[str, int]) -> list[files.ReportFile]:
    """Report files from (name, size); every file was uploaded at the same mtime."""
    listing = files.classify([remote(name, size) for name, size in entries], zone=ZONE)
    return listing.files("order_report")


def test_plan_reads_what_follows_the_bookmark_and_nothing_before_it():
    listed = order_files(
        ("acme_orders_03012024090000.csv", 10),
        ("acme_orders_03022024090000.csv", 20),
        ("acme_orders_03032024090000.csv", 30),
    )
    first, second, third = listed
    read = {f.name: files.identity(f.remote) for f in (first, second)}
    bookmark = second.sort_key
    assert files.plan(listed, bookmark, read) == files.Plan([third])
    assert files.plan(listed, None, {}) == files.Plan(listed)
    read[third.name] = files.identity(third.remote)
    assert files.plan(listed, third.sort_key, read) == files.Plan([])
    # A state saved before `read_files` existed: the files up to the bookmark count as read.
    assert files.covered_by_bookmark(listed, bookmark) == {
        first.name: {"size": 10, "mtime": 0},
        second.name: {"size": 20, "mtime": 0},
    }


def test_a_late_file_older_than_the_bookmark_is_read_with_every_later_file_again():
    listed = order_files(
        ("acme_orders_03012024090000.csv", 10),
        ("acme_orders_03022024090000.csv", 20),  # turned up after 3 March was read
        ("acme_orders_03032024090000.csv", 30),
    )
    early, late, done = listed
    read = {f.name: files.identity(f.remote) for f in (early, done)}
    plan = files.plan(listed, done.sort_key, read)
    assert plan.files == [late, done]  # 3 March again, so its newer values win
    assert plan.replay_from == late and "appeared after later files" in plan.reason


def test_a_tie_arriving_later_is_not_lost_behind_the_bookmark():
    # Same completion time: ordered by name, so the late one sorts before the bookmark.
    listed = order_files(
        ("acmeorders__delta01032024090000.csv", 10),  # guide form: 1 March 09:00
        ("acme_orders_03012024090000.csv", 10),  # help form: 1 March 09:00
    )
    assert listed[0].sort_key[0] == listed[1].sort_key[0]
    assert [f.name for f in listed] == [
        "acme_orders_03012024090000.csv",
        "acmeorders__delta01032024090000.csv",
    ]
    read = {listed[1].name: files.identity(listed[1].remote)}
    plan = files.plan(listed, listed[1].sort_key, read)
    assert plan.files == listed and plan.replay_from == listed[0]


def test_a_file_replaced_after_it_was_read_is_read_again_then_the_later_ones():
    listed = order_files(
        ("acme_orders_03012024090000.csv", 10),
        ("acme_orders_03022024090000.csv", 25),  # was 20 bytes when read
        ("acme_orders_03032024090000.csv", 30),
    )
    read = {f.name: files.identity(f.remote) for f in listed}
    read[listed[1].name] = {"size": 20, "mtime": 0}
    plan = files.plan(listed, listed[2].sort_key, read)
    assert plan.files == listed[1:]
    assert "size 20 -> 25 bytes" in plan.reason


def test_the_bookmark_holds_when_its_file_is_gone_from_the_server():
    listed = order_files(
        ("acme_orders_03012024090000.csv", 10),
        ("acme_orders_03032024090000.csv", 30),
    )
    gone = ("2024-03-02T15:00:00+00:00", "acme_orders_03022024090000.csv")  # deleted after 30 days
    read = {listed[0].name: files.identity(listed[0].remote)}
    assert files.plan(listed, gone, read) == files.Plan([listed[1]])


def test_read_files_forget_files_gone_from_the_server_for_good():
    now = datetime(2024, 6, 1, tzinfo=UTC)
    read = {
        "listed.csv": {"size": 1, "mtime": 0},  # still on the server: kept, however old
        "moved-away.csv": {"size": 1, "mtime": int((now - timedelta(days=3)).timestamp())},
        "deleted.csv": {"size": 1, "mtime": int((now - timedelta(days=41)).timestamp())},
        "hand-edited.csv": "not an entry",
    }
    kept = files.prune_read_files(read, {"listed.csv"}, now)
    assert sorted(kept) == ["listed.csv", "moved-away.csv"]


def test_the_repeated_fall_back_hour_is_settled_by_the_upload_time():
    # 3 Nov 2024, 01:00-02:00 Central happens twice: CDT (06:xxZ), then CST (07:xxZ).
    first_pass = datetime(2024, 11, 3, 6, 50, tzinfo=UTC).timestamp()  # 01:50 CDT
    second_pass = datetime(2024, 11, 3, 7, 20, tzinfo=UTC).timestamp()  # 01:20 CST
    listing = files.classify(
        [
            files.RemoteFile("acme_orders_11032024011500.csv", 10, second_pass),
            files.RemoteFile("acme_orders_11032024014500.csv", 10, first_pass),
            files.RemoteFile("acme_orders_11032024003000.csv", 10, second_pass),  # not repeated
            files.RemoteFile("acme_orders_03102024023000.csv", 10, second_pass),  # spring gap
        ],
        zone=ZONE,
    )
    assert [(f.name, f.completed_at_iso) for f in listing.files("order_report")] == [
        ("acme_orders_03102024023000.csv", "2024-03-10T08:30:00+00:00"),  # as records read it
        ("acme_orders_11032024003000.csv", "2024-11-03T05:30:00+00:00"),
        ("acme_orders_11032024014500.csv", "2024-11-03T06:45:00+00:00"),  # uploaded in CDT
        ("acme_orders_11032024011500.csv", "2024-11-03T07:15:00+00:00"),  # 01:15 CST: later
    ]
    # Without an upload time (or uploaded before the second pass) the first reading stands.
    stamp = files.parse_stamp("x", "11032024011500", files.HELP, ZONE)
    assert stamp == datetime(2024, 11, 3, 6, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("acme_orders_13052024103000.csv", "MMDDYYYYHHMMSS"),  # month 13
        ("acmeorders__delta31022024103000.csv", "DDMMYYYYHHMMSS"),  # 31 February
        ("acme_subscriptions_01012024250000.csv", "MMDDYYYYHHMMSS"),  # hour 25
    ],
)
def test_impossible_timestamp_in_a_report_name_is_an_error(name, shape):
    listing = files.classify([remote(name)], zone=ZONE)
    (stream,) = listing.invalid
    (message,) = listing.invalid[stream]
    assert name in message and shape in message
    assert listing.files(stream) == []


def test_names_outside_the_forms_are_sorted_out_not_read():
    listing = files.classify(
        [
            remote("README.txt"),
            remote("acme_customers_03052024103000.csv"),
            remote(".acme_orders_03052024103000.csv"),
            remote("acme_orders_03052024103000.csv.part"),
            remote("other_orders_03052024103000.csv"),
            remote("other_orders_2024-03-05.csv"),  # another merchant's, whatever its form
            remote("acme_orders_03052024103000.csv"),
            files.RemoteFile("archive", 0, 0.0, is_file=False),
        ],
        zone=ZONE,
        merchant="ACME",
    )
    assert listing.unrecognised == ["README.txt"]
    assert listing.other_reports == ["acme_customers_03052024103000.csv"]
    assert listing.uploading == [
        ".acme_orders_03052024103000.csv",
        "acme_orders_03052024103000.csv.part",
    ]
    assert listing.other_merchants == [
        "other_orders_03052024103000.csv",
        "other_orders_2024-03-05.csv",
    ]
    assert [f.name for f in listing.files("order_report")] == ["acme_orders_03052024103000.csv"]
    assert listing.invalid == {}


@pytest.mark.parametrize(
    ("name", "stream"),
    [
        ("acme_orders_2024-03-05.csv", "order_report"),  # a date in another shape
        ("acme_orders_0305202410300.csv", "order_report"),  # 13 digits
        ("acmeSubscriptions__weekly05032024103000.CSV", "subscription_report"),
        ("acme_orders.csv", "order_report"),
    ],
)
def test_a_csv_naming_a_report_in_neither_form_stops_that_report(name, stream):
    # Skipping it like an unrelated file would silently stop loading the report if
    # Ordergroove changed its naming.
    listing = files.classify([remote(name), remote("notes.csv")], zone=ZONE)
    (message,) = listing.invalid[stream]
    assert f"{name!r} looks like an Ordergroove {stream} export" in message
    assert "`sftp_file_pattern`" in message
    assert listing.unrecognised == ["notes.csv"]
    exclude = re.compile(re.search(r"\(e\.g\. '(.+)'\)", message)[1])  # as pasted into YAML
    assert not exclude.search(name) and exclude.search("acme_orders_03052024103000.csv")


def test_file_pattern_narrows_before_anything_else():
    listing = files.classify(
        [
            remote("acmeorders__delta05032024103000.csv"),
            remote("acmeorders__full05032024103000.csv"),
        ],
        zone=ZONE,
        pattern=re.compile("__delta"),
    )
    assert [f.kind for f in listing.files("order_report")] == ["delta"]
    assert listing.unrecognised == []


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Order Item ID", "order_item_id"),
        ("OrderItemID", "order_item_id"),
        ("order-item-id", "order_item_id"),
        ("\ufeffOrder Item ID ", "order_item_id"),
        ("Price ($)", "price"),
        ("ABCTotal", "abc_total"),
    ],
)
def test_headers_become_snake_case(header, field):
    assert normalise_header(header) == field


def read(report, text: str | bytes, name="acme_orders_03052024103000.csv"):
    data = text.encode() if isinstance(text, str) else text
    lines = iter(data.splitlines(keepends=True))
    reader = ReportReader(
        report, lines, file=name, completed_at="2024-03-05T16:30:00+00:00", zone=ZONE
    )
    header = reader.read_header()
    return header, list(reader)


def test_rows_become_typed_records_with_source_columns():
    header, items = read(
        ORDER_REPORT,
        "\ufeffOrder Item ID,Order ID,Place Date,Quantity,Price,One Time,Created,Updated,"
        "Gift Note\r\n"
        "I1,O1,03/05/2024,2,19.990,True,03/10/2024 01:59:59,2024-03-10 03:00:00,"
        '"Happy, birthday"\r\n'
        "\r\n"
        "I2,O1,,,0.1,false,11/03/2024 01:30,,\r\n",
    )
    assert header.unknown == ["gift_note"]
    assert "Merchant Product ID" in header.missing
    first, second = items
    assert first == {
        "order_item_id": "I1",
        "order_id": "O1",
        "place_date": "2024-03-05",
        "quantity": 2,
        "price": Decimal("19.990"),
        "one_time": True,
        "created": "2024-03-10T07:59:59+00:00",  # CST, just before the spring change
        "updated": "2024-03-10T08:00:00+00:00",  # CDT, just after it
        "extra_columns": {"gift_note": "Happy, birthday"},
        "_sdc_source_file": "acme_orders_03052024103000.csv",
        "_sdc_source_line": 2,
        "_sdc_source_file_completed_at": "2024-03-05T16:30:00+00:00",
    }
    assert str(first["price"]) == "19.990"  # exact, digits kept
    assert second["_sdc_source_line"] == 4  # the blank line 3 is no row
    assert second["place_date"] is None and second["quantity"] is None
    assert second["created"] == "2024-11-03T06:30:00+00:00"  # ambiguous hour: first occurrence
    assert second["extra_columns"] == {"gift_note": ""}


def test_bad_rows_are_rejected_with_line_reason_and_raw_text():
    text = (
        b"Subscription ID,Customer ID,Quantity,Price,Start Date,Cancel Date,Created\n"
        b"S1,C1,1,10.00,01/15/2024,,01/15/2024 09:00:00\n"  # 2 good
        b"S2,C1,1,10.00\n"  # 3 too few columns
        b"S3,C1,one,10.00,01/15/2024,,\n"  # 4 not an integer
        b"S4,C1,1,$10,01/15/2024,,\n"  # 5 not a decimal
        b"S5,C1,1,10.00,2024/01/15,,\n"  # 6 not a date
        b",C1,1,10.00,01/15/2024,,\n"  # 7 no key
        b'S6,"multi\nline note",1,10.00,01/15/2024,,\n'  # 8-9 good, quoted newline
        b'S7,"C"1,1,10.00,01/15/2024,,\n'  # 10 broken quoting
        b"S8,C1,1,10.00,01/15/2024,,13/01/2024 10:00\n"  # 11 bad timestamp
        b"S9,C1,1,1e400,01/15/2024,,\n"  # 12 good (huge but finite decimal)
    ) + b"S10,C\xff1,1,10.00,01/15/2024,,\n"  # 13 not UTF-8
    _, items = read(SUBSCRIPTION_REPORT, text, name="acme_subscriptions_01152024100000.csv")
    good = [i for i in items if isinstance(i, dict)]
    bad = {r.line: r for r in items if isinstance(r, Rejection)}
    assert [g["subscription_id"] for g in good] == ["S1", "S6", "S9"]
    assert good[1]["customer_id"] == "multi\nline note" and good[1]["_sdc_source_line"] == 8
    assert good[2]["price"] == Decimal("1e400")
    assert sorted(bad) == [3, 4, 5, 6, 7, 10, 11, 13]
    assert "expected 7 columns" in bad[3].reason and bad[3].raw == "S2,C1,1,10.00"
    assert "'Quantity'" in bad[4].reason and "integer" in bad[4].reason
    assert "'Price'" in bad[5].reason and "'$10'" in bad[5].reason
    assert "'Start Date'" in bad[6].reason
    assert "subscription_id" in bad[7].reason
    assert "CSV" in bad[10].reason
    assert "'Created'" in bad[11].reason
    assert "UTF-8" in bad[13].reason and bad[13].raw.startswith("S10,C")


def test_unclosed_quote_is_one_rejection_and_later_rows_still_load():
    body = 'I1,"never closed,1\n' + "I2,x,1\n" * 3
    _, items = read(ORDER_REPORT, "Order Item ID,Order ID,Quantity\n" + body + "I9,y,2\n")
    rejected = [i for i in items if isinstance(i, Rejection)]
    assert len(rejected) == 1
    assert rejected[0].line == 2
    assert rejected[0].raw.startswith('I1,"never closed')


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ("Order ID,Quantity", "no key column 'Order Item ID'"),
        ("Order Item ID,OrderItemID", "both map to 'order_item_id'"),
        ("Order Item ID,,Price", "has no name"),
        ("", "empty"),
    ],
)
def test_unusable_header_is_an_error_for_the_whole_file(header, match):
    with pytest.raises(SftpFileError, match=match):
        read(ORDER_REPORT, header + ("\n" if header else "") + "")


def test_settings_need_a_source_and_complete_sftp_credentials():
    with pytest.raises(ConfigValidationError, match=r"`api_key`.*`sftp_host`"):
        check_sources({"sftp_host": "  "})
    with pytest.raises(ConfigValidationError) as info:
        SftpSettings.from_config({"sftp_host": "h", "sftp_file_pattern": "("})
    joined = " ".join(info.value.errors)
    assert "sftp_username" in joined and "sftp_password" in joined
    assert "sftp_file_pattern" in joined
    with pytest.raises(ConfigValidationError, match="sftp_private_key"):
        SftpSettings.from_config(
            {"sftp_host": "h", "sftp_username": "u", "sftp_private_key": "not a key"}
        )
    settings = SftpSettings.from_config(
        {"sftp_host": "h", "sftp_username": "u", "sftp_password": "hunter2-secret"}
    )
    assert "hunter2-secret" not in repr(settings)
    assert settings.path == "/outgoing/" and settings.port == 22


def test_discovery_follows_the_configured_sources():
    sftp = {"sftp_host": "127.0.0.1", "sftp_username": "u", "sftp_password": "p"}
    sftp_names = {
        "order_report",
        "subscription_report",
        "crm_subscription_report",
        "sftp_rejected_rows",
    }
    only_sftp = TapOrdergroove(config=sftp, validate_config=True)
    assert set(only_sftp.streams) == sftp_names
    both = TapOrdergroove(config={**sftp, "api_key": "k"}, validate_config=True)
    assert sftp_names < set(both.streams) and "orders" in both.streams
    only_api = TapOrdergroove(config={"api_key": "k"}, validate_config=True)
    assert not sftp_names & set(only_api.streams)
    with pytest.raises(ConfigValidationError, match="No Ordergroove source"):
        TapOrdergroove(config={}, validate_config=True)


def test_mistyped_settings_are_named_and_secrets_are_taken_as_text_never_shown():
    # In --discover the SDK only warns about a bad config, so these reach the SFTP code.
    with pytest.raises(ConfigValidationError) as info:
        SftpSettings.from_config(
            {
                "sftp_host": "h",
                "sftp_username": "u",
                "sftp_password": 987654321,
                "sftp_port": "abc",
                "sftp_timeout_seconds": 0,
                "sftp_min_file_age_seconds": "soon",
            }
        )
    joined = " ".join(info.value.errors)
    assert "`sftp_port` must be a number, not 'abc'" in joined
    assert "`sftp_timeout_seconds` must be at least 1" in joined
    assert "`sftp_min_file_age_seconds` must be a number" in joined
    assert "987654321" not in str(info.value) + joined
    with pytest.raises(ConfigValidationError, match=r"`sftp_port` must be a TCP port"):
        SftpSettings.from_config(
            {"sftp_host": "h", "sftp_username": "u", "sftp_password": "p", "sftp_port": 70000}
        )
    settings = SftpSettings.from_config(
        {"sftp_host": "h", "sftp_username": "u", "sftp_password": 987654321, "sftp_port": "2222"}
    )
    assert settings.password == "987654321" and settings.port == 2222


def test_numbers_a_warehouse_column_cannot_hold_are_rejected_not_sent_to_the_target():
    # Sent on, these would fail target-postgres' insert (bigint / numeric overflow) and
    # stop the whole run; as rejections, the good rows around them still load.
    _, items = read(
        ORDER_REPORT,
        "Order Item ID,Quantity,Price\n"
        "I1,9223372036854775807,1e400\n"  # 2 the largest bigint; numeric holds 1e400
        "I2,9223372036854775808,1\n"  # 3 one past bigint
        "I3,1e20,1\n"  # 4 an integer, but 21 digits
        "I4,1,1e-20000\n"  # 5 more than 16383 digits after the point
        "I5,1,0E-20000\n"  # 6 zero, written with as many
        "I6,1,1e131072\n",  # 7 more than 131072 digits before the point
    )
    good = [i for i in items if isinstance(i, dict)]
    bad = {r.line: r.reason for r in items if isinstance(r, Rejection)}
    assert [(g["order_item_id"], g["quantity"]) for g in good] == [("I1", 2**63 - 1)]
    assert sorted(bad) == [3, 4, 5, 6, 7]
    assert "'Quantity'" in bad[3] and "64-bit" in bad[3]
    assert "'Price'" in bad[5] and "too many digits" in bad[5]


def test_twelve_hour_timestamps_from_a_spreadsheet_are_read():
    _, items = read(
        ORDER_REPORT,
        "Order Item ID,Created,Updated,Cancelled\n"
        "I1,03/05/2024 12:30 AM,03/05/2024 1:05:09 pm,03/05/2024 12:00 PM\n"
        "I2,03/05/2024 13:00 PM,,\n",
    )
    first, second = items
    assert (first["created"], first["updated"], first["cancelled"]) == (
        "2024-03-05T06:30:00+00:00",
        "2024-03-05T19:05:09+00:00",
        "2024-03-05T18:00:00+00:00",
    )
    assert isinstance(second, Rejection) and "'Created'" in second.reason


@pytest.mark.parametrize(
    ("name", "stream", "merchant"),
    [
        # Help-center names: the subscription report is singular there.
        ("acme_subscription_03052024103000.csv", "subscription_report", "acme"),
        ("acme_subscriptions_03052024103000.csv", "subscription_report", "acme"),
        ("acme_orders_03052024103000.csv", "order_report", "acme"),
        # Developer-guide names, both report spellings.
        ("acmesubscription__delta05032024103000.csv", "subscription_report", "acme"),
        ("acme_subscriptions__full05032024103000.csv", "subscription_report", "acme"),
        ("acme_crm_subscription_03052024103000.csv", "crm_subscription_report", "acme"),
        ("acmecrm_subscription__delta05032024103000.csv", "crm_subscription_report", "acme"),
        # A merchant whose name ends like a report: `sftp_merchant` says which it is.
        ("acme_crm_subscription_03052024103000.csv", "subscription_report", "acme_crm"),
    ],
)
def test_every_documented_name_of_a_read_report_is_recognised(name, stream, merchant):
    for configured in (None, merchant):
        if configured is None and merchant == "acme_crm":
            continue  # without `sftp_merchant` that name is the CRM subscription file
        listing = files.classify([remote(name)], zone=ZONE, merchant=configured)
        assert [f.name for f in listing.files(stream)] == [name]
        assert [f.merchant for f in listing.files(stream)] == [merchant]
        assert listing.not_read == {} and listing.other_reports == []


def test_documented_reports_the_tap_does_not_read_are_named_never_loaded_as_another():
    # `acme_cancelled_subscriptions_...` ends in `_subscriptions`: taken for a subscription
    # report of merchant "acme_cancelled", it would fill subscription_report with cancellations.
    listing = files.classify(
        [
            remote("acme_crm_subscription_03052024103000.csv"),
            remote("acme_cancelled_subscriptions_03052024103000.csv"),
            remote("acme_canceled_subscriptions_03052024103000.csv"),
            remote("acme_crm_subscriber_events_03052024103000.csv"),
            remote("acmecrm_subscription__delta05032024103000.csv"),
            remote("acme_crm_subscriber_events_2024-03-05.csv"),  # neither form: not an error
        ],
        zone=ZONE,
    )
    assert list(listing.reports) == ["crm_subscription_report"]  # the CRM file is read
    assert [f.name for f in listing.files("crm_subscription_report")] == [
        "acme_crm_subscription_03052024103000.csv",
        "acmecrm_subscription__delta05032024103000.csv",
    ]
    assert listing.invalid == {}
    assert listing.not_read == {
        "cancellation report": [
            "acme_cancelled_subscriptions_03052024103000.csv",
            "acme_canceled_subscriptions_03052024103000.csv",
        ],
        "member activity file": ["acme_crm_subscriber_events_03052024103000.csv"],
    }
    assert listing.unrecognised == ["acme_crm_subscriber_events_2024-03-05.csv"]
    assert listing.merchants == {"acme"}


def test_the_crm_subscription_file_is_a_typed_stream_of_its_own():
    header, (record, rejection) = read(
        CRM_SUBSCRIPTION_REPORT,
        "og_subscription_id,customer_id,customer_email,subscription_create_date,"
        "merchant order ID,external product ID,SKU,quantity,frequency,subscription_status,"
        "next_order_date\n"
        "52845dc2b05531e59d99bc664e105ba,9647,john.doe@example.com,10302019150324,EX13282359,"
        "69527,69527,1,60,1,11022020000000\n"
        "X2,9648,,2019-10-30,,,,1,60,0,\n",
    )
    assert header.unknown == [] and header.missing == []
    assert record == {
        "og_subscription_id": "52845dc2b05531e59d99bc664e105ba",
        "customer_id": 9647,
        "customer_email": "john.doe@example.com",
        "subscription_create_date": "2019-10-30T20:03:24+00:00",  # 15:03:24 CDT
        "merchant_order_id": "EX13282359",
        "external_product_id": "69527",
        "sku": "69527",
        "quantity": 1,
        "frequency": 60,
        "subscription_status": 1,
        "next_order_date": "2020-11-02T06:00:00+00:00",  # midnight CST
        "extra_columns": None,
        "_sdc_source_file": "acme_orders_03052024103000.csv",
        "_sdc_source_line": 2,
        "_sdc_source_file_completed_at": "2024-03-05T16:30:00+00:00",
    }
    assert isinstance(rejection, Rejection)
    assert "expected a timestamp MMDDYYYYHHMMSS, got '2019-10-30'" in rejection.reason


def test_every_documented_order_column_is_a_typed_field():
    # The help center's order report header, plus the key the developer guide names.
    header, (record,) = read(
        ORDER_REPORT,
        "Order Item ID,Merchant,Ordergroove User ID,Merchant User ID,Place Date,"
        "Ordergroove Order ID,Ordergroove Subscription ID,Email Address,First Name,Last Name,"
        "Product,External Product ID,SKU,Quantity,Price,Order Subtotal,Order Status,"
        "Merchant Order ID,Rejected Error Code\n"
        "I1,Andy's Vitamins,676873,2142608423,08/26/2025,2976631,911458,jane@example.com,"
        "jane,smith,Growth 3 Bottle Bundle,1756,HS 1010-8,1,39.98,39.98,Success,V263578579,140\n",
    )
    assert header.unknown == []
    assert record["extra_columns"] is None
    assert record["ordergroove_user_id"] == 676873
    assert record["ordergroove_order_id"] == 2976631
    assert record["ordergroove_subscription_id"] == "911458"
    assert record["place_date"] == "2025-08-26"
    assert record["order_subtotal"] == Decimal("39.98")
    assert record["price"] == Decimal("39.98") and record["quantity"] == 1
    assert record["merchant_user_id"] == "2142608423"  # an id: text, as documented
    assert record["rejected_error_code"] == "140"
    schema = ORDER_REPORT.schema()["properties"]
    assert "integer" in schema["ordergroove_order_id"]["type"]
    assert schema["order_subtotal"]["type"] == ["number", "null"]


def test_earlier_and_short_header_spellings_fill_the_same_typed_fields():
    header, (record,) = read(
        ORDER_REPORT, "Order Item ID,Order Sub Total,OG Order ID,OG Subscription ID\nI1,5.00,7,S9\n"
    )
    assert header.unknown == []
    assert (record["order_subtotal"], record["ordergroove_order_id"]) == (Decimal("5.00"), 7)
    assert record["ordergroove_subscription_id"] == "S9"
    with pytest.raises(SftpFileError, match="both map to 'order_subtotal'"):
        read(ORDER_REPORT, "Order Item ID,Order Subtotal,Order Sub Total\nI1,1,1\n")


def test_every_documented_subscription_column_is_a_typed_field():
    header, (record,) = read(
        SUBSCRIPTION_REPORT,
        "Merchant,Ordergroove User ID,Merchant User ID,Create Date,Create Time,Start Date,"
        "Customer Status,Subscription ID,Public Subscription ID,Subscription Status,Cancel Date\n"
        "Andy's Vitamins,988432,941874,01/09/2016,01/09/2016 13:10:38,01/09/2016,Existing,"
        "1721223,959b9168686311e98300bc764e1043b0,active,\n",
    )
    assert header.unknown == [] and record["extra_columns"] is None
    assert record["create_date"] == "2016-01-09"
    assert record["create_time"] == "2016-01-09T19:10:38+00:00"  # Central (CST) -> UTC
    assert record["start_date"] == "2016-01-09"
    assert record["ordergroove_user_id"] == 988432
    assert record["customer_status"] == "Existing"
    assert record["public_subscription_id"] == "959b9168686311e98300bc764e1043b0"
    assert record["cancel_date"] is None
    schema = SUBSCRIPTION_REPORT.schema()["properties"]
    assert schema["create_time"]["format"] == "date-time"
    assert schema["create_date"]["format"] == "date"
