"""The tap's settings: the JSON schema ``--about`` lists and the config is validated against.

One schema for the three sources, in the order ``--about`` and Meltano show them: the REST
API's (key, host, filters, paging, retries, pacing, deletes), the ones every stream shares
(``max_concurrent_streams``, ``progress_interval_seconds``), the webhook store's
(``webhook_store_url``), then the SFTP source's (``sftp/settings.py``). ``tap.py`` reads
them; the checks of what a user hands in are ``checks.py``'s.
"""

from __future__ import annotations

from singer_sdk import typing as th

from tap_ordergroove.concurrency import MAX_CONCURRENT_STREAMS
from tap_ordergroove.progress import PROGRESS_INTERVAL
from tap_ordergroove.sftp import SFTP_PROPERTIES

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "api_key",
        th.StringType,
        secret=True,
        title="API key",
        description="Ordergroove API key with the 'Bulk Operations' permission "
        "(Ordergroove admin > Developers > API keys). Sent as `x-api-key`; never logged. "
        "Empty: no REST streams (SFTP-only merchants set `sftp_host` instead).",
    ),
    th.Property(
        "environment",
        th.StringType,
        default="production",
        allowed_values=["production", "staging"],
        title="Environment",
        description="Which Ordergroove REST host to read: production "
        "(restapi.ordergroove.com) or staging (staging.restapi.ordergroove.com). "
        "Staging needs its own key.",
    ),
    th.Property(
        "base_url",
        th.StringType,
        title="Base URL",
        description="Overrides `environment` with another host, e.g. a proxy or the bundled "
        "fake API (http://127.0.0.1:8765).",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        title="Start date",
        description="Earliest update time to sync on the first run (ISO-8601; without an "
        "offset it is read as UTC). Empty: everything.",
    ),
    th.Property(
        "timezone",
        th.StringType,
        default="America/Chicago",
        title="Ordergroove time zone",
        description="IANA zone Ordergroove timestamps and filters are in. Ordergroove uses US "
        "Central time; one FAQ says Eastern, hence the setting.",
    ),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=100),
        default=100,
        title="Page size",
        description="Records per request for all list endpoints but placement responses "
        "(1-100; Ordergroove caps at 100).",
    ),
    th.Property(
        "placement_responses_page_size",
        th.IntegerType(minimum=1, maximum=1000),
        default=1000,
        title="Placement responses page size",
        description="Records per request for placement responses (1-1000).",
    ),
    th.Property(
        "lookback_minutes",
        th.NumberType(minimum=0),
        default=15,
        title="Lookback window (minutes)",
        description="A saved bookmark is never later than this run's start minus this many "
        "minutes (it is the newest value seen when that is earlier), to absorb clock "
        "differences and late commits at Ordergroove. Costs only a few re-read records.",
    ),
    th.Property(
        "backfill_window_days",
        th.IntegerType(minimum=1),
        title="Backfill window (days)",
        description="Slice incremental reads into windows of this many days "
        "(`updated_start`/`updated_end`), as Ordergroove advises for initial loads of large "
        "accounts, e.g. 30. Empty: one request chain per stream.",
    ),
    th.Property(
        "one_time_incentives_incremental",
        th.BooleanType,
        default=True,
        title="One-time incentives incremental",
        description="Filter one-time incentives with `last_updated_start` (API reference). Set "
        "false to read them in full each run (integration guide says there is no filter).",
    ),
    th.Property(
        "max_tries",
        th.IntegerType(minimum=1),
        default=8,
        title="Max tries per request",
        description="Tries per request on 423, 429, 5xx, timeouts, dropped connections and "
        "200s that are not JSON before the sync stops with an error.",
    ),
    th.Property(
        "retry_backoff_seconds",
        th.NumberType(minimum=0),
        default=1.0,
        title="Retry backoff base (seconds)",
        description="First retry waits about this long, doubling each try (max 60 s), with "
        "jitter. A Retry-After header from Ordergroove wins.",
    ),
    th.Property(
        "request_timeout",
        th.IntegerType(minimum=1),
        default=120,
        title="Request timeout (seconds)",
        description="Wall-clock seconds for one whole page (headers and body); a page not "
        "complete by then is retried. Large unfiltered lists can take over 20 s.",
    ),
    th.Property(
        "max_requests_per_minute",
        th.IntegerType(minimum=1, maximum=6000),
        default=6000,
        title="Max requests per minute",
        description="Client-side pace across all streams; Ordergroove allows 6,000/minute per IP.",
    ),
    th.Property(
        "max_concurrent_streams",
        th.IntegerType(minimum=1, maximum=MAX_CONCURRENT_STREAMS),
        default=MAX_CONCURRENT_STREAMS,
        title="Max concurrent streams",
        description="Object types synced in parallel, one request in flight each (1-5; "
        "Ordergroove allows 5 requests in flight). 1 syncs streams one after another.",
    ),
    th.Property(
        "progress_interval_seconds",
        th.IntegerType(minimum=0),
        default=PROGRESS_INTERVAL,
        title="Progress interval (seconds)",
        description="Every this many seconds, log one line per running stream (records, "
        "pages, rate, elapsed, window being read). 0: only the final summaries.",
    ),
    th.Property(
        "soft_delete_missing_records",
        th.BooleanType,
        default=True,
        title="Soft-delete missing records",
        description="For full-table streams (payments, products, offer profiles, ...), send "
        "ACTIVATE_VERSION after a complete read, so targets flag rows Ordergroove no longer "
        "returns (`_sdc_deleted_at`), never deleting them. A failed run flags nothing.",
    ),
    th.Property(
        "strict_values",
        th.BooleanType,
        default=False,
        title="Stop on values that do not fit",
        description="By default a value the tap cannot convert (a date like 2017-02-29, a "
        "total of 'undefined') is quarantined: its column gets null, the raw value is kept in "
        "the row's `_extra_fields` under its path, and the stream's summary counts it. Set "
        "true to stop the sync on such a value instead.",
    ),
    th.Property(
        "reconcile_upcoming_deletes",
        th.BooleanType,
        default=False,
        title="Reconcile deletes of upcoming orders and items",
        description="Adds `upcoming_orders` and `upcoming_items`: the full current set of "
        "status-1 orders and their items, re-read every run; rows no longer returned are "
        "flagged `_sdc_deleted_at`. Finds deletes without webhooks (also out-of-stock item "
        "removals); reads only status-1 orders and items (`status=1`), about "
        "ceil(upcoming orders / 100) + ceil(their items / 100) requests per run.",
    ),
    th.Property(
        "resync_deletes_every_days",
        th.IntegerType(minimum=1),
        title="Resync to find deletes (days)",
        description="Every this many days, read each incremental REST stream (customers, "
        "addresses, subscriptions, orders, items, one-time incentives, placement responses) in "
        "full, ignoring its bookmark and `start_date`, and after a complete read send "
        "ACTIVATE_VERSION so rows Ordergroove no longer returns get `_sdc_deleted_at`. A failed "
        "read flags nothing and is redone next run. Cost: one full scan per stream (README). "
        "Empty: never.",
    ),
    th.Property(
        "full_table_every_hours",
        th.IntegerType(minimum=0),
        default=0,
        title="Read full-table streams every (hours)",
        description="Read the full-table REST streams (payments, products, offer profiles, "
        "product groups, merchant cancel reasons, resources) and their child tables at most "
        "every this many hours; runs in between skip them and send nothing for them. Their "
        "changes and deletes arrive up to this late. A failed read is redone next run; a run "
        "without state (`--full-refresh`) or with a deletes resync due reads them. 0: every "
        "run (docs/full-table-cadence.md).",
    ),
    th.Property(
        "webhook_store_url",
        th.StringType,
        secret=True,
        title="Webhook event store URL",
        description="Where `tap-ordergroove-webhooks serve` stores events "
        "(sqlite:///abs/path/events.db or postgresql://user@host/db). Adds the "
        "`webhook_events` and `deleted_records` streams and soft-deletes orders and items "
        "deleted in Ordergroove. Empty: no webhook streams.",
    ),
    *SFTP_PROPERTIES,
).to_dict()
