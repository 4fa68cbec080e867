"""One exception type per SFTP failure the person running the sync must act on.

They subclass ``OrdergrooveError``, like the REST errors in
``tap_ordergroove.errors``, so the tap treats both sources' fatal failures the
same way. Messages name the setting to change and never contain a password,
a passphrase or key material: they are built from host, user and file names only.
"""

from __future__ import annotations

from tap_ordergroove.errors import OrdergrooveError


class SftpError(OrdergrooveError):
    """Base class: anything that stops the SFTP part of a sync."""


class SftpConnectionError(SftpError):
    """The host cannot be resolved or reached, or does not speak SSH in time."""


class SftpHostKeyError(SftpError):
    """The server's host key is not the one pinned in ``sftp_host_key_fingerprint``."""


class SftpAuthError(SftpError):
    """The server refused ``sftp_username`` with the configured password or key."""


class SftpPrivateKeyError(SftpError):
    """``sftp_private_key`` cannot be read (format, type or passphrase)."""


class SftpFileError(SftpError):
    """A file or folder that cannot be used: missing, unreadable, malformed or changing."""
