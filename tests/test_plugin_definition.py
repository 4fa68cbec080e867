"""The Meltano project and the Hub definition agree with what the tap says about itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import plugin_definition  # noqa: E402

ABOUT = plugin_definition.about()


def meltano_project() -> dict:
    return yaml.safe_load((ROOT / "meltano.yml").read_text())


def test_hub_file_is_regenerated_from_about():
    on_disk = yaml.safe_load(plugin_definition.HUB_FILE.read_text())
    assert on_disk == plugin_definition.hub_definition(ABOUT), (
        "hub/extractors/tap-ordergroove.yml is stale: run scripts/plugin_definition.py --write"
    )


def test_meltano_yml_defines_every_setting_like_about():
    project = meltano_project()
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-ordergroove"]
    assert tap["pip_url"] == "-e ."
    assert tap["namespace"] == "tap_ordergroove"
    assert tap["settings"] == plugin_definition.settings(ABOUT)
    assert sorted(tap["capabilities"]) == sorted(ABOUT["capabilities"])
    api_key = next(s for s in tap["settings"] if s["name"] == "api_key")
    assert api_key["sensitive"] is True


def test_every_plugin_is_inline_and_a_default_environment_is_set():
    project = meltano_project()
    assert project["default_environment"] in {e["name"] for e in project["environments"]}
    assert project["default_environment"] == "prod", "dev points at the fake API"
    for kind in ("extractors", "loaders"):
        for plugin in project["plugins"][kind]:
            assert plugin.get("namespace") and plugin.get("pip_url"), plugin["name"]
            assert "variant" not in plugin
    # No loader that turns money into floats or drops rows (target-duckdb 0.8): see README.
    assert "target-duckdb" not in {p["name"] for p in project["plugins"]["loaders"]}


def test_daily_schedule_is_inside_ordergroove_window_all_year():
    project = meltano_project()
    (schedule,) = project["schedules"]
    _minute, hour, *_ = schedule["interval"].split()
    utc_hour = int(hour)
    for offset in (5, 6):  # CDT, CST
        central = (utc_hour - offset) % 24
        assert 12 <= central < 20, (schedule["interval"], offset)


def test_about_and_discover_work_from_the_console_script():
    exe = Path(sys.executable).parent / "tap-ordergroove"
    about = subprocess.run([exe, "--about"], capture_output=True, text=True, check=True)
    assert "tap-ordergroove" in about.stdout
    assert "batch" not in ABOUT["capabilities"]
