"""Real SFTP servers on 127.0.0.1 for the tests: OpenSSH's sshd, or asyncssh in a thread.

``start_server`` gives the OpenSSH server (``openssh_server.py``) when this machine
can run it (``/usr/sbin/sshd``, and root to add the test user): the same software
as Ordergroove's ``feeds.ordergroove.com``. Without it, a developer's machine
falls back to ``SftpTestServer`` here (asyncssh, pure Python, installed with the
dev extras), so ``./scripts/test`` still runs with Python alone; with ``CI=true``
the fallback is refused and the run fails, so CI always checks against OpenSSH.

``SftpTestServer`` serves a temporary folder (chrooted), accepts one user by
password or by public key, and can inject faults OpenSSH cannot be made to
produce on cue: a file that grows whenever it is stat'ed (an upload in progress)
and a connection that drops at a given byte of a file (a crash mid-download).
Tests that need those ask for it by name.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

USERNAME = "og-feeds"
PASSWORD = "s3cret-Pa55word-never-logged"


@dataclass
class Faults:
    """Faults the server injects, by file name."""

    refuse_open: set[str] = field(default_factory=set)
    drop_after_bytes: dict[str, int] = field(default_factory=dict)
    #: Files that grow by one line whenever they are stat'ed: an upload in progress.
    grow_on_stat: set[str] = field(default_factory=set)


class _Auth(asyncssh.SSHServer):
    def __init__(self, server: SftpTestServer) -> None:
        self._server = server

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._server.connections.add(conn)

    def begin_auth(self, username: str) -> bool:
        return True  # always ask for credentials

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        ok = username == self._server.username and password == self._server.password
        self._server.logins.append(("password", username, ok))
        return ok

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        ok = username == self._server.username and any(
            key.public_data == allowed.public_data for allowed in self._server.authorized_keys
        )
        self._server.logins.append(("publickey", username, ok))
        return ok


class _Sftp(asyncssh.SFTPServer):
    """The stock SFTP server on the root folder, plus fault injection."""

    def __init__(self, chan: asyncssh.SSHServerChannel, server: SftpTestServer) -> None:
        super().__init__(chan, chroot=os.fsencode(server.root))
        self._server = server
        self._names: dict[int, str] = {}

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        name = os.fsdecode(path).rsplit("/", 1)[-1]
        if name in self._server.faults.refuse_open:
            raise asyncssh.SFTPPermissionDenied(f"{name}: permission denied")
        handle = super().open(path, pflags, attrs)
        self._names[id(handle)] = name
        return handle

    def stat(self, path: bytes) -> object:
        name = os.fsdecode(path).rsplit("/", 1)[-1]
        if name in self._server.faults.grow_on_stat:
            with (self._server.folder / name).open("ab") as handle:
                handle.write(b"more,still,uploading\n")
        return super().stat(path)

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        name = self._names.get(id(file_obj), "")
        limit = self._server.faults.drop_after_bytes.get(name)
        if limit is not None and offset < limit < offset + size:
            self._server.drops += 1
            self.connection.abort()  # the network goes away mid-file
            raise asyncssh.SFTPConnectionLost("dropped by the test")
        return super().read(file_obj, offset, size)


class ExportsFolder:
    """What both test servers share: the ``/outgoing/`` folder, files in it, a tap config.

    Folder and file modes are what OpenSSH's chrooted login needs to read them; the Python
    server does not care.
    """

    root: Path
    port: int
    username: str
    password: str
    host_key_fingerprint: str | None

    @property
    def folder(self) -> Path:
        """The exports folder, ``/outgoing/`` as the tap sees it."""
        path = self.root / "outgoing"
        path.mkdir(mode=0o755, parents=True, exist_ok=True)
        return path

    def config(self, **overrides: object) -> dict:
        """A tap config for this server (SFTP only, password login, no age wait)."""
        config: dict = {
            "sftp_host": "127.0.0.1",
            "sftp_port": self.port,
            "sftp_username": self.username,
            "sftp_password": self.password,
            "sftp_host_key_fingerprint": self.host_key_fingerprint,
            "sftp_min_file_age_seconds": 0,
            "sftp_timeout_seconds": 10,
        }
        config.update(overrides)
        return {k: v for k, v in config.items() if v is not None}

    def put(self, name: str, text: str | bytes, *, age_seconds: float = 3600) -> Path:
        """Write a file into ``/outgoing/`` with its mtime ``age_seconds`` in the past."""
        path = self.folder / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        self.age(name, age_seconds)
        return path

    def age(self, name: str, age_seconds: float) -> None:
        """Set a file's mtime ``age_seconds`` in the past (uploaded that long ago)."""
        path = self.folder / name
        path.chmod(0o644)
        stamp = time.time() - age_seconds
        os.utime(path, (stamp, stamp))


class SftpTestServer(ExportsFolder):
    """Start with ``start()``; ``port``, ``host_key_fingerprint`` and ``folder`` for the tests."""

    def __init__(
        self,
        root: Path,
        *,
        username: str = USERNAME,
        password: str = PASSWORD,
        authorized_keys: list[asyncssh.SSHKey] | None = None,
    ) -> None:
        self.root = root
        self.username = username
        self.password = password
        self.authorized_keys = list(authorized_keys or [])
        self.faults = Faults()
        self.logins: list[tuple[str, str, bool]] = []
        self.drops = 0
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._acceptor: asyncssh.SSHAcceptor | None = None

    @property
    def host_key_fingerprint(self) -> str:
        """``SHA256:...`` of the server's host key, as ``ssh-keygen -lf`` prints it."""
        return self.host_key.get_fingerprint("sha256")

    def refuse_open(self, name: str) -> None:
        """Opening ``name`` fails with permission denied."""
        self.faults.refuse_open.add(name)

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            server_factory=lambda: _Auth(self),
            sftp_factory=lambda chan: _Sftp(chan, self),
            allow_scp=False,
            login_timeout=10,
        )

    def start(self) -> SftpTestServer:
        """Listen on a free loopback port."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self._acceptor = future.result(timeout=10)
        self.port = self._acceptor.get_port()
        return self

    def stop(self) -> None:
        """Close the listener and every connection, then the loop."""

        async def close() -> None:
            if self._acceptor is not None:
                self._acceptor.close()
                await self._acceptor.wait_closed()
            for conn in list(self.connections):  # their SFTP handlers end before the loop
                conn.close()
                await conn.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def start_server(root: Path, **kwargs: object) -> SftpTestServer:
    """OpenSSH's sshd when this machine can run it, else (not in CI) the asyncssh server.

    Both have the same interface (``OpenSshServer`` subclasses ``SftpTestServer``
    for it); only ``faults`` beyond ``refuse_open`` need the asyncssh one.
    """
    from tests.openssh_server import OpenSshServer, openssh_unavailable

    reason = openssh_unavailable()
    if reason is None:
        return OpenSshServer(root, **kwargs).start()  # type: ignore[arg-type]
    if os.environ.get("CI", "").lower() == "true":
        msg = (
            f"CI must test against OpenSSH, but {reason}. Install it with "
            "`apt-get install -y openssh-server` (see docs/sftp.md)."
        )
        raise RuntimeError(msg)
    return SftpTestServer(root, **kwargs).start()  # type: ignore[arg-type]
