"""The suite's parallel layout: a module whose tests share a module-scoped setup runs on one
pytest-xdist worker, so that setup (a tap run, a dbt build, a receiver) is made once.

Without this the workers each built every shared setup: the suite's CPU time was a third
higher and tests/test_dbt.py ran its two-run-and-build fixture twice.
"""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

#: A module with a module-scoped fixture (its receiver) and quick tests.
GROUPED = "tests/test_webhooks_window.py"


def test_tests_sharing_a_module_fixture_run_on_one_worker_under_their_group(tmp_path):
    args = ["-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--basetemp", str(tmp_path / "base"), GROUPED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = re.findall(r"\[(gw\d+)\] \[[ \d]+%\] PASSED (\S+)", proc.stdout)
    grouped = {
        node: worker for worker, node in results if node.endswith("@test_webhooks_window.py")
    }
    # the three tests taking the module's receiver carry the group and share one worker
    assert len(grouped) == 3, results
    assert len(set(grouped.values())) == 1, results
