"""The GitHub workflows, Dependabot and pre-commit configs are valid, though they cannot run here.

Checked offline with check-jsonschema (GitHub's and Dependabot's schemas, vendored in it),
zizmor (GitHub Actions security audit: pinning, permissions, credentials, injection) and
``pre-commit validate-config``. Each check is also shown to fail on a broken copy.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^\s*-?\s*uses: [\w.-]+/[\w./-]+@[0-9a-f]{40}  # v\d+(\.\d+)*$")


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def check_schema(schema: str, *paths: Path) -> subprocess.CompletedProcess:
    return run(BIN / "check-jsonschema", "--builtin-schema", f"vendor.{schema}", *paths)


def zizmor(path: Path) -> subprocess.CompletedProcess:
    return run(BIN / "zizmor", "--offline", "--no-progress", "--color=never", path)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_there_are_a_ci_and_a_release_workflow():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "release.yml"}


def test_workflows_match_githubs_schema(tmp_path):
    checked = check_schema("github-workflows", *WORKFLOWS)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        (ROOT / ".github/workflows/ci.yml").read_text().replace("runs-on:", "run-on:")
    )
    assert check_schema("github-workflows", broken).returncode == 1


def test_zizmor_finds_nothing_in_our_workflows(tmp_path):
    audited = zizmor(ROOT / ".github" / "workflows")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    unpinned = tmp_path / ".github" / "workflows" / "ci.yml"
    unpinned.parent.mkdir(parents=True)
    text = (ROOT / ".github/workflows/ci.yml").read_text()
    unpinned.write_text(re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v7", text))
    failed = zizmor(unpinned.parent)
    assert failed.returncode != 0
    assert "unpinned-uses" in failed.stdout + failed.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_noted():
    for workflow in WORKFLOWS:
        uses = [line for line in workflow.read_text().splitlines() if "uses:" in line]
        assert uses, workflow.name
        for line in uses:
            assert PINNED.match(line), f"{workflow.name}: {line.strip()}"


def test_release_builds_on_a_tag_and_publishes_with_trusted_publishing():
    release = load(ROOT / ".github/workflows/release.yml")
    triggers = release[True] if True in release else release["on"]  # YAML 1.1: `on` is True
    assert triggers["push"]["tags"] == ["v*"]
    build = "\n".join(step.get("run", "") for step in release["jobs"]["build"]["steps"])
    assert "python -m build" in build
    assert "twine check --strict" in build
    publish = release["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (step,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert not {"password", "user"} & set(step.get("with", {})), "trusted publishing: no token"
    assert release["permissions"] == {"contents": "read"}


def test_release_tools_are_pinned_for_dependabot():
    lines = (ROOT / ".github/release-requirements.txt").read_text().splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    assert {pin.split("==")[0] for pin in pins} == {"build", "twine"}
    assert all(re.fullmatch(r"[\w-]+==[\d.]+", pin) for pin in pins)


def test_dependabot_updates_pip_and_actions():
    path = ROOT / ".github" / "dependabot.yml"
    checked = check_schema("dependabot", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    updates = {(u["package-ecosystem"], u["directory"]) for u in load(path)["updates"]}
    assert updates == {("pip", "/"), ("pip", "/.github"), ("github-actions", "/")}


def test_pre_commit_config_is_valid_and_runs_ruff_and_the_meltano_schema(tmp_path):
    path = ROOT / ".pre-commit-config.yaml"
    validated = run(BIN / "pre-commit", "validate-config", path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    hooks = {hook["id"]: repo for repo in load(path)["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "check-meltano", "check-github-workflows"} <= set(hooks)
    ruff = run(BIN / "ruff", "--version").stdout.split()[-1]
    assert hooks["ruff-check"]["rev"] == f"v{ruff}", "pre-commit's ruff is the dev extra's ruff"
    broken = tmp_path / "pre-commit.yaml"
    broken.write_text(path.read_text().replace("    rev: v6.0.0\n", ""))
    assert run(BIN / "pre-commit", "validate-config", broken).returncode != 0


def test_meltano_yml_matches_meltanos_schema():
    checked = check_schema("meltano", ROOT / "meltano.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
