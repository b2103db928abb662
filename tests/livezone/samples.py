"""Deterministic, realistic tool outputs for the live-zone tests (seeded, sized in bytes, no IO).

Each generator grows its output line by line until it holds at least ``nbytes`` UTF-8 bytes, so
callers can ask for "a 100 KB log" and get one. The shapes are the ones the live zone sees most:
application logs, pretty-printed JSON arrays of records and grep hits.
"""

from __future__ import annotations

import json
import random

MODULES = ("core", "net", "io", "parser", "cli", "util", "billing", "auth")
WORDS = ("order", "user", "invoice", "cart", "session", "token", "payment", "refund", "report")


def log_output(nbytes: int, seed: int = 1) -> str:
    """Timestamped service log: mostly repetitive INFO lines, a few WARN and ERROR lines."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    i = 0
    while size < nbytes:
        ts = f"2025-03-04T10:{i // 3600 % 60:02d}:{i // 60 % 60:02d}.{i % 1000:03d}Z"
        roll = rng.random()
        if roll < 0.01:
            line = f"{ts} ERROR [worker-{rng.randrange(8)}] payment {rng.randrange(10**6)} failed: card declined"
        elif roll < 0.04:
            line = f"{ts} WARN  [worker-{rng.randrange(8)}] slow query on orders_{i % 3}: {rng.randrange(900, 5000)}ms"
        else:
            order, took = rng.randrange(10**5), rng.randrange(1, 90)
            line = f"{ts} INFO  [worker-{rng.randrange(8)}] GET /api/orders/{order} 200 {took}ms"
        out.append(line)
        size += len(line) + 1
        i += 1
    return "\n".join(out) + "\n"


def json_output(nbytes: int, seed: int = 2) -> str:
    """A pretty-printed JSON array of uniform records (what an API or `kubectl -o json` returns)."""
    rng = random.Random(seed)
    records: list[dict[str, object]] = []
    size = 2
    while size < nbytes:
        record: dict[str, object] = {
            "id": len(records) + 1,
            "name": f"{rng.choice(WORDS)}-{rng.randrange(10**4)}",
            "status": rng.choice(("active", "active", "active", "suspended")),
            "region": rng.choice(("eu-west-1", "us-east-1")),
            "score": round(rng.random() * 100, 2),
            "tags": [rng.choice(WORDS) for _ in range(rng.randrange(3))],
            "owner": {"team": rng.choice(MODULES), "oncall": rng.random() < 0.2},
        }
        records.append(record)
        size += len(json.dumps(record, indent=2)) + 4
    return json.dumps(records, indent=2)


def grep_output(nbytes: int, seed: int = 3) -> str:
    """``grep -rn`` hits: ``path:line:text``, grouped by file as grep prints them."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    k = 0
    while size < nbytes:
        path = f"src/{rng.choice(MODULES)}/{rng.choice(WORDS)}_{k}.py"
        line_no = 1
        for _ in range(rng.randrange(5, 40)):
            line_no += rng.randrange(1, 30)
            word = rng.choice(WORDS)
            line = f"{path}:{line_no}:    {word}_total = compute_{word}({word}_id, strict=True)"
            out.append(line)
            size += len(line) + 1
        k += 1
    return "\n".join(out) + "\n"


def cat_n_output(nbytes: int, seed: int = 4) -> str:
    """What Claude Code's Read tool returns: ``cat -n`` numbered source lines."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    n = 1
    while size < nbytes:
        word = rng.choice(WORDS)
        line = f"{n:>6}\t    {word}_total = compute_{word}({word}_id, strict=True)"
        out.append(line)
        size += len(line) + 1
        n += 1
    return "\n".join(out) + "\n"


GENERATORS = {"log": log_output, "json": json_output, "search": grep_output}
