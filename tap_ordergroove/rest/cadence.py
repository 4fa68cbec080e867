"""Full-table streams read at most every ``full_table_every_hours`` hours.

Payments, products, offer profiles, ... have no update filter, so every run reads them in
full: for a large merchant that is thousands of pages an hour for objects that rarely
change. With the setting, a run whose full-table stream was read in full less than N hours
ago skips it before the SDK's ``sync`` starts, so the skipped stream sends nothing at all
(no SCHEMA, no RECORD, no ACTIVATE_VERSION): a target has nothing to flag deleted. Its
child tables (products' selection rules, ...) come from its pages, so they skip with it.

Rules (docs/full-table-cadence.md):

- the read time is saved per stream (``full_table_read_at``, the start of the run that read
  it) only after a complete read; a failed or stopped read saves nothing and is redone;
- a stream, or a selected child table, with no saved read time is read: an old state file,
  a newly selected table, and Meltano's ``--full-refresh`` (which runs without state);
- a run in which a deletes resync (``resync_deletes_every_days``) is due for any selected
  incremental stream reads every full-table stream too;
- the reconciliation streams (``upcoming_orders``/``upcoming_items``) exist to be read every
  run and never skip.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

from tap_ordergroove.rest import resync
from tap_ordergroove.timezones import parse_instant, utc_iso

if t.TYPE_CHECKING:
    from datetime import datetime

    from singer_sdk import Stream

    from tap_ordergroove.rest.client import OrdergrooveStream

#: Stream-state key: start of the run whose complete read of this table was the last one.
READ_AT = "full_table_read_at"
SETTING = "full_table_every_hours"
#: A schedule whose runs start a few seconds or minutes earlier than the last still reads
#: on time: an hourly job with N=24 reads at the same hour each day, not an hour later.
SLACK = timedelta(minutes=10)


def every(stream: OrdergrooveStream) -> timedelta | None:
    """The interval for this stream, or None when it is read every run."""
    hours = int(stream.config.get(SETTING) or 0)
    if hours <= 0 or stream.replication_key or stream.read_every_run:
        return None
    return timedelta(hours=hours)


def tables(stream: OrdergrooveStream) -> list[Stream]:
    """What one read of this stream writes: itself if selected, and its selected children."""
    own: list[Stream] = [stream] if stream.selected else []
    return own + list(getattr(stream, "feeding", []))


def last_read(table: Stream) -> datetime | None:
    """When ``table`` was last read in full, from the state; None if never (or unreadable)."""
    value = table.stream_state.get(READ_AT)
    if not value:
        return None
    try:
        return parse_instant(str(value))
    except ValueError:
        table.logger.warning(
            "Stream '%s': state key %s is %r, not a time; reading the table in full",
            table.name,
            READ_AT,
            value,
        )
        return None


def resync_run(stream: OrdergrooveStream) -> bool:
    """True when a deletes resync is due for a selected incremental REST stream this run."""
    for other in stream._tap.streams.values():
        if (
            other.replication_key
            and getattr(other, "start_param", None)
            and (other.selected or other.has_selected_descendents)
            and resync.is_due(t.cast("OrdergrooveStream", other))
        ):
            return True
    return False


def skip(stream: OrdergrooveStream) -> bool:
    """True when this run must not read ``stream``; logs one line per table it skips."""
    interval = every(stream)
    if interval is None:
        return False
    written = tables(stream)
    if not written:
        return False
    reads = [last_read(table) for table in written]
    if any(read is None for read in reads):
        return False
    due_at = min(t.cast("list[datetime]", reads)) + interval - SLACK
    if stream.run_started_at >= due_at:
        return False
    if resync_run(stream):
        stream.logger.info(
            "Stream '%s': deletes resync due this run, reading in full despite %s",
            stream.name,
            SETTING,
        )
        return False
    for table, read in zip(written, reads, strict=True):
        table.logger.info(
            "Stream '%s' skipped this run (%s=%s): last read in full at %s, next read by the "
            "first run from %s",
            table.name,
            SETTING,
            stream.config[SETTING],
            utc_iso(t.cast("datetime", read)),
            utc_iso(due_at),
        )
    return True


def mark_read(stream: OrdergrooveStream) -> None:
    """Record a complete read of ``stream`` and its children; call only after the last page.

    Sends a STATE so the runner saves it now (the SDK's last STATE of this stream is
    already out).
    """
    if every(stream) is None:
        return
    for table in tables(stream):
        table.stream_state[READ_AT] = utc_iso(stream.run_started_at)
    stream.state_manager.is_flushed = False
    stream._write_state_message()
