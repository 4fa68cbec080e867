"""A missing or broken ``--config`` / ``--state`` / ``--catalog`` file is one line, no traceback.

The SDK printed a 46-line traceback for a config file that is not JSON and 33 lines for a
missing one, neither naming the file. Each case runs the real console script, as a user
would, and checks that the last line of stderr names the file and says what to do.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import tap_config
from tests.singer_run import ROOT, run_tap

TAP = str(ROOT / ".venv" / "bin" / "tap-ordergroove")
SECRET = "config-file-secret-0123456789"


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TAP, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def assert_one_line(proc: subprocess.CompletedProcess, *says: str) -> str:
    """Exit 1, no traceback, no output, and the last stderr line is the one error."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last == errors[0]
    for text in says:
        assert text in last, last
    assert SECRET not in proc.stderr
    return last


@pytest.fixture
def good_config(tmp_path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": SECRET, "base_url": "http://127.0.0.1:9"}))
    return path


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json at all", "is not valid JSON (line 1 column 1"),
        ('{"api_key": "' + SECRET + '",\n "page_size": }', "is not valid JSON (line 2 column"),
        ("", "is empty"),
        (f'["{SECRET}"]', "holds a JSON list, not an object"),
    ],
    ids=["not-json", "broken-json", "empty", "list"],
)
def test_config_file_that_is_not_a_json_object(tmp_path, content, says):
    (tmp_path / "config.json").write_text(content)
    for args in (["--config", "config.json"], ["--config", "config.json", "--discover"]):
        proc = run_cli(tmp_path, *args)
        assert_one_line(
            proc,
            f"The config file config.json (--config, {tmp_path}/config.json)",
            says,
            "--config=ENV",
        )


def test_missing_config_file(tmp_path, good_config):
    proc = run_cli(tmp_path, "--config", str(good_config), "--config", "typo/config.json")
    assert_one_line(
        proc,
        f"The config file typo/config.json (--config, {tmp_path}/typo/config.json) does not "
        "exist. Check the path",
    )


def test_missing_state_file(tmp_path, good_config):
    proc = run_cli(tmp_path, "--config", str(good_config), "--state", "state.json")
    assert_one_line(
        proc,
        f"The state file state.json (--state, {tmp_path}/state.json) cannot be read: No such file",
        "leave out `--state`",
    )


def test_missing_catalog_file(tmp_path, good_config):
    proc = run_cli(tmp_path, "--config", str(good_config), "--catalog", str(tmp_path / "c.json"))
    assert_one_line(
        proc, f"The catalog file {tmp_path}/c.json (--catalog) cannot be read", "--discover"
    )


@pytest.mark.parametrize(
    ("content", "says"), [("{", "is not valid JSON"), ("", "is empty"), ("[]", "holds a JSON list")]
)
def test_catalog_file_that_is_not_a_json_object(tmp_path, good_config, content, says):
    (tmp_path / "catalog.json").write_text(content)
    proc = run_cli(tmp_path, "--config", str(good_config), "--catalog", "catalog.json")
    assert_one_line(proc, "The catalog file catalog.json (--catalog, ", says, "--discover")


# --- settings given as text (environment variables, Meltano's `kind: string`) ------------------


def test_numbers_and_booleans_given_as_text_are_read(shared_fake, tmp_path):
    before = len(shared_fake.request_log.snapshot())
    config = tap_config(
        shared_fake,
        page_size="7",
        lookback_minutes="2.5",
        retry_backoff_seconds="0.05",
        one_time_incentives_incremental="false",
        max_tries=" ",  # empty text: the default
    )
    run = run_tap(tmp_path, config, streams=["one_time_incentives"])
    assert run.records["one_time_incentives"]
    pages = [
        e
        for e in shared_fake.request_log.snapshot()[before:]
        if e["path"] == "/one_time_incentives/" and e["params"]["page_size"] != "1"
    ]
    assert pages and {e["params"]["page_size"] for e in pages} == {"7"}
    assert not any("last_updated_start" in e["params"] for e in pages)


def test_a_bad_text_value_warns_in_discovery_and_stops_a_sync(tmp_path, good_config):
    config = {**json.loads(good_config.read_text()), "page_size": "ten"}
    good_config.write_text(json.dumps(config))
    discovery = run_cli(tmp_path, "--config", str(good_config), "--discover")
    assert discovery.returncode == 0, discovery.stderr
    assert "orders" in {s["tap_stream_id"] for s in json.loads(discovery.stdout)["streams"]}
    assert "Setting `page_size` is 'ten', which is not a whole number." in discovery.stderr
    sync = run_cli(tmp_path, "--config", str(good_config))
    assert_one_line(sync, "Setting `page_size` is 'ten', which is not a whole number.", "(100)")
