"""Singer streams for Ordergroove's SFTP CSV exports, one per report, plus rejected rows.

Each report stream lists ``sftp_path``, takes its own files in completion-time
order and reads the new ones, one by one. The state names the last file that was
read to the end (``replication_key_value``, its completion time in UTC, and
``last_file``) and keeps ``read_files``, the name, size and mtime of every file
read. It moves only after a file's last row was written, so a crash mid-file
re-reads that whole file on the next run (rows are upserts on the key, so
nothing is doubled), and a finished file is not read again unless it changes.

A file that turns up late with a timestamp before the bookmark, or a file that
changes after it was read, is read then, followed by every later file again, so
the newest file's values win as if all had come in order (see ``files.plan``).

Rows that cannot be loaded go to ``sftp_rejected_rows`` (and to the log), never
silently away, and never stop the good rows. A file that looks unfinished
(modified less than ``sftp_min_file_age_seconds`` ago, changing size, no final
newline) stops its report at that file until the next run, so files are never
read out of order.
"""

from __future__ import annotations

import time
import typing as t
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from functools import cached_property

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_ordergroove import stopping
from tap_ordergroove.sftp import files as sftp_files
from tap_ordergroove.sftp.errors import SftpFileError
from tap_ordergroove.sftp.rows import Rejection, ReportReader
from tap_ordergroove.sftp.schemas import (
    CRM_SUBSCRIPTION_REPORT,
    ORDER_REPORT,
    REJECTED_ROWS,
    REJECTED_ROWS_STREAM,
    SOURCE_COMPLETED_AT,
    SUBSCRIPTION_REPORT,
    Report,
)
from tap_ordergroove.sftp.settings import SftpSettings
from tap_ordergroove.timezones import OrdergrooveZone, parse_instant, utc_iso

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context
    from singer_sdk.tap_base import Tap

    from tap_ordergroove.sftp.connection import SftpConnection

#: State key of the files read so far: name -> {"size", "mtime"}.
READ_FILES = "read_files"
#: Rejected rows logged one by one per file; the rest are counted in one line.
LOGGED_REJECTIONS_PER_FILE = 20
#: Newest export older than this: warn that exports may have stopped (a delta comes every
#: business day, so a long weekend is four days).
STALE_AFTER = timedelta(days=4)
#: A file still without its final newline this long after its last change is broken, not
#: uploading: the sync stops with an error instead of waiting for it forever.
INCOMPLETE_GIVE_UP = timedelta(hours=24)


class SftpSource:
    """What the SFTP streams of one run share: settings, zone, warnings already given."""

    def __init__(self, settings: SftpSettings, zone: OrdergrooveZone) -> None:
        self.settings = settings
        self.zone = zone
        self._warned: set[str] = set()

    def connect(self, stream: Stream) -> SftpConnection:
        """A new connection (paramiko is imported only when a sync needs it).

        Network waits release the tap's sync lock, as REST requests do, so a long
        download does not hold up the streams running beside it.
        """
        from tap_ordergroove.sftp.connection import SftpConnection

        lock = getattr(stream._tap, "sync_lock", None)
        released = lock.released if lock is not None else nullcontext
        return SftpConnection(self.settings, stream.logger, released)

    def once(self, key: str) -> bool:
        """True the first time ``key`` is seen this run (one warning per run, not per stream)."""
        if key in self._warned:
            return False
        self._warned.add(key)
        return True

    def classify(self, conn: SftpConnection, stream: Stream) -> sftp_files.Listing:
        """List the folder, sort it by name, and report what is left alone."""
        listing = sftp_files.classify(
            conn.list(),
            zone=self.zone,
            merchant=self.settings.merchant,
            pattern=self.settings.file_pattern,
        )
        self._report_listing(listing, conn, stream)
        return listing

    def _report_listing(
        self, listing: sftp_files.Listing, conn: SftpConnection, stream: Stream
    ) -> None:
        logger = stream.logger
        if not self.settings.host_key_fingerprint and self.once("host-key"):
            logger.warning(
                "SFTP host key of %s not verified: pin it with `sftp_host_key_fingerprint: %s`.",
                self.settings.host,
                conn.host_key_fingerprint,
            )
        if listing.unrecognised:
            names = ", ".join(sorted(listing.unrecognised))
            if self.settings.unrecognised_files == "error":
                msg = (
                    f"SFTP folder {self.settings.path!r} holds files named in neither "
                    "Ordergroove form (<merchant><report>__<full|delta><DDMMYYYYHHMMSS>.csv or "
                    f"<merchant>_<report>_<MMDDYYYYHHMMSS>.csv): {names}. Remove them, exclude "
                    "them with `sftp_file_pattern`, or set `sftp_unrecognised_files: warn`."
                )
                raise SftpFileError(msg)
            if self.once("unrecognised"):
                logger.warning(
                    "Ignoring SFTP files named in neither Ordergroove form: %s "
                    "(`sftp_unrecognised_files: error` makes this an error).",
                    names,
                )
        if listing.uploading and self.once("uploading"):
            logger.info("Ignoring files that are still being uploaded: %s", listing.uploading)
        for report, names in sorted(listing.not_read.items()):
            if self.once(f"not-read-{report}"):
                logger.warning(
                    "Not reading %d file(s) of Ordergroove's %s: the tap does not load that "
                    "report (see 'Reports the tap does not read' in docs/sftp.md): %s",
                    len(names),
                    report,
                    ", ".join(sorted(names)),
                )
        if listing.other_reports and self.once("other-reports"):
            logger.info(
                "Ignoring exports of reports the tap does not know: %s", listing.other_reports
            )
        if listing.other_merchants and self.once("other-merchants"):
            logger.info(
                "Ignoring %d files of merchants other than `sftp_merchant` %r.",
                len(listing.other_merchants),
                self.settings.merchant,
            )
        if len(listing.merchants) > 1 and self.once("merchants"):
            logger.warning(
                "SFTP folder holds exports of several merchants (%s) and `sftp_merchant` is not "
                "set: all are loaded into the same tables, where their ids could collide.",
                ", ".join(sorted(listing.merchants)),
            )


