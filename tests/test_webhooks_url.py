"""The receiver tells a new user where Ordergroove must send webhooks, and where events go.

`POST /` answers 404; the one path that works is `/webhooks/ordergroove`. It is printed in
`serve --help` and at start-up (the full URL, with this run's host and port), and a SQLite
store is shown as the absolute file it writes, so `sqlite:relative/events.db` or a
mistyped `sqlite:///events.db` (which is `/events.db`) is visible at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import requests

from tests.test_webhooks_support import COMMAND, KEY_ENV, free_port


def test_serve_help_names_the_webhook_url():
    proc = subprocess.run(
        [COMMAND, "serve", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    text = " ".join(proc.stdout.split())  # argparse wraps lines
    assert "http://127.0.0.1:8000/webhooks/ordergroove" in text
    assert "http://HOST:PORT/webhooks/ordergroove" in text


def start_receiver(tmp_path, *args: str) -> tuple[subprocess.Popen, str]:
    """The real console script, cwd ``tmp_path``, until its start-up lines are logged."""
    log = tmp_path / "receiver.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [COMMAND, "serve", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env={**os.environ, KEY_ENV: "url-test-key"},
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Uvicorn running" not in log.read_text():
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    return proc, log.read_text()


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(15)


def test_startup_prints_the_full_webhook_url_and_the_sqlite_file(tmp_path):
    port = free_port()
    proc, logs = start_receiver(tmp_path, "--store", "sqlite:data/events.db", "--port", str(port))
    try:
        url_line = next(line for line in logs.splitlines() if "Webhook URL" in line)
        url = url_line.split("Webhook URL for Ordergroove: ", 1)[1].strip()
        assert url == f"http://127.0.0.1:{port}/webhooks/ordergroove", url_line
        # The printed URL is the receiver's route: unsigned, it is refused (401), not 404.
        assert requests.post(url, data=b"{}", timeout=10).status_code == 401
        file_line = next(line for line in logs.splitlines() if "SQLite store file" in line)
        assert file_line.endswith(str(tmp_path / "data" / "events.db")), file_line
        assert (tmp_path / "data" / "events.db").exists()
    finally:
        stop(proc)


def test_listening_on_every_interface_says_to_use_this_machines_address(tmp_path):
    port = free_port()
    store = f"sqlite:///{tmp_path}/events.db"
    proc, logs = start_receiver(
        tmp_path, "--store", store, "--host", "0.0.0.0", "--port", str(port)
    )
    try:
        url_line = next(line for line in logs.splitlines() if "Webhook URL" in line)
        assert f"http://<this machine's address>:{port}/webhooks/ordergroove" in url_line
        assert "https://<your host>/webhooks/ordergroove" in url_line
        assert f"SQLite store file: {tmp_path}/events.db" in logs
    finally:
        stop(proc)
