"""The one place that knows how to talk to Ordergroove's list endpoints.

Owns: host and auth, the v2 cursor envelope and its ``next`` links, error
classification (fatal vs retryable), backoff with Retry-After, client-side
pacing, Central-time filters, type conversion of records, and the bookmark
rule. Stream classes in ``streams.py`` only declare what differs per endpoint.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import typing as t
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from functools import cached_property
from http import HTTPStatus

import backoff
import msgspec
import requests
import urllib3
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_ordergroove import resync
from tap_ordergroove.coerce import RecordConverter
from tap_ordergroove.errors import (
    OrdergrooveAuthError,
    OrdergrooveConnectionError,
    OrdergrooveRequestError,
    OrdergrooveResponseError,
    OrdergrooveRetriesExhausted,
)
from tap_ordergroove.events import DELETED_AT, deletions, read_events
from tap_ordergroove.timezones import OrdergrooveZone, parse_instant, utc_iso

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable
    from urllib.parse import ParseResult

    from singer_sdk.helpers.types import Context

ENVIRONMENTS = {
    "production": "https://restapi.ordergroove.com",
    "staging": "https://staging.restapi.ordergroove.com",
}
API_VERSION_HEADER = "X-OG-API-VERSION"
RETRYABLE_STATUSES = frozenset({HTTPStatus.LOCKED, HTTPStatus.TOO_MANY_REQUESTS})
RETRYABLE_EXCEPTIONS = (  # what the SDK's backoff retries; anything else fails at once
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
MAX_RETRY_AFTER_SECONDS = 300.0
MAX_BACKOFF_SECONDS = 60.0
_BODY_ATTR = "_ordergroove_body"
_TAGS = re.compile(r"<[^>]*>")
#: Numbers Ordergroove sends unquoted become exact decimals, never floats; msgspec also
#: parses a page about twice as fast as the json module.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)
#: Stream-state key: end of the last fully read backfill window of an unfinished run.
BACKFILL_MARKER = "backfill_done_until"
#: Stream-state key: last webhook-store ``seq`` whose deletes this stream has emitted.
WEBHOOK_SEQ = "webhook_seq"


def response_body(response: requests.Response) -> dict:
    """The parsed list envelope, parsed once per response (paginator and parser share it)."""
    body = getattr(response, _BODY_ATTR, None)
    if body is None:
        try:
            body = _DECODER.decode(response.content)
        except ValueError as exc:
            msg = (
                f"Ordergroove answered {response.status_code} for {response.request.path_url} "
                f"with a body that is not JSON: {response.text[:200]!r}"
            )
            raise OrdergrooveResponseError(msg) from exc
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            msg = (
                f"Ordergroove answered {response.request.path_url} without the list envelope "
                f"{{next, previous, results}}; got {str(body)[:200]!r}. Check `base_url`."
            )
            raise OrdergrooveResponseError(msg)
        setattr(response, _BODY_ATTR, body)
    return body


def api_message(response: requests.Response) -> str:
    """Ordergroove's own error text (``{"detail": ...}`` or ``{"field": [...]}``), shortened."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(_TAGS.sub(" ", response.text).split())  # an HTML error page's words
        return text[:200] or response.reason
    if isinstance(body, dict) and set(body) == {"detail"}:
        return str(body["detail"])[:300].rstrip(".")
    return json.dumps(body, separators=(",", ":"))[:300]


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if present."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class OrdergroovePaginator(BaseHATEOASPaginator):
    """Follows the v2 envelope's ``next`` link, which already carries cursor and filters."""

    def get_next_url(self, response: requests.Response) -> str | None:
        """The absolute URL of the next page, or None on the last page."""
        return response_body(response).get("next")


