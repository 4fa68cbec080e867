"""The SFTP settings: their JSON-schema entries, and their validated, typed form.

SFTP is optional and sits beside the REST API: ``sftp_host`` switches it on.
Everything is checked once at startup, so a typo in a regex or a key that
cannot be read stops the tap before it connects anywhere, with a message that
names the setting. Secrets are kept out of ``repr`` so they cannot leak into a
log line or a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_ordergroove.sftp.errors import SftpPrivateKeyError

UNRECOGNISED_FILE_ACTIONS = ("warn", "error")
#: Secrets are text, but a number is accepted too: an unquoted numeric password in
#: meltano.yml arrives as a number, and the SDK's type error would print its value.
SECRET_TYPE = th.CustomType({"type": ["string", "number"]})

SFTP_PROPERTIES: tuple[th.Property, ...] = (
    th.Property(
        "sftp_host",
        th.StringType,
        title="SFTP host",
        description="Ordergroove's SFTP server for the daily CSV exports: feeds.ordergroove.com "
        "(staging: staging.feeds.ordergroove.com). Setting it adds the SFTP report streams "
        "(order_report, subscription_report, crm_subscription_report, sftp_rejected_rows). "
        "Empty: API only.",
    ),
    th.Property(
        "sftp_port",
        th.IntegerType(minimum=1, maximum=65535),
        default=22,
        title="SFTP port",
        description="TCP port of the SFTP server.",
    ),
    th.Property(
        "sftp_username",
        th.StringType,
        title="SFTP username",
        description="SFTP user name issued by Ordergroove.",
    ),
    th.Property(
        "sftp_password",
        SECRET_TYPE,
        secret=True,
        title="SFTP password",
        description="SFTP password issued by Ordergroove. Not needed with `sftp_private_key`; "
        "never logged.",
    ),
    th.Property(
        "sftp_private_key",
        SECRET_TYPE,
        secret=True,
        title="SFTP private key",
        description="Private key text (PEM or OpenSSH; RSA, ECDSA or Ed25519) for key "
        "authentication; used instead of `sftp_password` when set. Literal '\\n' sequences are "
        "read as line breaks, so the key fits in one environment variable.",
    ),
    th.Property(
        "sftp_private_key_passphrase",
        SECRET_TYPE,
        secret=True,
        title="SFTP private key passphrase",
        description="Passphrase of `sftp_private_key`, if it is encrypted.",
    ),
    th.Property(
        "sftp_host_key_fingerprint",
        th.StringType,
        title="SFTP host key fingerprint",
        description="The server's host key as `SHA256:...` (what `ssh-keygen -lf` prints). When "
        "set, any other key stops the sync. Empty: the key is accepted and its fingerprint "
        "logged in a warning, to copy here.",
    ),
    th.Property(
        "sftp_path",
        th.StringType,
        default="/outgoing/",
        title="SFTP folder",
        description="Folder holding the exports (Ordergroove uses /outgoing/).",
    ),
    th.Property(
        "sftp_merchant",
        th.StringType,
        title="SFTP merchant prefix",
        description="Merchant name as it starts the file names (e.g. 'acme' in "
        "acme_orders_03052024103000.csv). When set, other merchants' files are ignored; set it "
        "when one folder holds several merchants, whose ids could collide.",
    ),
    th.Property(
        "sftp_file_pattern",
        th.StringType,
        title="SFTP file name pattern",
        description="Python regular expression a file name must contain (re.search) to be "
        "considered at all, e.g. '__delta' or '_2025'. Names that do not match are ignored "
        "without a warning. Empty: every file.",
    ),
    th.Property(
        "sftp_min_file_age_seconds",
        th.IntegerType(minimum=0),
        default=60,
        title="SFTP minimum file age (seconds)",
        description="Files modified more recently than this are taken to be still uploading and "
        "are left, with every later file of the same report, for the next run.",
    ),
    th.Property(
        "sftp_timeout_seconds",
        th.IntegerType(minimum=1),
        default=30,
        title="SFTP timeout (seconds)",
        description="Seconds to wait for the connection, the login and each read before the sync "
        "stops with an error.",
    ),
    th.Property(
        "sftp_unrecognised_files",
        th.StringType,
        default="warn",
        allowed_values=list(UNRECOGNISED_FILE_ACTIONS),
        title="SFTP unrecognised files",
        description="What to do with a file in `sftp_path` whose name matches neither Ordergroove "
        "naming form: 'warn' (log it, skip it) or 'error' (stop the sync).",
    ),
)


def sftp_configured(config: dict) -> bool:
    """True when the SFTP source is switched on (a non-empty ``sftp_host``)."""
    return bool(str(config.get("sftp_host") or "").strip())


def check_sources(config: dict) -> None:
    """At least one source must be configured: the API key, SFTP, the webhook store."""
    if config.get("api_key") or sftp_configured(config) or config.get("webhook_store_url"):
        return
    detail = (
        "Set `api_key` to read Ordergroove's REST API, or `sftp_host` (with `sftp_username` "
        "and `sftp_password` or `sftp_private_key`) to read its SFTP CSV exports, or "
        "`webhook_store_url` to read stored webhook events, or several of them."
    )
    msg = f"No Ordergroove source is configured. {detail}"
    raise ConfigValidationError(msg, errors=[msg])


def _text(config: dict, name: str) -> str | None:
    value = config.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _secret(config: dict, name: str) -> str | None:
    """A secret as text: a YAML or JSON number is still a password, never shown."""
    value = config.get(name)
    if value is None or value == "":
        return None
    return str(value)


def _number(config: dict, name: str, default: float, minimum: int, errors: list[str]) -> float:
    """A numeric setting; a bad value is named in ``errors`` (it is no secret) and defaulted."""
    value = config.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return float(default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(f"`{name}` must be a number, not {value!r}.")
        return float(default)
    if number < minimum or number != number:  # NaN fails every comparison
        errors.append(f"`{name}` must be at least {minimum}, not {value!r}.")
        return float(default)
    return number


def normalise_private_key(text: str) -> str:
    """Key text as PEM: env vars often carry it on one line with literal ``\\n``."""
    if "\n" not in text and "\\n" in text:
        text = text.replace("\\n", "\n")
    return text.strip() + "\n"


def normalise_fingerprint(text: str) -> str:
    """``SHA256:abc=`` and ``abc`` name the same key: compare the unpadded base64 part."""
    value = text.strip()
    if value.upper().startswith("SHA256:"):
        value = value[len("SHA256:") :]
    return value.rstrip("=")


@dataclass(frozen=True)
class SftpSettings:
    """Validated SFTP settings; secrets never appear in ``repr``."""

    host: str
    port: int
    username: str
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    host_key_fingerprint: str | None = None
    path: str = "/outgoing/"
    merchant: str | None = None
    file_pattern: re.Pattern[str] | None = None
    min_file_age_seconds: float = 60.0
    timeout_seconds: float = 30.0
    unrecognised_files: str = "warn"

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SftpSettings:
        """Read and check every SFTP setting; all problems are reported at once."""
        errors: list[str] = []
        host = _text(config, "sftp_host") or ""
        username = _text(config, "sftp_username")
        password = _secret(config, "sftp_password")
        private_key = (_secret(config, "sftp_private_key") or "").strip() or None
        if not username:
            errors.append("`sftp_host` is set but `sftp_username` is empty: set the SFTP user.")
        if not password and not private_key:
            errors.append(
                "`sftp_host` is set but neither `sftp_password` nor `sftp_private_key` is: "
                "set one of them."
            )
        pattern = None
        if raw_pattern := _text(config, "sftp_file_pattern"):
            try:
                pattern = re.compile(raw_pattern)
            except re.error as exc:
                errors.append(
                    f"`sftp_file_pattern` {raw_pattern!r} is not a valid regular expression: {exc}"
                )
        action = config.get("sftp_unrecognised_files") or "warn"
        if action not in UNRECOGNISED_FILE_ACTIONS:
            errors.append(f"`sftp_unrecognised_files` must be 'warn' or 'error', not {action!r}.")
        fingerprint = _text(config, "sftp_host_key_fingerprint")
        port = _number(config, "sftp_port", 22, 1, errors)
        if not (port <= 65535 and port.is_integer()):
            errors.append(f"`sftp_port` must be a TCP port (1-65535), not {port:g}.")
            port = 22
        settings = cls(
            host=host,
            port=int(port),
            username=username or "",
            password=password,
            private_key=normalise_private_key(private_key) if private_key else None,
            passphrase=_secret(config, "sftp_private_key_passphrase"),
            host_key_fingerprint=normalise_fingerprint(fingerprint) if fingerprint else None,
            path=_text(config, "sftp_path") or "/outgoing/",
            merchant=_text(config, "sftp_merchant"),
            file_pattern=pattern,
            min_file_age_seconds=_number(config, "sftp_min_file_age_seconds", 60, 0, errors),
            timeout_seconds=_number(config, "sftp_timeout_seconds", 30, 1, errors),
            unrecognised_files=action,
        )
        if settings.private_key and not errors:
            from tap_ordergroove.sftp.connection import load_private_key

            try:
                load_private_key(settings.private_key, settings.passphrase)
            except SftpPrivateKeyError as exc:
                errors.append(str(exc))
        if errors:
            msg = "SFTP settings are incomplete or invalid: " + " ".join(errors)
            raise ConfigValidationError(msg, errors=errors)
        return settings
