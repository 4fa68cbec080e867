"""The tap: its streams, the per-run sync loop, and its command line (settings: ``settings.py``)."""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import time
import typing as t
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import click
from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_ordergroove import stopping
from tap_ordergroove.checks import (
    check_config_file,
    coerce_setting_strings,
    read_catalog_file,
    read_state_file,
    shown,
    unknown_settings,
)
from tap_ordergroove.concurrency import (
    MAX_CONCURRENT_STREAMS,
    ReaderSlots,
    SyncLock,
    call_interruptibly,
    sync_streams,
)
from tap_ordergroove.errors import OrdergrooveError
from tap_ordergroove.output import OrdergrooveWriter
from tap_ordergroove.progress import PROGRESS_INTERVAL, ProgressReporter
from tap_ordergroove.ratelimit import RateLimiter
from tap_ordergroove.rest.client import OrdergrooveStream
from tap_ordergroove.rest.streams import (
    CHILD_STREAM_TYPES,
    RECONCILIATION_STREAM_TYPES,
    STREAM_TYPES,
)
from tap_ordergroove.settings import CONFIG_SCHEMA
from tap_ordergroove.sftp import check_sources, sftp_configured, sftp_streams
from tap_ordergroove.stopping import StopRequested
from tap_ordergroove.timezones import OrdergrooveZone, parse_instant
from tap_ordergroove.webhooks.events import check_store_url
from tap_ordergroove.webhooks.streams import DeletedRecordsStream, WebhookEventsStream

if t.TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType

_URL = re.compile(r"^https?://[^/\s]+")
#: Seconds a stop waits for the stream that holds the SDK lock to reach a network wait.
STOP_LOCK_SECONDS = 5
#: Set by Meltano for every plugin it runs; its projects may pass extra keys.
MELTANO_ENV = "MELTANO_PROJECT_ROOT"
DOCS_URL = "https://github.com/tap-ordergroove/tap-ordergroove#readme"
#: ``--help`` epilog: where a user finds the settings and the docs (``\b``: keep line breaks).
HELP_EPILOG = f"""\b
Settings: `tap-ordergroove --about` lists every setting (`--about --format=markdown`
prints them as a table). Give them in the --config JSON file, or as
TAP_ORDERGROOVE_<SETTING> environment variables with --config=ENV.
Docs (sources, Meltano, deletes, SFTP, many merchants, orchestration):
{DOCS_URL}"""


#: What to do when a ``--state`` / ``--catalog`` file cannot be opened.
INPUT_FILE_FIXES = {
    "state": "Give the path of the last saved state, or leave out `--state` to sync from "
    "`start_date`.",
    "catalog": "Make one with `tap-ordergroove --config CONFIG --discover > catalog.json`, or "
    "leave out `--catalog` to sync every stream.",
}


class _InputFile(click.File):
    """click's file type, whose failure is one logged line naming the file and the fix."""

    def __init__(self, option: str, logger: logging.Logger) -> None:
        super().__init__()
        self.option = option
        self.logger = logger

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            path = str(value)
            try:
                Path(path).open(encoding="utf-8").close()
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
            else:  # pragma: no cover - click failed for a reason opening does not show
                reason = "cannot be opened"
            self.logger.error(
                "The %s file %s cannot be read: %s. %s",
                self.option,
                shown(path, f"--{self.option}"),
                reason,
                INPUT_FILE_FIXES[self.option],
            )
            raise click.exceptions.Exit(1) from None


