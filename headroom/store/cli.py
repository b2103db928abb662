"""``headroom ccr get KEY | stats | gc``: look into the store from a shell.

Exit status: 0 on success, 1 when the key is unknown (or malformed, or expired) or the store cannot
be used, 2 for an unknown action. Output goes to stdout (``get`` writes the original exactly, with no
newline added); diagnostics go to stderr.
"""

from __future__ import annotations

import sys
from typing import TextIO

from headroom.config import Settings
from headroom.errors import StoreError
from headroom.store.models import GCReport, StoreStats, encode_original, is_ccr_key
from headroom.store.sqlite import SQLiteStore

ACTIONS = ("get", "stats", "gc")


def format_stats(stats: StoreStats) -> list[str]:
    return [
        f"path            {stats.path}",
        f"schema_version  {stats.schema_version}",
        f"file_bytes      {stats.file_bytes}",
        f"wal_bytes       {stats.wal_bytes}",
        f"ccr             {stats.ccr.rows} rows, {stats.ccr.bytes} bytes "
        f"(cap {stats.ccr_max_bytes} bytes, ttl {stats.ccr_ttl_seconds} s)",
        f"ledger          {stats.ledger.rows} rows, {stats.ledger.bytes} bytes",
        f"sessions        {stats.sessions.rows} rows, {stats.sessions.bytes} bytes",
    ]


def format_gc(report: GCReport) -> list[str]:
    return [
        f"expired    {report.expired_rows} rows, {report.expired_bytes} bytes",
        f"evicted    {report.evicted_rows} rows, {report.evicted_bytes} bytes",
        f"remaining  {report.remaining_rows} rows, {report.remaining_bytes} bytes",
    ]


def _get(store: SQLiteStore, key: str, out: TextIO, err: TextIO) -> int:
    if not is_ccr_key(key):
        print(f"headroom: {key!r} is not a CCR key (24 lowercase hex characters)", file=err)
        return 1
    record = store.ccr_get(key)
    if record is None:
        print(f"headroom: no stored original for {key} (unknown or expired)", file=err)
        return 1
    # lone surrogates (from JSON \ud800 escapes) cannot reach a text stream; show them as U+FFFD
    out.write(encode_original(record.original).decode("utf-8", "replace"))
    out.flush()
    return 0


def run_ccr_cli(settings: Settings, action: str, key: str, *, out: TextIO | None = None,
                err: TextIO | None = None) -> int:
    """Run one ``headroom ccr`` action against the store under ``settings.data_dir``."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if action not in ACTIONS:
        print(f"headroom: unknown ccr action {action!r} (choose from {', '.join(ACTIONS)})", file=err)
        return 2
    try:
        with SQLiteStore(settings.data_dir, ccr_ttl_seconds=settings.ccr_ttl_seconds,
                         ccr_max_bytes=settings.ccr_max_bytes, background=False) as store:
            if action == "get":
                return _get(store, key, out, err)
            lines = format_stats(store.stats()) if action == "stats" else format_gc(store.gc())
    except StoreError as exc:
        print(f"headroom: store error: {exc}", file=err)
        return 1
    out.write("\n".join(lines) + "\n")
    return 0
