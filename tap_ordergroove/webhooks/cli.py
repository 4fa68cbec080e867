"""``tap-ordergroove-webhooks``: run the receiver, or look at what it stored.

    tap-ordergroove-webhooks serve --store sqlite:///var/lib/og/events.db \\
        --verification-key-env OG_WEBHOOK_KEY --host 0.0.0.0 --port 8000
    tap-ordergroove-webhooks events --store sqlite:///var/lib/og/events.db --after 0 --limit 20
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from tap_ordergroove.webhooks.paths import HEALTH_PATH, WEBHOOK_PATH
from tap_ordergroove.webhooks.settings import ServeSettings, SettingsError, add_options, resolve
from tap_ordergroove.webhooks.store import (
    EventStore,
    StoreError,
    mask_url,
    open_store,
    url_secrets,
)

logger = logging.getLogger("tap_ordergroove.webhooks")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STARTUP_PING_SECONDS = 15.0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="tap-ordergroove-webhooks",
        description="Receive Ordergroove webhooks (order.delete, item.remove, ...) into a "
        "durable store that tap-ordergroove reads.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the HTTP receiver",
        description="Run the HTTP receiver. Give Ordergroove the webhook URL "
        f"http://HOST:PORT{WEBHOOK_PATH} (by default http://127.0.0.1:8000{WEBHOOK_PATH}; "
        "in production the https:// URL of the reverse proxy in front of it). "
        f"Health check: GET {HEALTH_PATH}.",
    )
    add_options(serve)
    events = commands.add_parser("events", help="print stored events as JSON lines")
    events.add_argument("--store", default=None, help="store URL [env OG_WEBHOOK_STORE]")
    events.add_argument("--after", type=int, default=0, help="print events with seq > AFTER")
    events.add_argument("--limit", type=int, default=100, help="at most this many events")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(resolve(args, os.environ))
        return _print_events(args)
    except SettingsError as exc:
        parser.exit(2, f"tap-ordergroove-webhooks: {exc}\n")
    return 2  # not reached: parser.exit raises SystemExit


def _version() -> str:
    """The installed distribution's version (from its git tag), as ``tap-ordergroove`` reports."""
    try:
        return metadata.version("tap-ordergroove")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _serve(settings: ServeSettings) -> int:
    """``serve``: check the store, then run uvicorn until SIGTERM/SIGINT; exit 1 if no store."""
    # Imported here so `events` (and the tap, via store.py) never need the server stack.
    import uvicorn

    from tap_ordergroove.webhooks.app import ReceiverConfig, create_app
    from tap_ordergroove.webhooks.signature import SignatureVerifier

    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT, stream=sys.stderr)
    store = _open_checked(settings.store_url)
    if store is None:
        return 1
    verifier = SignatureVerifier(settings.keys, settings.tolerance_seconds)
    config = ReceiverConfig(
        max_body_bytes=settings.max_body_bytes,
        read_timeout_seconds=settings.read_timeout_seconds,
        write_timeout_seconds=settings.write_timeout_seconds,
    )
    logger.info(
        "store %s (%s; %s); %d verification key(s) from %s; tolerance %d s; max body %d bytes",
        store.masked_url,
        store.backend,
        store.durability,
        verifier.key_count,
        settings.key_source,
        settings.tolerance_seconds,
        settings.max_body_bytes,
    )
    if store.backend == "sqlite":
        logger.info("SQLite store file: %s", store.path.resolve())  # type: ignore[attr-defined]
    logger.info("%s", webhook_url_line(settings.host, settings.port))
    uvicorn.run(
        create_app(store, verifier, config),
        host=settings.host,
        port=settings.port,
        access_log=False,  # AccessLogMiddleware writes one line with the event type instead
        log_config=None,  # keep the logging configured above
        log_level=settings.log_level.lower(),
        server_header=False,
        limit_concurrency=settings.max_concurrency,
        timeout_graceful_shutdown=10,
    )
    return 0


def webhook_url_line(host: str, port: int) -> str:
    """The URL to give Ordergroove: the one thing a new user must copy from the log.

    Listening on every interface (0.0.0.0, ::), the address others reach is this machine's
    own, which the receiver cannot know; the line says so instead of printing 0.0.0.0.
    """
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - naming the wildcard, not binding it
        return (
            f"Webhook URL for Ordergroove: http://<this machine's address>:{port}{WEBHOOK_PATH} "
            f"(listening on every interface; Ordergroove calls https://, so put a TLS proxy in "
            f"front and give it https://<your host>{WEBHOOK_PATH})"
        )
    shown = f"[{host}]" if ":" in host else host
    return f"Webhook URL for Ordergroove: http://{shown}:{port}{WEBHOOK_PATH}"


def _open_checked(url: str) -> EventStore | None:
    """The store, proven writable-connected (one round trip), or None after logging why.

    Failing here, at startup, beats a receiver that looks healthy to its supervisor and
    answers 503 to every delivery.
    """
    try:
        store = open_store(url)
    except Exception as exc:  # noqa: BLE001 - driver errors (psycopg, sqlite3) vary; exit cleanly
        _log_open_error(exc, url)
        return None
    try:
        store.ping().result(timeout=_STARTUP_PING_SECONDS)
    except Exception as exc:  # noqa: BLE001 - StoreError or a timeout: same advice
        logger.error("the store %s does not answer: %s", store.masked_url, _describe(exc, url))
        store.close()
        return None
    return store


def _print_events(args: argparse.Namespace) -> int:
    """``events``: a quick look at the store without a database client; exit 1 if unreachable."""
    url = args.store or os.environ.get("OG_WEBHOOK_STORE")
    if not url:
        raise SettingsError("Set the store with --store or OG_WEBHOOK_STORE.")
    if args.after < 0 or args.limit < 1:
        raise SettingsError("--after must be 0 or more and --limit at least 1.")
    logging.basicConfig(level="WARNING", format=LOG_FORMAT, stream=sys.stderr)
    try:
        store = open_store(url)
    except Exception as exc:  # noqa: BLE001 - as in serve: one clean line, no traceback
        _log_open_error(exc, url)
        return 1
    with store:
        for event in store.read_since(args.after, args.limit):
            line = {
                "seq": event.seq,
                "event_id": event.event_id,
                "event_type": event.event_type,
                "created_unix": event.created_unix,
                "received_at": event.received_at.isoformat(),
                "payload": event.payload,
            }
            sys.stdout.write(json.dumps(line) + "\n")
    return 0


def _describe(exc: BaseException, url: str) -> str:
    """``Type: message`` of a store error, with the URL's secrets removed."""
    if isinstance(exc, ValueError | StoreError):
        return _scrub(str(exc), url)  # our own messages: already actionable
    return _scrub(f"{type(exc).__name__}: {exc}".strip(), url)


def _log_open_error(exc: BaseException, url: str) -> None:
    """One error line (no traceback: it could quote the URL) saying which store failed."""
    if isinstance(exc, StoreError):  # its message already names the (masked) store
        logger.error("%s", _scrub(str(exc), url))
    else:
        logger.error("cannot open the store %s: %s", mask_url(url), _describe(exc, url))


def _scrub(text: str, url: str) -> str:
    """Remove the URL's secrets from a driver message before it is logged."""
    for secret in url_secrets(url):
        text = text.replace(secret, "***")
    return text


if __name__ == "__main__":
    sys.exit(main())
