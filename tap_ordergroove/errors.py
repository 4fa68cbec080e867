"""One exception type per failure the person running the sync must act on.

Each subclasses the SDK's ``FatalAPIError`` so the SDK stops the stream at once
instead of retrying, and each message says what went wrong and what to change.
No message may contain the API key: messages are built from paths and API
bodies only, never from request headers.
"""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError


class OrdergrooveAuthError(FatalAPIError):
    """401/403: the key is wrong, belongs to the other environment, or lacks permissions."""


class OrdergrooveRequestError(FatalAPIError):
    """400/404 and other non-retryable 4xx: the request itself is wrong."""


class OrdergrooveRetriesExhausted(FatalAPIError):
    """A retryable failure (429, 423, 5xx, timeout, dropped connection) did not clear."""


class OrdergrooveResponseError(FatalAPIError):
    """A 2xx answer that is not the documented list envelope."""
