"""Ordergroove export file names: which report, which merchant, completed when, in what order.

Ordergroove documents two naming forms, and both are in use:

- developer guide: ``<merchant><report>__<full|delta><DDMMYYYYHHMMSS>.csv``
  (``acmeorders__delta05032024103000.csv``; an ``_`` after the merchant is accepted too);
- per-report help articles: ``<merchant>_<report>_<MMDDYYYYHHMMSS>.csv``
  (``acme_orders_03052024103000.csv``).

``<report>`` is ``orders``, ``subscription(s)`` or ``crm_subscription``; the
cancellation report and the member activity file are recognised too, so they are
never read as one of those (see ``NOT_READ_REPORTS``), and left alone.

Day and month swap places between the two, so the form decides how the 14
digits are read. The timestamp is when the report was completed, in Ordergroove's
zone (US Central): it orders the files and becomes the bookmark, in UTC. A name
in one of the forms whose digits are not a real date and time is an error: it
means the naming is not what the tap was told, and guessing could load days in
the wrong order.

In the fall-back hour a Central wall-clock time happens twice. The name cannot
say which; the upload time (mtime) can, as a file is uploaded after it is
completed: the later instant is taken when the file was already there by then.

``plan`` decides what a run reads. A bookmark alone (the last file read) cannot
see a file that turns up late with an older timestamp, or a file replaced after
it was read; so the state also keeps ``read_files`` (name -> size and mtime) and
such a file is read, followed by every later one again, so the newest file's
values still win in the warehouse.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tap_ordergroove.sftp.errors import SftpFileError
from tap_ordergroove.timezones import OrdergrooveZone, utc_iso

#: Report name in the file name -> stream name, for the reports the tap reads. Names are
#: compared case-insensitively. The help center names the subscription report
#: ``[client]_subscription_MMDDYYYYHHMMSS.csv`` (singular); the plural is accepted too.
REPORT_TOKENS: dict[str, str] = {
    "orders": "order_report",
    "subscription": "subscription_report",
    "subscriptions": "subscription_report",
    "crm_subscription": "crm_subscription_report",
}
#: Reports Ordergroove documents on the same SFTP that the tap does not read, by the name
#: in the file -> what the help center calls them. They are recognised so that they are
#: never mistaken for a report that is read (``acme_cancelled_subscriptions_...`` ends in
#: ``_subscriptions``) and so that the log says plainly that they are left alone. (The
#: cancellation report's columns are documented only in part; the member activity file
#: is a legacy event log Ordergroove points to webhooks for.)
NOT_READ_REPORTS: dict[str, str] = {
    "cancelled_subscriptions": "cancellation report",
    "canceled_subscriptions": "cancellation report",
    "crm_subscriber_events": "member activity file",
}
_ALL_TOKENS = (*REPORT_TOKENS, *NOT_READ_REPORTS)

_GUIDE_FORM = re.compile(
    r"^(?P<prefix>.+?)__(?P<kind>full|delta)(?P<stamp>\d{14})\.csv$", re.IGNORECASE
)
_HELP_FORM = re.compile(r"^(?P<prefix>.+?)_(?P<stamp>\d{14})\.csv$", re.IGNORECASE)
#: A CSV naming a report the tap reads, whatever the rest of its name.
_NEAR_MISS = re.compile(r"(?P<token>crm_subscription|orders|subscriptions?).*\.csv$", re.IGNORECASE)
#: A CSV naming a documented report the tap does not read, whatever the rest of its name.
_NOT_READ_NEAR_MISS = re.compile(r"crm_subscriber|cancell?ed_subscriptions", re.IGNORECASE)
#: Names uploaders give files while they are still being written.
_UPLOAD_NAME = re.compile(r"(^\.|\.(part|filepart|partial|tmp|temp|upload)$)", re.IGNORECASE)

GUIDE = "guide"  # <merchant><report>__<full|delta><DDMMYYYYHHMMSS>.csv
HELP = "help"  # <merchant>_<report>_<MMDDYYYYHHMMSS>.csv
_STAMP_FORMATS = {
    GUIDE: ("%d%m%Y%H%M%S", "DDMMYYYYHHMMSS"),
    HELP: ("%m%d%Y%H%M%S", "MMDDYYYYHHMMSS"),
}


@dataclass(frozen=True)
class RemoteFile:
    """One directory entry as listed on the server."""

    name: str
    size: int
    mtime: float
    is_file: bool = True

    @classmethod
    def from_attributes(cls, attrs: object) -> RemoteFile:
        """From paramiko's ``SFTPAttributes`` (name, size, mtime, mode)."""
        mode = getattr(attrs, "st_mode", None)
        return cls(
            name=str(attrs.filename),  # type: ignore[attr-defined]
            size=int(getattr(attrs, "st_size", 0) or 0),
            mtime=float(getattr(attrs, "st_mtime", 0) or 0),
            is_file=mode is None or stat.S_ISREG(mode),
        )


