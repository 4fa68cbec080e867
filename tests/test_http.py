"""HTTP behaviour: faults are survived with identical output; fatal errors say what to fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import API_KEY, LIMITED_KEY, tap_config
from tests.singer_run import run_tap

SUBSET = ["orders", "items", "customers"]


@pytest.fixture(scope="module")
def clean_run(shared_fake, tmp_path_factory):
    return run_tap(tmp_path_factory.mktemp("clean"), tap_config(shared_fake), streams=SUBSET)


def by_key(run):
    return {
        stream: sorted(records, key=lambda r: str(r.get("public_id") or r.get("merchant_user_id")))
        for stream, records in run.records.items()
    }


FAULTS = {
    "429-retry-after": {"kind": "429", "every": 3, "count": 6, "retry_after": 1},
    "429-no-header": {"kind": "429", "count": 3},
    "423-locked": {"kind": "423", "every": 4, "count": 4},
    "500": {"kind": "500", "every": 3, "count": 5},
    "502": {"kind": "502", "count": 2},
    "503": {"kind": "503", "every": 5, "count": 3, "retry_after": 0},
    "slow-timeout": {"kind": "slow", "every": 4, "count": 3, "delay": 3},
    "dropped-connection": {"kind": "drop", "every": 3, "count": 5},
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_fault_is_survived_with_identical_output(fake, clean_run, tmp_path, fault):
    fake.faults.set([fault])
    run = run_tap(tmp_path, tap_config(fake, request_timeout=1), streams=SUBSET)
    assert by_key(run) == by_key(clean_run)
    statuses = [entry["status"] for entry in fake.request_log.snapshot()]
    assert len(statuses) > sum(len(v) for v in clean_run.records.values()) // 100
    assert fake.faults.remaining() == 0, "the fault never fired"
    assert "Retrying /" in run.stderr
    assert API_KEY not in run.stderr


def test_retry_after_is_honoured(fake, tmp_path):
    fake.faults.set([{"kind": "429", "count": 1, "retry_after": 2, "path": "/orders/"}])
    run = run_tap(tmp_path, tap_config(fake), streams=["orders"])
    assert "waiting 2.0 s" in run.stderr


def test_retries_give_up_with_a_clear_message(fake, tmp_path):
    fake.faults.set([{"kind": "503", "count": 100, "path": "/orders/"}])
    run = run_tap(tmp_path, tap_config(fake, max_tries=3), streams=["orders"], check=False)
    assert run.returncode != 0
    assert "Gave up on /orders/ after 3 tries" in run.stderr
    assert "503" in run.stderr
    assert "raise `max_tries`" in run.stderr
    assert API_KEY not in run.stderr


@pytest.mark.parametrize(
    ("key", "status"),
    [("wrong-key", 403), (LIMITED_KEY, 403)],
    ids=["wrong-key", "no-bulk-permission"],
)
def test_auth_failure_stops_at_once_and_names_the_fixes(shared_fake, tmp_path, key, status):
    before = len(shared_fake.request_log.snapshot())
    run = run_tap(tmp_path, tap_config(shared_fake, api_key=key), streams=["orders"], check=False)
    assert run.returncode != 0
    assert f"refused the API key with {status}" in run.stderr
    for hint in ("`api_key`", "`environment`", "Bulk Operations"):
        assert hint in run.stderr
    assert key not in run.stderr
    assert "Traceback" not in run.stderr, "the tap's own errors print as one line"
    assert len(shared_fake.request_log.snapshot()) - before == 1, (
        "an auth failure must not be retried"
    )
    assert not run.records


def test_401_is_treated_like_403(tmp_path):
    from tests.conftest import start_fake

    fake = start_fake(auth_failure_status=401)
    try:
        run = run_tap(tmp_path, tap_config(fake, api_key="nope"), streams=["orders"], check=False)
    finally:
        fake.stop()
    assert run.returncode != 0
    assert "refused the API key with 401" in run.stderr


def test_404_stops_with_the_api_message_and_a_hint(shared_fake, tmp_path):
    config = tap_config(shared_fake, base_url=shared_fake.url + "/v9")
    run = run_tap(tmp_path, config, streams=["orders"], check=False)
    assert run.returncode != 0
    assert "rejected GET /v9/orders/ with 404: Not found." in run.stderr
    assert "`base_url`" in run.stderr


def test_bad_setting_is_refused_before_any_request(shared_fake, tmp_path):
    before = len(shared_fake.request_log.snapshot())
    run = run_tap(tmp_path, tap_config(shared_fake, page_size=500), streams=["orders"], check=False)
    assert run.returncode != 0
    assert "page_size" in run.stderr
    assert len(shared_fake.request_log.snapshot()) == before


@pytest.mark.parametrize("setting", ["api_key", "webhook_store_url"])
def test_config_errors_never_quote_a_secret_value(shared_fake, tmp_path, setting):
    secret = 987654321987  # a numeric value in meltano.yml arrives as a number
    run = run_tap(tmp_path, tap_config(shared_fake, **{setting: secret}), check=False)
    assert run.returncode != 0
    assert f"config['{setting}']" in run.stderr
    assert str(secret) not in run.stderr + run.stdout


def test_wrong_timezone_is_a_config_error_naming_the_setting(shared_fake, tmp_path):
    before = len(shared_fake.request_log.snapshot())
    run = run_tap(tmp_path, tap_config(shared_fake, timezone="Central"), check=False)
    assert run.returncode != 0
    assert "Setting `timezone` is 'Central'" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(shared_fake.request_log.snapshot()) == before


@pytest.mark.parametrize(
    ("setting", "value"),
    [("start_date", "01/02/2024"), ("start_date", "2024-13-45"), ("base_url", "127.0.0.1:8765")],
)
def test_unusable_settings_are_refused_before_any_request(shared_fake, tmp_path, setting, value):
    before = len(shared_fake.request_log.snapshot())
    run = run_tap(tmp_path, tap_config(shared_fake, **{setting: value}), check=False)
    assert run.returncode != 0
    assert f"Setting `{setting}` is {value!r}" in run.stderr
    assert "Traceback" not in run.stderr
    assert not run.records
    assert len(shared_fake.request_log.snapshot()) == before


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [("http://127.0.0.1:9", "connection refused"), ("http://no-such-host.invalid", "resolve")],
)
def test_a_host_that_never_answers_is_named_with_the_settings_to_check(tmp_path, base_url, reason):
    config = {"api_key": API_KEY, "base_url": base_url, "max_tries": 2}
    run = run_tap(
        tmp_path, {**config, "retry_backoff_seconds": 0.01}, streams=["orders"], check=False
    )
    assert run.returncode != 0
    assert f"Could not connect to {base_url} after 2 tries" in run.stderr
    assert reason in run.stderr
    assert "`base_url`" in run.stderr
    assert "Traceback" not in run.stderr


def test_client_side_rate_limit_paces_requests(shared_fake, tmp_path):
    run = run_tap(
        tmp_path, tap_config(shared_fake, max_requests_per_minute=600), streams=["customers"]
    )
    pages = [line for line in run.stderr.splitlines() if "Stream 'customers' done" in line]
    assert pages, run.stderr[-2000:]
    requests_made = int(pages[0].split(" requests")[0].rsplit(" ", 1)[1])
    seconds = float(pages[0].rsplit(", ", 1)[1].split(" s")[0])
    assert requests_made >= 2
    assert seconds >= (requests_made - 1) * 0.1 * 0.9  # 600/min = one start per 100 ms


@pytest.mark.parametrize(
    ("mode", "config", "message"),
    [
        # --discover with no source lists the REST streams (tests/test_meltano_env.py).
        ("--test", {}, "No Ordergroove source is configured"),
        ("--discover", {"api_key": "k", "timezone": "Central"}, "Setting `timezone` is 'Central'"),
        ("--test", {"api_key": "k", "timezone": "Central"}, "Setting `timezone` is 'Central'"),
    ],
)
def test_discover_and_test_print_setting_errors_as_one_line(tmp_path, config, message, mode):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    exe = Path(sys.executable).parent / "tap-ordergroove"
    proc = subprocess.run(
        [exe, "--config", path, mode], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