class TapOrdergroove(Tap):
    """Singer tap for Ordergroove subscription data: REST API, SFTP exports, webhook deletes."""

    name = "tap-ordergroove"
    config_jsonschema = CONFIG_SCHEMA
    #: True once any request of this run got an HTTP answer; until then a host that does
    #: not resolve or refuses connections fails within seconds (http_client.py).
    api_answered = False
    message_writer_class = OrdergrooveWriter
    #: Only what this tap does and tests (no BATCH).
    capabilities = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's validation, with the values of secret settings taken out of its errors.

        jsonschema quotes the offending value ("987654321 is not of type 'string'"), and
        the SDK logs it: an unquoted numeric key in meltano.yml would reach the logs.
        Numbers, booleans and options given as text (environment variables, Meltano's
        `kind: string`) are read first; a bad one is one line naming the setting.
        """
        self.append_builtin_config(self.config_jsonschema)
        self._setting_problems = coerce_setting_strings(
            self._config, self.config_jsonschema["properties"]
        )
        if self._setting_problems and raise_errors:  # discovery: see _check_settings
            problems = self._setting_problems
            raise ConfigValidationError(" ".join(problems), errors=problems)
        try:
            errors = super()._validate_config(raise_errors=raise_errors)
        except ConfigValidationError as exc:
            exc.errors = [self._without_secrets(error) for error in exc.errors]
            raise
        return [self._without_secrets(error) for error in errors]

    def _without_secrets(self, text: str) -> str:
        for name, spec in self.config_jsonschema["properties"].items():
            value = self._config.get(name)
            if spec.get("secret") and value not in (None, ""):
                text = text.replace(repr(value), "'***'").replace(str(value), "***")
        return text

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command; ``--help`` also says where the settings and the docs are.

        ``--state`` and ``--catalog`` that cannot be opened are one line saying what to do,
        not click's usage banner.
        """
        command = super().get_singer_command()
        command.help = cls.__doc__
        command.epilog = HELP_EPILOG
        command.params.append(
            click.Option(
                ["--check"],
                is_flag=True,
                help="Read the first page of every stream and report drift from the schema "
                "(nothing is synced); --format=json for a bug report. docs/check-mode.md",
            )
        )
        for param in command.params:
            if param.name in INPUT_FILE_FIXES:
                param.type = _InputFile(param.name, cls.logger)
        return command

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        """``--config``: each file is checked first, so a missing or broken one is one line.

        The SDK would print a 33-46 line traceback that does not name the file.
        """
        with cls._errors():
            for path in value:
                if path != "ENV":
                    check_config_file(path)
        return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
        check: bool = False,
        **kwargs: t.Any,
    ) -> None:
        """The SDK's sync command, with the tap's own errors as one line (see ``_errors``).

        The ``--state`` and ``--catalog`` files are checked first: the SDK would die on an
        empty one (what a failed run leaves behind a careless ``> state.json``) with a JSON
        traceback. ``--check`` runs ``check.py`` instead of a sync.
        """
        with cls._errors():
            if check:
                from tap_ordergroove.rest.check import run_cli

                code = run_cli(cls, kwargs.get("config"), kwargs.get("about_format"))
                raise click.exceptions.Exit(code)
            checked = None if state is None else io.StringIO(read_state_file(state))
            listed = None if catalog is None else io.StringIO(read_catalog_file(catalog))
            super().invoke(state=checked, catalog=listed, **kwargs)

    @classmethod
    def cb_discover(cls, ctx: click.Context, param: click.Option, value: bool) -> None:
        """``--discover``: runs while click parses options, outside the SDK's error handling."""
        with cls._errors():
            super().cb_discover(ctx, param, value)

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """``--test``: like ``--discover``, outside the SDK's error handling."""
        with cls._errors():
            super().cb_test(ctx, param, value)

    @classmethod
    @contextmanager
    def _errors(cls) -> Iterator[None]:
        """Settings and source errors print as one line each and exit 1, no traceback.

        Their messages already say what went wrong and what to change; a traceback
        around them only buries that for the person reading the log at 6 am.
        """
        try:
            yield
        except ConfigValidationError as exc:
            for error in exc.errors or [str(exc)]:
                cls.logger.error("%s", error)
            raise click.exceptions.Exit(1) from None
        except OrdergrooveError as exc:
            cls.logger.error("%s", exc)
            raise click.exceptions.Exit(1) from None

    def _check_settings(self) -> None:
        """Settings the JSON schema cannot check, refused before any request is made."""
        problems = list(getattr(self, "_setting_problems", []))
        if problems and getattr(self, "_discovering", False):
            # Discovery does not need these values (their defaults stand in); under
            # `meltano run` the sync then stops with the same line, not "Catalog discovery
            # failed" and Meltano's traceback.
            for problem in problems:
                self.logger.warning("%s A sync stops here.", problem)
            problems = []
        if problems:  # only reached without the SDK's validation (--discover)
            raise ConfigValidationError(" ".join(problems), errors=problems)
        _ = self.zone  # raises for a zone name that is not IANA
        start = self.config.get("start_date")
        if start:
            try:
                parse_instant(str(start))
            except ValueError:
                problems.append(
                    f"Setting `start_date` is {start!r}, which is not an ISO-8601 date or "
                    "time. Use e.g. '2024-01-31' or '2024-01-31T00:00:00Z'."
                )
        base = self.config.get("base_url")
        if base and not _URL.match(str(base)):
            problems.append(
                f"Setting `base_url` is {base!r}, which is not an http(s) URL. Use e.g. "
                "'https://staging.restapi.ordergroove.com', or leave it empty and set "
                "`environment`."
            )
        problems += self._unknown_settings()
        if problems:
            raise ConfigValidationError(" ".join(problems), errors=problems)
        if start:
            self._warn_if_future(str(start))
        if self.config.get("webhook_store_url"):
            check_store_url(str(self.config["webhook_store_url"]))

    def _unknown_settings(self) -> list[str]:
        """Unknown settings: problems that stop the run, or (under Meltano) loud warnings.

        Meltano projects may legitimately carry extra keys, so there they only warn.
        """
        messages = unknown_settings(self._config, set(self.config_jsonschema["properties"]))
        if os.environ.get(MELTANO_ENV):
            for message in messages:
                self.logger.warning("%s It is ignored.", message)
            return []
        return messages

    def _warn_if_future(self, start: str) -> None:
        """A `start_date` in the future is legal but reads nothing until that day: say so."""
        if parse_instant(start) > datetime.now(UTC):
            self.logger.warning(
                "Setting `start_date` (%s) is in the future: streams without a bookmark read "
                "nothing updated before then. Set a past date to load history.",
                start,
            )

    @cached_property
    def zone(self) -> OrdergrooveZone:
        """The merchant's Ordergroove zone, validated once for all streams."""
        return OrdergrooveZone(self.config["timezone"])

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """One request budget for the whole run, shared by every stream."""
        return RateLimiter(int(self.config["max_requests_per_minute"]))

    @cached_property
    def sync_lock(self) -> SyncLock:
        """Serialises SDK work across stream threads; released while waiting on the API."""
        return SyncLock()

    @cached_property
    def reader_slots(self) -> ReaderSlots:
        """Keeps cursor chains of one object type sequential across streams."""
        return ReaderSlots(self.sync_lock)

    def run_discovery(self) -> str:
        """``--discover`` (and Meltano's ``select --list``): no credentials needed.

        Discovery contacts nothing, so a new project can list and select streams before
        it has a key; only a sync needs a source.
        """
        self._discovering = True
        return super().run_discovery()

    def discover_streams(self) -> list:
        """The REST list endpoints when `api_key` is set, the SFTP reports when `sftp_host` is.

        Discovery with no source at all lists the REST streams (what `api_key` adds); a
        sync with no source stops with the one line ``check_sources`` writes.
        """
        no_source = not (
            self.config.get("api_key")
            or sftp_configured(self.config)
            or self.config.get("webhook_store_url")
        )
        discovering_only = no_source and getattr(self, "_discovering", False)
        if not discovering_only:
            check_sources(self.config)
        self._check_settings()
        streams: list = []
        if discovering_only:
            self.logger.warning(
                "No source is configured (`api_key`, `sftp_host` or `webhook_store_url`): "
                "listing the REST API streams, which `api_key` reads. A sync needs a source."
            )
        if self.config.get("api_key") or discovering_only:
            streams += [stream_type(tap=self) for stream_type in STREAM_TYPES]
            streams += [stream_type(tap=self) for stream_type in CHILD_STREAM_TYPES]
            if self.config.get("reconcile_upcoming_deletes"):
                streams += [stream_type(tap=self) for stream_type in RECONCILIATION_STREAM_TYPES]
        if self.config.get("webhook_store_url"):
            streams += [WebhookEventsStream(tap=self), DeletedRecordsStream(tap=self)]
        if sftp_configured(self.config):
            streams += sftp_streams(self)
        return streams

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM / SIGINT: only raise the stop flag; the main thread acts on it.

        The SDK's handler writes a STATE and exits 0, which in parallel mode waited for
        every queued stream (the pool's ``with`` block) and told the scheduler "success".
        Here the main thread, polling in ``sync_streams``, stops within a fraction of a
        second; ``_stop`` writes the final STATE and exits 143 / 130.
        """
        stopping.request_stop(signum)

    def sync_all(self) -> None:
        """The SDK's loop, run over up to ``max_concurrent_streams`` streams at once.

        Before any output, one small request checks that Ordergroove accepts the key, so
        a refused key leaves no empty tables in the target. Child tables are written by
        their parent's sync (children.py), so a parent runs when only a child is selected.
        """
        self._sync_started = time.monotonic()
        selected = [
            stream
            for stream in self.streams.values()
            if not stream.parent_stream_type
            and (stream.selected or stream.has_selected_descendents)
        ]
        try:
            stopping.check()
            self._check_access(selected)
            self._reset_state_progress_markers()
            self._set_compatible_replication_methods()
            if self.state:
                self._state_writer.write_state(self.state)
            for stream in self.streams.values():
                if stream not in selected and not stream.parent_stream_type:
                    self.logger.info("Skipping deselected stream '%s'.", stream.name)
            workers = int(self.config.get("max_concurrent_streams", MAX_CONCURRENT_STREAMS))
            sync_streams(selected, self._sync_stream, self.sync_lock, workers, self.progress.tick)
            stopping.check()
        except StopRequested:
            self._stop(selected)
        for stream in self.streams.values():
            stream.log_sync_costs()

    def _check_access(self, selected: list[Stream]) -> None:
        """One cheap request to Ordergroove before any SCHEMA (only when REST streams run)."""
        rest = [s for s in selected if isinstance(s, OrdergrooveStream)]
        if not rest:
            return
        probe = next((s for s in rest if s.start_param), rest[0])
        call_interruptibly(probe.check_access)

    @cached_property
    def progress(self) -> ProgressReporter:
        """Periodic per-stream progress lines, driven by the main thread's wait loop."""
        return ProgressReporter(
            self.logger,
            self.message_writer.records,  # type: ignore[attr-defined]
            float(self.config.get("progress_interval_seconds", PROGRESS_INTERVAL)),
        )

    def _stop(self, selected: list[Stream]) -> t.NoReturn:
        """Write the final STATE and exit 143 (SIGTERM) / 130 (SIGINT), abandoning streams.

        Taking the sync lock first means no stream is mid-way through SDK work: each one
        is waiting on Ordergroove, so the state holds exactly what was written. Streams
        that finished keep their bookmarks; an unfinished one keeps its old bookmark (its
        progress is only a marker the next run discards) and its last closed backfill
        window; full-table streams never reach ACTIVATE_VERSION. ``os._exit`` because the
        abandoned threads may sit in a socket read for up to ``request_timeout``.
        """
        seized = self.sync_lock.seize(timeout=STOP_LOCK_SECONDS)
        try:
            if seized:
                self._state_writer.write_state(self.state)
            else:
                self.logger.warning(
                    "A stream did not pause within %d s; the last STATE written is the one "
                    "to resume from.",
                    STOP_LOCK_SECONDS,
                )
            self.message_writer.flush()  # type: ignore[attr-defined]
        except OSError as exc:  # the target is gone (broken pipe): nothing left to tell it
            self.logger.warning("Could not write the final STATE: %s", exc)
        self.logger.warning("%s", self.progress.stop_summary(selected, stopping.exit_code()))
        sys.stderr.flush()
        os._exit(stopping.exit_code())

    def _sync_stream(self, stream: Stream) -> None:
        """Sync one stream and log its one summary line."""
        before = stream.stream_state.get("replication_key_value")
        self.progress.started(stream)
        stream.sync()
        stream.finalize_state_progress_markers()
        self.progress.finished(stream)
        after = stream.stream_state.get("replication_key_value")
        self.logger.info(
            "Stream '%s' done: %s, bookmark %s -> %s, %.1f s",
            stream.name,
            self.progress.counts(stream),
            before,
            after,
            self.progress.elapsed(stream),
        )


if __name__ == "__main__":
    TapOrdergroove.cli()