class SftpRejectedRowsStream(Stream):
    """Rows of SFTP exports that could not be loaded: file, line, reason, raw text.

    The report streams write these while they read (this stream's own sync has
    nothing to add), so a rejection always reaches the target before the state
    that marks its file processed. Keyed by (file, line): re-reading a file
    replaces its rejections instead of doubling them.
    """

    name = REJECTED_ROWS_STREAM
    primary_keys = ("source_file", "source_line")
    schema = REJECTED_ROWS

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap=tap)
        self._schema_sent = False

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never: this stream's own sync reads nothing, so an ACTIVATE_VERSION after it
        would make the target flag every rejection already loaded as deleted."""
        return False

    def _write_schema_message(self) -> None:
        """Once per run, whether the SDK's sync or the first rejection comes first."""
        if not self._schema_sent:
            self._schema_sent = True
            super()._write_schema_message()

    def emit(self, report: Report, file: sftp_files.ReportFile, rejection: Rejection) -> None:
        """Write one rejection now, if this stream is selected."""
        if not self.selected:
            return
        self._write_schema_message()
        self._write_record_message(
            {
                "source_file": file.name,
                "source_line": rejection.line,
                "report": report.stream,
                "reason": rejection.reason,
                "raw_line": rejection.raw,
                "file_completed_at": file.completed_at_iso,
            }
        )

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """Nothing of its own: rejections are written while the reports are read."""
        return iter(())


