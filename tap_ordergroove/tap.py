"""The tap: its settings, its streams, and the per-run sync loop."""

from __future__ import annotations

import re
import time
import typing as t
from contextlib import contextmanager
from functools import cached_property

import click
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_ordergroove.concurrency import (
    MAX_CONCURRENT_STREAMS,
    ReaderSlots,
    SyncLock,
    sync_streams,
)
from tap_ordergroove.errors import OrdergrooveError
from tap_ordergroove.event_streams import DeletedRecordsStream, WebhookEventsStream
from tap_ordergroove.events import check_store_url
from tap_ordergroove.output import OrdergrooveWriter
from tap_ordergroove.ratelimit import RateLimiter
from tap_ordergroove.sftp import SFTP_PROPERTIES, check_sources, sftp_configured, sftp_streams
from tap_ordergroove.streams import RECONCILIATION_STREAM_TYPES, STREAM_TYPES
from tap_ordergroove.timezones import OrdergrooveZone, parse_instant

if t.TYPE_CHECKING:
    from collections.abc import Iterator

_URL = re.compile(r"^https?://[^/\s]+")
DOCS_URL = "https://github.com/tap-ordergroove/tap-ordergroove#readme"
#: ``--help`` epilog: where a user finds the settings and the docs (``\b``: keep line breaks).
HELP_EPILOG = f"""\b
Settings: `tap-ordergroove --about` lists every setting (`--about --format=markdown`
prints them as a table). Give them in the --config JSON file, or as
TAP_ORDERGROOVE_<SETTING> environment variables with --config=ENV.
Docs (sources, Meltano, deletes, SFTP, many merchants, orchestration):
{DOCS_URL}"""

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
        description="Tries per request on 423, 429, 5xx, timeouts and dropped connections "
        "before the sync stops with an error.",
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
        description="Seconds to wait for one page; large unfiltered lists can take over 20 s.",
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
        "soft_delete_missing_records",
        th.BooleanType,
        default=True,
        title="Soft-delete missing records",
        description="For full-table streams (payments, products, offer profiles, ...), send "
        "ACTIVATE_VERSION after a complete read, so targets flag rows Ordergroove no longer "
        "returns (`_sdc_deleted_at`), never deleting them. A failed run flags nothing.",
    ),
    th.Property(
        "reconcile_upcoming_deletes",
        th.BooleanType,
        default=False,
        title="Reconcile deletes of upcoming orders and items",
        description="Adds `upcoming_orders` and `upcoming_items`: the full current set of "
        "status-1 orders and their items, re-read every run; rows no longer returned are "
        "flagged `_sdc_deleted_at`. Finds deletes without webhooks (also out-of-stock item "
        "removals) at the cost of full scans of /orders/ (twice) and /items/ per run.",
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


class TapOrdergroove(Tap):
    """Singer tap for Ordergroove subscription data: REST API, SFTP exports, webhook deletes."""

    name = "tap-ordergroove"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = OrdergrooveWriter
    #: Only what this tap does and tests (no BATCH).
    capabilities = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's validation, with the values of secret settings taken out of its errors.

        jsonschema quotes the offending value ("987654321 is not of type 'string'"), and
        the SDK logs it: an unquoted numeric key in meltano.yml would reach the logs.
        """
        try:
            errors = super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            exc.errors = [self._without_secrets(error) for error in exc.errors]
            raise
        return [self._without_secrets(error) for error in errors]

    def _without_secrets(self, text: str) -> str:
        for name, spec in self.config_jsonschema["properties"].items():
            value = self._config.get(name)
            if spec.get("secret") and value not in (None, ""):
                text = text.replace(repr(value), "'***'").replace(str(value), "***")
        return text

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command; ``--help`` also says where the settings and the docs are."""
        command = super().get_singer_command()
        command.help = cls.__doc__
        command.epilog = HELP_EPILOG
        return command

    @classmethod
    def invoke(cls, **kwargs: t.Any) -> None:  # type: ignore[override]
        """The SDK's sync command, with the tap's own errors as one line (see ``_errors``)."""
        with cls._errors():
            super().invoke(**kwargs)

    @classmethod
    def cb_discover(cls, ctx: click.Context, param: click.Option, value: bool) -> None:
        """``--discover``: runs while click parses options, outside the SDK's error handling."""
        with cls._errors():
            super().cb_discover(ctx, param, value)

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """``--test``: like ``--discover``, outside the SDK's error handling."""
        with cls._errors():
            super().cb_test(ctx, param, value)

    @classmethod
    @contextmanager
    def _errors(cls) -> Iterator[None]:
        """Settings and source errors print as one line each and exit 1, no traceback.

        Their messages already say what went wrong and what to change; a traceback
        around them only buries that for the person reading the log at 6 am.
        """
        try:
            yield
        except ConfigValidationError as exc:
            for error in exc.errors or [str(exc)]:
                cls.logger.error("%s", error)
            raise click.exceptions.Exit(1) from None
        except OrdergrooveError as exc:
            cls.logger.error("%s", exc)
            raise click.exceptions.Exit(1) from None

    def _check_settings(self) -> None:
        """Settings the JSON schema cannot check, refused before any request is made."""
        _ = self.zone  # raises for a zone name that is not IANA
        problems = []
        start = self.config.get("start_date")
        if start:
            try:
                parse_instant(str(start))
            except ValueError:
                problems.append(
                    f"Setting `start_date` is {start!r}, which is not an ISO-8601 date or "
                    "time. Use e.g. '2024-01-31' or '2024-01-31T00:00:00Z'."
                )
        base = self.config.get("base_url")
        if base and not _URL.match(str(base)):
            problems.append(
                f"Setting `base_url` is {base!r}, which is not an http(s) URL. Use e.g. "
                "'https://staging.restapi.ordergroove.com', or leave it empty and set "
                "`environment`."
            )
        if problems:
            raise ConfigValidationError(" ".join(problems), errors=problems)
        if self.config.get("webhook_store_url"):
            check_store_url(str(self.config["webhook_store_url"]))

    @cached_property
    def zone(self) -> OrdergrooveZone:
        """The merchant's Ordergroove zone, validated once for all streams."""
        return OrdergrooveZone(self.config["timezone"])

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """One request budget for the whole run, shared by every stream."""
        return RateLimiter(int(self.config["max_requests_per_minute"]))

    @cached_property
    def sync_lock(self) -> SyncLock:
        """Serialises SDK work across stream threads; released while waiting on the API."""
        return SyncLock()

    @cached_property
    def reader_slots(self) -> ReaderSlots:
        """Keeps cursor chains of one object type sequential across streams."""
        return ReaderSlots(self.sync_lock)

    def discover_streams(self) -> list:
        """The REST list endpoints when `api_key` is set, the SFTP reports when `sftp_host` is."""
        check_sources(self.config)
        self._check_settings()
        streams: list = []
        if self.config.get("api_key"):
            streams += [stream_type(tap=self) for stream_type in STREAM_TYPES]
            if self.config.get("reconcile_upcoming_deletes"):
                streams += [stream_type(tap=self) for stream_type in RECONCILIATION_STREAM_TYPES]
        if self.config.get("webhook_store_url"):
            streams += [WebhookEventsStream(tap=self), DeletedRecordsStream(tap=self)]
        if sftp_configured(self.config):
            streams += sftp_streams(self)
        return streams

    def sync_all(self) -> None:
        """The SDK's loop, run over up to ``max_concurrent_streams`` streams at once."""
        self._reset_state_progress_markers()
        self._set_compatible_replication_methods()
        if self.state:
            self._state_writer.write_state(self.state)
        selected = []
        for stream in self.streams.values():
            if stream.selected:
                selected.append(stream)
            else:
                self.logger.info("Skipping deselected stream '%s'.", stream.name)
        workers = int(self.config.get("max_concurrent_streams", MAX_CONCURRENT_STREAMS))
        sync_streams(selected, self._sync_stream, self.sync_lock, workers)
        for stream in self.streams.values():
            stream.log_sync_costs()

    def _sync_stream(self, stream: Stream) -> None:
        """Sync one stream and log its one summary line."""
        before = stream.stream_state.get("replication_key_value")
        written = self.message_writer.records[stream.name]  # type: ignore[attr-defined]
        started = time.monotonic()
        stream.sync()
        stream.finalize_state_progress_markers()
        after = stream.stream_state.get("replication_key_value")
        pages = getattr(stream, "pages", None)
        requests_made = getattr(stream, "tries_total", None)
        http = "" if pages is None else f"{pages} pages, {requests_made} requests, "
        self.logger.info(
            "Stream '%s' done: %d records, %sbookmark %s -> %s, %.1f s",
            stream.name,
            self.message_writer.records[stream.name] - written,  # type: ignore[attr-defined]
            http,
            before,
            after,
            time.monotonic() - started,
        )


if __name__ == "__main__":
    TapOrdergroove.cli()
