"""Periodic full re-reads of incremental streams, so deleted customers, addresses, ... get flagged.

Ordergroove's REST API has no tombstones: a deleted customer simply stops appearing, and an
incremental read (``updated_start``) never notices. Fivetran's remedy, "re-import once a
week to capture deletes", is ``resync_deletes_every_days``: when a resync is due, the
stream reads every record (no start filter, not even ``start_date``), stamps them with a
table version, and after the last page sends ACTIVATE_VERSION, so the target flags rows
not seen (``_sdc_deleted_at``), never deleting them.

Crash rule, as for full-table streams: ACTIVATE_VERSION and the resync timestamp are sent
only after a complete read, so a failed or partial resync flags nothing and is redone on
the next run. The incremental bookmark follows the usual rule (never later than the run's
start minus the lookback), so the next incremental run continues where it should.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

from tap_ordergroove.timezones import parse_instant, utc_iso

if t.TYPE_CHECKING:
    from tap_ordergroove.rest.client import OrdergrooveStream

#: Stream-state key: start of the run whose complete resync read last flagged deletes.
RESYNCED_AT = "deletes_resynced_at"
#: A daily schedule whose runs start a few seconds earlier each day still resyncs on day N.
SLACK = timedelta(hours=1)
_DUE = "_resync_due"


def is_due(stream: OrdergrooveStream) -> bool:
    """True when this run of an incremental stream must read in full to find deletes.

    Decided once per run (cached on the stream): the answer must not change when the
    resync is recorded at the end of the read.
    """
    cached = stream.__dict__.get(_DUE)
    if cached is None:
        cached = _compute_due(stream)
        stream.__dict__[_DUE] = cached
    return cached


def _compute_due(stream: OrdergrooveStream) -> bool:
    days = stream.config.get("resync_deletes_every_days")
    if not days or not stream.replication_key or not stream.start_param:
        return False
    last = stream.stream_state.get(RESYNCED_AT)
    if not last:
        return True
    return stream.run_started_at - parse_instant(str(last)) >= timedelta(days=int(days)) - SLACK


def reads_whole_table(stream: OrdergrooveStream) -> bool:
    """True when this run reads every record of the stream, so missing rows are deletes."""
    if stream.replication_key:
        return is_due(stream)
    return bool(stream.config.get("soft_delete_missing_records", True))


def mark_done(stream: OrdergrooveStream) -> None:
    """Record a complete resync read; call only after the last page was read."""
    if is_due(stream):
        stream.stream_state[RESYNCED_AT] = utc_iso(stream.run_started_at)
        stream.logger.info(
            "Stream '%s': resync complete; rows Ordergroove no longer returns are flagged "
            "deleted. Next resync in %s days.",
            stream.name,
            stream.config["resync_deletes_every_days"],
        )
