"""The Dagster example, executed: one job per merchant from meltano.yml, each a real
``meltano run`` against its own fake Ordergroove API into PostgreSQL; retries and the failure
alert (a real HTTP POST to a local receiver) when a merchant's key is wrong.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml
from dagster import DagsterEventType

from tests.test_merchants import (
    MELTANO,
    ROOT,
    Merchant,
    drop_schema,
    env_prefix,
    query,
    target_env,
)

MODULE = ROOT / "orchestration" / "dagster" / "ordergroove_jobs.py"


def load_module():
    spec = importlib.util.spec_from_file_location("ordergroove_jobs", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


jobs = load_module()


class AlertReceiver:
    """A local HTTP endpoint standing in for a Slack incoming webhook."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                return

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def merchants():
    first, second = Merchant(seed=303, key="dagster-key-one"), Merchant(404, "dagster-key-two")
    yield first, second
    first.fake.stop()
    second.fake.stop()


@pytest.fixture
def alerts():
    receiver = AlertReceiver()
    yield receiver
    receiver.stop()


def settings(env: dict, alert_url: str, max_retries: int = jobs.MAX_RETRIES):
    return jobs.Settings(
        project_root=ROOT,
        meltano=MELTANO,
        loader="target-postgres",
        alert_url=alert_url,
        retry_delay_seconds=0,
        max_retries=max_retries,
        extra_env=tuple({"MELTANO_ENVIRONMENT": "dev", **target_env(), **env}.items()),
    )


def merchant_env(extractor: str, merchant: Merchant, key: str, schema: str) -> dict:
    prefix = env_prefix(extractor)
    return {
        f"{prefix}_API_KEY": key,
        f"{prefix}_BASE_URL": merchant.fake.url,
        f"{prefix}__LOAD_SCHEMA": schema,
    }


def test_one_job_and_one_schedule_per_merchant_in_meltano_yml():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    merchants = [
        p["name"]
        for p in project["plugins"]["extractors"]
        if "merchant_label" in p.get("config", {}).get("stream_map_config", {})
    ]
    defs = jobs.build_definitions(settings({}, ""))
    names = {job.name for job in defs.jobs}
    assert names == {jobs.job_name(m) for m in merchants}
    assert len(names) == len(merchants) >= 2
    for schedule in defs.schedules:
        assert schedule.execution_timezone == "America/Chicago"
        minute, hour, *rest = schedule.cron_schedule.split()
        assert rest == ["*", "*", "*"]
        # The run plus its retries (10 + 20 minutes of delay) stays inside 12pm-8pm Central.
        start = int(hour) * 60 + int(minute)
        assert start >= 12 * 60 and start + 30 + 60 <= 20 * 60, schedule.cron_schedule
    many = jobs.build_definitions(settings({}, ""), [f"tap-ordergroove--m{i}" for i in range(80)])
    starts = {s.cron_schedule for s in many.schedules}
    assert all(12 <= int(c.split()[1]) < 18 for c in starts)


def test_each_merchant_runs_as_its_own_job(merchants, alerts):
    one, two = merchants
    run_id = uuid.uuid4().hex[:8]
    schemas = {"brand-a": f"og_dagster_a_{run_id}", "brand-b": f"og_dagster_b_{run_id}"}
    env = {
        **merchant_env("tap-ordergroove--brand-a", one, one.key, schemas["brand-a"]),
        **merchant_env("tap-ordergroove--brand-b", two, two.key, schemas["brand-b"]),
    }
    defs = jobs.build_definitions(settings(env, alerts.url))
    try:
        for name, merchant in (("brand-a", one), ("brand-b", two)):
            result = defs.get_job_def(
                jobs.job_name(f"tap-ordergroove--{name}")
            ).execute_in_process()
            assert result.success
            (count,) = query(f'SELECT count(*) FROM "{schemas[name]}".customers')[0]
            assert count == merchant.count("customers")
            labels = query(f'SELECT DISTINCT merchant_label FROM "{schemas[name]}".orders')
            assert labels == [(name.replace("-", "_"),)]
        assert alerts.received == []
    finally:
        for schema in schemas.values():
            drop_schema(schema)


def test_a_failing_merchant_is_retried_then_alerted_once(merchants, alerts):
    one, _two = merchants
    env = merchant_env("tap-ordergroove--brand-a", one, "a-revoked-key", "og_dagster_never")
    defs = jobs.build_definitions(settings(env, alerts.url, max_retries=1))
    job = defs.get_job_def(jobs.job_name("tap-ordergroove--brand-a"))
    result = job.execute_in_process(raise_on_error=False)
    assert not result.success
    kinds = [event.event_type for event in result.all_events]
    assert kinds.count(DagsterEventType.STEP_UP_FOR_RETRY) == 1
    assert kinds.count(DagsterEventType.STEP_FAILURE) == 1
    assert len(alerts.received) == 1
    text = alerts.received[0]["text"]
    assert "sync_brand_a" in text
    assert "meltano run tap-ordergroove--brand-a target-postgres" in text
    assert "a-revoked-key" not in text
