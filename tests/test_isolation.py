"""The tests keep out of the developer's project state: their ``meltano`` runs use the run's
own Meltano system directory (conftest.py ``meltano_system_dir``), so their run files, state
and run history never land in the project's ``.meltano/`` (nor target-jsonl's output in
``output/``), and a run in another system directory (the developer's ``meltano run`` in the
project) going on at the same time breaks neither.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.conftest import API_KEY, ROOT, start_fake
from tests.live_tap import find_tap_pid, start_meltano

RUN = ("tap-ordergroove", "target-jsonl")


def run_env(fake, out: Path) -> dict[str, str]:
    return {
        "MELTANO_ENVIRONMENT": "dev",
        "TAP_ORDERGROOVE_BASE_URL": fake.url,
        "TAP_ORDERGROOVE_API_KEY": API_KEY,
        "TARGET_JSONL_DESTINATION_PATH": str(out),
    }


def tap_files(pid: int) -> list[str]:
    """The --config/--catalog/--state paths Meltano gave the tap process."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    return [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg.startswith("--")]


def lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_meltano_runs_use_the_runs_own_system_dir_beside_a_project_run(
    meltano_system_dir, tmp_path
):
    slow = start_fake(latency_ms=30)  # a run of a few seconds: time to stop it mid-run
    quick = start_fake(seed=3)
    try:
        ours = start_meltano(tmp_path / "ours", run_env(slow, tmp_path / "ours"), *RUN)
        tap = find_tap_pid(ours.pid)
        files = tap_files(tap)
        assert files, "meltano passes the tap its config"
        for name in files:
            assert Path(name).resolve().is_relative_to(meltano_system_dir), name
        os.kill(tap, signal.SIGSTOP)  # ours stays in the middle of its run until SIGCONT

        # Another project run meanwhile (its own system dir, as the developer's `.meltano/`
        # is to the tests): it starts and ends while ours is mid-run, and neither breaks.
        other_dir = tmp_path / "other-sys"
        other_dir.mkdir()
        for kind in ("extractors", "loaders"):
            (other_dir / kind).symlink_to(meltano_system_dir / kind)
        other_env = {
            **run_env(quick, tmp_path / "other"),
            "MELTANO_SYS_DIR_ROOT": str(other_dir),
            "MELTANO_DATABASE_URI": f"sqlite:///{other_dir / 'meltano.db'}",
        }
        other = start_meltano(tmp_path / "other", other_env, *RUN)
        assert other.wait(timeout=600) == 0, (tmp_path / "other" / "meltano.err").read_text()
        assert ours.poll() is None
        os.kill(tap, signal.SIGCONT)
        assert ours.wait(timeout=600) == 0, (tmp_path / "ours" / "meltano.err").read_text()

        for fake, out in ((slow, tmp_path / "ours"), (quick, tmp_path / "other")):
            assert lines(out / "orders.jsonl") == len(fake.dataset.records("orders"))
    finally:
        slow.stop()
        quick.stop()
    assert (meltano_system_dir / "meltano.db").is_file(), "state and run history went here"
    assert not Path(os.environ["TARGET_JSONL_DESTINATION_PATH"]).is_relative_to(ROOT)
