"""The Starlette application: verify, parse, store durably, then answer.

``POST /webhooks/ordergroove`` takes every event type. The order of checks is deliberate:
the body is read with a hard size cap (413) and a deadline (408) before anything else, the
signature is checked before the body is parsed (an unauthenticated caller learns nothing about
our parsing, 401), then the body must be standard JSON carrying ``id`` and ``type`` (400).
A 200 is sent only after the transaction holding the event has committed; if the store cannot
commit in time the answer is 503 and Ordergroove retries, which is safe because storage is
idempotent by event id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tap_ordergroove.webhooks.paths import HEALTH_PATH, WEBHOOK_PATH
from tap_ordergroove.webhooks.signature import HEADER, SignatureError, SignatureVerifier
from tap_ordergroove.webhooks.store import EventStore, NewEvent, StoreError

MAX_CREATED_UNIX = 10**11  # year ~5138: anything larger is not a unix time in seconds

access_logger = logging.getLogger("tap_ordergroove.webhooks.access")
logger = logging.getLogger("tap_ordergroove.webhooks.app")


@dataclass(frozen=True)
class ReceiverConfig:
    """What the application needs besides the store and the verifier."""

    max_body_bytes: int = 1024 * 1024
    read_timeout_seconds: float = 10.0  # a body announced but never sent must not pin a task
    write_timeout_seconds: float = 4.0  # Ordergroove wants an answer within 5 s
    health_timeout_seconds: float = 3.0


class _Reject(Exception):
    """Ends a request with ``status`` and a short, secret-free ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def create_app(
    store: EventStore,
    verifier: SignatureVerifier,
    config: ReceiverConfig | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> ASGIApp:
    """The receiver as an ASGI app; it closes ``store`` on shutdown (after in-flight writes)."""
    config = config or ReceiverConfig()

    async def receive_webhook(request: Request) -> Response:
        received_at = datetime.now(UTC)
        try:
            body = await _read_body(request, config)
            # A proxy may split a multi-value header into several lines: read them as one.
            header = ",".join(request.headers.getlist(HEADER)) or None
            verifier.verify(header, body, clock())
            event = _parse_event(body, received_at)
        except SignatureError as exc:
            raise _Reject(401, str(exc)) from None
        request.state.event_type = event.event_type
        request.state.event_id = event.event_id
        try:
            future = asyncio.wrap_future(store.submit(event))
            is_new = await asyncio.wait_for(future, config.write_timeout_seconds)
        except TimeoutError:
            raise _Reject(503, "store did not commit in time; retry") from None
        except StoreError:
            raise _Reject(503, "store unavailable; retry") from None
        outcome = "stored" if is_new else "duplicate"
        request.state.outcome = outcome
        return JSONResponse({"status": outcome, "id": event.event_id})

    async def health(request: Request) -> Response:
        try:
            future = asyncio.wrap_future(store.ping())
            last_seq = await asyncio.wait_for(future, config.health_timeout_seconds)
        except (TimeoutError, StoreError):
            request.state.outcome = "store unreachable"
            body = {
                "status": "unavailable",
                "store": {"backend": store.backend, "reachable": False},
            }
            return JSONResponse(body, status_code=503)
        store_info = {
            "backend": store.backend,
            "reachable": True,
            "last_seq": last_seq,
            "durability": store.durability,
        }
        return JSONResponse({"status": "ok", "store": store_info})

    async def reject(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Reject)  # registered for _Reject only
        request.state.outcome = exc.reason
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        if exc.status in (408, 413):
            headers = {"Connection": "close"}  # the rest of the body is never read
        return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(store.close)

    app = Starlette(
        routes=[
            Route(WEBHOOK_PATH, receive_webhook, methods=["POST"]),
            Route(HEALTH_PATH, health, methods=["GET"]),
        ],
        exception_handlers={_Reject: reject},
        lifespan=lifespan,
    )
    return AccessLogMiddleware(app)


async def _read_body(request: Request, config: ReceiverConfig) -> bytes:
    """The body within ``read_timeout_seconds`` (else 408).

    Without a deadline a client that declares a Content-Length and then sends less (or trickles
    a chunked body) holds a task and its buffer for as long as it likes.
    """
    try:
        async with asyncio.timeout(config.read_timeout_seconds):
            return await _read_capped(request, config.max_body_bytes)
    except TimeoutError:
        reason = f"body not received within {config.read_timeout_seconds:g} s"
        raise _Reject(408, reason) from None


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, refusing (413) as soon as it is known to exceed ``limit`` bytes.

    Chunks are counted as they arrive, so a chunked body (no Content-Length to check up front)
    is refused after at most ``limit`` bytes plus one chunk, never buffered whole.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise _Reject(400, "invalid Content-Length")
        if int(declared) > limit:
            raise _Reject(413, f"body larger than {limit} bytes")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise _Reject(413, f"body larger than {limit} bytes")
    except ClientDisconnect:
        raise _Reject(400, "client disconnected before the body was complete") from None
    return bytes(body)


def _parse_event(body: bytes, received_at: datetime) -> NewEvent:
    """The stored form of a verified body: a JSON object with string ``id`` and ``type``."""
    try:
        text = body.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except _NonStandardJSON as exc:
        raise _Reject(400, str(exc)) from None
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both are ValueErrors
        raise _Reject(400, "body is not UTF-8 JSON") from None
    except RecursionError:
        raise _Reject(400, "body nests JSON too deeply") from None
    if not isinstance(data, dict):
        raise _Reject(400, "body is not a JSON object")
    event_id = _identifier(data.get("id"))
    if event_id is None:
        raise _Reject(400, "event has no id")
    event_type = data.get("type")
    if not isinstance(event_type, str) or not event_type.strip():
        raise _Reject(400, "event has no type")
    return NewEvent(event_id, event_type, _unix_seconds(data.get("created")), received_at, text)


class _NonStandardJSON(Exception):
    """The body uses NaN/Infinity: Python parses them, PostgreSQL and Singer targets do not."""


def _refuse_constant(name: str) -> Any:
    """``json.loads`` hook for NaN/Infinity: refuse them rather than store what others reject."""
    raise _NonStandardJSON(f"body is not standard JSON ({name} is not a JSON value)")


def _identifier(value: Any) -> str | None:
    """An event id as text (Ordergroove sends strings; integers are accepted too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def _unix_seconds(value: Any) -> int | None:
    """``created`` as integer unix seconds when it plausibly is one, else None (kept raw)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and math.isfinite(value):  # 1e400 parses as inf
        value = int(value)
    if isinstance(value, int) and 0 <= value < MAX_CREATED_UNIX:
        return value
    return None


def _loggable(value: Any, limit: int = 80) -> str:
    """A body-supplied value made safe for a one-line log (no control characters)."""
    text = "".join(ch if ch.isprintable() and ch != " " else "_" for ch in str(value))
    return text[:limit] or "-"


class AccessLogMiddleware:
    """One log line per request: client, method, path, status, event type/id, outcome, time.

    Never logs headers, query strings or bodies, so signatures and keys cannot leak here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                self._log(scope, status, time.perf_counter() - started)

    @staticmethod
    def _log(scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        client = scope.get("client") or ("-", 0)
        access_logger.info(
            '%s "%s %s" %d type=%s id=%s outcome="%s" %.1fms',
            client[0],
            scope["method"],
            _loggable(scope["path"], 200),
            status,
            _loggable(state.get("event_type", "-")),
            _loggable(state.get("event_id", "-")),
            state.get("outcome", "-"),
            seconds * 1000,
        )
