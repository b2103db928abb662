from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom.errors import StoreError
from headroom.store import LedgerKey, PlanWrite, SQLiteStore, ccr_key_of
from headroom.store import gc as gc_module
from headroom.store import sqlite as store_module
from headroom.store.schema import LATEST
from tests.store.support import FakeClock, entry, ledger_row, request_write

DAY = 86400


def test_round_trip(store: SQLiteStore, clock: FakeClock) -> None:
    key, original, meta = entry("line 1\nline 2\n" * 500, tool="Bash", kind="log", tokens_before=1234)
    row = ledger_row("sess", "hash1", b'"[\\u2026 omitted <<ccr:' + key.encode() + b'>>]"', key, created=5.5)
    store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[row]))

    clock.advance(10)
    record = store.ccr_get(key)
    assert record is not None
    assert (record.key, record.original, dict(record.meta)) == (key, original, meta)
    assert record.size == len(original.encode())
    assert record.created == clock.now - 10
    assert record.last_access == clock.now
    assert store.ccr_has(key)
    assert store.ledger_get_many([row.key]) == {row.key: row}


@given(text=st.text(max_size=300), replacement=st.binary(max_size=300), session=st.text(min_size=1, max_size=30))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_any_content(store: SQLiteStore, text: str, replacement: bytes, session: str) -> None:
    key, original, meta = entry(text, note=text[:50])
    row = ledger_row(session, ccr_key_of(repr((text, replacement))), replacement, key)  # fresh key per example
    store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[row]))
    record = store.ccr_get(key)
    assert record is not None and record.original == text and record.meta == {"note": text[:50]}
    assert store.ledger_get_many([row.key])[row.key].replacement == replacement


def test_unknown_and_malformed_keys(store: SQLiteStore) -> None:
    assert store.ccr_get(ccr_key_of("never stored")) is None
    assert not store.ccr_has(ccr_key_of("never stored"))
    for bad in ("", "../../etc/passwd", "' OR 1=1 --", "A" * 24, "0" * 25):
        assert store.ccr_get(bad) is None
        assert not store.ccr_has(bad)


def test_ledger_first_write_wins(store: SQLiteStore) -> None:
    first = ledger_row("s", "h", b'"first"', ccr_key_of("a"), created=1.0)
    second = ledger_row("s", "h", b'"second"', "", created=2.0)
    store.commit(PlanWrite(ccr=[], ledger=[first]))
    store.commit(PlanWrite(ccr=[], ledger=[second]))
    store.commit(PlanWrite(ccr=[], ledger=[second, first]))
    assert store.ledger_get_many([first.key]) == {first.key: first}
    # within one write the first row for a key wins too
    third = ledger_row("s", "h2", b'"x"'), ledger_row("s", "h2", b'"y"')
    store.commit(PlanWrite(ccr=[], ledger=list(third)))
    assert store.ledger_get_many([third[0].key])[third[0].key].replacement == b'"x"'


def test_ledger_key_parts_are_all_significant(store: SQLiteStore) -> None:
    rows = [ledger_row(s, h, f"{s}{h}{f}".encode(), fingerprint=f) for s in "ab" for h in "cd" for f in "ef"]
    store.commit(PlanWrite(ccr=[], ledger=rows))
    found = store.ledger_get_many([r.key for r in rows] + [LedgerKey("a", "c", "g")])
    assert found == {r.key: r for r in rows}


def test_ledger_get_many_in_chunks_and_duplicates(store: SQLiteStore) -> None:
    rows = [ledger_row("s", f"h{i}", f'"{i}"'.encode()) for i in range(350)]
    store.commit(PlanWrite(ccr=[], ledger=rows))
    wanted = [r.key for r in rows] + [r.key for r in rows[:10]] + [LedgerKey("s", "missing", "fp")]
    found = store.ledger_get_many(wanted)
    assert found == {r.key: r for r in rows}
    assert store.ledger_get_many([]) == {}


