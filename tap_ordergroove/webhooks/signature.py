"""Verification of the ``Ordergroove-Signature`` header.

Ordergroove signs ``f"{ts}." + raw_body`` with HMAC-SHA256 and the route's verification key and
sends ``Ordergroove-Signature: ts=<unix>,sig=<hex>``. While a key is being rotated (24 hours) the
header carries two ``sig=`` values, one per key, and the receiver may hold both keys too: a
request is genuine when any signature matches any key. The timestamp is part of the signed bytes,
so checking its age stops an attacker from replaying a captured request later.
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

    def __init__(self, keys: Sequence[str], tolerance_seconds: int) -> None:
        cleaned = tuple(key for key in keys if key)
        if not cleaned:
            raise ValueError("at least one non-empty verification key is required")
        if tolerance_seconds < 1:
            raise ValueError(f"tolerance_seconds must be at least 1, got {tolerance_seconds}")
        self._keys = cleaned
        self.tolerance_seconds = tolerance_seconds

    @property
    def key_count(self) -> int:
        """How many keys are accepted (loggable; the keys themselves never are)."""
        return len(self._keys)

    def verify(self, header: str | None, body: bytes, now: float) -> int:
        """Return the signed timestamp, or raise :class:`SignatureError`.

        The age check runs first so a replayed request costs no HMAC work, then every
        (key, signature) pair is compared in constant time.
        """
        parsed = parse_header(header)
        ts = int(parsed.ts)
        if abs(now - ts) > self.tolerance_seconds:
            raise SignatureError(
                f"timestamp outside the {self.tolerance_seconds} s tolerance; check the clock"
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
