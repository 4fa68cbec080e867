"""A state file written by the released layout resumes unchanged (issue 19.4).

``tests/data/state_before_rest_subpackage.json`` is the final STATE main's tap wrote at
0990a52, before the REST source moved into ``tap_ordergroove/rest/``: every stream, against
the fake below, with ``resync_deletes_every_days=3650`` and ``full_table_every_hours=87600``
so the file holds every kind of key a REST stream saves (bookmarks, ``deletes_resynced_at``,
``full_table_read_at``, children's bookmarks). The same config and data now must resume from
it: each incremental stream asks only for what changed since its bookmark, full-table
streams are skipped on the saved read time, no deletes resync starts, and the final state
has the same streams, keys and value formats.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tap_ordergroove.timezones import OrdergrooveZone, parse_instant
from tests.conftest import start_fake, tap_config
from tests.expected import utc
from tests.singer_run import run_tap

OLD_STATE = Path(__file__).parent / "data" / "state_before_rest_subpackage.json"
#: Incremental REST streams: (path, start filter, replication field, key, filter format).
INCREMENTAL = {
    "customers": ("/customers/", "updated_start", "last_updated", "merchant_user_id"),
    "subscriptions": ("/subscriptions/", "updated_start", "updated", "public_id"),
    "orders": ("/orders/", "updated_start", "updated", "public_id"),
    "items": ("/items/", "order_updated_start", "order_updated", "public_id"),
    "addresses": ("/addresses/", "updated_start", "updated", "public_id"),
    "one_time_incentives": (
        "/one_time_incentives/",
        "last_updated_start",
        "last_updated",
        "public_id",
    ),
    "placement_responses": ("/placement_logs/responses/", "start_date", "created", "public_id"),
}
SPACED = {"placement_responses"}  # documents `YYYY-MM-DD HH:MM:SS` filters
FULL_TABLE_PATHS = (
    "/payments/",
    "/products/",
    "/offer_profiles/",
    "/product_groups/",
    "/merchant/cancel_reason/",
    "/resources/",
)
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def start_filter(bookmark: str, stream: str) -> str:
    fmt = "%Y-%m-%d %H:%M:%S" if stream in SPACED else "%Y-%m-%dT%H:%M:%S"
    zone = OrdergrooveZone("America/Chicago")
    return zone.filter_value(parse_instant(bookmark), bound="start", fmt=fmt)


def shape(state: dict) -> dict[str, set[str]]:
    """Per stream, the keys of its state entry (what a resumed run must keep writing)."""
    return {stream: set(entry) for stream, entry in state["bookmarks"].items()}


def test_a_state_file_from_before_the_rest_subpackage_resumes(tmp_path):
    old = json.loads(OLD_STATE.read_text())
    fake = start_fake(customers=40, seed=61)  # the data the old state was written against
    try:
        changed_order = fake.dataset.records("orders")[3]["public_id"]
        fake.dataset.update("orders", changed_order, discount_total="1.23")
        customer = fake.dataset.records("customers")[2]["merchant_user_id"]
        fake.dataset.update("customers", customer, first_name="Changed")
        config = tap_config(fake, resync_deletes_every_days=3650, full_table_every_hours=87600)
        run = run_tap(tmp_path, config, state=old)

        pages = [
            e
            for e in fake.request_log.snapshot()
            if "cursor" not in e["params"] and e["params"].get("page_size") != "1"
        ]
        for stream, (path, start_param, field, key) in INCREMENTAL.items():
            bookmark = old["bookmarks"][stream]["replication_key_value"]
            firsts = [e["params"] for e in pages if e["path"] == path]
            assert firsts, f"{stream}: not read"
            for params in firsts:
                assert params.get(start_param) == start_filter(bookmark, stream), (
                    f"{stream}: did not resume from its saved bookmark {bookmark}: {params}"
                )
            expected = {r[key] for r in fake.dataset.records(stream) if utc(r[field]) >= bookmark}
            got = {r[key] for r in run.records.get(stream, [])}
            assert got == expected, f"{stream}: read more or less than what changed"
            assert len(got) < len(fake.dataset.records(stream)), f"{stream}: read in full"
        assert changed_order in {r["public_id"] for r in run.records["orders"]}
        assert customer in {r["merchant_user_id"] for r in run.records["customers"]}

        # Full-table streams were read within full_table_every_hours: skipped, nothing sent.
        assert not [e for e in pages if e["path"] in FULL_TABLE_PATHS]
        assert "payments" not in run.records and "products" not in run.records
        assert "deletes resync due" not in run.stderr

        new = run.state
        assert shape(new) == shape(old)
        for stream, entry in new["bookmarks"].items():
            for name, value in entry.items():
                if name == "replication_key":
                    assert value == old["bookmarks"][stream][name], stream
                else:
                    assert INSTANT.match(value), f"{stream}.{name}: {value!r}"
                if name in ("full_table_read_at", "deletes_resynced_at"):
                    assert value == old["bookmarks"][stream][name], f"{stream}.{name} moved"
        for stream in INCREMENTAL:
            new_value = new["bookmarks"][stream]["replication_key_value"]
            assert new_value >= old["bookmarks"][stream]["replication_key_value"], stream
        assert (
            new["bookmarks"]["orders"]["replication_key_value"]
            > (old["bookmarks"]["orders"]["replication_key_value"])
        )
    finally:
        fake.stop()
