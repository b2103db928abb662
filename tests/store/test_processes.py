"""Real processes: concurrent writers sharing one file, and kill -9 right after commits."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

from headroom.store import SQLiteStore
from tests.store import child
from tests.store.support import REPO, request_write

PROCESSES = 3
WRITES = 40


def test_processes_write_concurrently_and_read_each_other(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=child.writer, args=(str(tmp_path), name, WRITES, barrier, results))
        for name in child.results_names(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    try:
        reports = dict(results.get(timeout=60) for _ in procs)
    finally:
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
                proc.join()
    assert [proc.exitcode for proc in procs] == [0] * PROCESSES
    every = {name: (WRITES, WRITES) for name in child.results_names(PROCESSES)}
    assert reports == {name: every for name in every}
    with SQLiteStore(tmp_path, background=False) as store:
        stats = store.stats()
    assert (stats.ccr.rows, stats.ledger.rows) == (PROCESSES * WRITES, PROCESSES * WRITES)


def test_kill_9_loses_no_committed_row(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.store.child", "commit-forever", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    announced = []
    try:
        while len(announced) < 150:  # each line: a commit that returned
            line = proc.stdout.readline()
            assert line, "child died"
            announced.append(int(line))
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # mid-way through the next commit, most likely
        proc.wait(10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    with SQLiteStore(tmp_path, background=False) as store:
        writes = [request_write("k9", n, size=20_000) for n in announced]
        assert all(store.ccr_has(w.ccr[0][0]) for w in writes)
        keys = [w.ledger[0].key for w in writes]
        assert store.ledger_get_many(keys) == {w.ledger[0].key: w.ledger[0] for w in writes}
        stats = store.stats()
        assert stats.ledger.rows == stats.ccr.rows >= len(announced)  # a write is all there or absent
        assert store.gc().remaining_rows == stats.ccr.rows
