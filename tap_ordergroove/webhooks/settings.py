"""Receiver settings from command-line options and environment variables.

Every option has an ``OG_WEBHOOK_*`` environment variable (the option wins when both are set),
so a container can be configured without a command line. Verification keys are never taken
from the command line at all: argv is visible to every user of the host (``ps``) and lands in
shell history. They come from an environment variable (name configurable, default
``OG_WEBHOOK_KEY``) or a file (a mounted secret), as a comma-separated list so that the old
and the new key are both accepted while a key is being rotated.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tap_ordergroove.webhooks.signature import DEFAULT_MAX_AGE_SECONDS, FUTURE_SKEW_SECONDS

DEFAULT_KEY_ENV = "OG_WEBHOOK_KEY"


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the setting, never a secret."""


@dataclass(frozen=True)
class Option:
    """One ``serve`` option: its flag, environment variable, type and default."""

    flag: str
    env: str
    type: type
    default: object
    help: str


OPTIONS = (
    Option(
        "--store",
        "OG_WEBHOOK_STORE",
        str,
        None,
        "sqlite:///abs/path/events.db or postgresql://user@host:5432/db "
        "(put a password in PGPASSWORD or in the env var, not on the command line)",
    ),
    Option(
        "--verification-key-env",
        "OG_WEBHOOK_KEY_ENV",
        str,
        DEFAULT_KEY_ENV,
        "name of the environment variable holding the verification key(s), comma-separated",
    ),
    Option(
        "--verification-key-file",
        "OG_WEBHOOK_KEY_FILE",
        str,
        None,
        "file holding the verification key(s), comma- or newline-separated; "
        "used instead of the environment variable when given",
    ),
    Option("--host", "OG_WEBHOOK_HOST", str, "127.0.0.1", "interface to listen on"),
    Option("--port", "OG_WEBHOOK_PORT", int, 8000, "TCP port to listen on"),
    Option(
        "--tolerance-seconds",
        "OG_WEBHOOK_TOLERANCE_SECONDS",
        int,
        DEFAULT_MAX_AGE_SECONDS,
        "oldest signed ts accepted, in seconds: Ordergroove retries a failed delivery for up "
        "to 3 days and may keep the first ts, so the default is 4 days; replays are harmless "
        f"(stored once by event id). A ts more than {FUTURE_SKEW_SECONDS} s ahead is refused",
    ),
    Option(
        "--max-body-bytes",
        "OG_WEBHOOK_MAX_BODY_BYTES",
        int,
        1024 * 1024,
        "answer 413 to larger bodies (checked while reading)",
    ),
    Option(
        "--read-timeout-seconds",
        "OG_WEBHOOK_READ_TIMEOUT_SECONDS",
        float,
        10.0,
        "answer 408 if the body has not fully arrived by then (slow or lying clients)",
    ),
    Option(
        "--max-concurrency",
        "OG_WEBHOOK_MAX_CONCURRENCY",
        int,
        256,
        "answer 503 (Ordergroove retries) beyond this many open connections; with the body "
        "cap this bounds memory",
    ),
    Option(
        "--write-timeout-seconds",
        "OG_WEBHOOK_WRITE_TIMEOUT_SECONDS",
        float,
        4.0,
        "answer 503 (Ordergroove retries) if the store has not committed by then",
    ),
    Option("--log-level", "OG_WEBHOOK_LOG_LEVEL", str, "INFO", "DEBUG, INFO, WARNING, ERROR"),
)


@dataclass(frozen=True)
class ServeSettings:
    """Everything ``serve`` needs, resolved and validated."""

    store_url: str
    keys: tuple[str, ...]
    key_source: str  # e.g. "env OG_WEBHOOK_KEY": loggable, unlike the keys
    host: str
    port: int
    tolerance_seconds: int
    max_body_bytes: int
    read_timeout_seconds: float
    max_concurrency: int
    write_timeout_seconds: float
    log_level: str


def add_options(parser: argparse.ArgumentParser) -> None:
    """Declare every option with no argparse default, so "not given" is visible."""
    for option in OPTIONS:
        parser.add_argument(
            option.flag,
            type=option.type,
            default=None,
            help=f"{option.help} [env {option.env}; default {option.default}]",
        )


def resolve(args: argparse.Namespace, environ: Mapping[str, str]) -> ServeSettings:
    """Merge options over environment over defaults, load the keys, validate."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        name = option.flag.lstrip("-").replace("-", "_")
        value = getattr(args, name)
        if value is None and environ.get(option.env, "").strip():
            try:
                value = option.type(environ[option.env].strip())
            except ValueError:
                msg = f"Environment variable {option.env} must be {_TYPE_NAMES[option.type]}."
                raise SettingsError(msg) from None
        values[name] = option.default if value is None else value
    if not values["store"]:
        raise SettingsError("Set the store with --store or OG_WEBHOOK_STORE.")
    keys, source = _load_keys(values, environ)
    settings = ServeSettings(
        store_url=str(values["store"]),
        keys=keys,
        key_source=source,
        host=str(values["host"]),
        port=int(values["port"]),
        tolerance_seconds=int(values["tolerance_seconds"]),
        max_body_bytes=int(values["max_body_bytes"]),
        read_timeout_seconds=float(values["read_timeout_seconds"]),
        max_concurrency=int(values["max_concurrency"]),
        write_timeout_seconds=float(values["write_timeout_seconds"]),
        log_level=str(values["log_level"]).upper(),
    )
    _validate(settings)
    return settings


def split_keys(text: str) -> tuple[str, ...]:
    """Keys from a comma- or newline-separated list, blanks dropped, order kept."""
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


def _load_keys(values: dict[str, Any], environ: Mapping[str, str]) -> tuple[tuple[str, ...], str]:
    """The keys and a loggable description of where they came from (never the keys)."""
    key_file = values["verification_key_file"]
    if key_file:
        path = Path(str(key_file))
        try:
            keys = split_keys(path.read_text(encoding="utf-8"))
        except OSError as exc:
            msg = f"Cannot read the verification key file {path}: {exc.strerror}."
            raise SettingsError(msg) from None
        source = f"file {path}"
    else:
        env_name = str(values["verification_key_env"])
        keys = split_keys(environ.get(env_name, ""))
        source = f"env {env_name}"
    if not keys:
        msg = f"No verification key found in {source}. Copy the route's key from Ordergroove."
        raise SettingsError(msg)
    return keys, source


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TYPE_NAMES = {int: "an integer", float: "a number", str: "text"}


def _validate(settings: ServeSettings) -> None:
    """Refuse values that would make the receiver unsafe or useless, naming the option."""
    checks = (
        ("--port", 0 < settings.port < 65536, "be 1-65535"),
        ("--tolerance-seconds", settings.tolerance_seconds >= 1, "be at least 1"),
        ("--max-body-bytes", settings.max_body_bytes >= 1024, "be at least 1024"),
        ("--read-timeout-seconds", settings.read_timeout_seconds > 0, "be positive"),
        ("--max-concurrency", settings.max_concurrency >= 1, "be at least 1"),
        ("--write-timeout-seconds", settings.write_timeout_seconds > 0, "be positive"),
        ("--log-level", settings.log_level in _LOG_LEVELS, f"be one of {', '.join(_LOG_LEVELS)}"),
    )
    for flag, ok, rule in checks:
        if not ok:
            env = next(option.env for option in OPTIONS if option.flag == flag)
            value = getattr(settings, flag.lstrip("-").replace("-", "_"))
            raise SettingsError(f"{flag} (env {env}) must {rule}, got {value!r}.")