@dataclass(frozen=True)
class ReportFile:
    """An export of a report the tap reads, with its completion time in UTC."""

    remote: RemoteFile
    stream: str
    merchant: str
    kind: str | None  # 'full', 'delta', or None (help-article form has no kind)
    form: str
    completed_at: datetime

    @property
    def name(self) -> str:
        """The file name, as listed."""
        return self.remote.name

    @property
    def completed_at_iso(self) -> str:
        """Completion time as the UTC ISO string used in records and state."""
        return utc_iso(self.completed_at)

    @property
    def sort_key(self) -> tuple[str, str]:
        """Processing order: completion time, then name (a total order, also for ties)."""
        return (self.completed_at_iso, self.name)


@dataclass
class Listing:
    """A folder listing sorted into what the tap reads and what it leaves alone."""

    reports: dict[str, list[ReportFile]] = field(default_factory=dict)
    other_reports: list[str] = field(default_factory=list)
    #: Documented reports the tap does not read: what the help center calls them -> files.
    not_read: dict[str, list[str]] = field(default_factory=dict)
    other_merchants: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    uploading: list[str] = field(default_factory=list)
    merchants: set[str] = field(default_factory=set)
    #: Per stream: why some of its files cannot be placed in order (impossible timestamps).
    invalid: dict[str, list[str]] = field(default_factory=dict)

    def files(self, stream: str) -> list[ReportFile]:
        """One report's files in processing order."""
        return sorted(self.reports.get(stream, []), key=lambda f: f.sort_key)


def parse_stamp(
    name: str, stamp: str, form: str, zone: OrdergrooveZone, mtime: float | None = None
) -> datetime:
    """The completion time in a file name, read in the form's digit order, as UTC.

    ``mtime`` (the upload time) settles a time in the repeated fall-back hour.
    """
    pattern, shape = _STAMP_FORMATS[form]
    try:
        local = datetime.strptime(stamp, pattern)  # naive local time; zoned below
    except ValueError as exc:
        msg = (
            f"SFTP file {name!r} looks like an Ordergroove export, but {stamp!r} is not a "
            f"valid {shape} completion time ({exc}). The tap does not guess the date order; "
            "ask Ordergroove which naming they use, or exclude the file with "
            "`sftp_file_pattern`."
        )
        raise SftpFileError(msg) from exc
    return local_to_utc(local, zone, mtime)


def local_to_utc(local: datetime, zone: OrdergrooveZone, mtime: float | None) -> datetime:
    """A naive Central completion time as UTC; the repeated hour is settled by ``mtime``.

    A file cannot be uploaded before it was completed, so the second (later)
    occurrence is possible only if the file's mtime is not before it; exports are
    uploaded within minutes, so when it is possible it is taken. Without an mtime,
    and for times skipped in spring, the first reading is used, as for records.
    """
    first = local.replace(tzinfo=zone.tz, fold=0)
    second = local.replace(tzinfo=zone.tz, fold=1)
    earlier, later = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    repeated = earlier != later and all(
        instant.astimezone(zone.tz).replace(tzinfo=None) == local for instant in (earlier, later)
    )
    if repeated and mtime is not None and mtime >= later.timestamp():
        return later
    return first.astimezone(UTC)


