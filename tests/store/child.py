"""Code the store tests run in other processes (``python -m tests.store.child ...`` or multiprocessing)."""

from __future__ import annotations

import resource
import sys
from typing import Any

from headroom.errors import StoreError
from headroom.store import PlanWrite, SQLiteStore
from tests.store.support import entry, ledger_row, request_write


def commit_forever(data_dir: str) -> None:
    """Commit request after request, announcing each one on stdout once ``commit`` has returned."""
    store = SQLiteStore(data_dir)
    n = 0
    while True:
        store.commit(request_write("k9", n, size=20_000))
        sys.stdout.write(f"{n}\n")
        sys.stdout.flush()
        n += 1


def big_write(tag: str, originals: int = 20, size: int = 500_000) -> PlanWrite:
    ccr = [entry(f"{tag} {i} " + chr(65 + i % 26) * size) for i in range(originals)]
    return PlanWrite(ccr=ccr, ledger=[ledger_row(tag, f"h{i}", b'"r"', ccr[i][0]) for i in range(originals)])


def disk_full(data_dir: str) -> None:
    """Commit a small write, then a 10 MB one with the file size limit set just above the current
    files (as a full disk would): report what the second commit did."""
    store = SQLiteStore(data_dir, background=False)
    store.commit(request_write("before", 0))
    limit = max(p.stat().st_size for p in store.path.parent.iterdir()) + 256 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        store.commit(big_write("full"))
    except StoreError as exc:
        print(f"StoreError {exc}")
    else:
        print("committed")
    store.close()


def writer(data_dir: str, name: str, count: int, barrier: Any, results: Any) -> None:
    """One of several processes: write ``count`` requests, then read every process's rows."""
    with SQLiteStore(data_dir) as store:
        barrier.wait(30)
        for n in range(count):
            store.commit(request_write(name, n))
        barrier.wait(30)
        seen = {}
        for other in results_names(barrier.parties):
            writes = [request_write(other, n) for n in range(count)]
            keys = [w.ledger[0].key for w in writes]
            rows = store.ledger_get_many(keys)
            originals = sum(store.ccr_get(w.ccr[0][0]) is not None for w in writes)
            seen[other] = (len(rows), originals)
        results.put((name, seen))


def results_names(parties: int) -> list[str]:
    return [f"p{i}" for i in range(parties)]


if __name__ == "__main__":
    {"commit-forever": commit_forever, "disk-full": disk_full}[sys.argv[1]](sys.argv[2])
