"""Thread-safe access to SQLite connections for one store.

Two policies, both safe to call from any thread (the orchestrator uses ``asyncio.to_thread``):

- ``pooled`` (default): one writer connection behind a ``threading.Lock`` plus a stack of reader
  connections, one borrowed per read, so reads run in parallel with each other and with the write in
  progress (WAL readers never block). Writes in this process queue on the lock before ``BEGIN
  IMMEDIATE``: contention inside a process is a cheap lock handoff instead of SQLite's sleeping busy
  handler, which is left to arbitrate between processes. Writing always through the same connection
  keeps its page cache warm: a connection that did not make the last write must drop its cache.
- ``shared``: the writer connection serves reads too, behind the same lock. Kept for the benchmark
  that compares the two (``benchmarks/store_bench.py``).

Any sqlite3 error (and malformed input or stored data: a string SQLite cannot encode, corrupt JSON)
surfaces as StoreError; a failed write
transaction is rolled back before the error propagates, so nothing of it is visible.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from headroom.errors import StoreError

POLICIES = ("pooled", "shared")


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Map the failures of one store call to StoreError."""
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, ValueError, TypeError, OverflowError, OSError) as exc:
        raise StoreError(f"{what}: {type(exc).__name__}: {exc}") from exc


class ConnectionPool:
    def __init__(
        self, connect: Callable[[], sqlite3.Connection], *, policy: str = "pooled", lock_timeout: float = 5.0
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}")
        self._connect = connect
        self._lock_timeout = lock_timeout
        self._shared = policy == "shared"
        self._idle: list[sqlite3.Connection] = []  # reader connections (pooled policy)
        self._writer: sqlite3.Connection | None = None  # used only under _write_lock
        self._lock = threading.Lock()  # guards _idle and _closed
        self._write_lock = threading.Lock()
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            self._check_open()
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _release(self, conn: sqlite3.Connection) -> None:
        healthy = True
        if conn.in_transaction:  # never hand out a connection mid-transaction
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                healthy = False
        with self._lock:
            if healthy and not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """The in-process write lock, waited for as long as SQLite waits for another process's."""
        if not self._write_lock.acquire(timeout=self._lock_timeout):
            raise StoreError(f"database is locked: another thread kept writing for {self._lock_timeout} s")
        try:
            yield
        finally:
            self._write_lock.release()

    def _writer_connection(self) -> sqlite3.Connection:
        """The one connection this process writes with; call with _write_lock held."""
        self._check_open()
        if self._writer is None:
            self._writer = self._connect()
        return self._writer

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode for reads; each statement sees a committed snapshot."""
        if self._shared:
            with self._writer_lock():
                yield self._writer_connection()
            return
        conn = self._acquire()
        try:
            yield conn
        finally:
            self._release(conn)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction, committed on normal exit, rolled back on any error."""
        with self._writer_lock():
            conn = self._writer_connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with suppress(sqlite3.Error):  # keep the original error
                        conn.execute("ROLLBACK")
                if conn.in_transaction:  # the rollback failed too: start over with a new connection
                    self._writer = None
                    conn.close()
                raise

    def close(self) -> None:
        """Close every connection; a write in progress finishes first."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
