"""Settings mistakes are caught before any output: wrong key, typos, a future start, bad state.

- A refused key must fail the run before any SCHEMA, so the target creates no empty tables.
- An unknown setting is reported naming the closest known one: an error when run alone,
  a warning under Meltano (whose projects may carry extra keys).
- A `start_date` in the future gets a warning.
- An empty or invalid `--state` file is a one-line error that says what to do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import API_KEY, LIMITED_KEY, tap_config
from tests.singer_run import ROOT, run_tap

MELTANO = str(ROOT / ".venv" / "bin" / "meltano")


@pytest.mark.parametrize("workers", [1, 5])
@pytest.mark.parametrize("key", ["wrong-key", LIMITED_KEY])
def test_refused_key_fails_before_any_schema(shared_fake, tmp_path, workers, key):
    before = len(shared_fake.request_log.snapshot())
    config = tap_config(shared_fake, api_key=key, max_concurrent_streams=workers)
    run = run_tap(tmp_path, config, check=False)
    assert run.returncode == 1
    assert "refused the API key with 403" in run.stderr
    assert not run.messages, f"no Singer output at all, got {run.messages[:2]}"
    assert len(shared_fake.request_log.snapshot()) - before == 1, "one cheap request"
    probe = shared_fake.request_log.snapshot()[-1]
    assert probe["params"]["page_size"] == "1"


def test_unknown_setting_is_an_error_naming_the_closest_one(shared_fake, tmp_path):
    config = {**tap_config(shared_fake), "start_data": "2024-01-01"}
    run = run_tap(tmp_path, config, check=False)
    assert run.returncode == 1
    assert "Unknown setting `start_data`" in run.stderr
    assert "Did you mean `start_date`?" in run.stderr
    assert "Traceback" not in run.stderr
    assert not run.records, "nothing may be synced with a typo in the settings"


def test_sdk_settings_and_underscored_keys_are_not_unknown(shared_fake, tmp_path):
    config = {
        **tap_config(shared_fake),
        "flattening_enabled": False,
        "stream_maps": {},
        "batch_config": None,
        "_meltano_extra": 1,
    }
    run = run_tap(tmp_path, config, streams=["merchant_cancel_reasons"])
    assert "Unknown setting" not in run.stderr
    assert run.records["merchant_cancel_reasons"]


def test_unknown_setting_under_meltano_is_a_loud_warning(shared_fake, tmp_path):
    """A real `meltano invoke` of a project whose tap config carries a typo."""
    project = tmp_path / "project"
    project.mkdir()
    text = (ROOT / "meltano.yml").read_text()
    marker = "              base_url: http://127.0.0.1:8765\n"
    assert marker in text, "meltano.yml's dev environment changed; update this test"
    text = text.replace(marker, marker + "              start_data: '2024-01-01'\n")
    (project / "meltano.yml").write_text(text)
    (project / ".meltano").symlink_to(os.environ["MELTANO_SYS_DIR_ROOT"])  # the run's own
    env = {
        **os.environ,
        "MELTANO_ENVIRONMENT": "dev",
        "TAP_ORDERGROOVE_BASE_URL": shared_fake.url,
        "TAP_ORDERGROOVE_API_KEY": API_KEY,
    }
    proc = subprocess.run(
        [MELTANO, "invoke", "tap-ordergroove", "--discover"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    warning = next(line for line in proc.stderr.splitlines() if "Unknown setting" in line)
    assert "WARNING" in warning.upper()
    assert "`start_data`" in warning and "Did you mean `start_date`?" in warning


def test_future_start_date_is_warned_about(shared_fake, tmp_path):
    config = tap_config(shared_fake, start_date="2999-01-01T00:00:00Z")
    run = run_tap(tmp_path, config, streams=["orders"])
    assert "Setting `start_date` (2999-01-01T00:00:00Z) is in the future" in run.stderr
    assert not run.records.get("orders")


@pytest.mark.parametrize(
    ("content", "says"),
    [("", "is empty"), ("\n", "is empty"), ('{"bookmarks": ', "is not valid JSON"), ("[]", "list")],
    ids=["empty", "blank-line", "truncated", "not-an-object"],
)
def test_bad_state_file_is_one_line_saying_what_to_do(shared_fake, tmp_path, content, says):
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(tap_config(shared_fake)))
    state_file = tmp_path / "state.json"
    state_file.write_text(content)
    args = ["--config", str(config_file), "--state", str(state_file)]
    proc = subprocess.run(
        [sys.executable, "-m", "tap_ordergroove", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, proc.stderr
    assert str(state_file) in errors[0] and says in errors[0]
    assert "leave out `--state`" in errors[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