class OrdergrooveStream(RESTStream):
    """Base class for one Ordergroove list endpoint."""

    #: Query parameters every first-page request carries (e.g. products' ``autoship_enabled``).
    extra_params: t.ClassVar[dict[str, str]] = {}
    #: Names of the incremental filter parameters, when the endpoint has them.
    start_param: t.ClassVar[str | None] = None
    end_param: t.ClassVar[str | None] = None
    #: Largest page size the endpoint accepts, and the setting that picks it.
    page_size_setting: t.ClassVar[str] = "page_size"
    #: Object type whose webhook delete snapshots become soft-deleted rows in this stream.
    tombstone_type: t.ClassVar[str | None] = None
    #: Warn about fields the schema lacks (off for streams that keep a subset on purpose).
    report_unknown_fields: t.ClassVar[bool] = True

    is_sorted = False  # Ordergroove pages by `created`, never by the updated timestamp.
    check_sorted = True  # keeps the max replication value while records arrive unsorted
    #: ``coerce.RecordConverter`` already emits schema types; a second pass would only cost CPU.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_started_at = datetime.now(UTC)
        self.pages = 0
        self.tries_total = 0

    # Connection ---------------------------------------------------------------

    @property
    def url_base(self) -> str:
        """``base_url`` when set, else the host of the configured environment."""
        base = self.config.get("base_url") or ENVIRONMENTS[self.config["environment"]]
        return base.rstrip("/")

    @cached_property
    def authenticator(self) -> APIKeyAuthenticator:
        """Sends the key as ``x-api-key``; it never goes into a URL, so never into logs."""
        return APIKeyAuthenticator(key="x-api-key", value=self.config["api_key"])

    @cached_property
    def requests_session(self) -> requests.Session:
        """A session that reads proxy and CA settings from the environment once.

        requests re-reads the whole environment on every request otherwise (about 0.8 ms
        a page); proxies (honouring NO_PROXY) and the CA bundle are resolved up front.
        """
        session = requests.Session()
        session.proxies.update(requests.utils.get_environ_proxies(self.url_base))
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get(
            "CURL_CA_BUNDLE", True
        )
        session.trust_env = False
        return session

    @property
    def http_headers(self) -> dict:
        """Headers of every call; the version header switches lists to cursor pagination."""
        return {
            API_VERSION_HEADER: "2",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }

    @property
    def timeout(self) -> int:
        """Seconds before a request is abandoned and retried (large lists can take 20 s+)."""
        return int(self.config["request_timeout"])

    @cached_property
    def zone(self) -> OrdergrooveZone:
        """The merchant's Ordergroove zone; shared by filters and record conversion."""
        return self._tap.zone  # type: ignore[attr-defined]

    # Requests -----------------------------------------------------------------

    def get_new_paginator(self) -> OrdergroovePaginator:
        """A cursor paginator that follows ``next`` verbatim."""
        return OrdergroovePaginator()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """First page: path plus our parameters. Later pages: exactly the ``next`` URL."""
        token: ParseResult | None = page.next_page_token
        if token is None:
            return super().get_http_request(page=page)
        return HTTPRequest(url=token.geturl(), headers=self.http_headers)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """First-page parameters: page size, endpoint defaults and the time window."""
        params: dict[str, t.Any] = {"page_size": self.config[self.page_size_setting]}
        params.update(self.extra_params)
        window = context or {}
        if self.start_param and window.get("start"):
            start = parse_instant(window["start"])
            params[self.start_param] = self.zone.filter_value(start, bound="start")
        if self.end_param and window.get("end"):
            end = parse_instant(window["end"])
            params[self.end_param] = self.zone.filter_value(end, bound="end")
        return params

    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        self._tap.rate_limiter.wait()  # type: ignore[attr-defined]
        self.tries_total += 1
        return super()._request(prepared_request, context)

    def validate_response(self, response: requests.Response) -> None:
        """Sort answers into fatal (stop now, say why) and retryable (back off, try again)."""
        status = response.status_code
        if status < HTTPStatus.BAD_REQUEST:
            return
        path = response.request.path_url.split("?")[0] if response.request else self.path
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise OrdergrooveAuthError(self._auth_message(status, api_message(response)))
        if status in RETRYABLE_STATUSES or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            msg = f"{status} {response.reason} from {path}: {api_message(response)}"
            raise RetriableAPIError(msg, response)
        hint = (
            " Check `base_url` / `environment`: this path does not exist there."
            if status == HTTPStatus.NOT_FOUND
            else " A filter or page size was refused; check `start_date`, `page_size`."
        )
        msg = f"Ordergroove rejected GET {path} with {status}: {api_message(response)}.{hint}"
        raise OrdergrooveRequestError(msg)

    def _auth_message(self, status: int, detail: str) -> str:
        where = self.config.get("base_url") or (
            f"{self.config['environment']} ({ENVIRONMENTS[self.config['environment']]})"
        )
        return (
            f"Ordergroove refused the API key with {status} ({detail}) at {where}. Check that "
            "`api_key` is right, that it was issued for this environment (staging and "
            "production keys differ; see `environment`), and that it has the 'Bulk Operations' "
            "permission, which a data sync needs."
        )

    # Retries ------------------------------------------------------------------

    def backoff_wait_generator(self) -> Generator[float, t.Any, None]:  # type: ignore[override]
        """Exponential backoff with jitter, or the server's Retry-After when it sends one."""
        base = float(self.config["retry_backoff_seconds"])
        exc = yield 0.0
        attempt = 0
        while True:
            attempt += 1
            response = getattr(exc, "response", None)
            server_says = retry_after_seconds(response)
            if server_says is not None:
                exc = yield server_says
                continue
            ceiling = min(MAX_BACKOFF_SECONDS, base * 2 ** (attempt - 1))
            exc = yield ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311

    def backoff_jitter(self, value: float) -> float:
        """Jitter is already in the wait generator; Retry-After must be honoured as is."""
        return value

    def backoff_max_tries(self) -> int:
        """Tries per request before giving up (setting ``max_tries``)."""
        return int(self.config["max_tries"])

    def backoff_handler(self, details: t.Mapping[str, t.Any]) -> None:
        """One warning per retry, naming the path and the failure, never the key."""
        exc = details.get("exception")
        self.logger.warning(
            "Retrying %s after try %d of %d failed (%s); waiting %.1f s",
            self.path,
            details.get("tries"),
            self.backoff_max_tries(),
            _describe(exc),
            details.get("wait") or 0.0,
        )

    def request_decorator(self, func: Callable) -> Callable:
        """The SDK's retry loop, logged once per retry, with a clear error at the end.

        The same ``backoff.on_exception`` the SDK builds, but without the library's own
        'Backing off' / 'Giving up' lines: ``backoff_handler`` already logs each retry
        (path, try N of M, wait) and the final error says what to do.
        """
        retrying = backoff.on_exception(
            self.backoff_wait_generator,
            RETRYABLE_EXCEPTIONS,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

        def call(prepared_request: requests.PreparedRequest, context: Context | None) -> t.Any:
            try:
                with self._tap.sync_lock.released():  # type: ignore[attr-defined]
                    return retrying(prepared_request, context)
            except RETRYABLE_EXCEPTIONS as exc:
                if _never_connected(exc):
                    raise OrdergrooveConnectionError(self._connection_message(exc)) from None
                msg = (
                    f"Gave up on {self.path} after {self.backoff_max_tries()} tries: "
                    f"{_describe(exc)}. Ordergroove kept rate-limiting, locking or failing, or "
                    "the network dropped. Streams that finished keep their bookmarks; this "
                    "stream's bookmark did not move. Re-run later, or raise `max_tries` / "
                    "`request_timeout`."
                )
                raise OrdergrooveRetriesExhausted(msg) from exc

        return call

    def _connection_message(self, exc: BaseException) -> str:
        where = self.config.get("base_url") or (
            f"{ENVIRONMENTS[self.config['environment']]} (`environment` "
            f"{self.config['environment']})"
        )
        return (
            f"Could not connect to {where} after {self.backoff_max_tries()} tries: "
            f"{_connection_reason(exc)}. Check `base_url` (when set it replaces "
            "`environment`; in this project's meltano.yml the `dev` environment sets it to "
            "the local fake API), `environment`, and this machine's network, proxy and DNS."
        )

    # Records ------------------------------------------------------------------

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        """The ``results`` of one page."""
        self.pages += 1
        return response_body(response)["results"]

    @cached_property
    def converter(self) -> RecordConverter:
        """Compiled once: turns loose API values into the schema's types."""
        return RecordConverter(self.name, self.schema, list(self.primary_keys or []), self.zone)

    @cached_property
    def _nothing_deselected(self) -> bool:
        return all(self.mask.values())

    def _generate_record_messages(self, record: dict) -> Iterable[RecordMessage]:
        """The SDK's RECORD messages without its two per-record schema walks.

        Safe when no property is deselected: ``post_process`` already emits exactly the
        schema's fields and types, so the walks (drop deselected, conform types) change
        nothing and cost about a fifth of the tap's CPU. Otherwise the SDK path runs.
        """
        if not self._nothing_deselected:
            yield from super()._generate_record_messages(record)
            return
        extracted = utc_now()
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=extracted,
                )

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Convert types and time zones; a tombstone keeps its ``_sdc_deleted_at``."""
        deleted_at = row.pop(DELETED_AT, None)
        record = self.converter(row)
        if deleted_at:
            record[DELETED_AT] = deleted_at
        return record

    # Incremental sync -----------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Read every time window in turn (one window unless ``backfill_window_days`` is set).

        After each closed window a STATE records its end, so a run that crashes mid-backfill
        resumes from there. Safe: a window ends before this run started, and anything
        changed after its window was read now carries a later timestamp.
        """
        version = self._begin_table_version()
        last_seq = yield from self.tombstones()
        for window in self.windows(context):
            yield from self.request_records(window)
            if window.get("end"):
                self.stream_state[BACKFILL_MARKER] = window["end"]
                self.state_manager.is_flushed = False
                self._write_state_message()
        self.stream_state.pop(BACKFILL_MARKER, None)
        if last_seq is not None:
            self.stream_state[WEBHOOK_SEQ] = last_seq
        resync.mark_done(self)  # after the last page only: a partial resync is redone
        if self.converter.unknown_seen and self.report_unknown_fields:
            self.logger.warning(
                "Stream '%s': Ordergroove sent fields the schema does not know, not emitted: %s",
                self.name,
                ", ".join(sorted(self.converter.unknown_seen)),
            )
        if version is not None:
            # Only now, after every page was read: a failed run never flags live rows.
            self._write_activate_version_message(version)

    def _begin_table_version(self) -> int | None:
        """For full-table streams and deletes resyncs, a version for this read of the whole table.

        The SDK sends ACTIVATE_VERSION before the records, which makes targets flag every
        row deleted until the run completes, and leaves them flagged if it fails. The tap
        stamps the records with the version instead and activates it after the last page.
        """
        if not self.selected:  # read only for its child tables: no records, no version
            return None
        if self.replication_key:
            if not resync.is_due(self):  # incremental: only a deletes resync reads it all
                return None
        elif not self.config.get("soft_delete_missing_records", True):
            return None
        self._stream_version = int(time.time() * 1000)
        return self._stream_version

    def request_records(self, context: Context | None) -> Iterable[dict]:
        """One cursor chain, holding this endpoint's reader slot (one reader per type)."""
        with self._tap.reader_slots.reading(self.path):  # type: ignore[attr-defined]
            yield from super().request_records(context)

    def tombstones(self) -> Generator[dict, None, int | None]:
        """Last-known records of objects deleted since the previous run, flagged deleted.

        Emitted BEFORE the REST pages, so an object that exists again (re-created after
        its delete) is overwritten by its live row and does not stay flagged. Deletes
        without a snapshot only reach ``deleted_records``: a partial row here would
        null out the warehouse row. Returns the last store ``seq`` read (saved only
        once the whole stream has synced).
        """
        url = self.config.get("webhook_store_url")
        if not self.tombstone_type or not url:
            return None
        last_seq = after = int(self.stream_state.get(WEBHOOK_SEQ, 0))
        for event in read_events(url, after):
            last_seq = event.seq
            for deletion in deletions(event):
                if deletion.object_type == self.tombstone_type and deletion.snapshot:
                    yield {**deletion.snapshot, DELETED_AT: deletion.deleted_at}
        return last_seq

    def windows(self, context: Context | None) -> list[dict[str, str]]:
        """Time windows to read: ``[start, +N days], ..., [last, open end]``.

        The last window has no end, so records updated while the run reads are
        still caught. Without a starting point there is one unfiltered window.
        """
        if not self.replication_key or not self.start_param:
            return [{}]
        if resync.is_due(self):
            self.logger.info("Stream '%s': deletes resync due, reading every record", self.name)
            return [{}]
        start = self.get_starting_timestamp(context)
        resume = self.stream_state.get(BACKFILL_MARKER)
        if resume and (start is None or parse_instant(resume) > start):
            self.logger.info("Stream '%s': resuming backfill at %s", self.name, resume)
            start = parse_instant(resume)
        if start is None:
            return [{}]
        days = self.config.get("backfill_window_days")
        if not days:
            return [{"start": utc_iso(start)}]
        step = timedelta(days=int(days))
        windows = []
        while start + step < self.run_started_at:
            windows.append({"start": utc_iso(start), "end": utc_iso(start + step)})
            start += step
        windows.append({"start": utc_iso(start)})
        return windows

    def get_replication_key_signpost(self, context: Context | None = None) -> str | None:
        """The newest bookmark this run may save: its own start, minus the lookback window.

        Ordergroove's rule: the next run starts where this one STARTED, because
        records updated while pages were being read may sit on pages already
        read (results are ordered by creation, not update). The SDK saves
        ``min(max value seen, signpost)``; the lookback absorbs clock skew.
        """
        if not self.replication_key:
            return None
        lookback = timedelta(minutes=float(self.config["lookback_minutes"]))
        return utc_iso(self.run_started_at - lookback)


def _never_connected(exc: BaseException) -> bool:
    """True when no connection was made at all (refused, unknown host), not a drop."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
        reason, urllib3.exceptions.NewConnectionError
    )


def _connection_reason(exc: BaseException) -> str:
    """'connection refused' or 'name not resolved', without urllib3's nesting."""
    reason = getattr(exc.args[0], "reason", None)
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "the host name does not resolve"
    text = str(reason)
    return "connection refused" if "refused" in text.lower() else text.split(": ", 1)[-1]


def _describe(exc: BaseException | None) -> str:
    """A short, key-free description of a request failure."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
