"""Ordergroove's scheduled CSV exports on SFTP, as a second source beside the REST API.

The tap reads them when ``sftp_host`` is set: ``SFTP_PROPERTIES`` are merged into
the tap's settings and ``sftp_streams`` adds one stream per report plus
``sftp_rejected_rows``. See docs/sftp.md.
"""

from __future__ import annotations

from tap_ordergroove.sftp.settings import SFTP_PROPERTIES, check_sources, sftp_configured
from tap_ordergroove.sftp.streams import sftp_streams

__all__ = ["SFTP_PROPERTIES", "check_sources", "sftp_configured", "sftp_streams"]
