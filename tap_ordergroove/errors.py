"""One exception type per failure the person running the sync must act on.

Each subclasses the SDK's ``FatalAPIError`` so the SDK stops the stream at once
instead of retrying, and each message says what went wrong and what to change.
No message may contain the API key: messages are built from paths and API
bodies only, never from request headers.
"""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError


class OrdergrooveError(FatalAPIError):
    """Base of every failure with an actionable message: the CLI prints it as one line."""


class OrdergrooveAuthError(OrdergrooveError):
    """401/403: the key is wrong, belongs to the other environment, or lacks permissions."""


class OrdergrooveRequestError(OrdergrooveError):
    """400/404 and other non-retryable 4xx: the request itself is wrong."""


class OrdergrooveRetriesExhausted(OrdergrooveError):
    """A retryable failure (429, 423, 5xx, timeout, dropped connection) did not clear."""


class OrdergrooveConnectionError(OrdergrooveRetriesExhausted):
    """The host never accepted a connection (refused, unknown name): usually `base_url`."""


class OrdergrooveTLSError(OrdergrooveConnectionError):
    """TLS failed (plain-HTTP host behind an https URL, untrusted certificate): not retried."""


class OrdergrooveResponseError(OrdergrooveError):
    """A 2xx answer that is not the documented list envelope."""


class WebhookStoreError(OrdergrooveError):
    """``webhook_store_url`` names a store that does not exist or cannot be read."""


class StateFileError(OrdergrooveError):
    """The ``--state`` file is empty or not a JSON object (e.g. a failed run's leftovers)."""


class ConfigFileError(OrdergrooveError):
    """A ``--config`` file is missing, unreadable, not JSON or not a JSON object."""


class CatalogFileError(OrdergrooveError):
    """The ``--catalog`` file is missing, empty or not a JSON object."""
