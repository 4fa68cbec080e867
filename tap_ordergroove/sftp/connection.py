"""The SFTP connection: connect, verify, log in, list, check and stream files (paramiko).

Built on paramiko's ``Transport`` rather than ``SSHClient`` so each step fails
with its own message: unreachable host, wrong host key, refused login. The
password and key are handed to paramiko only; every message here is built from
host, port, user and file names.

Files are streamed: ``prefetch`` pipelines the reads (one round trip would
otherwise be paid per 32 KiB) and ``lines`` hands out one line at a time from
fixed-size chunks, so memory stays flat whatever the file size. SSH flow
control keeps the server from sending more than the channel window ahead of
what has been consumed. A line is the one thing that could grow without bound
(a file without line breaks, or with CR-only ones), so a line over
``MAX_LINE_BYTES`` stops the file with an error instead of filling memory.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType

import paramiko
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tap_ordergroove import stopping
from tap_ordergroove.sftp.errors import (
    SftpAuthError,
    SftpConnectionError,
    SftpFileError,
    SftpHostKeyError,
    SftpPrivateKeyError,
)
from tap_ordergroove.sftp.files import RemoteFile
from tap_ordergroove.sftp.settings import SftpSettings, normalise_fingerprint

CHUNK_BYTES = 256 * 1024
#: Longest line read; far beyond any export row (``csv`` caps a field at 128 KiB).
MAX_LINE_BYTES = 32 * 1024 * 1024
#: Read requests in flight per file: 64 x 32 KiB = 2 MiB ahead, bounded.
PREFETCH_REQUESTS = 64
_KEY_TYPES: tuple[tuple[type, type[paramiko.PKey]], ...] = (
    (ed25519.Ed25519PrivateKey, paramiko.Ed25519Key),
    (ec.EllipticCurvePrivateKey, paramiko.ECDSAKey),
    (rsa.RSAPrivateKey, paramiko.RSAKey),
)

# paramiko logs every handshake step at INFO; the tap's own lines say what matters.
logging.getLogger("paramiko").setLevel(logging.WARNING)


def load_private_key(text: str, passphrase: str | None) -> paramiko.PKey:
    """Parse ``sftp_private_key`` text; the error never quotes the key.

    ``cryptography`` reads every common container (OpenSSH, PKCS#1, PKCS#8,
    encrypted or not); paramiko only some of them, so the key is handed to
    paramiko re-encoded, in memory, in the OpenSSH format it always reads.
    """
    data = text.encode()
    password = passphrase.encode() if passphrase else None
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=password)
        except ValueError:
            loaded = serialization.load_pem_private_key(data, password=password)
    except TypeError:  # encrypted without passphrase, or passphrase for a plain key
        msg = (
            "`sftp_private_key` is encrypted: set `sftp_private_key_passphrase`."
            if passphrase is None
            else "`sftp_private_key` is not encrypted: leave `sftp_private_key_passphrase` empty."
        )
        raise SftpPrivateKeyError(msg) from None
    except (ValueError, UnsupportedAlgorithm):
        hint = " (or `sftp_private_key_passphrase` is wrong)" if passphrase else ""
        msg = (
            "`sftp_private_key` is not a private key the tap can read: expected the text of an "
            f"RSA, ECDSA or Ed25519 key in PEM or OpenSSH format{hint}."
        )
        raise SftpPrivateKeyError(msg) from None
    key_type = next((kt for ct, kt in _KEY_TYPES if isinstance(loaded, ct)), None)
    if key_type is None:
        msg = f"`sftp_private_key` is a {type(loaded).__name__}; use RSA, ECDSA or Ed25519."
        raise SftpPrivateKeyError(msg)
    openssh = loaded.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return key_type.from_private_key(io.StringIO(openssh.decode()))


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style ``SHA256:...`` fingerprint, as ``ssh-keygen -lf`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class SftpConnection:
    """One logged-in SFTP session; use as a context manager.

    ``released`` wraps every wait on the network: the tap passes its sync lock's
    ``released`` so streams of other object types run while this one waits.
    """

    def __init__(
        self,
        settings: SftpSettings,
        logger: logging.Logger,
        released: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self.settings = settings
        self.logger = logger
        self.released = released
        self.host_key_fingerprint: str | None = None
        self._transport: paramiko.Transport | None = None
        self._sftp: paramiko.SFTPClient | None = None

    # Connecting -------------------------------------------------------------------

    def __enter__(self) -> SftpConnection:
        with self.released():
            self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def where(self) -> str:
        """``user@host:port``, for messages."""
        s = self.settings
        return f"{s.username}@{s.host}:{s.port}"

    def open(self) -> None:
        """Connect, check the host key, log in, start SFTP."""
        s = self.settings
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout_seconds)
        except socket.gaierror as exc:
            msg = f"SFTP host {s.host!r} (`sftp_host`) cannot be resolved: {exc}."
            raise SftpConnectionError(msg) from exc
        except OSError as exc:
            msg = (
                f"Cannot reach the SFTP server {s.host}:{s.port} (`sftp_host`, `sftp_port`): "
                f"{exc.strerror or exc}. Check the host, the port and any firewall."
            )
            raise SftpConnectionError(msg) from exc
        transport = paramiko.Transport(sock)
        self._transport = transport
        transport.banner_timeout = s.timeout_seconds
        transport.handshake_timeout = s.timeout_seconds
        transport.auth_timeout = s.timeout_seconds
        try:
            transport.start_client(timeout=s.timeout_seconds)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.close()
            msg = (
                f"{s.host}:{s.port} did not complete an SSH handshake within "
                f"{s.timeout_seconds:g} s ({exc}). Is it an SFTP server (`sftp_host`, "
                "`sftp_port`)?"
            )
            raise SftpConnectionError(msg) from exc
        self._check_host_key(transport.get_remote_server_key())
        self._login(transport)
        try:
            self._sftp = paramiko.SFTPClient.from_transport(transport)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.close()
            msg = f"{self.where} accepted the login but refused the SFTP subsystem: {exc}"
            raise SftpConnectionError(msg) from exc
        if self._sftp is None:
            self.close()
            msg = f"{self.where} accepted the login but opened no SFTP session."
            raise SftpConnectionError(msg)
        self._sftp.get_channel().settimeout(s.timeout_seconds)

    def _check_host_key(self, key: paramiko.PKey) -> None:
        self.host_key_fingerprint = fingerprint(key)
        expected = self.settings.host_key_fingerprint
        if expected is None:
            return
        if normalise_fingerprint(self.host_key_fingerprint) != expected:
            self.close()
            msg = (
                f"The SFTP server {self.settings.host}:{self.settings.port} presented host key "
                f"{self.host_key_fingerprint}, not the one in `sftp_host_key_fingerprint` "
                f"(SHA256:{expected}). Someone may be intercepting the connection, or the server "
                "changed its key: confirm with Ordergroove before updating the setting."
            )
            raise SftpHostKeyError(msg)

    def _login(self, transport: paramiko.Transport) -> None:
        s = self.settings
        method = "`sftp_private_key`" if s.private_key else "`sftp_password`"
        try:
            if s.private_key:
                transport.auth_publickey(s.username, load_private_key(s.private_key, s.passphrase))
            else:
                transport.auth_password(s.username, s.password or "", fallback=False)
        except paramiko.BadAuthenticationType as exc:
            self.close()
            allowed = ", ".join(exc.allowed_types) or "none"
            msg = (
                f"The SFTP server {s.host}:{s.port} does not accept {method} for "
                f"`sftp_username` {s.username!r}; it allows: {allowed}."
            )
            raise SftpAuthError(msg) from None
        except paramiko.AuthenticationException:
            self.close()
            msg = (
                f"The SFTP server {s.host}:{s.port} refused the login of `sftp_username` "
                f"{s.username!r} with the configured {method}. Check both settings (Ordergroove "
                "issues them; staging and production logins differ)."
            )
            raise SftpAuthError(msg) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.close()
            msg = f"Logging in to {s.host}:{s.port} failed: {type(exc).__name__}: {exc}"
            raise SftpConnectionError(msg) from None

    def close(self) -> None:
        """Close the SFTP session and the SSH connection (idempotent).

        Best effort: on a connection that just dropped, paramiko may still try to say
        goodbye and raise ``EOFError`` from the dead socket (when its reader thread has not
        yet marked the transport inactive). Raised from ``__exit__``, that would replace the
        error that ended the run ("Reading SFTP file ... failed") with a bare "Aborted!".
        """
        sftp, transport = self._sftp, self._transport
        self._sftp = self._transport = None
        for part in (sftp, transport):
            if part is None:
                continue
            try:
                part.close()
            except (OSError, EOFError, paramiko.SSHException) as exc:
                self.logger.debug("Closing the SFTP connection to %s: %r", self.where, exc)

    @property
    def sftp(self) -> paramiko.SFTPClient:
        """The live SFTP client."""
        if self._sftp is None:
            msg = "The SFTP connection is not open."
            raise SftpConnectionError(msg)
        return self._sftp

    # Files --------------------------------------------------------------------------

    def remote_path(self, name: str) -> str:
        """Full path of a file in ``sftp_path``."""
        return self.settings.path.rstrip("/") + "/" + name

    def list(self) -> list[RemoteFile]:
        """Every entry of ``sftp_path`` with size and modification time."""
        path = self.settings.path
        try:
            with self.released():
                entries = self.sftp.listdir_attr(path)
        except OSError as exc:
            reason = "does not exist" if exc.errno == errno.ENOENT else f"cannot be listed: {exc}"
            msg = f"SFTP folder {path!r} (`sftp_path`) on {self.where} {reason}."
            raise SftpFileError(msg) from exc
        return [RemoteFile.from_attributes(entry) for entry in entries]

    def stat(self, name: str) -> RemoteFile:
        """The file's current size and modification time."""
        try:
            with self.released():
                attrs = self.sftp.stat(self.remote_path(name))
        except OSError as exc:
            msg = f"SFTP file {name!r} cannot be read (stat failed: {exc})."
            raise SftpFileError(msg) from exc
        attrs.filename = name
        return RemoteFile.from_attributes(attrs)

    def last_byte(self, remote: RemoteFile) -> bytes:
        """The file's final byte (empty for an empty file)."""
        if remote.size == 0:
            return b""
        try:
            with self.released(), self.sftp.open(self.remote_path(remote.name), "rb") as handle:
                handle.seek(remote.size - 1)
                return handle.read(1)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            msg = f"SFTP file {remote.name!r} cannot be read: {exc}"
            raise SftpFileError(msg) from exc

    def lines(self, remote: RemoteFile) -> Iterator[bytes]:
        """The file's first ``remote.size`` bytes as lines (each ending in ``\\n``).

        Exactly the listed size is read, then the file is checked again: a file
        that changed while it was read is an error, and the caller marks nothing
        of it as processed.
        """
        name = remote.name
        offset = 0
        try:
            with self.released():
                handle = self.sftp.open(self.remote_path(name), "rb")
            with handle:
                handle.prefetch(remote.size, max_concurrent_requests=PREFETCH_REQUESTS)
                rest = b""
                while offset < remote.size:
                    stopping.check()  # SIGTERM: abandon the file now, not after 1 GB
                    with self.released():
                        chunk = handle.read(min(CHUNK_BYTES, remote.size - offset))
                    if not chunk:
                        msg = (
                            f"SFTP file {name!r} ended at byte {offset} of {remote.size}: it "
                            "shrank while being read. Nothing of it is marked processed."
                        )
                        raise SftpFileError(msg)
                    offset += len(chunk)
                    parts = (rest + chunk).split(b"\n")
                    rest = parts.pop()
                    for part in parts:
                        yield part + b"\n"
                    if len(rest) > MAX_LINE_BYTES:
                        raise _line_too_long(name, offset - len(rest), rest)
                with self.released():
                    after = handle.stat()
        except (OSError, EOFError, paramiko.SSHException) as exc:
            msg = (
                f"Reading SFTP file {name!r} failed at byte {offset} of {remote.size} "
                f"({type(exc).__name__}: {exc or 'connection closed'}). Nothing of it is marked "
                "processed: the next run reads it again from the start."
            )
            raise SftpFileError(msg) from exc
        if rest:
            yield rest
        if int(after.st_size or 0) != remote.size or int(after.st_mtime or 0) != int(remote.mtime):
            msg = (
                f"SFTP file {name!r} changed while being read (size {remote.size} -> "
                f"{after.st_size}). Nothing of it is marked processed; the next run reads it again."
            )
            raise SftpFileError(msg)


def _line_too_long(name: str, start: int, rest: bytes) -> SftpFileError:
    """The error for a line longer than ``MAX_LINE_BYTES`` (CR-only line breaks, or none)."""
    hint = (
        "its line breaks are CR only (old Mac style): ask for the export with LF or CRLF"
        if b"\r" in rest
        else "it has no line breaks: is it a CSV export?"
    )
    msg = (
        f"SFTP file {name!r}: the line starting at byte {start} is longer than "
        f"{MAX_LINE_BYTES // (1024 * 1024)} MiB; {hint}. Nothing of the file is marked "
        "processed; later files of its report wait until it is replaced or moved away."
    )
    return SftpFileError(msg)