def _split_prefix(prefix: str, form: str, merchant: str | None = None) -> tuple[str, str] | None:
    """(merchant, report token) from ``<merchant><sep><report>``, or None if no report fits.

    ``acme_crm_subscription`` fits two ways: the CRM subscription file of ``acme`` or the
    subscription report of ``acme_crm``. The configured ``sftp_merchant`` decides; without
    it the longer report name wins, as merchant names rarely end in a report's name.
    """
    candidates = [split for token in _ALL_TOKENS if (split := _split_on(prefix, token, form))]
    if merchant is not None:
        for split in candidates:
            if split[0].lower() == merchant.lower():
                return split
    return max(candidates, key=lambda split: len(split[1]), default=None)


def _split_on(prefix: str, token: str, form: str) -> tuple[str, str] | None:
    """(merchant, token) if ``prefix`` is a merchant followed by ``token`` in ``form``."""
    lowered = prefix.lower()
    if form == HELP:
        if lowered.endswith("_" + token) and len(prefix) > len(token) + 1:
            return prefix[: -len(token) - 1], token
    elif lowered.endswith(token) and len(prefix) > len(token):
        merchant = prefix[: -len(token)]
        return merchant[:-1] if merchant.endswith("_") else merchant, token
    return None


def _unrecognised(listing: Listing, name: str, merchant: str | None) -> None:
    """File a name in neither form: an error for its report if it names one, else ignored.

    ``acme_orders_2024-03-05.csv`` is almost surely an order export in a naming the
    tap does not know (Ordergroove changed it, or a third form): skipping it, as an
    unrelated file is skipped, would silently stop loading that report.
    """
    near = _NEAR_MISS.search(name)
    if near is None or _NOT_READ_NEAR_MISS.search(name):
        listing.unrecognised.append(name)
    elif merchant is not None and not name.lower().startswith(merchant.lower()):
        listing.other_merchants.append(name)
    else:
        stream = REPORT_TOKENS[near["token"].lower()]
        listing.invalid.setdefault(stream, []).append(_near_miss_message(name, stream))


def _near_miss_message(name: str, stream: str) -> str:
    exclude = "^(?!" + re.escape(name) + "$)"
    return (
        f"SFTP file {name!r} looks like an Ordergroove {stream} export but is named in "
        "neither form (<merchant><report>__<full|delta><DDMMYYYYHHMMSS>.csv or "
        "<merchant>_<report>_<MMDDYYYYHHMMSS>.csv), so the tap cannot tell when it was "
        "completed. If Ordergroove changed its file names, that report is no longer being "
        "loaded: report it to the tap's maintainers. If the file is not an Ordergroove export, "
        f"move it out of `sftp_path` or exclude it with `sftp_file_pattern` (e.g. '{exclude}')."
    )


def classify(
    entries: list[RemoteFile],
    *,
    zone: OrdergrooveZone,
    merchant: str | None = None,
    pattern: re.Pattern[str] | None = None,
) -> Listing:
    """Sort a folder listing by name.

    A report file with an impossible timestamp, or a CSV naming a report in
    neither form, goes to ``invalid`` under its stream: that report cannot be
    ordered and must stop, the others can go on.
    """
    listing = Listing()
    for entry in entries:
        if not entry.is_file or (pattern is not None and not pattern.search(entry.name)):
            continue
        if _UPLOAD_NAME.search(entry.name):
            listing.uploading.append(entry.name)
            continue
        if match := _GUIDE_FORM.match(entry.name):
            form, kind = GUIDE, match["kind"].lower()
        elif match := _HELP_FORM.match(entry.name):
            form, kind = HELP, None
        else:
            _unrecognised(listing, entry.name, merchant)
            continue
        split = _split_prefix(match["prefix"], form, merchant)
        if split is None:
            listing.other_reports.append(entry.name)
            continue
        file_merchant, token = split
        if merchant is not None and file_merchant.lower() != merchant.lower():
            listing.other_merchants.append(entry.name)
            continue
        if token in NOT_READ_REPORTS:
            listing.not_read.setdefault(NOT_READ_REPORTS[token], []).append(entry.name)
            continue
        stream = REPORT_TOKENS[token]
        try:
            completed_at = parse_stamp(entry.name, match["stamp"], form, zone, entry.mtime)
        except SftpFileError as exc:
            listing.invalid.setdefault(stream, []).append(str(exc))
            continue
        listing.merchants.add(file_merchant)
        listing.reports.setdefault(stream, []).append(
            ReportFile(entry, stream, file_merchant, kind, form, completed_at)
        )
    return listing


