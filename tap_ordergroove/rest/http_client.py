"""How one page is fetched from Ordergroove: host, auth, deadline, retries, verdicts.

``OrdergrooveHTTPStream`` is the HTTP half of every REST stream: it sends one request
under a wall-clock deadline, sorts the answer into fatal (stop, say what to change) or
retryable (back off, try again), and retries with exponential backoff, honouring
``Retry-After``. What a page *means* (envelope, records, bookmarks) is ``client.py``'s and
its mixins' (``records.py``, ``windows.py``, ``tombstones.py``, ``drift.py``).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import typing as t
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from functools import cached_property
from http import HTTPStatus

import msgspec
import requests
import urllib3
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError

from tap_ordergroove import deadline, stopping
from tap_ordergroove.errors import (
    OrdergrooveAuthError,
    OrdergrooveConnectionError,
    OrdergrooveRequestError,
    OrdergrooveResponseError,
    OrdergrooveRetriesExhausted,
    OrdergrooveTLSError,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from singer_sdk.helpers.types import Context

ENVIRONMENTS = {
    "production": "https://restapi.ordergroove.com",
    "staging": "https://staging.restapi.ordergroove.com",
}
API_VERSION_HEADER = "X-OG-API-VERSION"
RETRYABLE_STATUSES = frozenset({HTTPStatus.LOCKED, HTTPStatus.TOO_MANY_REQUESTS})
RETRYABLE_EXCEPTIONS = (  # retried with backoff; anything else fails at once
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
MAX_RETRY_AFTER_SECONDS = 300.0
MAX_BACKOFF_SECONDS = 60.0
#: Until the API has answered once in this run, a host that cannot be resolved or refuses
#: the connection is almost always a wrong `base_url`: a few quick tries, then the error.
FIRST_CONTACT_TRIES = 3
FIRST_CONTACT_SECONDS = 10.0
FIRST_CONTACT_MAX_WAIT = 2.0
#: Longest failure text in a retry warning (an API body or a urllib3 chain can run to 500+).
MAX_REASON_CHARS = 160
_BODY_ATTR = "_ordergroove_body"
#: ``build_prepared_request`` arguments a reused request may differ in (only ``url``).
_URL_ONLY = frozenset({"method", "url", "params", "headers", "data", "json"})
_TAGS = re.compile(r"<[^>]*>")
#: Numbers Ordergroove sends unquoted become exact decimals, never floats; msgspec also
#: parses a page about twice as fast as the json module.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class PageDeadlineExceeded(requests.exceptions.ReadTimeout):
    """The page was not complete within ``request_timeout`` seconds (retried like a timeout)."""


class NotJSONError(RetriableAPIError):
    """A 2xx whose body is not JSON: a gateway's HTML page or an answer cut short."""


def decoded_body(response: requests.Response) -> t.Any:
    """The JSON body, parsed once per response and kept on it.

    Raises ``NotJSONError`` (retryable): proxies and load balancers answer 200 with an
    HTML page, or cut an answer short, now and then.
    """
    body = getattr(response, _BODY_ATTR, None)
    if body is None:
        try:
            body = _DECODER.decode(response.content)
        except (msgspec.DecodeError, ValueError) as exc:
            path = response.request.path_url.split("?")[0] if response.request else "?"
            msg = (
                f"{response.status_code} {response.reason} from {path} with a body that is "
                f"not JSON: {_snippet(response)!r}"
            )
            raise NotJSONError(msg, response) from exc
        setattr(response, _BODY_ATTR, body)
    return body


def _snippet(response: requests.Response) -> str:
    """The start of a body, HTML tags taken out, for an error message."""
    text = response.content[:400].decode("utf-8", "replace")
    return " ".join(_TAGS.sub(" ", text).split())[:200]


def api_message(response: requests.Response) -> str:
    """Ordergroove's own error text (``{"detail": ...}`` or ``{"field": [...]}``), shortened."""
    try:
        body = response.json()
    except ValueError:
        return _snippet(response) or response.reason
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


