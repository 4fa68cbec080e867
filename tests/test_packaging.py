"""What a release ships: the sdist and wheel build and pass ``twine check``; the version comes
from the git tag; the claimed Python versions agree everywhere; the README works on PyPI;
the console scripts say where the docs are and which version they are.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO_BLOB = "https://github.com/tap-ordergroove/tap-ordergroove/blob/main/"


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, cwd=cwd, timeout=600
    )


def git(*args: str | Path, cwd: Path = ROOT) -> str:
    done = run("git", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def tagless_clone(where: Path) -> Path:
    """A clone of this commit without tags (what CI checks out), plus the working tree's
    uncommitted changes: what the next commit would release, built without touching ROOT
    (a build writes ``*.egg-info`` into its source tree)."""
    clone = where / "clone"
    git("clone", "-q", "--no-tags", ROOT, clone)
    changed = git("diff", "-z", "--name-only", "HEAD") + git(
        "ls-files", "-z", "--others", "--exclude-standard"
    )
    for name in filter(None, changed.split("\0")):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
        else:
            (clone / name).unlink(missing_ok=True)
    git("add", "-A", cwd=clone)
    return clone


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return tagless_clone(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def dist(source, tmp_path_factory) -> Path:
    """``python -m build``: the sdist, then the wheel built from the unpacked sdist."""
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", out, source)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def test_twine_check_passes(dist):
    files = sorted(dist.iterdir())
    assert sorted(f.suffix for f in files) == [".gz", ".whl"]
    checked = run(sys.executable, "-m", "twine", "check", "--strict", *files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_sdist_holds_what_its_tests_import(dist):
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "fake_ordergroove/server.py",
        "fake_ordergroove/dataset.py",
        "tests/conftest.py",
        "tests/test_full_sync.py",
        "tap_ordergroove/tap.py",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "meltano.yml",
        "pyproject.toml",
    ):
        assert needed in names, needed
    assert not [n for n in names if n.startswith((".venv/", ".meltano/", "output/"))]


def test_wheel_holds_the_tap_only(dist):
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        tops = {name.split("/", 1)[0] for name in wheel.namelist()}
        meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        text = wheel.read(meta).decode()
    assert {t for t in tops if not t.endswith(".dist-info")} == {"tap_ordergroove"}
    (requires,) = re.findall(r"^Requires-Python: (.+)$", text, re.MULTILINE)
    assert SpecifierSet(requires) == SpecifierSet(PYPROJECT["project"]["requires-python"])
    for version in python_versions_claimed():
        assert f"Programming Language :: Python :: {version}" in text


def scm_version(clone: Path) -> str:
    got = run(sys.executable, "-m", "setuptools_scm", cwd=clone)
    assert got.returncode == 0, got.stderr
    return got.stdout.strip()


def test_the_built_version_is_setuptools_scms(dist, source):
    version = scm_version(source)
    assert only(dist, "*.tar.gz").name == f"tap_ordergroove-{version}.tar.gz"


def test_the_version_is_the_git_tag_and_resolves_without_one(tmp_path):
    clone = tmp_path / "clone"
    git("clone", "-q", "--no-tags", ROOT, clone)
    assert git("tag", cwd=clone) == ""
    assert re.fullmatch(r"0\.\d+\.\d+\.dev\d+\+g[0-9a-f]+", scm_version(clone))
    git("tag", "v9.8.7", cwd=clone)
    assert scm_version(clone) == "9.8.7"


# --- Python versions ---------------------------------------------------------------------------


def python_versions_claimed() -> list[str]:
    prefix = "Programming Language :: Python :: 3."
    return [
        c.removeprefix("Programming Language :: Python :: ")
        for c in PYPROJECT["project"]["classifiers"]
        if c.startswith(prefix)
    ]


def test_classifiers_requires_python_ci_and_about_claim_the_same_versions():
    claimed = python_versions_claimed()
    allowed = SpecifierSet(PYPROJECT["project"]["requires-python"])
    first = min(int(version.split(".")[1]) for version in claimed)
    assert [f"3.{minor}" for minor in range(first, first + len(claimed))] == claimed
    assert next(f"3.{minor}" for minor in range(8, 20) if f"3.{minor}.0" in allowed) == claimed[0]
    # No upper cap: a cap cannot be lifted for releases already on PyPI, and pip then
    # installs an old release on a new Python instead of refusing.
    assert all(spec.operator in {">=", ">"} for spec in allowed), allowed
    assert "3.99.0" in allowed
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python-version"] == claimed
    about = run(BIN / "tap-ordergroove", "--about", "--format", "json")
    assert json.loads(about.stdout)["supported_python_versions"] == claimed
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert running in claimed


def test_changelog_follows_keep_a_changelog_and_names_the_versions():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "https://keepachangelog.com/en/1.1.0/" in changelog
    assert "## [Unreleased]" in changelog
    for version in python_versions_claimed():
        assert f"Python {version}" in changelog


# --- README on PyPI ----------------------------------------------------------------------------


def test_readme_links_work_on_pypi():
    """PyPI shows README.md without the repository: relative links would 404 there."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme) + re.findall(r"^\[[^\]]+\]: (\S+)", readme)
    assert targets
    for target in targets:
        assert target.startswith(("https://", "http://", "#")), target
        if target.startswith(REPO_BLOB):
            path = target.removeprefix(REPO_BLOB).split("#")[0]
            assert (ROOT / path).exists(), target


# --- console scripts ---------------------------------------------------------------------------


def test_tap_help_says_where_settings_and_docs_are():
    shown = run(BIN / "tap-ordergroove", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "--about" in shown.stdout
    assert "TAP_ORDERGROOVE_" in shown.stdout
    assert "https://github.com/tap-ordergroove/tap-ordergroove#readme" in shown.stdout


def test_webhooks_version_is_the_installed_version():
    shown = run(BIN / "tap-ordergroove-webhooks", "--version")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"tap-ordergroove-webhooks {metadata.version('tap-ordergroove')}"