#: ``read_files`` entries of files gone from the server are kept this long, so a file moved
#: away and back is still known; Ordergroove deletes files after 30 days.
READ_FILES_KEPT = timedelta(days=40)


def identity(remote: RemoteFile) -> dict[str, int]:
    """What ``read_files`` keeps of a file: a new size or mtime means a new file."""
    return {"size": remote.size, "mtime": int(remote.mtime)}


@dataclass(frozen=True)
class Plan:
    """The files one run reads, in order, and why it starts before the bookmark (if it does)."""

    files: list[ReportFile]
    replay_from: ReportFile | None = None
    reason: str = ""


def bookmark_position(files: list[ReportFile], bookmark: tuple[str, str] | None) -> int:
    """Index of the bookmarked file in ``files`` (-1: none yet).

    Found by name while the file is listed (its position does not depend on the
    clock then); once it is gone, by its saved ``(completion time, name)``.
    """
    if bookmark is None:
        return -1
    for index, file in enumerate(files):
        if file.name == bookmark[1]:
            return index
    return sum(1 for file in files if file.sort_key <= bookmark) - 1


def unread_reason(file: ReportFile, read_files: dict[str, dict]) -> str:
    """Why a file at or before the bookmark must still be read ('' if it was read as it is)."""
    seen = read_files.get(file.name)
    if seen is None:
        return "it appeared after later files had been read"
    now = identity(file.remote)
    if seen != now:
        return (
            f"it changed after it was read (size {seen.get('size')} -> {now['size']} bytes, "
            f"mtime {seen.get('mtime')} -> {now['mtime']})"
        )
    return ""


def plan(
    files: list[ReportFile], bookmark: tuple[str, str] | None, read_files: dict[str, dict]
) -> Plan:
    """What to read: from the first file not yet read as it is now, to the last.

    Normally that is every file after the bookmark. A file at or before it that
    was never read, or changed since, starts the plan there: it is read and every
    later file after it again, so rows end up as the newest file has them
    (re-reading a file is an upsert of the same rows).
    """
    position = bookmark_position(files, bookmark)
    for index, file in enumerate(files):
        if index > position:
            return Plan(files[index:])
        if reason := unread_reason(file, read_files):
            return Plan(files[index:], file, reason)
    return Plan([])


def covered_by_bookmark(
    files: list[ReportFile], bookmark: tuple[str, str] | None
) -> dict[str, dict[str, int]]:
    """``read_files`` for a state saved without it: the files up to the bookmark."""
    return {
        file.name: identity(file.remote) for file in files[: bookmark_position(files, bookmark) + 1]
    }


def prune_read_files(
    read_files: dict[str, dict], listed: set[str], now: datetime | None = None
) -> dict[str, dict]:
    """Drop entries of files gone from the server for good (older than ``READ_FILES_KEPT``)."""
    oldest = ((now or datetime.now(UTC)) - READ_FILES_KEPT).timestamp()
    return {
        name: seen
        for name, seen in read_files.items()
        if isinstance(seen, dict) and (name in listed or _mtime(seen) >= oldest)
    }


def _mtime(seen: dict) -> float:
    """A ``read_files`` entry's mtime; 0 when a hand-edited state holds something else."""
    try:
        return float(seen.get("mtime") or 0)
    except (TypeError, ValueError):
        return 0.0


def age_seconds(remote: RemoteFile, now: datetime | None = None) -> float:
    """Seconds since the file was last modified (server clock vs ours)."""
    current = (now or datetime.now(UTC)).timestamp()
    return current - remote.mtime
