"""``python -m tap_ordergroove ...`` for the tests, without paying the imports every time.

About 0.5 s of a short tap run's CPU is Python importing singer-sdk and the tap, and the suite
starts a few hundred of them. Here each test process keeps one fork server
(``multiprocessing``'s ``forkserver``) that has imported the tap once; every run is a new
process forked from it, with its own arguments, working directory, environment, stdout and
stderr files, exit code and atexit handlers, talking to the fake API over real HTTP exactly as
an exec'd tap would. Only the start-up differs: the modules are already in memory.

``TAP_ORDERGROOVE_TESTS_FORK=0`` runs every tap with a plain exec instead (to rule the fork
server out when a test behaves oddly); tests/test_tap_process.py checks both give the same
output. Tests of the process itself (signals, entry points, Meltano) start it the usual way.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The modules the fork server imports once: everything a tap run needs before it starts.
PRELOAD = ["tap_ordergroove.tap"]
FORK_ENV = "TAP_ORDERGROOVE_TESTS_FORK"

_context: multiprocessing.context.BaseContext | None = None


def forking() -> bool:
    """False when ``TAP_ORDERGROOVE_TESTS_FORK=0`` asks for exec'd taps."""
    return os.environ.get(FORK_ENV, "1").strip() != "0"


def _forkserver() -> multiprocessing.context.BaseContext:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def stop() -> None:
    """Stop this process's fork server, if it started one (at the end of the test session:
    otherwise it outlives its test process for a moment, and whoever waits on the process
    group finds it still there)."""
    if _context is not None:
        # CPython's own shutdown for them (3.11-3.14): close the lifeline, reap the process;
        # the fork server started the resource tracker, which would be left a zombie too.
        multiprocessing.forkserver._forkserver._stop()
        multiprocessing.resource_tracker._resource_tracker._stop()


def _tap_main(argv: list[str], cwd: str, env: dict[str, str], out: str, err: str) -> None:
    """In the forked process: become ``python -m tap_ordergroove *argv`` and run."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()  # TZ as an exec'd process would read it
    for fd, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = [sys.argv[0], *argv]
    try:
        runpy.run_module("tap_ordergroove", run_name="__main__", alter_sys=True)
    finally:
        # multiprocessing ends its children with os._exit, which skips atexit: run the
        # handlers (the tap's output buffer flush among them) as an interpreter exit would.
        atexit._run_exitfuncs()


def run(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess:
    """What ``subprocess.run([python, "-m", "tap_ordergroove", *argv], ...)`` would return."""
    if not forking():
        return subprocess.run(
            [sys.executable, "-m", "tap_ordergroove", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=env,
            check=False,
        )
    with tempfile.TemporaryDirectory(prefix="tap-run-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        process = _forkserver().Process(
            target=_tap_main, args=(argv, str(cwd), env, str(out), str(err)), daemon=False
        )
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["tap_ordergroove", *argv], timeout)
        return subprocess.CompletedProcess(
            ["tap_ordergroove", *argv],
            process.exitcode,
            out.read_text() if out.exists() else "",
            err.read_text() if err.exists() else "",
        )
