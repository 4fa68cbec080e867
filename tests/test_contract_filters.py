"""Filter contract against the fake API: documented formats and each bound's inclusivity.

Placement responses document ``start_date`` as >= and ``end_date`` as < (non-inclusive),
both ``YYYY-MM-DD HH:mm:ss`` with a space (retrieve-placement-responses reference page);
the fake answers 400 to a ``T``. A record stamped exactly on a backfill window's seam must
arrive exactly once: excluded by the window that ends there, included by the next.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import tap_config
from tests.singer_run import run_tap

SPACED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
START = datetime(2024, 6, 1, 5, 0, tzinfo=UTC)  # 2024-06-01 00:00:00 in Chicago (CDT)
DAYS = 200


def test_placement_window_seams_lose_and_repeat_nothing(fake, tmp_path):
    seam = (START + timedelta(days=DAYS)).astimezone(ZoneInfo("America/Chicago"))
    seam_local = seam.strftime("%Y-%m-%d %H:%M:%S")  # 2024-12-17 23:00:00 (CST by then)
    order = fake.dataset.records("orders")[0]["public_id"]
    on_seam = fake.dataset.create(
        "placement_responses", order=order, response_code="000", created=seam_local
    )["public_id"]
    config = tap_config(
        fake, start_date=START.isoformat(), backfill_window_days=DAYS, page_size=100
    )
    run = run_tap(tmp_path, config, streams=["placement_responses"])

    emitted = [r["public_id"] for r in run.records["placement_responses"]]
    assert emitted.count(on_seam) == 1
    expected = {
        r["public_id"]
        for r in fake.dataset.records("placement_responses")
        if r["created"] >= "2024-06-01 00:00:00"
    }
    assert set(emitted) == expected
    assert len(emitted) == len(expected)

    first_pages = [
        e["params"]
        for e in fake.request_log.snapshot()
        if e["path"] == "/placement_logs/responses/" and "cursor" not in e["params"]
    ]
    sent = [v for p in first_pages for k, v in p.items() if k in ("start_date", "end_date")]
    assert sent
    assert all(SPACED.match(value) for value in sent), sent
    ends = [p["end_date"] for p in first_pages if "end_date" in p]
    starts = [p["start_date"] for p in first_pages]
    assert seam_local in ends  # the window that ends on the seam excludes it (<) ...
    assert seam_local in starts  # ... and the next one starts there (>=)
    assert all(e["status"] == 200 for e in fake.request_log.snapshot())
