"""Drift reporting: what arrived that the schema does not expect, summed up per stream.

``DriftMixin`` is the part of ``OrdergrooveStream`` (``client.py``) that writes the end of a
stream's data-fidelity report (docs/data-fidelity.md): the converter's counts of
quarantined values, value forms and unknown fields, and deprecated fields dropped. The
first occurrence of each was already warned about as it arrived (``coerce.py``);
``tap-ordergroove --check`` (``check.py``) reports the same drift without syncing.
"""

from __future__ import annotations

from tap_ordergroove.rest.http_client import OrdergrooveHTTPStream


class DriftMixin(OrdergrooveHTTPStream):
    """Drift reporting of ``OrdergrooveStream`` (its attributes are ``client.py``'s)."""

    def _report_drift(self) -> None:
        """The stream's data-fidelity summary: quarantined values, forms, unknown fields.

        Each unknown field and each first bad value was already warned about when it
        arrived; this line gives the run's counts (docs/data-fidelity.md).
        """
        converter = self.converter
        summary = converter.summary()
        if summary:
            self.logger.warning("Stream '%s' data fidelity: %s", self.name, summary)
        for field, value in sorted(converter.deprecated_dropped.items()):
            self.logger.warning(
                "Stream '%s': deprecated field '%s' held a value of the wrong type (e.g. %r), "
                "emitted as null; the sync went on",
                self.name,
                field,
                value,
            )
