"""The Meltano project, the Meltano Hub files and docs/settings.md agree with ``--about``.

The Hub files are also checked with the Hub's own rules (vendored in tests/data/meltano_hub,
see SOURCE.md there): its JSON schema, its yamllint config, and its name/maintainer checks.
"""

from __future__ import annotations

import copy
import itertools
import json
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tap_ordergroove.webhooks.store import open_store

ROOT = Path(__file__).resolve().parent.parent
HUB_RULES = ROOT / "tests" / "data" / "meltano_hub"
sys.path.insert(0, str(ROOT / "scripts"))
import plugin_definition  # noqa: E402

ABOUT = plugin_definition.about()
DEFINITION = plugin_definition.hub_definition(ABOUT)


def meltano_project() -> dict:
    return yaml.safe_load((ROOT / "meltano.yml").read_text())


def hub_validator() -> Draft7Validator:
    """The validator the Hub's plugin_schema_validate.py builds (same registry of $ids)."""
    resources = []
    for source in sorted((HUB_RULES / "schemas").glob("*/*.json")):
        schema = json.loads(source.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema, DRAFT7)))
    schema = json.loads(
        (HUB_RULES / "schemas/plugin_definitions/extractors.schema.json").read_text()
    )
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


def hub_errors(definition: dict) -> list[str]:
    return [error.message for error in hub_validator().iter_errors(definition)]


def yamllint(*paths: Path) -> subprocess.CompletedProcess:
    """The Hub's CI step: yamllint with the Hub's .yamllint.yaml."""
    config = HUB_RULES / ".yamllint.yaml"
    return subprocess.run(
        [sys.executable, "-m", "yamllint", "-f", "parsable", "-c", str(config), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


# --- the Hub files are generated, and stay generated ------------------------------------------


def test_hub_files_are_regenerated_from_about():
    for path, text in plugin_definition.hub_files(ABOUT).items():
        assert path.read_text() == text, (
            f"{path.relative_to(ROOT)} is stale: run scripts/plugin_definition.py --write"
        )


def test_hub_files_sit_where_a_hub_pull_request_puts_them():
    """hub/ mirrors the Hub repository: _data/meltano/extractors/<name>/<variant>.yml."""
    rel = plugin_definition.HUB_FILE.relative_to(ROOT / "hub")
    assert rel.parts == (
        "_data",
        "meltano",
        "extractors",
        DEFINITION["name"],
        f"{DEFINITION['variant']}.yml",
    )
    # yaml_check_names.py: the plugin name is the folder's name.
    assert DEFINITION["name"] == plugin_definition.HUB_FILE.parent.name
    generated = {p.relative_to(ROOT) for p in plugin_definition.hub_files(ABOUT)}
    on_disk = {p.relative_to(ROOT) for p in (ROOT / "hub" / "_data").rglob("*") if p.is_file()}
    assert on_disk == generated, "hub/_data holds exactly the files of the Hub pull request"


def test_default_variant_and_maintainer_entries_name_our_variant():
    defaults = yaml.safe_load(plugin_definition.DEFAULT_VARIANTS_FILE.read_text())
    assert defaults == {"extractors": {DEFINITION["name"]: DEFINITION["variant"]}}
    # maintainers_validate.py: every variant (lower-cased) has an entry.
    entries = yaml.safe_load(plugin_definition.MAINTAINERS_FILE.read_text())
    entry = entries[DEFINITION["variant"].lower()]
    assert set(entry) == {"label", "name", "url"}
    assert DEFINITION["repo"].startswith(entry["url"] + "/")


def test_logo_file_is_noted_for_the_pull_request():
    note = (ROOT / "hub" / "README.md").read_text()
    assert plugin_definition.LOGO_FILE in note
    assert DEFINITION["logo_url"] == "/" + plugin_definition.LOGO_FILE.removeprefix("static/")


# --- the Hub's rules --------------------------------------------------------------------------


def test_hub_definition_passes_the_hubs_json_schema():
    assert hub_errors(DEFINITION) == []


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d.pop("quality"), "'quality' is a required property"),
        (lambda d: d["capabilities"].append("incremental"), "'incremental' is not one of"),
        (lambda d: d["settings"][0].update(kind="secret"), "'secret' is not one of"),
        (lambda d: d.update(docs_url="x"), "Additional properties are not allowed"),
    ],
    ids=["no-quality", "unknown-capability", "unknown-kind", "unknown-key"],
)
def test_the_vendored_schema_rejects_what_the_hub_rejects(break_it, message):
    broken = copy.deepcopy(DEFINITION)
    break_it(broken)
    assert any(message in error for error in hub_errors(broken)), hub_errors(broken)


def test_hub_files_pass_the_hubs_yamllint():
    run = yamllint(*plugin_definition.hub_files(ABOUT))
    assert run.returncode == 0, run.stdout + run.stderr


def test_hubs_yamllint_rejects_keys_out_of_order(tmp_path):
    """The check that failed 129 times on the old file: it must still be able to fail."""
    unsorted = tmp_path / "unsorted.yml"
    unsorted.write_text(yaml.safe_dump({"name": "x", "capabilities": ["about"]}, sort_keys=False))
    run = yamllint(unsorted)
    assert run.returncode == 1
    assert "key-ordering" in run.stdout


def test_hub_definition_is_formatted_as_hub_utils_formats_it():
    """hub-utils' fix_arrays: settings by name, capabilities and each group sorted."""
    names = [s["name"] for s in DEFINITION["settings"]]
    assert names == sorted(names)
    assert DEFINITION["capabilities"] == sorted(DEFINITION["capabilities"])
    for group in DEFINITION["settings_group_validation"]:
        assert group == sorted(group)
    # Nested objects are dotted settings, as hub-utils lists them; stream_maps stays whole.
    nested = {
        f"{name}.{sub}"
        for name, spec in ABOUT["settings"]["properties"].items()
        if name != "stream_maps"
        for sub in spec.get("properties", {})
    }
    assert nested <= set(names)
    assert "stream_maps" in names


