"""Verification of the ``Ordergroove-Signature`` header.

Ordergroove signs ``f"{ts}." + raw_body`` with HMAC-SHA256 and the route's verification key and
sends ``Ordergroove-Signature: ts=<unix>,sig=<hex>``. While a key is being rotated (24 hours) the
header carries two ``sig=`` values, one per key, and the receiver may hold both keys too: a
request is genuine when any signature matches any key.

How old may a signed ``ts`` be? Ordergroove documents ``ts`` only as "a timestamp of
transmission" (Webhooks Verification page) and does not say whether a retry is signed anew.
It retries a failed delivery for a long time: 5 attempts over minutes (Configuring Your Server
page), up to 60 attempts over 9-10 hours (Webhooks API Overview), by some accounts up to 3 days.
If a retry keeps its first ``ts``, a short window would refuse every retry sent after an outage
longer than the window, and those deletes would be lost for good. A replay costs nothing
(events are stored once by id and the body is signed), so the default accepts a ``ts`` up to
4 days old (the longest horizon, 3 days, plus a day of margin). A ``ts`` in the future is only
clock skew and gets at most ``FUTURE_SKEW_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

HEADER = "Ordergroove-Signature"
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
_MAX_SIGNATURES = 8  # two during a rotation; more is garbage and only costs HMACs
#: Default oldest accepted ``ts`` age: Ordergroove's longest retry horizon (3 days) plus a day.
DEFAULT_MAX_AGE_SECONDS = 4 * 24 * 60 * 60
#: A ``ts`` ahead of the server clock by more than this is refused (clock skew only).
FUTURE_SKEW_SECONDS = 300


class SignatureError(Exception):
    """The request is not provably from Ordergroove; the message is safe to return and log."""


@dataclass(frozen=True)
class ParsedSignature:
    """The parts of one ``Ordergroove-Signature`` header."""

    ts: str  # kept as sent: the signed bytes start with exactly this text
    signatures: tuple[str, ...]  # lower-case hex digests


def parse_header(value: str | None) -> ParsedSignature:
    """Split ``ts=<unix>,sig=<hex>[,sig=<hex>]``; tolerant of spaces, strict about content."""
    if not value:
        raise SignatureError(f"missing {HEADER} header")
    ts: str | None = None
    signatures: list[str] = []
    for part in value.split(","):
        name, sep, item = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"malformed {HEADER} header")
        name, item = name.strip().lower(), item.strip()
        if name == "ts":
            if not _UNIX_SECONDS.fullmatch(item) or (ts is not None and item != ts):
                raise SignatureError(f"malformed {HEADER} timestamp")
            ts = item
        elif name == "sig":
            if not _HEX_SHA256.fullmatch(item):
                raise SignatureError(f"malformed {HEADER} signature")
            signatures.append(item.lower())
        # Unknown parts are ignored so a future scheme (e.g. "v2=") does not break us.
    if ts is None or not signatures or len(signatures) > _MAX_SIGNATURES:
        raise SignatureError(f"malformed {HEADER} header")
    return ParsedSignature(ts, tuple(signatures))


def compute_signature(key: str, ts: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{ts}." + body`` under ``key``, as Ordergroove computes it."""
    return hmac.new(key.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


class SignatureVerifier:
    """Checks header, timestamp age and HMAC against every configured key."""

    def __init__(
        self, keys: Sequence[str], tolerance_seconds: int = DEFAULT_MAX_AGE_SECONDS
    ) -> None:
        """``tolerance_seconds``: the oldest signed ``ts`` accepted (``--tolerance-seconds``)."""
        cleaned = tuple(key for key in keys if key)
        if not cleaned:
            raise ValueError("at least one non-empty verification key is required")
        if tolerance_seconds < 1:
            raise ValueError(f"tolerance_seconds must be at least 1, got {tolerance_seconds}")
        self._keys = cleaned
        self.tolerance_seconds = tolerance_seconds
        self.future_seconds = min(FUTURE_SKEW_SECONDS, tolerance_seconds)

    @property
    def key_count(self) -> int:
        """How many keys are accepted (loggable; the keys themselves never are)."""
        return len(self._keys)

    def verify(self, header: str | None, body: bytes, now: float) -> int:
        """Return the signed timestamp, or raise :class:`SignatureError`.

        The age check runs first so a request far outside the window costs no HMAC work,
        then every (key, signature) pair is compared in constant time.
        """
        parsed = parse_header(header)
        ts = int(parsed.ts)
        if now - ts > self.tolerance_seconds:
            raise SignatureError(
                f"timestamp older than the {self.tolerance_seconds} s tolerance "
                "(--tolerance-seconds)"
            )
        if ts - now > self.future_seconds:
            raise SignatureError(
                f"timestamp more than the {self.future_seconds} s tolerance in the future; "
                "check the clock"
            )
        matched = False
        for key in self._keys:
            expected = compute_signature(key, parsed.ts, body)
            for candidate in parsed.signatures:
                # No early exit: the work done does not depend on which pair matched.
                matched |= hmac.compare_digest(expected, candidate)
        if not matched:
            raise SignatureError("signature does not match")
        return ts
