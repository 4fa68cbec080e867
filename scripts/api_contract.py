#!/usr/bin/env python
"""Render docs/api-contract.md from the documented fields and the tap's own schemas.

The documented side (field, documented type, page, note) is data, kept by hand in
``tests/data/documented_fields.json``; "our column" and "our type" are read from the
schemas the tap emits, so the document cannot disagree with the code. The prose around the
tables is ``tests/data/api_contract_prose.md`` (``<!-- tables -->`` marks where they go).

    scripts/api_contract.py --write   # regenerate docs/api-contract.md
    scripts/api_contract.py --check   # exit 1 when docs/api-contract.md is stale

``tests/test_contract_docs.py`` fails when a schema column (at any depth, child tables
included) is missing from the contract or the reverse, and when the markdown is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tap_ordergroove.rest.streams import (  # noqa: E402
    CHILD_STREAM_TYPES,
    RECONCILIATION_STREAM_TYPES,
    STREAM_TYPES,
)

FIELDS_FILE = ROOT / "tests" / "data" / "documented_fields.json"
PROSE_FILE = ROOT / "tests" / "data" / "api_contract_prose.md"
DOC_FILE = ROOT / "docs" / "api-contract.md"
TABLES_MARK = "<!-- tables -->"
#: Not a documented field: every table's column for fields the schema does not know.
EXTRA_FIELDS = "_extra_fields"


def documented() -> dict[str, Any]:
    """The hand-kept documented fields, per table."""
    return json.loads(FIELDS_FILE.read_text())["tables"]


def stream_schemas() -> dict[str, dict]:
    """Every table the tap emits (parents, children, reconciliation), by name."""
    streams = (*STREAM_TYPES, *CHILD_STREAM_TYPES, *RECONCILIATION_STREAM_TYPES)
    return {stream.name: stream.schema for stream in streams}


def _types(node: dict) -> set[str]:
    """JSON-schema types of a node, through ``anyOf``/``oneOf`` alternatives."""
    kinds = node.get("type", [])
    found = set(kinds if isinstance(kinds, list) else [kinds])
    for key in ("anyOf", "oneOf"):
        for option in node.get(key, []):
            found |= _types(option)
    return found


def _branches(node: dict) -> list[dict]:
    """The node itself and its ``anyOf``/``oneOf`` alternatives."""
    return [node, *node.get("anyOf", []), *node.get("oneOf", [])]


def columns(schema: dict, prefix: str = "") -> dict[str, dict]:
    """Every column path of a schema at any depth: ``a``, ``a.b``, ``a[].b``."""
    found: dict[str, dict] = {}
    for name, node in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        found[path] = node
        for branch in _branches(node):
            if branch.get("properties"):
                found.update(columns(branch, f"{path}."))
            items = branch.get("items")
            if isinstance(items, dict):
                for item in _branches(items):
                    if item.get("properties"):
                        found.update(columns(item, f"{path}[]."))
    return found


def type_name(node: dict) -> str:
    """Our type in the contract's words: text, int, decimal, bool, timestamp, date, json, [x]."""
    kinds = _types(node) - {"null"}
    names = []
    for kind in sorted(kinds):
        if kind == "string":
            fmt = {b.get("format") for b in _branches(node)} - {None}
            names.append("timestamp" if "date-time" in fmt else "date" if "date" in fmt else "text")
        elif kind == "array":
            items = [b.get("items") for b in _branches(node) if isinstance(b.get("items"), dict)]
            names.append(f"[{type_name(items[0])}]" if items else "[json]")
        else:
            names.append(
                {"integer": "int", "number": "decimal", "boolean": "bool", "object": "json"}.get(
                    kind, kind
                )
            )
    return " or ".join(names) or "any"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ") if text not in (None, "") else "—"


def render_table(name: str, spec: dict, schema: dict | None) -> list[str]:
    """One endpoint's (or child table's) section: pages, intro, the field table."""
    cols = columns(schema) if schema else {}
    pages = ", ".join(f"[{label}]({url})" for label, url in spec["pages"].items())
    lines = [f"## {name}: {spec['endpoint']}", "", f"Pages: {pages}.", ""]
    if spec.get("intro"):
        lines += [spec["intro"], ""]
    lines += [
        "| documented field | documented type | page | our column | our type | note |",
        "|---|---|---|---|---|---|",
    ]
    listed = set()
    for row in spec["fields"]:
        column = row["column"]
        listed.add(column)
        ours = type_name(cols[column]) if column in cols else "**missing**"
        field = f"`{_cell(row['field'])}`" if row["field"] else "— (the tap's own)"
        lines.append(
            f"| {field} | {_cell(row['type'])} | {_cell(row['page'])} | `{_cell(column)}` | {ours} "
            f"| {_cell(row.get('note'))} |"
        )
    for column in sorted(set(cols) - listed - {EXTRA_FIELDS}):
        lines.append(
            f"| **undocumented** | — | — | `{column}` | {type_name(cols[column])} "
            "| no document lists it |"
        )
    if EXTRA_FIELDS in cols:
        lines += [
            "",
            f"`{EXTRA_FIELDS}` ({type_name(cols[EXTRA_FIELDS])}): every field this table does not "
            "know, at any depth, keyed by its path; not a documented field.",
        ]
    return [*lines, ""]


def render() -> str:
    """The whole docs/api-contract.md."""
    prose = PROSE_FILE.read_text()
    head, tail = prose.split(TABLES_MARK)
    schemas = stream_schemas()
    body: list[str] = []
    for name, spec in documented().items():
        body += render_table(name, spec, schemas.get(name))
    generated = (
        "<!-- Generated by scripts/api_contract.py from tests/data/documented_fields.json, "
        "tests/data/api_contract_prose.md and the tap's schemas; do not edit by hand. -->\n\n"
    )
    return generated + head + "\n".join(body).rstrip() + "\n" + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate docs/api-contract.md")
    action.add_argument("--check", action="store_true", help="exit 1 when it is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOC_FILE.write_text(text)
        return 0
    if DOC_FILE.read_text() != text:
        sys.stderr.write(
            "docs/api-contract.md is stale: run scripts/api_contract.py --write and commit it\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
