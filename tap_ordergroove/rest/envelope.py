"""Recognise the response shapes Ordergroove documents for its list endpoints.

With ``X-OG-API-VERSION: 2`` the reference promises the cursor envelope
``{next, previous, results}`` (Cursor Pagination page), but some reference pages show
other shapes in their example responses, and nothing says the header always wraps them:

- one-time incentives (otd-list): a bare JSON array of records;
- merchant cancellation reasons (list-cancellation-reasons): one record as an object;
- standardized flex incentives and the deprecated v1 pages: ``{count, next, previous,
  results}``, which is the envelope plus ``count``.

Every shape is turned into the envelope the paginator and parser read, so a documented
shape never fails a sync; anything else (an error body, a list of non-objects) does,
with the path and the start of the body in the message.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from tap_ordergroove.errors import OrdergrooveResponseError

ENVELOPE = "v2 envelope {next, previous, results}"
BARE_ARRAY = "bare JSON array"
SINGLE_OBJECT = "single JSON object"

#: Keys that only an envelope or an error body has; a record never has them at top level.
_NOT_A_RECORD = frozenset({"next", "previous", "results", "count", "detail"})


@dataclass(frozen=True)
class Page:
    """One response, whatever its shape: its records, its next link and the shape's name."""

    results: list[dict]
    next: str | None
    shape: str


def unwrap(body: t.Any, where: str) -> Page:
    """The records of ``body`` (already parsed JSON), which arrived from ``where``."""
    if isinstance(body, dict) and "results" in body:
        results = body["results"]
        if isinstance(results, list) and _all_objects(results):
            return Page(results, body.get("next"), ENVELOPE)
    elif isinstance(body, list) and _all_objects(body):
        return Page(body, None, BARE_ARRAY)
    elif isinstance(body, dict) and body and not (_NOT_A_RECORD & body.keys()):
        return Page([body], None, SINGLE_OBJECT)
    msg = (
        f"Ordergroove answered {where} with none of the documented list shapes (v2 envelope, "
        f"bare array, single object); got {str(body)[:200]!r}. Check `base_url`."
    )
    raise OrdergrooveResponseError(msg)


def _all_objects(values: list) -> bool:
    return all(isinstance(value, dict) for value in values)