class SftpReportStream(Stream):
    """One Ordergroove SFTP report: its files in order, each read to the end, then bookmarked."""

    report: t.ClassVar[Report]
    replication_key = SOURCE_COMPLETED_AT
    is_sorted = True  # files are read in completion-time order
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # rows.py already emits the schema's types

    def __init__(self, tap: Tap, source: SftpSource) -> None:
        super().__init__(tap=tap)
        self.source = source

    # Bookmark -------------------------------------------------------------------

    def bookmark(self, context: Context | None = None) -> tuple[str, str] | None:
        """(completion time UTC ISO, file name) of the last file read to the end."""
        state = self.get_context_state(context)
        value = state.get("replication_key_value")
        if not value or state.get("replication_key") not in (None, self.replication_key):
            return None
        return utc_iso(parse_instant(str(value))), str(state.get("last_file") or "")

    def read_files(
        self, files: list[sftp_files.ReportFile], context: Context | None = None
    ) -> dict[str, dict]:
        """The state's ``read_files``, pruned; built from the bookmark for an older state."""
        state = self.get_context_state(context)
        saved = state.get(READ_FILES)
        if not isinstance(saved, dict):
            saved = sftp_files.covered_by_bookmark(files, self.bookmark(context))
        return sftp_files.prune_read_files(saved, {file.name for file in files})

    def _mark_done(
        self,
        file: sftp_files.ReportFile,
        remote: sftp_files.RemoteFile,
        read_files: dict[str, dict],
        context: Context | None,
    ) -> None:
        """Move the bookmark to ``file``, record it as read, emit STATE (after all its rows)."""
        read_files[file.name] = sftp_files.identity(remote)
        state = self.get_context_state(context)
        state.pop("starting_replication_value", None)  # the SDK's run-start marker; unused here
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = file.completed_at_iso
        state["last_file"] = file.name
        state[READ_FILES] = dict(sorted(read_files.items()))
        self.state_manager.is_flushed = False
        self._write_state_message()

    def _increment_stream_state(
        self, latest_record: dict, *, context: Context | None = None
    ) -> None:
        """No per-record bookmark: it moves per finished file only (``_mark_done``).

        The SDK would otherwise save the completion time of a file that is only
        partly written, and a crash would then skip the rest of that file.
        """

    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        """No signpost: the bookmark is the last finished file, never the clock."""
        return

    # Reading --------------------------------------------------------------------

    @cached_property
    def rejected_stream(self) -> SftpRejectedRowsStream | None:
        """The tap's rejected-rows stream instance."""
        stream = self._tap.streams.get(REJECTED_ROWS_STREAM)
        return stream if isinstance(stream, SftpRejectedRowsStream) else None

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """Every row of every file to read of this report, file by file."""
        bookmark = self.bookmark(context)
        with self.source.connect(self) as conn:
            listing = self.source.classify(conn, self)
            if invalid := listing.invalid.get(self.name):
                raise SftpFileError(" ".join(invalid))
            files = listing.files(self.name)
            read_files = self.read_files(files, context)
            plan = sftp_files.plan(files, bookmark, read_files)
            self._log_plan(files, plan, bookmark)
            totals = [0, 0, 0]  # files, rows, rejected rows
            for index, file in enumerate(plan.files):
                stopping.check()  # a stop requested between files starts no further file
                remote = self._ready(conn, file)
                if remote is None:
                    left = len(plan.files) - index - 1
                    if left:
                        self.logger.warning(
                            "Stream '%s': %d later files wait for %s.", self.name, left, file.name
                        )
                    break
                yield from self._read(conn, file, remote, totals)
                self._mark_done(file, remote, read_files, context)
            self.logger.info(
                "Stream '%s': %d of %d files read, %d rows, %d rows rejected.",
                self.name,
                totals[0],
                len(plan.files),
                totals[1],
                totals[2],
            )

    def _log_plan(
        self,
        files: list[sftp_files.ReportFile],
        plan: sftp_files.Plan,
        bookmark: tuple[str, str] | None,
    ) -> None:
        self.logger.info(
            "Stream '%s': %d files on the server, %d to read after bookmark %s.",
            self.name,
            len(files),
            len(plan.files),
            f"{bookmark[1]} ({bookmark[0]})" if bookmark else "(none)",
        )
        self._warn_if_missing(files)
        if plan.replay_from is not None:
            self.logger.warning(
                "Stream '%s': %s (completed %s) must be read: %s. It is read now, then the %d "
                "files after it (read before or not), so each row ends up as the newest file "
                "has it.",
                self.name,
                plan.replay_from.name,
                plan.replay_from.completed_at_iso,
                plan.reason,
                len(plan.files) - 1,
            )

    def _warn_if_missing(self, files: list[sftp_files.ReportFile]) -> None:
        """Say when this report's exports are missing or stop coming: a sync loading
        nothing looks just like a sync with nothing new (the docs ask to alert on it)."""
        settings = self.source.settings
        if not files:
            self.logger.warning(
                "Stream '%s': no export of this report in %r on %s (after `sftp_merchant` and "
                "`sftp_file_pattern`). If Ordergroove exports it for you, check those settings "
                "and `sftp_path`; if not, deselect the stream.",
                self.name,
                settings.path,
                settings.host,
            )
            return
        newest = files[-1]
        age = datetime.now(UTC) - newest.completed_at
        if age > STALE_AFTER:
            self.logger.warning(
                "Stream '%s': the newest export, %s, was completed %d days ago; Ordergroove "
                "sends a delta every business day. Check with Ordergroove that it still runs.",
                self.name,
                newest.name,
                age.days,
            )

    def _ready(
        self, conn: SftpConnection, file: sftp_files.ReportFile
    ) -> sftp_files.RemoteFile | None:
        """The file's stable listing if it is complete; None (with a warning) if not yet."""
        min_age = self.source.settings.min_file_age_seconds
        age = sftp_files.age_seconds(file.remote)
        if age < min_age:
            return self._not_ready(
                file, f"modified {max(age, 0):.0f} s ago (`sftp_min_file_age_seconds` {min_age:g})"
            )
        now = conn.stat(file.name)
        if (now.size, int(now.mtime)) != (file.remote.size, int(file.remote.mtime)):
            return self._not_ready(
                file, f"its size changed ({file.remote.size} -> {now.size} bytes)"
            )
        if now.size == 0:
            return self._not_ready(file, "it is empty", stale_after=age)
        if conn.last_byte(now) != b"\n":
            return self._not_ready(file, "its last line has no newline", stale_after=age)
        return now

    def _not_ready(
        self, file: sftp_files.ReportFile, why: str, stale_after: float | None = None
    ) -> None:
        if stale_after is not None and stale_after > INCOMPLETE_GIVE_UP.total_seconds():
            msg = (
                f"SFTP file {file.name!r} looks truncated: {why}, and it has not changed for "
                f"{stale_after / 3600:.0f} h. Ask Ordergroove to re-send it, or move it away; "
                "later files of this report wait until then."
            )
            raise SftpFileError(msg)
        self.logger.warning(
            "Stream '%s': leaving %s for the next run, it looks still uploading: %s.",
            self.name,
            file.name,
            why,
        )

    def _read(
        self,
        conn: SftpConnection,
        file: sftp_files.ReportFile,
        remote: sftp_files.RemoteFile,
        totals: list[int],
    ) -> Iterator[dict]:
        """One file's records; rejections go to the rejected-rows stream and the log."""
        reader = ReportReader(
            self.report,
            conn.lines(remote),
            file=file.name,
            completed_at=file.completed_at_iso,
            zone=self.source.zone,
        )
        header = reader.read_header()
        if header.missing:  # most are the tap's expected columns, not documented ones: info
            self.logger.info(
                "%s has no column(s) %s: left null.", file.name, ", ".join(header.missing)
            )
        if header.unknown:
            self.logger.warning(
                "%s has column(s) the tap does not know, kept as text in extra_columns: %s",
                file.name,
                ", ".join(header.unknown),
            )
        rows = rejected = 0
        started = time.monotonic()
        for item in reader:
            if isinstance(item, Rejection):
                rejected += 1
                self._reject(file, item, rejected)
                continue
            rows += 1
            yield item
        totals[0] += 1
        totals[1] += rows
        totals[2] += rejected
        self.logger.info(
            "Read %s (%s, completed %s): %d rows, %d rejected, %.1f s.",
            file.name,
            file.kind or "export",
            file.completed_at_iso,
            rows,
            rejected,
            time.monotonic() - started,
        )

    def _reject(self, file: sftp_files.ReportFile, rejection: Rejection, count: int) -> None:
        if count <= LOGGED_REJECTIONS_PER_FILE:
            self.logger.warning(
                "Rejected row: file %s, line %d: %s", file.name, rejection.line, rejection.reason
            )
        elif count == LOGGED_REJECTIONS_PER_FILE + 1:
            self.logger.warning(
                "More rows of %s are rejected; see stream %s for all.",
                file.name,
                REJECTED_ROWS_STREAM,
            )
        if self.rejected_stream is not None:
            self.rejected_stream.emit(self.report, file, rejection)


