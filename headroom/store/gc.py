"""Garbage collection of CCR rows: expiry by TTL, then least-recently-used eviction to the size cap.

Rows go in small batches, one write transaction each, so a large collection (after downtime, or a
lowered cap) never holds the write lock for long: commits of this and other processes interleave
with it. Ledger rows are never touched: they outlive the originals they point at. The store runs with
``secure_delete`` on, so an expired original is overwritten in the file, not merely unlinked.
"""

from __future__ import annotations

import sqlite3
import time

from headroom.store.models import GCReport
from headroom.store.pool import ConnectionPool, store_errors

BATCH_ROWS = 64  # ~6 MB of 100 KB originals: a few tens of ms under the write lock
PAUSE_SECONDS = 0.001  # between batches: lets waiting writers take the (unfair) lock


def _between_batches(pool: ConnectionPool) -> None:
    """Outside the write lock: move the batch's pages (secure_delete zeroes every freed page, so a
    batch writes as much as it frees) from the WAL into the database, so that SQLite's own checkpoint
    never fires inside a request's commit; then give waiting writers a turn at the unfair lock."""
    with store_errors("gc checkpoint"), pool.reading() as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    time.sleep(PAUSE_SECONDS)


def _delete(conn: sqlite3.Connection, rows: list[tuple[int, int]]) -> int:
    conn.executemany("DELETE FROM ccr WHERE rowid = ?", [(rowid,) for rowid, _ in rows])
    return sum(size for _, size in rows)


def _expire(pool: ConnectionPool, cutoff: float) -> tuple[int, int]:
    count = freed = 0
    while True:
        with store_errors("gc"), pool.writing() as conn:
            batch = conn.execute(
                "SELECT rowid, size FROM ccr WHERE written <= ? LIMIT ?", (cutoff, BATCH_ROWS)
            ).fetchall()
            freed += _delete(conn, batch)
        count += len(batch)
        if len(batch) < BATCH_ROWS:
            return count, freed
        _between_batches(pool)


def _lru_batch(conn: sqlite3.Connection, excess: int) -> list[tuple[int, int]]:
    """Up to BATCH_ROWS least recently accessed rows whose sizes add up to ``excess`` bytes."""
    victims: list[tuple[int, int]] = []
    freed = 0
    cursor = conn.execute("SELECT rowid, size FROM ccr ORDER BY last_access, size, rowid")
    try:
        while freed < excess and len(victims) < BATCH_ROWS:
            row = cursor.fetchone()
            if row is None:
                break
            victims.append((row[0], row[1]))
            freed += row[1]
    finally:
        cursor.close()
    return victims


def _evict(pool: ConnectionPool, max_bytes: int) -> tuple[int, int, int, int]:
    """Evict down to ``max_bytes``; return (evicted rows, evicted bytes, remaining rows, remaining bytes)."""
    count = freed = 0
    while True:
        with store_errors("gc"), pool.writing() as conn:
            rows, total = conn.execute("SELECT count(*), total(size) FROM ccr").fetchone()
            batch = _lru_batch(conn, int(total) - max_bytes)
            batch_bytes = _delete(conn, batch)
        count += len(batch)
        freed += batch_bytes
        if len(batch) < BATCH_ROWS:
            return count, freed, int(rows) - len(batch), int(total) - batch_bytes
        _between_batches(pool)


def collect(pool: ConnectionPool, now: float, ttl: float, max_bytes: int) -> GCReport:
    expired_rows, expired_bytes = _expire(pool, now - ttl)
    evicted_rows, evicted_bytes, remaining_rows, remaining_bytes = _evict(pool, max_bytes)
    return GCReport(
        expired_rows=expired_rows,
        expired_bytes=expired_bytes,
        evicted_rows=evicted_rows,
        evicted_bytes=evicted_bytes,
        remaining_rows=remaining_rows,
        remaining_bytes=remaining_bytes,
    )
