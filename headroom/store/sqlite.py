"""SQLite store: CCR originals, the compression ledger and per-session state, in one file.

File: ``<data_dir>/headroom.sqlite3`` (+ ``-wal``/``-shm``), mode 0600, in a directory created 0700.
Journal: WAL, so readers never block the writer and several worker processes on one host share the
file; writes use ``BEGIN IMMEDIATE`` and wait up to ``busy_timeout`` (5 s) for another process.

Durability (``synchronous=NORMAL``, the default): ``commit`` returns after the transaction has been
appended to the WAL with write(2), i.e. it is in the kernel's page cache. It therefore survives the
process dying at any moment (kill -9, OOM kill, crash): on reopen every committed row is there and no
partial transaction is. The WAL is fsynced only at checkpoints, so an OS crash or power loss can lose
the transactions committed since the last checkpoint (the file stays consistent; it rolls back to an
earlier state). For headroom that means: after a power loss, requests forwarded just before it may
have lost their ledger rows (the next turn resends those blocks uncompressed: a prompt-cache miss, not
wrong content) and their CCR originals (those markers can no longer be redeemed).
``synchronous="FULL"`` closes that gap with an fsync per commit; ``benchmarks/store_bench.py`` prints
what it costs.

Beta-session rows (``--beta-header-sticky``) live in their own table, bounded by age and row count
on every write (see ``betas``).

CCR rows are content-addressed (the key is checked against BLAKE3 of the original), so only keys this
store was given for their own content resolve; keys are checked as 24 lowercase hex before any query.
TTL counts from the last write of a key; the size cap evicts the least recently accessed rows first.
Ledger rows never expire with the CCR rows they reference, and the first row written for a key wins.

Every public method is safe to call from any thread (see ``pool``). Housekeeping runs off the request
path in a maintenance thread (see ``maintenance``): gc at most once a minute, triggered by commits, and
WAL checkpoints every ~4 MiB written. Open the store after forking, one instance per process.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from headroom.errors import StoreError
from headroom.store import betas, schema
from headroom.store.files import create_private, private_dir, restrict_modes
from headroom.store.gc import collect
from headroom.store.maintenance import Maintenance
from headroom.store.models import (
    BetaRow,
    CCRRecord,
    GCReport,
    LedgerKey,
    LedgerRow,
    PlanWrite,
    StoreStats,
    TableStats,
    check_ccr_entry,
    check_id,
    check_ledger_row,
    is_ccr_key,
    meta_from_json,
)
from headroom.store.pool import ConnectionPool, store_errors

log = logging.getLogger("headroom.store")

DB_NAME = "headroom.sqlite3"
BUSY_TIMEOUT_MS = 5000
GC_INTERVAL_SECONDS = 60.0
CHECKPOINT_BYTES = 4 * 2**20  # written bytes that make the maintenance thread checkpoint the WAL
AUTOCHECKPOINT_PAGES = 16384  # SQLite's own checkpoint on commit: only a safety net (64 MiB of WAL)
JOURNAL_SIZE_LIMIT = 16 * 2**20  # WAL file truncated back to this after a checkpoint resets it
_LOOKUP_CHUNK = 100  # ledger keys per SELECT (3 bound parameters each)

_CCR_UPSERT = (
    "INSERT INTO ccr (key, created, written, last_access, size, meta, original) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET written = excluded.written, "
    "last_access = max(last_access, excluded.last_access)"
)
_LEDGER_INSERT = (
    "INSERT INTO ledger (session, content_hash, fingerprint, ccr_key, created, replacement, tokens_before, "
    "tokens_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session, content_hash, fingerprint) DO NOTHING"
)


@lru_cache(maxsize=_LOOKUP_CHUNK)
def _ledger_select(count: int) -> str:
    wanted = " OR ".join(["(session = ? AND content_hash = ? AND fingerprint = ?)"] * count)
    return (
        "SELECT session, content_hash, fingerprint, ccr_key, created, replacement, tokens_before, tokens_after "
        f"FROM ledger WHERE {wanted}"
    )


class SQLiteStore:
    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        ccr_ttl_seconds: int = 7 * 86400,
        ccr_max_bytes: int = 512 * 2**20,
        clock: Callable[[], float] = time.time,
        synchronous: str = "NORMAL",
        policy: str = "pooled",
        background: bool = True,
    ) -> None:
        """``background=False`` leaves housekeeping to explicit ``gc()`` / ``maintain()`` calls (tests,
        one-shot CLI use); SQLite's own checkpointing then still bounds the WAL."""
        if ccr_ttl_seconds <= 0 or ccr_max_bytes <= 0:
            raise StoreError("ccr_ttl_seconds and ccr_max_bytes must be positive")
        if synchronous not in ("NORMAL", "FULL"):
            raise StoreError("synchronous must be NORMAL or FULL")
        self.ttl = ccr_ttl_seconds
        self.max_bytes = ccr_max_bytes
        self._clock = clock
        self._synchronous = synchronous
        self._last_gc: float | None = None
        self._pending_lock = threading.Lock()
        self._pending_bytes = 0  # written since the last checkpoint
        with store_errors("open"):
            self.path = private_dir(data_dir) / DB_NAME
            create_private(self.path)  # before SQLite copies its mode to -wal and -shm
            self.schema_version = self._initialise()
            restrict_modes(self.path)
        self._pool = ConnectionPool(self._connect, policy=policy, lock_timeout=BUSY_TIMEOUT_MS / 1000)
        self._maintenance = Maintenance(self.maintain, name=f"headroom-store {self.path}") if background else None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
            conn.execute("PRAGMA secure_delete = ON")  # dropped originals are zeroed, not left in free pages
        except BaseException:
            conn.close()
            raise
        return conn

    def _initialise(self) -> int:
        conn = self._connect()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{self.path}: cannot use WAL journaling (got {mode!r}); is it a network drive?")
            return schema.migrate(conn, self._clock())
        finally:
            conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writes

    def commit(self, write: PlanWrite) -> None:
        """Persist every row of one request in one transaction; durable (see module doc) on return.

        Everything is validated before the transaction starts; any failure raises StoreError and
        leaves nothing of this write visible."""
        now = self._clock()
        with store_errors("commit (bad input)"):
            ccr_params, ledger_params = self._commit_params(write, now)
        if not ccr_params and not ledger_params:
            return
        with store_errors("commit"), self._pool.writing() as conn:
            if ccr_params:
                conn.executemany(_CCR_UPSERT, ccr_params)
            if ledger_params:
                conn.executemany(_LEDGER_INSERT, ledger_params)
        nbytes = sum(len(p[6]) for p in ccr_params) + sum(len(p[5]) for p in ledger_params)
        self._after_commit(now, nbytes)

    @staticmethod
    def _commit_params(write: PlanWrite, now: float) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        ccr_params: list[tuple[Any, ...]] = []
        for key, original, meta in write.ccr:
            data, meta_text = check_ccr_entry(key, original, meta)
            ccr_params.append((key, now, now, now, len(data), meta_text, data))
        ledger_params: list[tuple[Any, ...]] = []
        for row in write.ledger:
            check_ledger_row(row)
            k = row.key
            ledger_params.append(
                (k.session, k.content_hash, k.fingerprint, row.ccr_key, float(row.created), row.replacement,
                 int(row.tokens_before), int(row.tokens_after))
            )
        return ccr_params, ledger_params

    def session_put(self, session: str, name: str, value: str) -> None:
        check_id(session, "session")
        check_id(name, "session state name")
        if not isinstance(value, str):
            raise StoreError("session state values are str")
        with store_errors("session put"), self._pool.writing() as conn:
            conn.execute(
                "INSERT INTO session_state (session, name, updated, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (session, name) DO UPDATE SET updated = excluded.updated, value = excluded.value",
                (session, name, self._clock(), value),
            )

    def betas_write(
        self, puts: Sequence[BetaRow], deletes: Sequence[str] = (), *, max_rows: int, ttl_seconds: float
    ) -> int:
        """Upsert and delete beta-session rows in one transaction, then apply the table's bounds (rows
        unused for ``ttl_seconds``, and beyond ``max_rows`` the least recently used); returns how many
        rows the bounds removed."""
        return betas.write(self._pool, puts, deletes, max_rows=max_rows, cutoff=self._clock() - ttl_seconds)

    # -- reads

    def betas_load(self, *, max_rows: int, ttl_seconds: float) -> list[BetaRow]:
        """The ``max_rows`` most recently used beta-session rows not older than ``ttl_seconds``,
        least recently used first."""
        return betas.load(self._pool, max_rows=max_rows, cutoff=self._clock() - ttl_seconds)

    def betas_count(self) -> int:
        return betas.count(self._pool)

    def ledger_get_many(self, keys: Sequence[LedgerKey]) -> dict[LedgerKey, LedgerRow]:
        wanted: dict[tuple[str, str, str], LedgerKey] = {}
        for key in keys:
            if not isinstance(key, LedgerKey):
                raise StoreError("ledger keys must be LedgerKey")
            wanted[(key.session, key.content_hash, key.fingerprint)] = key
        found: dict[LedgerKey, LedgerRow] = {}
        triples = list(wanted)
        with store_errors("ledger lookup"), self._pool.reading() as conn:
            for start in range(0, len(triples), _LOOKUP_CHUNK):
                chunk = triples[start : start + _LOOKUP_CHUNK]
                params = [part for triple in chunk for part in triple]
                for session, content_hash, fingerprint, ccr_key, created, replacement, t_in, t_out in conn.execute(
                    _ledger_select(len(chunk)), params
                ):
                    key = wanted[(session, content_hash, fingerprint)]
                    found[key] = LedgerRow(key, bytes(replacement), ccr_key, created, t_in, t_out)
        return found

    def ledger_replays(self, session: str, content_hashes: Sequence[str]) -> dict[str, LedgerRow]:
        """For each content hash, the first ledger row written in ``session`` under any settings
        fingerprint: the bytes the upstream saw first are the bytes it must keep seeing."""
        check_id(session, "ledger session")
        wanted = list(dict.fromkeys(content_hashes))
        found: dict[str, LedgerRow] = {}
        with store_errors("ledger lookup"), self._pool.reading() as conn:
            for start in range(0, len(wanted), _LOOKUP_CHUNK):
                chunk = wanted[start : start + _LOOKUP_CHUNK]
                sql = (
                    "SELECT content_hash, fingerprint, ccr_key, created, replacement, tokens_before, tokens_after "
                    f"FROM ledger WHERE session = ? AND content_hash IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY created, rowid"
                )
                for chash, fp, ccr_key, created, replacement, t_in, t_out in conn.execute(sql, [session, *chunk]):
                    if chash not in found:
                        key = LedgerKey(session, chash, fp)
                        found[chash] = LedgerRow(key, bytes(replacement), ccr_key, created, t_in, t_out)
        return found

    def ccr_get(self, key: str) -> CCRRecord | None:
        """The original stored under ``key``, or None when unknown or expired; raises StoreError when
        the lookup fails. Marking the row recently used (LRU) is best effort: a store that cannot be
        written to (disk full, locked) still hands out what it holds."""
        if not is_ccr_key(key):
            return None
        now = self._clock()
        with store_errors("ccr get"), self._pool.reading() as conn:
            row = conn.execute(
                "SELECT created, last_access, meta, original, size FROM ccr WHERE key = ? AND written > ?",
                (key, now - self.ttl),
            ).fetchone()
        if row is None:
            return None
        created, last_access, meta_text, original, size = row
        try:
            with store_errors("ccr touch"), self._pool.writing() as conn:
                conn.execute("UPDATE ccr SET last_access = max(last_access, ?) WHERE key = ?", (now, key))
            last_access = max(last_access, now)
        except StoreError:
            log.warning("could not mark CCR %s as recently used", key, exc_info=True)
        with store_errors("ccr get (stored row)"):
            text = bytes(original).decode("utf-8", "surrogatepass")
            return CCRRecord(key, text, meta_from_json(meta_text), created, last_access, size)

    def ccr_has(self, key: str) -> bool:
        if not is_ccr_key(key):
            return False
        with store_errors("ccr has"), self._pool.reading() as conn:
            row = conn.execute(
                "SELECT 1 FROM ccr WHERE key = ? AND written > ?", (key, self._clock() - self.ttl)
            ).fetchone()
        return row is not None

    def session_get(self, session: str, name: str) -> str | None:
        check_id(session, "session")
        check_id(name, "session state name")
        with store_errors("session get"), self._pool.reading() as conn:
            row = conn.execute(
                "SELECT value FROM session_state WHERE session = ? AND name = ?", (session, name)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- maintenance

    def gc(self) -> GCReport:
        """Drop expired CCR rows, then evict least recently accessed ones down to the size cap."""
        now = self._clock()
        report = collect(self._pool, now, self.ttl, self.max_bytes)
        self._last_gc = now
        return report

    def _gc_due(self, now: float) -> bool:
        return self._last_gc is None or now - self._last_gc >= GC_INTERVAL_SECONDS

    def _after_commit(self, now: float, nbytes: int) -> None:
        with self._pending_lock:
            self._pending_bytes += nbytes
            checkpoint_due = self._pending_bytes >= CHECKPOINT_BYTES
        if self._maintenance is not None and (checkpoint_due or self._gc_due(now)):
            self._maintenance.poke()

    def maintain(self) -> None:
        """One housekeeping pass (normally run by the maintenance thread): gc when a minute has passed
        since the last one, then a passive WAL checkpoint when anything was written since the last."""
        now = self._clock()
        if self._gc_due(now):
            self._last_gc = now  # a failing gc is retried a minute later, not on every commit
            self.gc()
        with self._pending_lock:
            pending, self._pending_bytes = self._pending_bytes, 0
        if pending:
            with store_errors("checkpoint"), self._pool.reading() as conn:
                busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if busy or done < frames:  # readers held part of the log back: try again next time
                with self._pending_lock:
                    self._pending_bytes += 1

    def stats(self) -> StoreStats:
        with store_errors("stats"), self._pool.reading() as conn:
            ccr = conn.execute("SELECT count(*), total(size) FROM ccr").fetchone()
            ledger = conn.execute("SELECT count(*), total(length(replacement)) FROM ledger").fetchone()
            sessions = conn.execute("SELECT count(*), total(length(CAST(value AS BLOB))) FROM session_state").fetchone()
            version = schema.current_version(conn)
            wal = self.path.with_name(self.path.name + "-wal")
            return StoreStats(
                path=str(self.path),
                schema_version=version,
                file_bytes=self.path.stat().st_size,
                wal_bytes=wal.stat().st_size if wal.exists() else 0,
                ccr=TableStats(int(ccr[0]), int(ccr[1])),
                ledger=TableStats(int(ledger[0]), int(ledger[1])),
                sessions=TableStats(int(sessions[0]), int(sessions[1])),
                ccr_ttl_seconds=self.ttl,
                ccr_max_bytes=self.max_bytes,
            )

    def close(self) -> None:
        if self._maintenance is not None:
            self._maintenance.close()
        self._pool.close()
