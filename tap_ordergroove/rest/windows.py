"""Incremental windows and bookmarks: which time range each request chain reads, what is saved.

``WindowsMixin`` is the part of ``OrdergrooveStream`` (``client.py``) that reads a stream
window by window (``backfill_window_days``), saves a resume marker after each closed window
(``backfill_done_until``), and applies the bookmark rule: never later than the run's start
minus ``lookback_minutes``. ``get_records`` also brings in the concerns read around the
windows: tombstones and table versions (``tombstones.py``), the deletes resync
(``resync.py``) and the drift report (``drift.py``).
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

from tap_ordergroove.rest import resync
from tap_ordergroove.rest.http_client import OrdergrooveHTTPStream
from tap_ordergroove.timezones import parse_instant, utc_iso

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

#: Stream-state key: end of the last fully read backfill window of an unfinished run.
BACKFILL_MARKER = "backfill_done_until"
#: Stream-state key: last webhook-store ``seq`` whose deletes this stream has emitted.
WEBHOOK_SEQ = "webhook_seq"


class WindowsMixin(OrdergrooveHTTPStream):
    """Windows and bookmarks of ``OrdergrooveStream`` (its attributes are ``client.py``'s)."""

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Read every time window in turn (one window unless ``backfill_window_days`` is set).

        After each closed window a STATE records its end, so a run that crashes mid-backfill
        resumes from there. Safe: a closed window ends no later than this run's start minus
        the lookback (the bookmark's own rule), and anything changed after its window was
        read now carries a later timestamp. Once every window is read, the start of the
        first one becomes the least bookmark: a resumed stream whose last window held no
        records still ends with a real bookmark instead of going back to `start_date`.
        """
        version = self._begin_table_version()
        last_seq = yield from self.tombstones()
        windows = self.windows(context)
        for window in windows:
            self.current_window = window
            yield from self.request_records(window)
            if window.get("end"):
                self.stream_state[BACKFILL_MARKER] = window["end"]
                self.state_manager.is_flushed = False
                self._write_state_message()
        if self.replication_key and windows[0].get("start"):
            self._increment_stream_state(
                {self.replication_key: windows[0]["start"]}, context=context
            )
        self.stream_state.pop(BACKFILL_MARKER, None)
        if last_seq is not None:
            self.stream_state[WEBHOOK_SEQ] = last_seq
        resync.mark_done(self)  # after the last page only: a partial resync is redone
        self._report_drift()
        if version is not None:
            # Only now, after every page was read: a failed run never flags live rows.
            self._write_activate_version_message(version)

    def windows(self, context: Context | None) -> list[dict[str, str]]:
        """Time windows to read: ``[start, +N days], ..., [last, open end]``.

        The last window has no end, so records updated while the run reads are
        still caught. Without a starting point there is one unfiltered window.
        """
        if not self.replication_key or not self.start_param:
            return [{}]
        if resync.is_due(self):
            self.logger.info("Stream '%s': deletes resync due, reading every record", self.name)
            return [{}]
        start = self.get_starting_timestamp(context)
        resume = self.stream_state.get(BACKFILL_MARKER)
        if resume and (start is None or parse_instant(resume) > start):
            self.logger.info("Stream '%s': resuming backfill at %s", self.name, resume)
            start = parse_instant(resume)
        if start is None:
            return [{}]
        days = self.config.get("backfill_window_days")
        if not days:
            return [{"start": utc_iso(start)}]
        step = timedelta(days=int(days))
        # A closed window's end becomes a resume marker: the bookmark's lookback rule
        # applies, or a change committed late just before the marker would be skipped.
        last_close = self.run_started_at - self.lookback
        windows = []
        while start + step <= last_close:
            windows.append({"start": utc_iso(start), "end": utc_iso(start + step)})
            start += step
        windows.append({"start": utc_iso(start)})
        return windows

    @property
    def lookback(self) -> timedelta:
        """``lookback_minutes``: how far before the run start bookmarks and markers stay."""
        return timedelta(minutes=float(self.config["lookback_minutes"]))

    def get_replication_key_signpost(self, context: Context | None = None) -> str | None:
        """The newest bookmark this run may save: its own start, minus the lookback window.

        Ordergroove's rule: the next run starts where this one STARTED, because
        records updated while pages were being read may sit on pages already
        read (results are ordered by creation, not update). The SDK saves
        ``min(max value seen, signpost)``; the lookback absorbs clock skew.
        """
        if not self.replication_key:
            return None
        return utc_iso(self.run_started_at - self.lookback)
