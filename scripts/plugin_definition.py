"""Derive the Meltano plugin definition (settings, capabilities) from the tap's ``--about``.

One source of truth: the tap's config schema. ``--write`` regenerates the Meltano Hub
file in ``hub/extractors/``; the test suite checks that file and ``meltano.yml``
still agree with ``--about``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HUB_FILE = ROOT / "hub" / "extractors" / "tap-ordergroove.yml"
MELTANO_FILE = ROOT / "meltano.yml"
#: Any one of these groups is a complete configuration (REST API, SFTP exports, webhooks).
SETTINGS_GROUPS = [["api_key"], ["sftp_host", "sftp_username"], ["webhook_store_url"]]
_KINDS = {
    "string": "string",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
}


def about() -> dict:
    """The tap's own description of itself, as Meltano would read it."""
    out = subprocess.run(
        [sys.executable, "-m", "tap_ordergroove", "--about", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def setting(name: str, spec: dict) -> dict:
    """One Meltano setting definition from one JSON-schema property."""
    kind = _KINDS[next(t for t in spec["type"] if t != "null")]
    if spec.get("format") == "date-time":
        kind = "date_iso8601"
    result: dict = {"name": name, "kind": "password" if spec.get("secret") else kind}
    if spec.get("title"):
        result["label"] = spec["title"]
    if spec.get("description"):
        result["description"] = spec["description"]
    if "default" in spec:
        result["value"] = spec["default"]
    if spec.get("secret"):
        result["sensitive"] = True
    if "enum" in spec:
        result["kind"] = "options"
        result["options"] = [{"label": str(o).title(), "value": o} for o in spec["enum"]]
    return result


def settings(info: dict) -> list[dict]:
    """All settings, in ``--about`` order."""
    return [setting(name, spec) for name, spec in info["settings"]["properties"].items()]


def hub_definition(info: dict) -> dict:
    """The Meltano Hub extractor definition (variant: the repository's owner)."""
    return {
        "name": "tap-ordergroove",
        "namespace": "tap_ordergroove",
        "variant": "tap-ordergroove",
        "label": "Ordergroove",
        "description": "Subscription commerce platform: customers, subscriptions, orders, items",
        "logo_url": "/assets/logos/extractors/ordergroove.png",
        "domain_url": "https://www.ordergroove.com",
        "docs": "https://hub.meltano.com/extractors/tap-ordergroove",
        "repo": "https://github.com/tap-ordergroove/tap-ordergroove",
        "pip_url": "git+https://github.com/tap-ordergroove/tap-ordergroove.git",
        "executable": "tap-ordergroove",
        "maintenance_status": "active",
        "keywords": ["meltano_sdk", "ecommerce", "subscriptions"],
        "capabilities": sorted(info["capabilities"]),
        "settings_group_validation": SETTINGS_GROUPS,
        "settings": settings(info),
    }


def write_meltano_settings(info: dict) -> None:
    """Replace the tap's ``settings`` in meltano.yml, keeping comments and order elsewhere."""
    from ruamel.yaml import YAML

    rt = YAML()
    rt.width = 100
    rt.indent(mapping=2, sequence=4, offset=2)
    project = rt.load(MELTANO_FILE.read_text())
    tap = next(p for p in project["plugins"]["extractors"] if p["name"] == "tap-ordergroove")
    tap["settings"] = settings(info)
    tap["capabilities"] = sorted(info["capabilities"])
    tap["settings_group_validation"] = SETTINGS_GROUPS
    with MELTANO_FILE.open("w") as handle:
        rt.dump(project, handle)


def main() -> None:
    """Print the hub definition, or write it and meltano.yml's tap settings with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the hub file and meltano.yml")
    args = parser.parse_args()
    info = about()
    text = yaml.safe_dump(hub_definition(info), sort_keys=False, width=100)
    if args.write:
        HUB_FILE.write_text(text)
        write_meltano_settings(info)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
