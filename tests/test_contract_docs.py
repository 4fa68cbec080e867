"""docs/api-contract.md cannot disagree with the schemas, nor with the documented fields.

The documented side is ``tests/data/documented_fields.json`` (by hand, from Ordergroove's
pages); the column side is every path of every schema the tap emits, child and
reconciliation tables included, at any depth (``a``, ``a.b``, ``a[].b``). ``_extra_fields``
is not a documented field and is left out by name.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from scripts import api_contract

DOCUMENTED = api_contract.documented()
SCHEMAS = api_contract.stream_schemas()


def contract_columns(table: str) -> set[str]:
    return {row["column"] for row in DOCUMENTED[table]["fields"]}


def schema_columns(table: str) -> set[str]:
    return set(api_contract.columns(SCHEMAS[table])) - {api_contract.EXTRA_FIELDS}


def test_every_table_the_tap_emits_has_a_contract_and_the_reverse():
    assert set(DOCUMENTED) == set(SCHEMAS)


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_every_schema_column_is_in_the_contract(table):
    """A column no row lists is a column nobody documented (e.g. selection-rule start/end)."""
    assert sorted(schema_columns(table) - contract_columns(table)) == []


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_every_contract_column_is_in_the_schema(table):
    """A documented field with no column is dropped data (customers `id`, grant `product`...)."""
    assert sorted(contract_columns(table) - schema_columns(table)) == []


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_each_column_is_listed_once_with_a_page_or_as_the_taps_own(table):
    rows = DOCUMENTED[table]["fields"]
    columns = [row["column"] for row in rows]
    assert len(columns) == len(set(columns))
    pages = DOCUMENTED[table]["pages"]
    for row in rows:
        if row["field"] is None:
            assert row.get("note"), row  # the tap's own column says why it exists
        else:
            assert row["page"] in pages, row
            assert row["type"], row


def _type_of(table: str, column: str) -> str:
    node = api_contract.columns(SCHEMAS[table]).get(column)
    return api_contract.type_name(node) if node is not None else f"no column {column!r}"


CHILD_COPIES = [
    (table, row["column"], spec["parent"], row["parent_column"])
    for table, spec in DOCUMENTED.items()
    for row in spec["fields"]
    if row.get("parent_column")
]


@pytest.mark.parametrize(("table", "column", "parent", "parent_column"), CHILD_COPIES)
def test_a_child_column_has_its_parent_columns_type(table, column, parent, parent_column):
    """threshold_field text in the parent and int in the child stopped the child table."""
    assert _type_of(table, column) == _type_of(parent, parent_column)


def test_both_coupons_have_the_same_discount_columns():
    """The child table mirrors initial_coupon's columns; recurring_coupon's must be the same."""
    cols = api_contract.columns(SCHEMAS["offer_profiles"])
    for path, node in cols.items():
        if path.startswith("initial_coupon"):
            twin = "recurring_coupon" + path.removeprefix("initial_coupon")
            assert api_contract.type_name(cols[twin]) == api_contract.type_name(node), path


def test_the_markdown_is_generated_from_the_current_data_and_schemas():
    """Run scripts/api_contract.py --write and commit docs/api-contract.md when this fails."""
    assert api_contract.DOC_FILE.read_text() == api_contract.render()


def test_the_check_mode_exits_non_zero_when_stale(tmp_path, monkeypatch):
    stale = tmp_path / "api-contract.md"
    stale.write_text(api_contract.render().replace("| `merchant` |", "| `merchant_x` |", 1))
    monkeypatch.setattr(api_contract, "DOC_FILE", stale)
    assert api_contract.main(["--check"]) == 1
    stale.write_text(api_contract.render())
    assert api_contract.main(["--check"]) == 0


def test_the_script_runs_as_a_command():
    proc = subprocess.run(
        [sys.executable, str(api_contract.ROOT / "scripts" / "api_contract.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
