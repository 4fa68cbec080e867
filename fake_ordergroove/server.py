"""Stdlib HTTP server that behaves like Ordergroove's REST list endpoints.

It exists so tap-ordergroove can be tested, demoed and benchmarked end to end without a
live key: pagination (v2 cursor and deprecated v1 pages), auth errors, filters, default
hidden records, latency and injected faults all follow ``/work/shared/ordergroove-api.md``.
A ``/_control/`` API lets another process (e.g. ``meltano run``'s driver) mutate data,
inject faults and read the request log.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .clock import parse_filter_value
from .dataset import ORDER_STATUS, Criterion, Dataset, Position
from .faults import Fault, FaultInjector
from .schema import OBJECTS, OBJECTS_BY_PATH, ObjectSpec

__all__ = ["FakeOrdergroove", "RequestLog"]

DEFAULT_PAGE_SIZE = 10
#: Response shapes the reference shows for list endpoints (see tap_ordergroove/rest/envelope.py):
#: the v2 envelope, a bare array (one-time incentives example), one object (cancel reasons).
SHAPES = ("v2", "array", "object")
_WITH_SFI = ("all_with_standard_flex_incentives", "only_with_standard_flex_incentives")
_TRUE = ("true", "True", "1")
_FALSE = ("false", "False", "0")
_HTML_ERRORS = {
    500: "<h1>Server Error (500)</h1>",
    502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center></body></html>",
    503: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
    "<h1>503 Service Temporarily Unavailable</h1></center></body></html>",
}


class RequestLog:
    """Thread-safe record of API list requests (never the API key itself)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def append(self, entry: dict[str, Any]) -> None:
        """Add one finished request."""
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[dict[str, Any]]:
        """A copy of all entries, oldest first."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._entries[index])


class _ApiError(Exception):
    """An HTTP error answer: status, JSON body and optional extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass(frozen=True)
class _Reply:
    """A fully rendered HTTP answer, built before anything is written to the socket."""

    status: int
    payload: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait between pieces of the body (a "trickle" fault); 0 sends it at once.
    trickle: float = 0.0
    #: Close the connection halfway through the body that Content-Length promised ("cut").
    cut: bool = False


def _json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> _Reply:
    """JSON rendered like DRF's renderer: compact, UTF-8, no ASCII escaping."""
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _Reply(status, payload, "application/json", headers or {})


