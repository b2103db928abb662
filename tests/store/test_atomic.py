"""commit is all-or-nothing: whatever fails inside the transaction, nothing of it is visible."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from headroom.errors import StoreError
from headroom.store import PlanWrite, SQLiteStore
from headroom.store import sqlite as store_module
from tests.store.child import big_write
from tests.store.support import REPO, FakeClock, entry, ledger_row, request_write


def counts(store: SQLiteStore) -> tuple[int, int]:
    stats = store.stats()
    return stats.ccr.rows, stats.ledger.rows


def add_trigger(path: Path, table: str, when: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            f"CREATE TRIGGER inject BEFORE INSERT ON {table} WHEN {when} "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    conn.close()


def test_failure_on_last_ledger_row_rolls_back_everything(store: SQLiteStore) -> None:
    store.commit(request_write("earlier", 0))
    add_trigger(store.path, "ledger", "NEW.session = 'boom'")
    originals = [entry(f"original {i}" * 100) for i in range(3)]
    rows = [ledger_row("ok", f"h{i}", b'"r"', originals[i][0]) for i in range(3)] + [ledger_row("boom", "h")]
    with pytest.raises(StoreError, match="injected failure"):
        store.commit(PlanWrite(ccr=originals, ledger=rows))
    assert counts(store) == (1, 1)
    assert not any(store.ccr_has(key) for key, _, _ in originals)
    assert store.ledger_get_many([r.key for r in rows]) == {}
    store.commit(PlanWrite(ccr=originals, ledger=rows[:3]))  # the store is still usable
    assert counts(store) == (4, 4)


def test_failure_on_second_original_rolls_back_the_first(store: SQLiteStore) -> None:
    add_trigger(store.path, "ccr", "NEW.meta LIKE '%second%'")
    first, second = entry("one", n="first"), entry("two", n="second")
    with pytest.raises(StoreError):
        store.commit(PlanWrite(ccr=[first, second], ledger=[ledger_row("s", "h")]))
    assert counts(store) == (0, 0)


def test_validation_happens_before_anything_is_written(store: SQLiteStore) -> None:
    good = entry("good")
    bad = (good[0], "not the original of that key", {})
    with pytest.raises(StoreError):
        store.commit(PlanWrite(ccr=[good, bad], ledger=[ledger_row("s", "h")]))
    with pytest.raises(StoreError):
        store.commit(PlanWrite(ccr=[good], ledger=[ledger_row("s", "h"), ledger_row("", "h")]))
    assert counts(store) == (0, 0)


def test_locked_past_busy_timeout(open_store: Callable[..., SQLiteStore], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 150)
    store = open_store()
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked"):
            store.commit(request_write("s", 1))
        assert time.monotonic() - started >= 0.1  # it waited the busy timeout before giving up
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert counts(store) == (0, 0)
    store.commit(request_write("s", 1))
    assert counts(store) == (1, 1)


def test_disk_full_mid_commit(tmp_path: Path) -> None:
    """A child process commits 10 MB with its file size limit just above the current files."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.store.child", "disk-full", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    )
    assert proc.stdout.startswith("StoreError commit:"), proc.stdout + proc.stderr  # EFBIG: "disk I/O error"
    with SQLiteStore(tmp_path, background=False) as store:
        assert counts(store) == (1, 1)  # only the small write from before the limit
        write = big_write("full")
        assert not any(store.ccr_has(key) for key, _, _ in write.ccr)
        store.commit(write)  # with the limit gone the same write goes through
        assert counts(store) == (21, 21)


def test_ccr_get_still_answers_when_the_lru_touch_fails(store: SQLiteStore, clock: FakeClock) -> None:
    key, original, meta = entry("still readable")
    store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))
    written = clock.now
    conn = sqlite3.connect(store.path)
    with conn:
        conn.execute("CREATE TRIGGER inject BEFORE UPDATE ON ccr BEGIN SELECT RAISE(ABORT, 'read-only'); END")
    conn.close()
    clock.advance(5)
    record = store.ccr_get(key)
    assert record is not None and record.original == original
    assert record.last_access == written  # not touched
