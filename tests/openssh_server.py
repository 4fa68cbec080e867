"""OpenSSH's own sshd on a free loopback port, serving a folder to one test user.

The tap's SFTP client must work with the server Ordergroove runs, not only with a
Python one: this starts ``/usr/sbin/sshd -D`` with its own host key and config in a
fresh folder, ``internal-sftp`` chrooted to the exports (so the tap sees
``/outgoing/`` as on ``feeds.ordergroove.com``), and password and public-key logins
for a system user it adds once (``og-sftp-test``, no shell, no home).

It needs root (to add that user and to run sshd's privilege separation) and the
``openssh-server`` Debian package. sshd's chroot must be owned by root all the way
up and writable by nobody else, which rules out ``/tmp``: the folders live under
``/var/lib/tap-ordergroove-tests/`` and are removed by ``stop()``. The test user
reads the files as any other user would, so ``refuse_open`` is a real ``chmod 000``.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.sftp_server import PASSWORD, ExportsFolder

SSHD = Path("/usr/sbin/sshd")
USERNAME = "og-sftp-test"
BASE = Path("/var/lib/tap-ordergroove-tests")
_LOGIN = re.compile(
    r"(?P<result>Accepted|Failed) (?P<method>password|publickey) for (?:invalid user )?"
    r"(?P<user>\S+) from"
)


def openssh_unavailable() -> str | None:
    """Why OpenSSH's server cannot be run here (None: it can)."""
    if not SSHD.exists():
        return f"{SSHD} is not installed"
    if os.geteuid() != 0:
        return "the tests do not run as root (needed to add the test user and run sshd)"
    return None


_users_ready: set[str] = set()


def _ensure_user(password: str) -> None:
    """Add the test login if missing and set its password, once per process.

    Test runs of several checkouts share this machine: a file lock keeps two of them
    from racing on ``useradd`` / ``/etc/shadow``.
    """
    if password in _users_ready:
        return
    BASE.mkdir(mode=0o755, parents=True, exist_ok=True)
    with (BASE / ".user.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pwd.getpwnam(USERNAME)
        except KeyError:
            add = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
            subprocess.run(
                [*add, USERNAME],
                check=True,
                capture_output=True,
            )
        subprocess.run(
            ["chpasswd"], input=f"{USERNAME}:{password}", text=True, check=True, capture_output=True
        )
    _users_ready.add(password)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OpenSshServer(ExportsFolder):
    """Same interface as ``tests.sftp_server.SftpTestServer``, backed by a real sshd."""

    kind = "openssh"

    def __init__(
        self,
        root: Path,
        *,
        username: str = USERNAME,
        password: str = PASSWORD,
        authorized_keys: list | None = None,
    ) -> None:
        if username != USERNAME:
            msg = f"the OpenSSH test server logs in {USERNAME!r} only"
            raise ValueError(msg)
        self.username = username
        self.password = password
        self.authorized_keys = list(authorized_keys or [])  # asyncssh.SSHKey objects
        self.port = 0
        self.host_key_fingerprint = ""
        BASE.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.base = Path(tempfile.mkdtemp(prefix="sftp-", dir=BASE))
        self.base.chmod(0o755)
        self.root = self.base / "root"  # the chroot: what the tap sees as /
        self.etc = self.base / "etc"
        self.log = self.base / "sshd.log"
        self._proc: subprocess.Popen | None = None
        del root  # the caller's tmp_path cannot be a chroot (see the module docstring)

    def refuse_open(self, name: str) -> None:
        """Opening ``name`` fails with permission denied: the login may not read it."""
        (self.folder / name).chmod(0)

    @property
    def logins(self) -> list[tuple[str, str, bool]]:
        """(method, user, accepted) for every login attempt sshd logged."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [(m["method"], m["user"], m["result"] == "Accepted") for m in _LOGIN.finditer(text)]

    def start(self) -> OpenSshServer:
        """Write the host key and config, start sshd, wait until it answers."""
        _ensure_user(self.password)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        self.etc.mkdir(mode=0o755)
        _ = self.folder
        host_key = self.etc / "host_ed25519"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)],
            check=True,
            capture_output=True,
        )
        listed = subprocess.run(
            ["ssh-keygen", "-lf", f"{host_key}.pub"], check=True, capture_output=True, text=True
        )
        self.host_key_fingerprint = listed.stdout.split()[1]
        keys = self.etc / "authorized_keys"
        keys.write_text("".join(k.export_public_key().decode() for k in self.authorized_keys))
        keys.chmod(0o644)
        self.port = _free_port()
        config = self.etc / "sshd_config"
        config.write_text(self._sshd_config(host_key, keys))
        self._proc = subprocess.Popen(
            [str(SSHD), "-D", "-f", str(config), "-E", str(self.log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_listening()
        return self

    def _sshd_config(self, host_key: Path, keys: Path) -> str:
        return f"""\
ListenAddress 127.0.0.1:{self.port}
HostKey {host_key}
PidFile none
UsePAM no
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile {keys}
StrictModes no
PermitRootLogin no
AllowUsers {USERNAME}
LogLevel VERBOSE
MaxAuthTries 20
MaxStartups 100
LoginGraceTime 30
AllowTcpForwarding no
X11Forwarding no
Subsystem sftp internal-sftp
ChrootDirectory {self.root}
ForceCommand internal-sftp
"""

    def _wait_listening(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                log = self.log.read_text() if self.log.exists() else ""
                msg = f"sshd exited with {self._proc.returncode}: {err}{log}"
                raise RuntimeError(msg)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(8).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        msg = f"sshd did not answer on 127.0.0.1:{self.port} within 15 s"
        raise RuntimeError(msg)

    def stop(self) -> None:
        """Stop sshd (its session processes end with their connections) and remove the folders."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        if self._proc is not None and self._proc.stderr is not None:
            self._proc.stderr.close()
        shutil.rmtree(self.base, ignore_errors=True)
