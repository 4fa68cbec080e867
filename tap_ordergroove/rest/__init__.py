"""Ordergroove's REST API as a source: one stream per list endpoint, and their child tables.

The tap reads it when ``api_key`` is set; ``sftp/`` (the CSV exports) and ``webhooks/`` (the
receiver and its event store) are the other two sources. What every source shares (time
zones, type coercion, errors, stopping, progress, output, rate limit, concurrency, deadline)
sits at the package root. The modules, from the wire up:

- ``http_client.py``: one page: host, auth, per-page deadline, retries, error verdicts;
- ``envelope.py``: the response shapes Ordergroove documents, turned into one envelope;
- ``client.py``: ``OrdergrooveStream``, what a list page means (cursor pages, filters,
  access check), assembled from the concerns below;
- ``records.py``: records converted to the schema's types, the SDK's record hooks;
- ``windows.py``: incremental windows, the bookmark rule, backfill markers;
- ``tombstones.py``: deletes from the webhook store and table versions (ACTIVATE_VERSION);
- ``drift.py``: the end-of-stream report of fields and values the schema does not expect;
- ``page_loop.py``: the per-page record loop (the hot path), and when the SDK's loop runs;
- ``streams.py``: one declarative class per endpoint; ``schemas.py`` their JSON schemas;
- ``children.py`` + ``child_schemas.py``: child tables from array fields of parent records;
- ``resync.py``: periodic full re-reads of incremental streams, to flag deletes;
- ``cadence.py``: full-table streams read at most every ``full_table_every_hours``;
- ``check.py``: ``tap-ordergroove --check``, the first page of every stream vs. its schema.
"""
