"""Scenarios (body size × JSON/SSE × concurrency) and their interleaved measurement.

For one scenario every target (direct, headroom, optionally headroom-ai) gets its own keep-alive
connections, warmed up first. The measured requests are then split into rounds; in each round
every target runs once, in an order rotated per round, so slow drift of the shared machine's load
spreads over all targets instead of landing on one.
"""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass

from benchmarks.overhead_lib.bodies import SIZES, messages_body
from benchmarks.overhead_lib.client import HttpConn, Phase, build_request, run_phase, warm_up
from benchmarks.overhead_lib.procs import cpu_ns

PATH = b"/v1/messages?beta=true"
HEADERS: list[tuple[bytes, bytes]] = [  # what Claude Code sends (see shared/corpus), with a fake key
    (b"Accept", b"application/json"),
    (b"Content-Type", b"application/json"),
    (b"User-Agent", b"claude-cli/2.1.197 (external, cli)"),
    (b"X-Claude-Code-Session-Id", b"00000000-0000-4000-8000-00000000beef"),
    (b"X-Stainless-Lang", b"js"),
    (b"X-Stainless-Retry-Count", b"0"),
    (b"X-Stainless-Timeout", b"600"),
    (b"anthropic-beta", b"interleaved-thinking-2025-05-14,context-management-2025-06-27,"
                        b"prompt-caching-scope-2026-01-05"),
    (b"anthropic-version", b"2023-06-01"),
    (b"x-api-key", b"sk-ant-api03-BENCHMARK-FAKE-KEY-000000000000"),
    (b"x-app", b"cli"),
    (b"Connection", b"keep-alive"),
    (b"Accept-Encoding", b"gzip, deflate, br, zstd"),
]
# measured requests and warm-up requests per connection, by (size, concurrency)
FULL_COUNTS: dict[tuple[str, int], tuple[int, int]] = {
    ("2KB", 1): (600, 20), ("2KB", 16): (3200, 5),
    ("100KB", 1): (300, 10), ("100KB", 16): (960, 3),
    ("1MB", 1): (90, 4), ("1MB", 16): (192, 1),
}
QUICK_COUNTS: dict[tuple[str, int], tuple[int, int]] = {
    ("2KB", 1): (30, 3), ("2KB", 16): (96, 1),
    ("100KB", 1): (15, 2), ("100KB", 16): (32, 1),
    ("1MB", 1): (4, 1), ("1MB", 16): (16, 1),
}


@dataclass(frozen=True, slots=True)
class Scenario:
    size_name: str
    sse: bool
    concurrency: int
    requests: int
    warmup: int  # per connection

    @property
    def size(self) -> int:
        return SIZES[self.size_name]

    @property
    def name(self) -> str:
        return f"{self.size_name} {'SSE' if self.sse else 'JSON'} c{self.concurrency}"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    port: int
    pids: tuple[int, ...] = ()  # the server processes whose CPU time is charged to this target


def plan(quick: bool, concurrencies: tuple[int, ...] = (1, 16)) -> list[Scenario]:
    counts = QUICK_COUNTS if quick else FULL_COUNTS
    return [
        Scenario(size, sse, c, *counts[(size, c)])
        for size in SIZES
        for sse in (False, True)
        for c in concurrencies
    ]


class WarmUpError(Exception):
    """A target answered none of its warm-up requests with 200."""


async def measure(scenario: Scenario, targets: list[Target], rounds: int, budget_s: float) -> dict[str, list[Phase]]:
    """Measured phases of ``scenario`` per target name (``rounds`` phases of at most ``budget_s`` each)."""
    body = messages_body(scenario.size, stream=scenario.sse)
    payloads = {t.name: build_request(PATH, f"127.0.0.1:{t.port}".encode(), HEADERS, body) for t in targets}
    conns = {t.name: [HttpConn("127.0.0.1", t.port) for _ in range(scenario.concurrency)] for t in targets}
    phases: dict[str, list[Phase]] = {t.name: [] for t in targets}
    try:
        for t in targets:
            warm = await warm_up(conns[t.name], payloads[t.name], scenario.warmup)
            if not any(s.status == 200 for s in warm):
                statuses = sorted({s.status for s in warm})
                raise WarmUpError(f"{t.name}: no 200 during warm-up of {scenario.name} (statuses {statuses})")
        per_round = -(-scenario.requests // rounds)
        for r in range(rounds):
            for t in targets[r % len(targets):] + targets[: r % len(targets)]:
                gc.collect()
                cpu_before = cpu_ns(t.pids)
                phase = await run_phase(conns[t.name], payloads[t.name], per_round, budget_s)
                phase.server_cpu_ns = cpu_ns(t.pids) - cpu_before
                phases[t.name].append(phase)
    finally:
        await asyncio.gather(*(c.close() for group in conns.values() for c in group))
    return phases