def test_hub_definition_carries_what_the_issue_asks_for():
    assert DEFINITION["quality"] in {"gold", "silver", "bronze", "unknown"}
    assert DEFINITION["supported_python_versions"] == ABOUT["supported_python_versions"]
    assert ("structured-logging" in ABOUT["capabilities"]) == (
        DEFINITION.get("log_parser") == "singer-sdk"
    )
    assert sorted(DEFINITION["capabilities"]) == sorted(ABOUT["capabilities"])
    top_level = set(ABOUT["settings"]["properties"])
    for name in (s["name"] for s in DEFINITION["settings"]):
        assert name.split(".")[0] in top_level


# --- settings_group_validation lists every way the tap accepts a configuration ----------------


@pytest.fixture(scope="module")
def sample_values(tmp_path_factory) -> dict:
    """A value the tap accepts for each setting a group names (a real key, a real store)."""
    where = tmp_path_factory.mktemp("groups")
    store_url = f"sqlite:///{where}/events.db"
    open_store(store_url).close()
    key = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    return {
        "api_key": "some-key",
        "sftp_host": "127.0.0.1",
        "sftp_username": "merchant",
        "sftp_password": "some-password",
        "sftp_private_key": key,
        "webhook_store_url": store_url,
    }


def tap_accepts(config: dict, tmp_path: Path) -> bool:
    """Whether a sync accepts ``config``: ``--test=schema`` validates it and writes the schemas,
    reading nothing (``--discover`` needs no source at all, so it cannot tell)."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    run = subprocess.run(
        [sys.executable, "-m", "tap_ordergroove", "--config", str(path), "--test=schema"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return run.returncode == 0


def test_each_settings_group_alone_is_a_configuration_the_tap_accepts(sample_values, tmp_path):
    for group in DEFINITION["settings_group_validation"]:
        config = {name: sample_values[name] for name in group}
        assert tap_accepts(config, tmp_path), group


def test_a_settings_group_missing_any_member_is_refused(sample_values, tmp_path):
    """Each group is minimal: the tap refuses it with any one setting left out."""
    partial = {
        tuple(sorted(set(group) - {left_out}))
        for group in DEFINITION["settings_group_validation"]
        for left_out in group
    }
    for names in sorted(partial):
        config = {name: sample_values[name] for name in names}
        assert not tap_accepts(config, tmp_path), names


def test_groups_cover_every_source_the_tap_names_when_none_is_set(tmp_path):
    """The tap's own 'no source' error lists the sources; each has a group."""
    path = tmp_path / "config.json"
    path.write_text("{}")
    run = subprocess.run(
        [sys.executable, "-m", "tap_ordergroove", "--config", str(path), "--test=schema"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    in_groups = set(itertools.chain.from_iterable(DEFINITION["settings_group_validation"]))
    for name in ("api_key", "sftp_host", "sftp_password", "sftp_private_key", "webhook_store_url"):
        assert f"`{name}`" in run.stderr
        assert name in in_groups


# --- meltano.yml and docs/settings.md-----------------------------------------------------------


def test_docs_settings_table_is_abouts_markdown_table():
    table = plugin_definition.settings_table(plugin_definition.about_markdown())
    doc = (ROOT / "docs" / "settings.md").read_text()
    assert plugin_definition.doc_with_table(doc, table) == doc, (
        "docs/settings.md's settings table is stale: run scripts/plugin_definition.py --write"
    )
    for name in ABOUT["settings"]["properties"]:
        assert f"| {name} |" in table


def test_meltano_yml_defines_every_setting_like_about():
    project = meltano_project()
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-ordergroove"]
    assert tap["pip_url"] == "-e ."
    assert tap["namespace"] == "tap_ordergroove"
    assert tap["settings"] == plugin_definition.settings(ABOUT)
    assert sorted(tap["capabilities"]) == sorted(ABOUT["capabilities"])
    assert tap["settings_group_validation"] == DEFINITION["settings_group_validation"]
    api_key = next(s for s in tap["settings"] if s["name"] == "api_key")
    assert api_key["sensitive"] is True


def test_every_plugin_is_inline_and_a_default_environment_is_set():
    project = meltano_project()
    assert project["default_environment"] in {e["name"] for e in project["environments"]}
    assert project["default_environment"] == "prod", "dev points at the fake API"
    for kind in ("extractors", "loaders"):
        for plugin in project["plugins"][kind]:
            if "inherit_from" in plugin:  # per-merchant extractors inherit the inline tap
                continue
            assert plugin.get("namespace") and plugin.get("pip_url"), plugin["name"]
            assert "variant" not in plugin
    # No loader that turns money into floats or drops rows (target-duckdb 0.8): docs/targets.md.
    assert "target-duckdb" not in {p["name"] for p in project["plugins"]["loaders"]}


def test_daily_schedule_is_inside_ordergroove_window_all_year():
    project = meltano_project()
    for schedule in project["schedules"]:
        _minute, hour, *_ = schedule["interval"].split()
        utc_hour = int(hour)
        for offset in (5, 6):  # CDT, CST
            central = (utc_hour - offset) % 24
            assert 12 <= central < 20, (schedule["name"], schedule["interval"], offset)


def test_about_and_discover_work_from_the_console_script():
    exe = Path(sys.executable).parent / "tap-ordergroove"
    about = subprocess.run([exe, "--about"], capture_output=True, text=True, check=True)
    assert "tap-ordergroove" in about.stdout
    assert "batch" not in ABOUT["capabilities"]