class OrderReportStream(SftpReportStream):
    """Order report: one row per order item, keyed by ``order_item_id``."""

    name = ORDER_REPORT.stream
    report = ORDER_REPORT
    primary_keys = (ORDER_REPORT.key,)
    schema = ORDER_REPORT.schema()


class SubscriptionReportStream(SftpReportStream):
    """Subscription report: one row per subscription, keyed by ``subscription_id``."""

    name = SUBSCRIPTION_REPORT.stream
    report = SUBSCRIPTION_REPORT
    primary_keys = (SUBSCRIPTION_REPORT.key,)
    schema = SUBSCRIPTION_REPORT.schema()


class CrmSubscriptionReportStream(SftpReportStream):
    """CRM subscription file: one row per subscription changed, keyed by ``og_subscription_id``."""

    name = CRM_SUBSCRIPTION_REPORT.stream
    report = CRM_SUBSCRIPTION_REPORT
    primary_keys = (CRM_SUBSCRIPTION_REPORT.key,)
    schema = CRM_SUBSCRIPTION_REPORT.schema()


REPORT_STREAM_TYPES: tuple[type[SftpReportStream], ...] = (
    OrderReportStream,
    SubscriptionReportStream,
    CrmSubscriptionReportStream,
)


def sftp_streams(tap: Tap) -> list[Stream]:
    """The SFTP streams of one tap, sharing one ``SftpSource``."""
    settings = SftpSettings.from_config(dict(tap.config))
    source = SftpSource(settings, tap.zone)  # type: ignore[attr-defined]
    streams: list[Stream] = [stream_type(tap, source) for stream_type in REPORT_STREAM_TYPES]
    streams.append(SftpRejectedRowsStream(tap))
    return streams
