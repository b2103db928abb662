from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from headroom.store import GCReport, PlanWrite, SQLiteStore
from headroom.store.maintenance import Maintenance
from tests.store.support import FakeClock, entry, request_write


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_thread_runs_work_when_poked_survives_failures_and_stops() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first pass fails")

    m = Maintenance(work, interval=60)
    m.poke()
    wait_for(lambda: m.runs == 1)
    assert m.failures == 1
    m.poke()
    wait_for(lambda: m.runs == 2)
    assert m.failures == 1
    m.close()
    assert not any(t.name == "headroom-store" for t in threading.enumerate())
    m.poke()  # after close: ignored
    assert m.runs == 2


def test_thread_wakes_on_its_own() -> None:
    m = Maintenance(lambda: None, interval=0.02)
    m.poke()
    wait_for(lambda: m.runs >= 3)
    m.close()


def test_commit_triggers_background_gc_at_most_once_a_minute(
    open_store: Callable[..., SQLiteStore], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(ccr_ttl_seconds=60, background=True)
    gc_runs: list[float] = []
    real_gc = store.gc

    def counting_gc() -> GCReport:
        gc_runs.append(clock.now)
        return real_gc()

    monkeypatch.setattr(store, "gc", counting_gc)
    start = clock.now
    store.commit(request_write("s", 0))
    wait_for(lambda: len(gc_runs) == 1)  # the first commit: gc was never run
    clock.advance(61)  # row 0 has expired, and a minute has passed since that gc
    store.commit(request_write("s", 1))
    wait_for(lambda: store.stats().ccr.rows == 1)
    clock.advance(30)  # not yet a minute since the last gc
    store.commit(request_write("s", 2))
    time.sleep(0.1)
    clock.advance(31)
    store.commit(request_write("s", 3))
    wait_for(lambda: len(gc_runs) == 3)
    time.sleep(0.1)
    assert gc_runs == [start, start + 61, start + 122]


def test_background_checkpoint_moves_the_wal_into_the_database(open_store: Callable[..., SQLiteStore]) -> None:
    store = open_store(background=True)
    for i in range(24):  # 12 MB: well past the 4 MiB that make a commit ask for a checkpoint
        store.commit(PlanWrite(ccr=[entry(f"{i}" + "x" * 500_000)], ledger=[]))
    # SQLite itself would only checkpoint at 64 MiB of WAL; the thread's periodic wake is 5 s away
    wait_for(lambda: store.stats().file_bytes > 4_500_000, timeout=3)


def test_maintain_without_thread(open_store: Callable[..., SQLiteStore], clock: FakeClock) -> None:
    store = open_store(ccr_ttl_seconds=60)
    store.commit(request_write("s", 0))
    clock.advance(61)
    store.maintain()
    assert store.stats().ccr.rows == 0
    assert store.stats().file_bytes > 0


def test_gc_failure_in_background_does_not_reach_commit(
    open_store: Callable[..., SQLiteStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(background=True)

    def broken_gc() -> None:
        raise RuntimeError("gc broke")

    monkeypatch.setattr(store, "gc", broken_gc)
    store.commit(request_write("s", 0))
    assert store._maintenance is not None
    wait_for(lambda: store._maintenance is not None and store._maintenance.failures == 1)
    store.commit(request_write("s", 1))
    assert store.stats().ccr.rows == 2