def _fault_reply(fault: Fault) -> _Reply:
    """The injected error answer: JSON for 429/423 (DRF), an HTML page for 5xx (proxies)."""
    status = int(fault.kind)
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        value = fault.retry_after
        headers["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
    if status == 429:
        wait = f" Expected available in {headers['Retry-After']} seconds." if headers else ""
        return _json_reply(429, {"detail": f"Request was throttled.{wait}"}, headers)
    if status == 423:
        body = {"detail": "Resource is currently in use. Please try again shortly."}
        return _json_reply(423, body, headers)
    return _Reply(status, _HTML_ERRORS[status].encode(), "text/html; charset=utf-8", headers)


_PAGE_FAULTS = ("trickle", "html", "truncated", "cut")
_TRICKLE_BYTES = 16
_GATEWAY_PAGE = (
    b"<html><head><title>Maintenance</title></head><body><h1>We'll be right back</h1>"
    b"<p>The service is temporarily unavailable.</p></body></html>"
)


def _page_fault(reply: _Reply, fault: Fault) -> _Reply:
    """A 200 that goes wrong after the status line: slow body, HTML, JSON cut short, or a
    connection closed before the body Content-Length promised has arrived."""
    if fault.kind == "trickle":
        return _Reply(200, reply.payload, reply.content_type, reply.headers, fault.delay)
    if fault.kind == "html":
        return _Reply(200, _GATEWAY_PAGE, "text/html; charset=utf-8")
    if fault.kind == "truncated":
        return _Reply(200, reply.payload[: len(reply.payload) // 2], reply.content_type)
    if fault.kind == "cut":
        return _Reply(200, reply.payload, reply.content_type, reply.headers, cut=True)
    return reply


def encode_cursor(position: Position, reverse: bool) -> str:
    """Opaque cursor: urlsafe base64 of JSON [created, key, reverse]."""
    sort_value, key = position
    raw = json.dumps([sort_value, list(key) if isinstance(key, tuple) else key, int(reverse)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, spec: ObjectSpec) -> tuple[Position, bool]:
    """Inverse of :func:`encode_cursor`; raises _ApiError 404 like DRF for bad cursors."""
    invalid = _ApiError(404, {"detail": "Invalid cursor"})
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        sort_value, key, reverse = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise invalid from exc
    if not isinstance(sort_value, str) or reverse not in (0, 1):
        raise invalid
    if spec.compound_key:
        if not isinstance(key, list) or len(key) != len(spec.key):
            raise invalid
        if not all(isinstance(part, str | int) for part in key):  # cancel_reason is an int
            raise invalid
        return (sort_value, tuple(key)), bool(reverse)
    if not isinstance(key, str):
        raise invalid
    return (sort_value, key), bool(reverse)


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open sockets so stop() can close keep-alives."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], fake: FakeOrdergroove) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection before handing it to a worker thread."""
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its handler is done with it."""
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_sockets(self) -> None:
        """Shut down idle keep-alive connections so their handler threads end promptly."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue  # already closed by the peer: nothing left to shut down


class _Handler(BaseHTTPRequestHandler):
    """Routes API list calls and /_control/ calls; keep-alive with Content-Length always."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeOrdergroove/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms) on every keep-alive response.
    disable_nagle_algorithm = True
    server: _Server
    client_gone = False  # set when the peer hung up before the answer could be written

    def log_message(self, format: str, *args: Any) -> None:
        """Access log to stderr only in verbose mode; the request log covers tests."""
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Handle POST (control API; 405 on list paths)."""
        self._handle("POST")

    def do_DELETE(self) -> None:
        """Handle DELETE (control API; 405 on list paths)."""
        self._handle("DELETE")

    def do_PUT(self) -> None:
        """Handle PUT (always 405/404: the fake is read-only over the public API)."""
        self._handle("PUT")

    def do_PATCH(self) -> None:
        """Handle PATCH (always 405/404)."""
        self._handle("PATCH")

    # -- plumbing ------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        """Read the whole request, then dispatch to the control or the API side."""
        split = urlsplit(self.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        try:
            body = self._read_body()
        except _ApiError as err:
            self._send_json(err.status, err.body, err.headers)
            self.close_connection = True
            return
        if split.path == "/_control" or split.path.startswith("/_control/"):
            self._control(method, split.path, pairs, body)
        else:
            self._api(method, split.path, pairs)

    def _read_body(self) -> bytes:
        """Request body by Content-Length (chunked uploads are not needed by any client)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _ApiError(411, {"detail": "Chunked request bodies are not supported."})
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError as exc:
            raise _ApiError(400, {"detail": "Invalid Content-Length."}) from exc
        return self.rfile.read(size) if size > 0 else b""

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: dict[str, str] | None,
        trickle: float = 0.0,
        cut: bool = False,
    ) -> None:
        """Write a complete response with Content-Length so keep-alive keeps working.

        A client that timed out (e.g. during a "slow" fault) has closed its socket by now;
        that is expected in retry tests, so it ends this connection instead of printing a
        traceback from the stdlib's error handler.
        """
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        try:
            self.end_headers()
            if cut:
                self.wfile.write(payload[: len(payload) // 2])
                self.close_connection = True
            elif trickle:
                self._trickle(payload, trickle)
            else:
                self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.client_gone = True
            self.close_connection = True

    def _trickle(self, payload: bytes, delay: float) -> None:
        """A few bytes, a pause, a few more: every socket read of the client succeeds."""
        for start in range(0, len(payload), _TRICKLE_BYTES):
            self.wfile.write(payload[start : start + _TRICKLE_BYTES])
            self.wfile.flush()
            time.sleep(delay)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Write a JSON answer rendered like DRF."""
        reply = _json_reply(status, body, headers)
        self._send(reply.status, reply.payload, reply.content_type, reply.headers)

    # -- public API ----------------------------------------------------------------------
    def _api(self, method: str, path: str, pairs: list[tuple[str, str]]) -> None:
        """Serve one API request; it is logged (status None when dropped) before the answer
        is written, so a client that has its response always finds it in the request log."""
        fake = self.server.fake
        entry: dict[str, Any] = {
            "path": path,
            "params": dict(pairs),
            "headers": {
                "x-og-api-version": self.headers.get("X-OG-API-VERSION"),
                "has_api_key": self.headers.get("x-api-key") is not None,
            },
            "method": method,
            "status": None,
            "client_gone": False,
        }
        entry["in_flight"], entry["in_flight_same_path"] = fake.enter(path)
        entry["started"] = time.monotonic()
        reply: _Reply | None = None
        try:
            reply = self._api_reply(method, path, pairs)
        finally:
            fake.leave(path)
            entry["status"] = None if reply is None else reply.status
            entry["finished"] = time.monotonic()
            fake.request_log.append(entry)
        if reply is None:
            self.close_connection = True  # "drop": no bytes at all, the client sees EOF
            return
        self._send(
            reply.status, reply.payload, reply.content_type, reply.headers, reply.trickle, reply.cut
        )
        entry["client_gone"] = self.client_gone

    def _api_reply(self, method: str, path: str, pairs: list[tuple[str, str]]) -> _Reply | None:
        """Latency, faults, routing, auth, then the page; None means drop the connection."""
        fake = self.server.fake
        if fake.latency_ms > 0:
            time.sleep(fake.latency_ms / 1000)
        spec = OBJECTS_BY_PATH.get(path)
        fault = fake.faults.take(path) if spec is not None and method == "GET" else None
        if fault is not None:
            if fault.kind == "drop":
                return None
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind not in _PAGE_FAULTS:
                return _fault_reply(fault)
        try:
            if spec is None and method == "GET" and _retrieve_target(path) is not None:
                fake.authorize(self.headers.get("x-api-key"))
                return _json_reply(200, _retrieve(fake.dataset, path))
            if spec is None:
                raise _ApiError(404, {"detail": "Not found."})
            if method != "GET":
                raise _ApiError(
                    405, {"detail": f'Method "{method}" not allowed.'}, {"Allow": "GET"}
                )
            fake.authorize(self.headers.get("x-api-key"))
            body = self._list(spec, pairs, fake.envelopes.get(spec.path, "v2"))
        except _ApiError as err:
            return _json_reply(err.status, err.body, err.headers)
        reply = _json_reply(200, body)
        return _page_fault(reply, fault) if fault is not None else reply

    def _list(self, spec: ObjectSpec, pairs: list[tuple[str, str]], shape: str) -> Any:
        """Build the v2 (cursor) or v1 (page number) envelope for a list call, or the bare
        array / single object some reference examples show, when ``shape`` asks for it."""
        fake = self.server.fake
        params = dict(pairs)
        errors: dict[str, list[str]] = {}
        page_size = DEFAULT_PAGE_SIZE
        if "page_size" in params:
            try:
                page_size = int(params["page_size"])
            except ValueError:
                page_size = 0
            if page_size < 1:
                errors["page_size"] = ["A valid integer is required."]
            page_size = min(page_size, spec.max_page_size)
        criteria = _criteria(spec, params, errors)
        if errors:
            raise _ApiError(400, errors)
        base = f"http://{self.headers.get('Host') or fake.netloc}{spec.path}"
        if shape != "v2":
            _, records = fake.dataset.slice(spec.name, criteria, 0, 10**9)
            shown = fake.drifted(spec.name, {"results": _shown(spec, params, records)})["results"]
            return shown if shape == "array" else (shown[0] if shown else {})
        if (self.headers.get("X-OG-API-VERSION") or "").strip() == "2":
            body = _cursor_page(fake.dataset, spec, pairs, criteria, page_size, base)
        else:
            body = _number_page(fake.dataset, spec, pairs, criteria, page_size, base)
        body["results"] = _shown(spec, params, body["results"])
        return fake.drifted(spec.name, body)

    # -- control API ---------------------------------------------------------------------
    def _control(self, method: str, path: str, pairs: list[tuple[str, str]], body: bytes) -> None:
        """Test-harness endpoints; no auth, no latency, no faults."""
        fake = self.server.fake
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            self._send_json(400, {"detail": "Body is not valid JSON."})
            return
        try:
            status, result = fake.control(method, path, dict(pairs), payload)
        except _ApiError as err:
            self._send_json(err.status, err.body, err.headers)
            return
        except KeyError as exc:
            self._send_json(404, {"detail": str(exc.args[0]) if exc.args else "Not found."})
            return
        except (ValueError, TypeError) as exc:
            self._send_json(400, {"detail": str(exc)})
            return
        self._send_json(status, result)


def _shown(spec: ObjectSpec, params: dict[str, str], records: list[dict]) -> list[dict]:
    """Records as a call with ``params`` sees them: ``include_*`` fields only when asked
    for, offer-profile coupons' flex incentives only with ``offer_profile_category``."""
    fields = spec.served_fields(params)
    if len(fields) != len(spec.fields):
        records = [{name: record[name] for name in fields} for record in records]
    if spec.name == "offer_profiles" and params.get("offer_profile_category") not in _WITH_SFI:
        records = [_without_sfi(record) for record in records]
    return records


def _without_sfi(profile: dict) -> dict:
    """An offer profile whose coupons omit ``standard_flex_incentives`` (a copy)."""
    copy = dict(profile)
    for name in ("initial_coupon", "recurring_coupon"):
        coupon = copy.get(name)
        if isinstance(coupon, dict):
            copy[name] = {k: v for k, v in coupon.items() if k != "standard_flex_incentives"}
    return copy


def _criteria(
    spec: ObjectSpec, params: dict[str, str], errors: dict[str, list[str]]
) -> list[Criterion]:
    """Translate query params into dataset criteria; unknown params are ignored like DRF.

    Range filters must be in the endpoint's documented format (placement responses: a
    space, never a ``T``); ``status`` on orders and items is the order status code.
    """
    criteria: list[Criterion] = []
    for param, (record_field, op) in spec.range_filters.items():
        raw = params.get(param)
        if raw is None or raw == "":
            continue
        value = parse_filter_value(raw, spec.filter_format)
        if value is None:
            errors[param] = ["Enter a valid date/time."]
        else:
            criteria.append((record_field, op, value))
    if spec.name in ("orders", "items") and params.get("status", "") != "":
        try:
            status = int(params["status"])
        except ValueError:
            errors["status"] = ["Enter a whole number."]
        else:
            field = "status" if spec.name == "orders" else ORDER_STATUS
            criteria.append((field, "in", (status,)))
    if spec.name == "products":
        autoship = params.get("autoship_enabled", "true")
        if autoship in _TRUE:
            criteria.append(("autoship_enabled", "in", (True,)))
        elif autoship in _FALSE:
            criteria.append(("autoship_enabled", "in", (False,)))
        elif autoship != "all":
            errors["autoship_enabled"] = [
                f"Select a valid choice. {autoship} is not one of the available choices."
            ]
        if params.get("allow_discontinued") not in _TRUE:
            criteria.append(("discontinued", "in", (False,)))
    if spec.name == "offer_profiles":
        status = params.get("status", "available")
        if status != "all":
            criteria.append(("status", "in", (status,)))
    return criteria


#: Retrieve endpoints (``GET /orders/{order_id}/``, ``GET /items/{item_id}/``): the tap
#: asks them whether an object a late ``order.delete`` / ``item.remove`` names is gone.
RETRIEVABLE = ("orders", "items")


def _retrieve_target(path: str) -> tuple[str, str] | None:
    """``(object type, public_id)`` for a retrieve path, else None."""
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] in RETRIEVABLE and parts[1]:
        return parts[0], parts[1]
    return None


def _retrieve(dataset: Dataset, path: str) -> dict[str, Any]:
    """The object, or DRF's 404 ``{"detail": "Not found."}`` when it does not exist."""
    target = _retrieve_target(path)
    record = dataset.get(*target) if target is not None else None
    if record is None:
        raise _ApiError(404, {"detail": "Not found."})
    return record


def _with_param(base: str, pairs: Iterable[tuple[str, str]], name: str, value: str | None) -> str:
    """Absolute URL with every original param kept and ``name`` replaced (or removed)."""
    kept = [(k, v) for k, v in pairs if k != name]
    if value is not None:
        kept.append((name, value))
    return f"{base}?{urlencode(kept)}" if kept else base


def _cursor_page(
    dataset: Dataset,
    spec: ObjectSpec,
    pairs: list[tuple[str, str]],
    criteria: list[Criterion],
    page_size: int,
    base: str,
) -> dict[str, Any]:
    """v2 envelope: ordered by (created, key); cursors encode positions, not offsets."""
    params = dict(pairs)
    anchor: Position | None = None
    reverse = False
    if params.get("cursor"):
        anchor, reverse = decode_cursor(params["cursor"], spec)
    page, more = dataset.scan(spec.name, anchor, criteria, page_size, reverse=reverse)
    first = page[0][0] if page else None
    last = page[-1][0] if page else None
    next_url: str | None = None
    prev_url: str | None = None
    if not reverse:
        if more and last is not None:
            next_url = _with_param(base, pairs, "cursor", encode_cursor(last, False))
        if anchor is not None:
            prev_anchor = first if first is not None else anchor
            prev_url = _with_param(base, pairs, "cursor", encode_cursor(prev_anchor, True))
    else:
        if last is not None:
            next_url = _with_param(base, pairs, "cursor", encode_cursor(last, False))
        else:
            next_url = _with_param(base, pairs, "cursor", None)
        if more and first is not None:
            prev_url = _with_param(base, pairs, "cursor", encode_cursor(first, True))
    return {"next": next_url, "previous": prev_url, "results": [record for _, record in page]}


def _number_page(
    dataset: Dataset,
    spec: ObjectSpec,
    pairs: list[tuple[str, str]],
    criteria: list[Criterion],
    page_size: int,
    base: str,
) -> dict[str, Any]:
    """Deprecated v1 envelope with count and ``page=N`` links (DRF PageNumberPagination)."""
    raw_page = dict(pairs).get("page", "1")
    try:
        number = int(raw_page)
    except ValueError:
        number = 0
    if number < 1:
        raise _ApiError(404, {"detail": "Invalid page."})
    total, records = dataset.slice(spec.name, criteria, (number - 1) * page_size, page_size)
    if number > 1 and not records:
        raise _ApiError(404, {"detail": "Invalid page."})
    next_url = (
        _with_param(base, pairs, "page", str(number + 1)) if number * page_size < total else None
    )
    prev_url: str | None = None
    if number > 1:
        prev_url = _with_param(base, pairs, "page", None if number == 2 else str(number - 1))
    return {"count": total, "next": next_url, "previous": prev_url, "results": records}


class FakeOrdergroove:
    """A running fake Ordergroove REST API on a background thread.

    ``api_keys`` authenticate with the "Bulk Operations" permission; ``limited_keys``
    authenticate without it (403 permission error). ``timezone`` (default: the dataset's)
    is the zone whose wall clock stamps mutations.
    """

    def __init__(
        self,
        dataset: Dataset,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Iterable[str] = ("test-key",),
        latency_ms: float = 0,
        timezone: str | None = None,
        auth_failure_status: int = 403,
        limited_keys: Iterable[str] = (),
        verbose: bool = False,
    ) -> None:
        if auth_failure_status not in (401, 403):
            raise ValueError("auth_failure_status must be 401 or 403")
        self.dataset = dataset
        if timezone is not None and timezone != dataset.timezone:
            dataset.set_timezone(timezone)
        self.timezone = dataset.timezone
        self.host = host
        self.port = port
        self.api_keys = frozenset(api_keys)
        self.limited_keys = frozenset(limited_keys)
        self.latency_ms = latency_ms
        self.auth_failure_status = auth_failure_status
        self.verbose = verbose
        self.faults = FaultInjector()
        #: path -> response shape ("v2", "array", "object"); v2 unless set.
        self.envelopes: dict[str, str] = {}
        #: Drift injection: object type -> function that rewrites each record as served
        #: (a copy; the dataset is untouched), e.g. to add fields the tap does not know or
        #: values it cannot convert. Applies to list calls only.
        self.drift: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        self.request_log = RequestLog()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._flight_lock = threading.Lock()
        self._in_flight: dict[str, int] = {}

    def drifted(self, obj_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with each of its ``results`` rewritten by ``drift[obj_type]``, if set."""
        rewrite = self.drift.get(obj_type)
        if rewrite is not None:
            body["results"] = [rewrite(copy.deepcopy(record)) for record in body["results"]]
        return body

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOrdergroove:
        """Bind (port 0 picks a free port) and serve on a daemon thread."""
        if self._server is not None:
            raise RuntimeError("server already started")
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"fake-ordergroove-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close idle keep-alive connections and release the port."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_open_sockets()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOrdergroove:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def netloc(self) -> str:
        """host:port the server is bound to."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://{self.netloc}"

    # -- hooks used by the handler -------------------------------------------------------
    def authorize(self, key: str | None) -> None:
        """Raise the documented 403/401 answers for bad keys and keys without permission."""
        if key is not None and key in self.limited_keys:
            raise _ApiError(403, {"detail": "You do not have permission to perform this action."})
        if key is None or key not in self.api_keys:
            headers = {"WWW-Authenticate": "x-api-key"} if self.auth_failure_status == 401 else {}
            raise _ApiError(self.auth_failure_status, {"detail": "Authentication Failed"}, headers)

    def enter(self, path: str) -> tuple[int, int]:
        """Count a request in flight; returns (all in flight, same path in flight)."""
        with self._flight_lock:
            self._in_flight[path] = self._in_flight.get(path, 0) + 1
            return sum(self._in_flight.values()), self._in_flight[path]

    def leave(self, path: str) -> None:
        """Uncount a finished request."""
        with self._flight_lock:
            self._in_flight[path] -= 1

    def control(
        self, method: str, path: str, params: dict[str, str], payload: Any
    ) -> tuple[int, Any]:
        """Execute one /_control/ call; returns (status, JSON body).

        Routes (no API key, no latency, no faults):
        GET health | GET/POST/DELETE faults | GET/DELETE requests | GET records?object=
        | GET counts | POST update {object,key,fields} | POST create {object,fields}
        | POST delete {object,key} | POST latency {latency_ms} | POST freeze_time {now}
        | POST envelope {path, shape}.
        """
        routes = {
            ("GET", "health"): self._c_health,
            ("GET", "faults"): lambda _p, _b: (200, self.faults.active()),
            ("POST", "faults"): self._c_set_faults,
            ("DELETE", "faults"): self._c_clear_faults,
            ("GET", "requests"): lambda _p, _b: (200, self.request_log.snapshot()),
            ("DELETE", "requests"): self._c_clear_requests,
            ("GET", "records"): self._c_records,
            ("GET", "counts"): lambda _p, _b: (200, self.dataset.counts()),
            ("POST", "update"): self._c_update,
            ("POST", "create"): self._c_create,
            ("POST", "delete"): self._c_delete,
            ("POST", "latency"): self._c_latency,
            ("POST", "freeze_time"): self._c_freeze_time,
            ("POST", "envelope"): self._c_envelope,
        }
        name = path.removeprefix("/_control/").strip("/")
        handler = routes.get((method, name))
        if handler is not None:
            return handler(params, payload)
        if any(route_name == name for _, route_name in routes):
            raise _ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        raise _ApiError(404, {"detail": "Not found."})

    def _c_health(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Liveness plus record counts (handy for scripts waiting on a subprocess)."""
        return 200, {"status": "ok", "url": self.url, "counts": self.dataset.counts()}

    def _c_set_faults(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Replace the active faults with a list of specs (a single spec object is accepted)."""
        self.faults.set(payload if isinstance(payload, list) else [payload])
        return 200, self.faults.active()

    def _c_clear_faults(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Remove every active fault."""
        self.faults.clear()
        return 200, []

    def _c_clear_requests(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Empty the request log (e.g. between phases of a cross-process test)."""
        self.request_log.clear()
        return 200, []

    def _c_records(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Every record of one object type, unpaginated and unfiltered."""
        name = _object_name(params.get("object"))
        return 200, self.dataset.records(name, deep_copy=False)

    def _c_update(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Dataset.update over HTTP; answers the updated record."""
        body = _body(payload)
        name = _object_name(body.get("object"))
        return 200, self.dataset.update(name, body.get("key"), **_fields(body))

    def _c_create(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Dataset.create over HTTP; answers 201 with the new record."""
        body = _body(payload)
        return 201, self.dataset.create(_object_name(body.get("object")), **_fields(body))

    def _c_delete(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Dataset.delete over HTTP (404 when the key does not exist)."""
        body = _body(payload)
        self.dataset.delete(_object_name(body.get("object")), body.get("key"))
        return 200, {"deleted": True}

    def _c_latency(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Change the per-request latency of a running server."""
        value = _body(payload).get("latency_ms")
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError("latency_ms must be a number >= 0")
        self.latency_ms = value
        return 200, {"latency_ms": value}

    def _c_envelope(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Serve a list path as the v2 envelope, a bare array or a single object."""
        body = _body(payload)
        path, shape = body.get("path"), body.get("shape")
        if path not in OBJECTS_BY_PATH or shape not in SHAPES:
            raise ValueError(f"path must be a list path and shape one of {list(SHAPES)}")
        self.set_envelope(path, shape)
        return 200, dict(self.envelopes)

    def set_envelope(self, path: str, shape: str) -> None:
        """Answer ``path`` in ``shape`` from now on ("v2" restores the envelope)."""
        if shape == "v2":
            self.envelopes.pop(path, None)
        else:
            self.envelopes[path] = shape

    def _c_freeze_time(self, params: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Pin (or with null, release) the clock that stamps mutations."""
        self.dataset.freeze_time(_body(payload).get("now"))
        return 200, {"now": self.dataset.now()}


def _body(payload: Any) -> dict[str, Any]:
    """A control request's JSON object body."""
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object body")
    return payload


def _object_name(value: Any) -> str:
    """Validate an object type name from a control request."""
    if not isinstance(value, str) or value not in OBJECTS:
        raise ValueError(f"object must be one of {list(OBJECTS)}")
    return value


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    """The ``fields`` object of a control request (empty when absent)."""
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise ValueError("fields must be an object")
    return fields
