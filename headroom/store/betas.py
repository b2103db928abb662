"""The ``beta_session`` table: beta tokens per tracked client session (schema v3).

Bounded on its own, whatever the caller does: rows unused for ``ttl`` seconds are deleted and, past
``max_rows``, the least recently used ones go, in the same transaction as every write. Rows are small
(a key and a short token list), so a whole table of ``max_rows`` loads in one query at startup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from headroom.errors import StoreError
from headroom.store.models import BetaRow, check_beta_row, check_id
from headroom.store.pool import ConnectionPool, store_errors

_UPSERT = (
    "INSERT INTO beta_session (session, header, used, tokens) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (session) DO UPDATE SET header = excluded.header, used = excluded.used, tokens = excluded.tokens"
)
_EXPIRE = "DELETE FROM beta_session WHERE used <= ?"
_OVER_CAP = (
    "DELETE FROM beta_session WHERE session IN "
    "(SELECT session FROM beta_session ORDER BY used DESC, session LIMIT -1 OFFSET ?)"
)
_DELETE_CHUNK = 200


def _check_bounds(max_rows: int, cutoff: float) -> None:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows <= 0:
        raise StoreError("max_rows must be a positive integer")
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float):
        raise StoreError("cutoff must be a number")


def write(
    pool: ConnectionPool, puts: Sequence[BetaRow], deletes: Sequence[str], *, max_rows: int, cutoff: float
) -> int:
    """Upsert ``puts``, delete the sessions in ``deletes``, then drop rows used at or before
    ``cutoff`` and the least recently used ones beyond ``max_rows``. One transaction; returns how
    many rows the bounds removed."""
    _check_bounds(max_rows, cutoff)
    with store_errors("beta write (bad input)"):
        params: list[tuple[Any, ...]] = [(r.session, r.header, float(r.used), check_beta_row(r)) for r in puts]
        gone = [check_id(session, "beta session") for session in deletes]
    with store_errors("beta write"), pool.writing() as conn:
        for start in range(0, len(gone), _DELETE_CHUNK):
            chunk = gone[start : start + _DELETE_CHUNK]
            conn.execute(f"DELETE FROM beta_session WHERE session IN ({','.join('?' * len(chunk))})", chunk)
        if params:
            conn.executemany(_UPSERT, params)
        removed = conn.execute(_EXPIRE, (cutoff,)).rowcount
        removed += conn.execute(_OVER_CAP, (max_rows,)).rowcount
    return int(removed)


def load(pool: ConnectionPool, *, max_rows: int, cutoff: float) -> list[BetaRow]:
    """The ``max_rows`` most recently used rows used after ``cutoff``, most recent last."""
    _check_bounds(max_rows, cutoff)
    with store_errors("beta load"), pool.reading() as conn:
        rows = conn.execute(
            "SELECT session, header, used, tokens FROM beta_session WHERE used > ? "
            "ORDER BY used DESC, session LIMIT ?",
            (cutoff, max_rows),
        ).fetchall()
    found: list[BetaRow] = []
    for session, header, used, tokens in reversed(rows):
        row = BetaRow(str(session), str(header), tuple(str(tokens).split(",")) if tokens else (), float(used))
        try:
            check_beta_row(row)
        except StoreError:
            continue  # a row this code would never have written: ignore it, the bounds drop it later
        found.append(row)
    return found


def count(pool: ConnectionPool) -> int:
    with store_errors("beta count"), pool.reading() as conn:
        return int(conn.execute("SELECT count(*) FROM beta_session").fetchone()[0])
