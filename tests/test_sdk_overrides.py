"""Every override of a private singer-sdk method is listed, still exists, and is pinned.

docs/sdk-overrides.md is the one list. An SDK upgrade that renames or drops one of
these methods, or a new override nobody listed, fails here rather than silently
changing what the tap does.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from singer_sdk import Stream, Tap

import tap_ordergroove
from tests.conftest import tap_config
from tests.singer_run import discover, run_tap

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "sdk-overrides.md"
ROW = re.compile(r"^\| `(\w+)\.(_\w+)` \| `([\w/.]+)` \| (.+?) \| (.+?) \|$")


def listed() -> list[tuple[str, str, str, str]]:
    """(SDK class, method, our module, pinning tests) per row of the doc."""
    rows = []
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            sdk_class, method, module, _why, tests = match.groups()
            rows.append((sdk_class, method, module, tests))
    return rows


def private_overrides() -> set[tuple[str, str]]:
    """(SDK class that defines it, method) for every underscore method we override."""
    found = set()
    for info in pkgutil.walk_packages(tap_ordergroove.__path__, "tap_ordergroove."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != info.name or not issubclass(cls, Tap | Stream):
                continue
            for attr in vars(cls):
                if not attr.startswith("_") or attr.startswith("__") or attr == "_abc_impl":
                    continue
                for base in cls.__mro__[1:]:
                    if base.__module__.startswith("singer_sdk") and attr in vars(base):
                        found.add((base.__name__, attr))
                        break
    return found


def test_the_doc_names_the_sdk_version_installed():
    installed = version("singer-sdk")
    assert f"singer-sdk {installed}" in DOC.read_text(), (
        f"singer-sdk is now {installed}: re-check every row of {DOC.name} and update it"
    )


def test_every_private_override_is_listed():
    documented = {(sdk_class, method) for sdk_class, method, _, _ in listed()}
    assert private_overrides() <= documented


@pytest.mark.parametrize("row", listed(), ids=lambda row: f"{row[0]}.{row[1]}")
def test_each_listed_method_still_exists_in_the_sdk_and_is_pinned_by_a_real_test(row):
    sdk_class, method, module, tests = row
    sdk = {cls.__name__: cls for cls in _sdk_classes()}
    assert method in vars(sdk[sdk_class]), f"singer-sdk no longer has {sdk_class}.{method}"
    assert (ROOT / "tap_ordergroove" / module).exists()
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", tests)
    assert named, f"{sdk_class}.{method}: no pinning test named"
    for path, test in named:
        assert f"def {test}(" in (ROOT / path).read_text(), f"{path}::{test} does not exist"


def _sdk_classes() -> list[type]:
    from singer_sdk.plugin_base import PluginBase
    from singer_sdk.streams.rest import _HTTPStream

    return [PluginBase, Tap, Stream, _HTTPStream]


def test_fast_record_path_emits_exactly_what_the_sdk_path_would(shared_fake, tmp_path):
    """``_generate_record_messages`` skips the SDK's per-record schema walks when nothing is
    deselected; deselecting one property forces the SDK's own path. Both must agree."""
    fast = run_tap(tmp_path / "fast", tap_config(shared_fake), streams=["orders"])
    config = tap_config(shared_fake)
    catalog = _catalog_without(tmp_path / "sdk", config, "orders", "extra_data")
    sdk = run_tap(tmp_path / "sdk", config, catalog=catalog)
    without = [{k: v for k, v in r.items() if k != "extra_data"} for r in fast.records["orders"]]
    assert sdk.records["orders"] == without
    assert all("extra_data" not in r for r in sdk.records["orders"])
    # A deselected property needs the SDK's per-record loop, not the page loop.
    reason = "records one by one on the SDK's path (properties of 'orders' deselected"
    assert reason in sdk.stderr
    assert reason not in fast.stderr


def _catalog_without(tmp_path: Path, config: dict, stream: str, prop: str) -> dict:
    catalog = discover(tmp_path, config)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            breadcrumb = meta["breadcrumb"]
            if breadcrumb == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == stream
            elif breadcrumb == ["properties", prop] and entry["tap_stream_id"] == stream:
                meta["metadata"]["selected"] = False
    return catalog