def test_ccr_rewrite_keeps_content_and_refreshes_timestamps(store: SQLiteStore, clock: FakeClock) -> None:
    key, original, _ = entry("payload")
    store.commit(PlanWrite(ccr=[(key, original, {"tool": "first"})], ledger=[]))
    created = clock.now
    clock.advance(100)
    store.commit(PlanWrite(ccr=[(key, original, {"tool": "second"})], ledger=[]))
    record = store.ccr_get(key)
    assert record is not None
    assert record.meta == {"tool": "first"}  # the first write's row is kept
    assert record.created == created


def test_ttl_counts_from_last_write(open_store: Callable[..., SQLiteStore], clock: FakeClock) -> None:
    store = open_store(ccr_ttl_seconds=DAY)
    key, original, meta = entry("expiring")
    store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))
    clock.advance(DAY - 1)
    assert store.ccr_get(key) is not None  # reading does not extend the lifetime
    clock.advance(1)
    assert store.ccr_get(key) is None and not store.ccr_has(key)
    store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))  # written again: alive again
    clock.advance(DAY - 1)
    assert store.ccr_has(key)


def test_gc_expires_then_evicts_lru(open_store: Callable[..., SQLiteStore], clock: FakeClock) -> None:
    store = open_store(ccr_ttl_seconds=DAY, ccr_max_bytes=3000)
    old = entry("o" * 1000)
    store.commit(PlanWrite(ccr=[old], ledger=[]))
    clock.advance(DAY // 2)
    a, b, c = entry("a" * 1000), entry("b" * 1000), entry("c" * 1000)
    for item in (a, b, c):
        clock.advance(1)
        store.commit(PlanWrite(ccr=[item], ledger=[]))
    clock.advance(1)
    assert store.ccr_get(a[0]) is not None  # a is now the most recently used
    clock.advance(DAY // 2)  # old expires; a, b, c (3000 bytes) are at the cap
    report = store.gc()
    assert (report.expired_rows, report.expired_bytes) == (1, 1000)
    assert (report.evicted_rows, report.remaining_rows, report.remaining_bytes) == (0, 3, 3000)
    d = entry("d" * 1500)
    store.commit(PlanWrite(ccr=[d], ledger=[]))
    report = store.gc()
    assert (report.evicted_rows, report.evicted_bytes) == (2, 2000)  # b then c: least recently used
    assert [store.ccr_has(x[0]) for x in (a, b, c, d)] == [True, False, False, True]
    assert report.remaining_bytes == store.stats().ccr.bytes == 2500


def test_gc_works_in_batches(
    open_store: Callable[..., SQLiteStore], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gc_module, "BATCH_ROWS", 3)
    store = open_store(ccr_ttl_seconds=DAY, ccr_max_bytes=5 * 100)
    entries = [entry(f"{i:03d}" + "x" * 97) for i in range(20)]  # 100 bytes each
    for item in entries[:7]:
        store.commit(PlanWrite(ccr=[item], ledger=[]))
    clock.advance(DAY // 2)
    for item in entries[7:]:
        clock.advance(1)
        store.commit(PlanWrite(ccr=[item], ledger=[]))
    clock.advance(DAY // 2)  # the first 7 expire; 13 remain, 8 over the cap of 5
    report = store.gc()
    assert (report.expired_rows, report.expired_bytes) == (7, 700)
    assert (report.evicted_rows, report.evicted_bytes) == (8, 800)
    assert (report.remaining_rows, report.remaining_bytes) == (5, 500)
    assert [store.ccr_has(key) for key, _, _ in entries] == [False] * 15 + [True] * 5


def test_ledger_rows_outlive_ccr_expiry_and_gc(open_store: Callable[..., SQLiteStore], clock: FakeClock) -> None:
    store = open_store(ccr_ttl_seconds=60, ccr_max_bytes=2**20)
    write = request_write("sess", 1)
    store.commit(write)
    clock.advance(3600)
    assert store.gc().expired_rows == 1
    row = write.ledger[0]
    assert store.ledger_get_many([row.key]) == {row.key: row}
    assert not store.ccr_has(row.ccr_key)


def test_session_state(store: SQLiteStore) -> None:
    assert store.session_get("sess", "tools_injected") is None
    store.session_put("sess", "tools_injected", "1")
    store.session_put("sess", "tools_injected", "2")
    store.session_put("other", "tools_injected", "x")
    assert store.session_get("sess", "tools_injected") == "2"
    assert store.session_get("other", "tools_injected") == "x"
    with pytest.raises(StoreError):
        store.session_put("", "n", "v")
    with pytest.raises(StoreError):
        store.session_put("s", "n", 3)  # type: ignore[arg-type]


def test_stats(store: SQLiteStore) -> None:
    store.commit(request_write("s", 1, size=1000))
    store.session_put("s", "k", "héllo")
    stats = store.stats()
    assert stats.schema_version == LATEST
    assert (stats.ccr.rows, stats.ledger.rows, stats.sessions.rows) == (1, 1, 1)
    assert stats.ccr.bytes == len("s/1\n") + 1000
    assert stats.ledger.bytes == 3 and stats.sessions.bytes == 6
    assert stats.file_bytes > 0 and stats.wal_bytes > 0


def test_empty_commit_and_invalid_input(store: SQLiteStore) -> None:
    store.commit(PlanWrite(ccr=[], ledger=[]))
    with pytest.raises(StoreError):
        store.commit(PlanWrite(ccr=[(ccr_key_of("x"), "y", {})], ledger=[]))
    with pytest.raises(StoreError):
        store.ledger_get_many([("s", "h", "f")])  # type: ignore[list-item]
    for malformed in ([("only", "two")], [None], 5):
        with pytest.raises(StoreError):
            store.commit(PlanWrite(ccr=malformed, ledger=[]))  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.commit(PlanWrite(ccr=[], ledger=[ledger_row("s\ud800", "h")]))  # SQLite cannot encode it
    assert store.stats().ccr.rows == 0


def test_corrupt_stored_meta_is_a_store_error(store: SQLiteStore) -> None:
    key, original, meta = entry("x")
    store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))
    conn = sqlite3.connect(store.path)
    with conn:
        conn.execute("UPDATE ccr SET meta = 'not json'")
    conn.close()
    with pytest.raises(StoreError, match="stored row"):
        store.ccr_get(key)


def test_closed_store_raises(store: SQLiteStore) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.commit(request_write("s", 1))
    with pytest.raises(StoreError, match="closed"):
        store.ccr_has(ccr_key_of("x"))


def test_in_process_writer_busy_past_timeout(
    open_store: Callable[..., SQLiteStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    store = open_store()
    with store._pool._writer_lock(), pytest.raises(StoreError, match="locked"):  # e.g. a long gc batch
        store.commit(request_write("s", 1))
    store.commit(request_write("s", 1))
    assert store.stats().ccr.rows == 1


@pytest.mark.parametrize("policy", ["pooled", "shared"])
def test_concurrent_threads(open_store: Callable[..., SQLiteStore], policy: str) -> None:
    store = open_store(policy=policy, clock=FakeClock(), background=True)
    barrier = threading.Barrier(8)

    def worker(t: int) -> int:
        barrier.wait()
        hits = 0
        for n in range(40):
            write = request_write(f"t{t}", n)
            store.commit(write)
            row = write.ledger[0]
            hits += store.ledger_get_many([row.key]) == {row.key: row}
            hits += store.ccr_get(row.ccr_key) is not None
            store.session_put(f"t{t}", "n", str(n))
        return hits

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(worker, range(8))) == [80] * 8
    stats = store.stats()
    assert (stats.ccr.rows, stats.ledger.rows, stats.sessions.rows) == (320, 320, 8)