class OrdergrooveHTTPStream(RESTStream):
    """Sends one request at a time to Ordergroove and decides what each answer means."""

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
        """A session whose requests a deadline or a stop can cut short.

        requests re-reads the whole environment on every request otherwise (about 0.8 ms
        a page); proxies (honouring NO_PROXY) and the CA bundle are resolved up front.
        """
        session = deadline.mount(requests.Session())
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
        """Wall-clock seconds for one whole page (large lists can take 20 s+)."""
        return int(self.config["request_timeout"])

    def _where(self) -> str:
        """The host being read, as the user configured it."""
        return self.config.get("base_url") or (
            f"{ENVIRONMENTS[self.config['environment']]} (`environment` "
            f"{self.config['environment']})"
        )

    # One request --------------------------------------------------------------

    def build_prepared_request(self, *args: t.Any, **kwargs: t.Any) -> requests.PreparedRequest:
        """The SDK's prepared request; a later page's is the previous one with its own URL.

        ``Session.prepare_request`` merges the session's headers, cookies, hooks and auth
        and checks every header again on every page, about a tenth of the tap's CPU. When a
        request's inputs other than its URL (method, headers, no body, no parameters) and
        the session's state (headers, parameters, hooks, auth, no cookies) are what they
        were for the previous request, only what depends on the URL is prepared again:
        the URL, then the authenticator (which may rewrite the URL), as ``prepare`` does.
        Anything else takes the SDK's path and becomes the new template.
        """
        headers = kwargs.get("headers")
        if isinstance(headers, dict):
            headers.setdefault("User-Agent", self.user_agent)
        session = self.requests_session
        session.auth = self.authenticator
        key = (
            kwargs.get("method"),
            headers,
            dict(session.headers),
            session.auth,
            session.hooks,
        )
        template = self._request_template
        if (
            template is not None
            and not args
            and kwargs.keys() <= _URL_ONLY
            and not kwargs.get("params")
            and kwargs.get("data") is None
            and kwargs.get("json") is None
            and not session.params
            and not session.cookies
            and key == template[0]
        ):
            prepared = template[1].copy()
            prepared.prepare_url(kwargs.get("url"), None)
            prepared.prepare_auth(session.auth)
            return prepared
        prepared = super().build_prepared_request(*args, **kwargs)
        no_cookies = "Cookie" not in prepared.headers and not session.cookies
        self._request_template = (key, prepared.copy()) if no_cookies else None
        return prepared

    _request_template: tuple[tuple, requests.PreparedRequest] | None = None

    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """Send one request and judge the answer (see docs/sdk-overrides.md).

        Replaces the SDK's ``_request``: the send must run inside ``deadline.deadline``
        so a trickling page can be cut short.
        """
        response = self.send_once(prepared_request, context)
        self.validate_response(response)
        return response

    def send_once(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """One request under the page deadline, paced by the tap's rate limiter; no verdict."""
        stopping.check()
        self._tap.rate_limiter.wait()  # type: ignore[attr-defined]
        self.tries_total += 1  # type: ignore[attr-defined]
        authenticated = self.authenticator(prepared_request)
        with deadline.deadline(self.timeout) as limit:
            try:
                response = self.requests_session.send(
                    authenticated, timeout=self.timeout, allow_redirects=self.allow_redirects
                )
            except requests.exceptions.RequestException as exc:
                if limit.expired:
                    msg = f"no complete page within `request_timeout` ({self.timeout} s)"
                    raise PageDeadlineExceeded(msg) from exc
                raise
        self._tap.api_answered = True  # type: ignore[attr-defined]
        if limit.expired:  # cut as it completed: the pooled connection may be dead
            self.requests_session.close()
        self._write_request_duration_log(
            endpoint=self.path,
            response=response,
            context=context,
            extra_tags={"url": authenticated.path_url} if self._LOG_REQUEST_METRIC_URLS else None,
        )
        return response

    def validate_response(self, response: requests.Response) -> None:
        """Sort answers into fatal (stop now, say why) and retryable (back off, try again)."""
        status = response.status_code
        if status < HTTPStatus.BAD_REQUEST:
            decoded_body(response)  # a 200 that is not JSON is retried like a 5xx
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
        """One short warning per retry, naming the path and the failure, never the key.

        The first one also says when the tap will give up, so an unreachable host does not
        look like a hang for the time the retries take.
        """
        exc = details.get("exception")
        tries = int(details.get("tries") or 0)
        limit = int(details.get("limit") or self.backoff_max_tries())
        budget = ""
        if tries == 1 and details.get("first_contact"):
            budget = (
                f"; the API has not answered yet, giving up after {limit} tries or "
                f"{FIRST_CONTACT_SECONDS:.0f} s"
            )
        elif tries == 1:
            budget = (
                f"; will give up after {limit} tries, at most about "
                f"{_duration(self._worst_case_wait())} from now (`max_tries`)"
            )
        self.logger.warning(
            "Retrying %s: try %d of %d failed (%s); waiting %.1f s%s",
            self.path,
            tries,
            limit,
            _short(_describe(exc)),
            details.get("wait") or 0.0,
            budget,
        )

    def _worst_case_wait(self) -> float:
        """Longest total backoff the remaining tries can take (no Retry-After)."""
        base = float(self.config["retry_backoff_seconds"])
        retries = self.backoff_max_tries() - 1
        return sum(min(MAX_BACKOFF_SECONDS, base * 2**n) for n in range(retries))

    def request_decorator(self, func: Callable) -> Callable:
        """The retry loop: backoff between tries, a stop ends it at once, a clear last word.

        Replaces the SDK's ``backoff.on_exception`` loop with the same hooks
        (``backoff_wait_generator``, ``backoff_max_tries``, ``backoff_handler``) because
        its sleep cannot be interrupted: a SIGTERM during a 60 s backoff must not wait.
        TLS failures are not retried: a wrong scheme or an untrusted certificate does not
        clear by itself.
        """

        def call(prepared_request: requests.PreparedRequest, context: Context | None) -> t.Any:
            with self._tap.sync_lock.released():  # type: ignore[attr-defined]
                return self._with_retries(func, prepared_request, context)

        return call

    def _with_retries(
        self, func: Callable, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> t.Any:
        """Try until an answer, a fatal error, or the retry budget is spent.

        A host that cannot be resolved or refuses the connection before the API has
        answered once in this run gets ``FIRST_CONTACT_TRIES`` quick tries within
        ``FIRST_CONTACT_SECONDS``: it is a wrong `base_url` or no network, which backing
        off for minutes does not fix. Once the API has answered, every failure gets the
        full ``max_tries`` budget (a blip or a restart at Ordergroove clears).
        """
        waits = self.backoff_wait_generator()
        next(waits)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return func(prepared_request, context)
            except requests.exceptions.SSLError as exc:
                raise OrdergrooveTLSError(self._tls_message(exc)) from None
            except RETRYABLE_EXCEPTIONS as exc:
                first_contact = _never_connected(exc) and not getattr(
                    self._tap, "api_answered", False
                )
                limit = self.backoff_max_tries()
                if first_contact:
                    limit = min(limit, FIRST_CONTACT_TRIES)
                if attempt >= limit:
                    raise self._gave_up(exc, attempt) from exc
                wait = waits.send(exc)
                if first_contact:
                    wait = min(wait, FIRST_CONTACT_MAX_WAIT)
                    if time.monotonic() - started + wait > FIRST_CONTACT_SECONDS:
                        raise self._gave_up(exc, attempt) from exc
                self.backoff_handler(
                    {
                        "exception": exc,
                        "tries": attempt,
                        "wait": wait,
                        "limit": limit,
                        "first_contact": first_contact,
                    }
                )
                stopping.sleep(wait)

    def _gave_up(self, exc: BaseException, tries: int) -> Exception:
        """The error after the last try, written for the person reading the log."""
        if _never_connected(exc):
            return OrdergrooveConnectionError(self._connection_message(exc, tries))
        if isinstance(exc, NotJSONError):
            return OrdergrooveResponseError(
                f"Ordergroove answered {_describe(exc)} on each of {tries} tries. Check "
                "`base_url` (a proxy or gateway in front of it?) and re-run later; streams "
                "that finished keep their bookmarks."
            )
        return OrdergrooveRetriesExhausted(
            f"Gave up on {self.path} after {tries} tries: {_describe(exc)}. Ordergroove "
            "kept rate-limiting, locking or failing, or the network dropped. Streams that "
            "finished keep their bookmarks; this stream's bookmark did not move. Re-run "
            "later, or raise `max_tries` / `request_timeout`."
        )

    def _connection_message(self, exc: BaseException, tries: int) -> str:
        return (
            f"Could not connect to {self._where()} after {tries} tries: "
            f"{_connection_reason(exc)}. Check `base_url` (when set it replaces "
            "`environment`), `environment`, and this machine's network, proxy and DNS."
        )

    def _tls_message(self, exc: requests.exceptions.SSLError) -> str:
        reason = _ssl_reason(exc)
        return (
            f"TLS handshake with {self._where()} failed: {reason}. If the server speaks "
            "plain HTTP, use an http:// `base_url`; if it uses a private certificate "
            "authority, point REQUESTS_CA_BUNDLE at its CA file. Not retried: this does "
            "not clear by itself."
        )


def _duration(seconds: float) -> str:
    """'0.2 s', '45 s' or '2 min'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


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


def _ssl_reason(exc: requests.exceptions.SSLError) -> str:
    """The OpenSSL reason ('wrong version number', 'certificate verify failed ...')."""
    text = str(exc)
    match = re.search(r"\[SSL[^\]]*\]\s*([^(']+)", text)
    if match:
        return match.group(1).strip().rstrip(".")
    return text.split(": ")[-1][:200]


def _describe(exc: BaseException | None) -> str:
    """A key-free description of a request failure, without urllib3's nested reprs."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    if _never_connected(exc):
        return _connection_reason(exc)
    if isinstance(exc, PageDeadlineExceeded):
        return str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):  # closed mid-body
        return f"response cut short ({_innermost(exc)})"
    if isinstance(exc, requests.exceptions.ConnectionError | ConnectionResetError):
        return f"connection dropped ({_innermost(exc)})"
    return f"{type(exc).__name__}: {exc}"


def _innermost(exc: BaseException) -> str:
    """The deepest cause's own words ('Remote end closed connection without response')."""
    seen: BaseException = exc
    while True:
        inner = next(
            (arg for arg in getattr(seen, "args", ()) if isinstance(arg, BaseException)), None
        )
        inner = inner or getattr(seen, "reason", None) or seen.__cause__
        if not isinstance(inner, BaseException) or inner is seen:
            break
        seen = inner
    text = str(seen) if not seen.args or not isinstance(seen.args[-1], str) else seen.args[-1]
    return text or type(seen).__name__


def _short(text: str) -> str:
    """At most ``MAX_REASON_CHARS`` characters, for a retry warning that fits on a line."""
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 3] + "..."
