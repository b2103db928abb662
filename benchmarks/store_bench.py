"""Latency of the store's request path: commit (write before forward) and ledger lookups.

    python benchmarks/store_bench.py [--commits N] [--dir PATH]

Prints median and p99 in milliseconds for:
- commit of 2 rows (1 CCR original of ~100 KB + 1 ledger row) and of 5 rows (2 originals + 3 ledger
  rows), with synchronous=NORMAL (the default) and FULL; the time includes the store's BLAKE3 check of
  every key against its original;
- ledger_get_many of 50 existing keys in a ledger of 10 000+ rows, and ccr_get of one original;
- commits from 4 threads at once, then 2 committing threads beside 2 threads doing 4x as many ledger
  lookups (the proxy's mix under load), with the ``pooled`` (default) and ``shared`` connection
  policies.
The database lives in a temporary directory on the same file system as --dir (default: $TMPDIR).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from headroom.store import LedgerKey, LedgerRow, PlanWrite, SQLiteStore, ccr_key_of

T = TypeVar("T")
ORIGINAL_BYTES = 100_000
_WORDS = ("GET", "POST", "/api/orders", "200", "404", "ms", "user", "INFO", "WARN", "ERROR", "retry", "id")


def make_original(rng: random.Random) -> str:
    lines = []
    size = 0
    while size < ORIGINAL_BYTES:
        line = f"2025-03-04T10:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z " + " ".join(
            rng.choice(_WORDS) if rng.random() < 0.7 else f"{rng.getrandbits(40):x}" for _ in range(12)
        )
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def make_write(rng: random.Random, originals: int, ledger_rows: int, session: str) -> PlanWrite:
    ccr = []
    for _ in range(originals):
        text = make_original(rng)
        ccr.append((ccr_key_of(text), text, {"tool": "Bash", "kind": "log", "tokens_before": 25_000}))
    rows = [
        LedgerRow(
            LedgerKey(session, f"{rng.getrandbits(256):064x}", "fp1"),
            b'"[... 300 lines omitted <<ccr:' + ccr[0][0].encode() + b'>>] ' + b"x" * 2000 + b'"',
            ccr[0][0] if ccr else "",
            time.time(),
        )
        for _ in range(ledger_rows)
    ]
    return PlanWrite(ccr=ccr, ledger=rows)


def summary(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{name:58s} n={len(samples):5d}  median {statistics.median(ordered) * 1e3:7.3f} ms"
          f"  p99 {p99 * 1e3:7.3f} ms")


def time_each(fn: Callable[[T], object], items: list[T]) -> list[float]:
    samples = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - start)
    return samples


def bench_commits(base: Path, commits: int, synchronous: str) -> None:
    rng = random.Random(1)
    with SQLiteStore(base / f"commit-{synchronous}", synchronous=synchronous) as store:
        for originals, ledger_rows in ((1, 1), (2, 3)):
            writes = [make_write(rng, originals, ledger_rows, "s1") for _ in range(commits)]
            samples = time_each(store.commit, writes)
            summary(f"commit {originals + ledger_rows} rows, {originals}x100KB, sync={synchronous}", samples)


def bench_lookups(base: Path, rounds: int) -> None:
    rng = random.Random(2)
    with SQLiteStore(base / "lookup") as store:
        keys: list[LedgerKey] = []
        for _ in range(100):
            write = make_write(rng, 1, 100, "sess")
            store.commit(write)
            keys.extend(row.key for row in write.ledger)
        stats = store.stats()
        print(f"  (ledger rows: {stats.ledger.rows}, ccr rows: {stats.ccr.rows})")
        wanted = [rng.sample(keys, 50) for _ in range(rounds)]
        samples = time_each(store.ledger_get_many, wanted)
        summary("ledger_get_many, 50 keys, all hits", samples)
        misses = [[LedgerKey("sess", f"{rng.getrandbits(256):064x}", "fp1") for _ in range(50)] for _ in range(rounds)]
        samples = time_each(store.ledger_get_many, misses)
        summary("ledger_get_many, 50 keys, all misses", samples)
        rows = store.ledger_get_many(keys[::100])  # one row per write: 100 originals
        ccr_keys = sorted({row.ccr_key for row in rows.values()})
        samples = time_each(store.ccr_get, ccr_keys * max(1, rounds // len(ccr_keys)))
        summary(f"ccr_get of a ~100 KB original ({len(ccr_keys)} distinct)", samples)


def run_threads(store: SQLiteStore, writes: list[list[PlanWrite]], lookups: list[list[list[LedgerKey]]]
                ) -> tuple[list[float], list[float], float]:
    commit_samples: list[float] = []
    lookup_samples: list[float] = []

    def write(batch: list[PlanWrite]) -> None:
        commit_samples.extend(time_each(store.commit, batch))

    def read(batch: list[list[LedgerKey]]) -> None:
        lookup_samples.extend(time_each(store.ledger_get_many, batch))

    threads = [threading.Thread(target=write, args=(b,)) for b in writes]
    threads += [threading.Thread(target=read, args=(b,)) for b in lookups]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return commit_samples, lookup_samples, time.perf_counter() - start


def bench_concurrent(base: Path, commits: int, policy: str) -> None:
    rng = random.Random(3)
    with SQLiteStore(base / f"concurrent-{policy}", policy=policy) as store:
        seed = make_write(rng, 1, 50, "r")
        store.commit(seed)
        keys = [row.key for row in seed.ledger]
        writes = [[make_write(rng, 1, 1, f"w{i}") for _ in range(commits)] for i in range(4)]
        samples, _, elapsed = run_threads(store, writes, [])
        summary(f"commit 2 rows, 4 writer threads, policy={policy}", samples)
        print(f"  {policy}: {len(samples) / elapsed:8.0f} commits/s with 4 writer threads")
        writes = [[make_write(rng, 1, 1, f"m{i}") for _ in range(commits)] for i in range(2)]
        lookups = [[keys] * (commits * 4) for _ in range(2)]
        samples, looked, elapsed = run_threads(store, writes, lookups)
        summary(f"commit 2 rows, 2 writers + 2 readers, policy={policy}", samples)
        summary(f"ledger_get_many 50 keys, 2 writers + 2 readers, policy={policy}", looked)
        print(f"  {policy}: mixed run {elapsed:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--dir", default=None, help="parent directory of the temporary databases")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, cpus {os.cpu_count()}")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp)
        for synchronous in ("NORMAL", "FULL"):
            bench_commits(base, args.commits, synchronous)
        bench_lookups(base, args.commits)
        for policy in ("pooled", "shared"):
            bench_concurrent(base, args.commits // 2, policy)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
