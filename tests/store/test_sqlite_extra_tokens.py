"""Ledger rows carry the token counts of their edit (schema v2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from headroom.errors import StoreError
from headroom.store.models import LedgerKey, LedgerRow, PlanWrite
from headroom.store.schema import LATEST
from headroom.store.sqlite import SQLiteStore


def test_token_counts_round_trip(tmp_path: Path) -> None:
    key = LedgerKey("s", "h", "f")
    with SQLiteStore(tmp_path, background=False) as store:
        store.commit(PlanWrite(ccr=(), ledger=(LedgerRow(key, b'"x"', "", 1.0, 120, 30),)))
        row = store.ledger_get_many([key])[key]
    assert (row.tokens_before, row.tokens_after) == (120, 30)
    assert LATEST >= 2


def test_negative_token_counts_are_refused(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path, background=False) as store, pytest.raises(StoreError, match="token counts"):
        store.commit(PlanWrite(ccr=(), ledger=(LedgerRow(LedgerKey("s", "h", "f"), b"x", "", 1.0, -1, 0),)))


def test_v1_file_is_migrated_and_old_rows_read_as_zero(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path, background=False) as store:
        store.commit(PlanWrite(ccr=(), ledger=(LedgerRow(LedgerKey("s", "h", "f"), b"x", "", 1.0, 5, 2),)))
    path = next(tmp_path.glob("*.sqlite3"))
    conn = sqlite3.connect(path)
    # rewind to a v1 layout with one row, as an older headroom would have left it
    conn.executescript(
        "DELETE FROM schema_version WHERE version >= 2; DROP TABLE beta_session;"
        "CREATE TABLE l1 AS SELECT session, content_hash, fingerprint, ccr_key, created, replacement FROM ledger;"
        "DROP TABLE ledger; ALTER TABLE l1 RENAME TO ledger;"
    )
    conn.close()
    with SQLiteStore(tmp_path, background=False) as store:
        row = store.ledger_get_many([LedgerKey("s", "h", "f")])[LedgerKey("s", "h", "f")]
        assert store.stats().schema_version == LATEST
    assert (row.replacement, row.tokens_before, row.tokens_after) == (b"x", 0, 0)


def test_ledger_replays_ignore_the_fingerprint_and_keep_the_first_row(tmp_path: Path) -> None:
    clock = iter([10.0, 20.0, 30.0, 40.0, 50.0])
    with SQLiteStore(tmp_path, background=False, clock=lambda: next(clock)) as store:
        store.commit(PlanWrite(ccr=(), ledger=(LedgerRow(LedgerKey("s", "h1", "fpA"), b'"first"', "", 1.0, 9, 3),)))
        store.commit(PlanWrite(ccr=(), ledger=(LedgerRow(LedgerKey("s", "h1", "fpB"), b'"later"', "", 2.0, 9, 4),)))
        store.commit(PlanWrite(ccr=(), ledger=(LedgerRow(LedgerKey("other", "h2", "fpA"), b'"x"', "", 3.0),)))
        found = store.ledger_replays("s", ["h1", "h2", "h1", "missing"])
    assert set(found) == {"h1"}
    assert found["h1"].replacement == b'"first"'
    assert found["h1"].key == LedgerKey("s", "h1", "fpA")
    assert (found["h1"].tokens_before, found["h1"].tokens_after) == (9, 3)
