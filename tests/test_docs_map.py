"""The README's map of the docs names every page in docs/, so a new page is never orphaned."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_docs_map_names_every_docs_page():
    readme = (ROOT / "README.md").read_text()
    assert "\n## Documentation\n" in readme
    docs_map = readme.split("\n## Documentation\n", 1)[1]
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert len(pages) >= 10
    missing = [name for name in pages if name not in docs_map]
    assert not missing, f"add these to the README's Documentation list: {missing}"
