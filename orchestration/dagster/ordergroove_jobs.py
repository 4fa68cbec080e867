"""Dagster: one job per Ordergroove merchant, each running ``meltano run <merchant> <loader>``.

The jobs come from ``meltano.yml``: every extractor that sets ``stream_map_config.merchant_label``
(see docs/many-merchants.md) is a merchant. Each job runs Meltano as a subprocess, so Meltano
keeps doing what it does well (config, state per merchant, plugins) and Dagster adds what a
home-made scheduler lacks: a schedule inside Ordergroove's window, retries, an alert when a
merchant's sync finally fails, run history, and run launchers that put each run on its own
machine (Kubernetes, ECS; docs/orchestration.md).

Run locally: ``dagster dev -f orchestration/dagster/ordergroove_jobs.py`` from the project root.
Settings (environment): ``MELTANO_PROJECT_ROOT`` (default: this repository), ``MELTANO_BIN``
(default: ``meltano`` next to this interpreter, else on PATH), ``ORDERGROOVE_LOADER`` (default
``target-postgres``), ``ORDERGROOVE_ALERT_WEBHOOK_URL`` (a Slack-compatible incoming webhook;
empty: the alert is logged only).
"""

# No `from __future__ import annotations`: Dagster checks the op's `context` annotation at
# definition time and needs the real class, not a string.
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import requests
import yaml
from dagster import (
    Backoff,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    HookContext,
    JobDefinition,
    OpExecutionContext,
    RetryPolicy,
    ScheduleDefinition,
    failure_hook,
    job,
    op,
)

MERCHANT_COLUMN = "merchant_label"
#: Ordergroove asks for syncs between 12pm and 8pm Central (after the overnight bulk order
#: placement). Runs start from 2pm Chicago time, 5 minutes apart per merchant, cycling
#: within 2pm-5:55pm, so a run and its retries (10 + 20 minutes of delay) end before 8pm.
TIMEZONE = "America/Chicago"
FIRST_START_HOUR = 14
STAGGER_MINUTES = 5
STAGGER_SPAN_MINUTES = 4 * 60
MAX_RETRIES = 2
RETRY_DELAY_SECONDS = 600
_OUTPUT_TAIL = 4000


@dataclass(frozen=True)
class Settings:
    """Where Meltano is and how runs behave; from the environment unless a test passes its own."""

    project_root: Path
    meltano: str
    loader: str
    alert_url: str
    retry_delay_seconds: float = RETRY_DELAY_SECONDS
    max_retries: int = MAX_RETRIES
    extra_env: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(cls) -> Self:
        here = Path(__file__).resolve().parents[2]
        beside = Path(sys.executable).parent / "meltano"
        default_bin = str(beside) if beside.exists() else (shutil.which("meltano") or "meltano")
        return cls(
            project_root=Path(os.environ.get("MELTANO_PROJECT_ROOT", here)),
            meltano=os.environ.get("MELTANO_BIN", default_bin),
            loader=os.environ.get("ORDERGROOVE_LOADER", "target-postgres"),
            alert_url=os.environ.get("ORDERGROOVE_ALERT_WEBHOOK_URL", ""),
        )


def merchant_extractors(meltano_yml: Path) -> list[str]:
    """The merchant extractors of a Meltano project, in file order."""
    project = yaml.safe_load(meltano_yml.read_text())
    return [
        plugin["name"]
        for plugin in project["plugins"]["extractors"]
        if MERCHANT_COLUMN in ((plugin.get("config") or {}).get("stream_map_config") or {})
    ]


def job_name(extractor: str) -> str:
    """A Dagster name (letters, digits, underscores) for one merchant's job."""
    return "sync_" + re.sub(r"\W+", "_", extractor.removeprefix("tap-ordergroove--"))


def alert_hook(settings: Settings) -> Callable:
    """A failure hook: the op failed for good (after its retries); tell a human which merchant."""

    @failure_hook(name="alert_on_failure")
    def _alert(context: HookContext) -> None:
        error = context.op_exception
        reason = getattr(error, "description", None) or str(error or "unknown error")
        text = f"Ordergroove sync failed: {context.job_name} (run {context.run_id}): {reason}"
        context.log.error(text)
        if settings.alert_url:
            response = requests.post(settings.alert_url, json={"text": text}, timeout=10)
            response.raise_for_status()

    return _alert


def meltano_op(extractor: str, settings: Settings) -> Callable:
    """The op of one job: ``meltano run <extractor> <loader>``, retried on failure."""

    @op(
        name=f"{job_name(extractor)}_meltano_run",
        retry_policy=RetryPolicy(
            max_retries=settings.max_retries,
            delay=settings.retry_delay_seconds,
            backoff=Backoff.LINEAR,
        ),
        tags={"merchant": extractor},
    )
    def _run(context: OpExecutionContext) -> None:
        command = [settings.meltano, "run", extractor, settings.loader]
        context.log.info("running %s in %s", " ".join(command), settings.project_root)
        # subprocess.run kills meltano if Dagster interrupts the op (run terminated).
        done = subprocess.run(  # noqa: S603 -- fixed argv from meltano.yml names
            command,
            cwd=settings.project_root,
            env={**os.environ, **dict(settings.extra_env)},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            context.log.error("meltano output (tail):\n%s", done.stderr[-_OUTPUT_TAIL:])
            raise Failure(
                description=f"`meltano run {extractor} {settings.loader}` exited "
                f"{done.returncode}; see the run's logs for Meltano's output",
            )
        context.log.info("meltano output (tail):\n%s", done.stderr[-_OUTPUT_TAIL:])

    return _run


def merchant_job(extractor: str, settings: Settings) -> JobDefinition:
    """One job per merchant: a failed or slow merchant never holds up another."""
    run_op = meltano_op(extractor, settings)

    @job(name=job_name(extractor), tags={"merchant": extractor}, hooks={alert_hook(settings)})
    def _job() -> None:
        run_op()

    return _job


def daily_schedule(job_def: JobDefinition, index: int) -> ScheduleDefinition:
    """Daily inside Ordergroove's window; merchants start STAGGER_MINUTES apart."""
    minutes = (index * STAGGER_MINUTES) % STAGGER_SPAN_MINUTES
    hour, minute = FIRST_START_HOUR + minutes // 60, minutes % 60
    return ScheduleDefinition(
        name=f"{job_def.name}_daily",
        job=job_def,
        cron_schedule=f"{minute} {hour} * * *",
        execution_timezone=TIMEZONE,
        default_status=DefaultScheduleStatus.RUNNING,
    )


def build_definitions(settings: Settings, merchants: Sequence[str] | None = None) -> Definitions:
    """Jobs and schedules for every merchant in ``meltano.yml`` (or the given ones)."""
    if merchants is None:
        merchants = merchant_extractors(settings.project_root / "meltano.yml")
    jobs = [merchant_job(extractor, settings) for extractor in merchants]
    schedules = [daily_schedule(job_def, i) for i, job_def in enumerate(jobs)]
    return Definitions(jobs=jobs, schedules=schedules)


defs = build_definitions(Settings.from_env())
