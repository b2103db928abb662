"""Summaries of measured phases: percentiles of latency and time to first byte, throughput."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.overhead_lib.client import Phase, Sample

NS_PER_MS = 1_000_000


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, linear between the closest ranks; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True, slots=True)
class Summary:
    requests: int
    errors: int  # exchanges that failed or answered with a status other than 200
    p50_ms: float
    p99_ms: float
    mean_ms: float
    ttfb_p50_ms: float
    ttfb_p99_ms: float
    rps: float
    cpu_ms: float  # CPU time of the target's own server per request (direct: the fake provider)
    body_bytes: int  # response body size of the last good answer
    capped: bool  # a phase hit its time budget before its request count

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(phases: Sequence[Phase]) -> Summary:
    """One summary over several phases of the same scenario and target (rounds of one run)."""
    samples: list[Sample] = [s for p in phases for s in p.samples]
    good = [s for s in samples if s.status == 200]
    latency = [s.latency_ns / NS_PER_MS for s in good]
    ttfb = [s.ttfb_ns / NS_PER_MS for s in good]
    elapsed = sum(p.elapsed_ns for p in phases) / 1e9
    return Summary(
        requests=len(samples),
        errors=len(samples) - len(good),
        p50_ms=percentile(latency, 0.5),
        p99_ms=percentile(latency, 0.99),
        mean_ms=sum(latency) / len(latency) if latency else float("nan"),
        ttfb_p50_ms=percentile(ttfb, 0.5),
        ttfb_p99_ms=percentile(ttfb, 0.99),
        rps=len(samples) / elapsed if elapsed > 0 else float("nan"),
        cpu_ms=sum(p.server_cpu_ns for p in phases) / NS_PER_MS / len(samples) if samples else float("nan"),
        body_bytes=good[-1].body_bytes if good else 0,
        capped=any(p.capped for p in phases),
    )


def raw(phases: Sequence[Phase]) -> dict[str, list[float] | list[int]]:
    """Per-request values for ``--json``: latency and TTFB in ms, status codes."""
    samples = [s for p in phases for s in p.samples]
    return {
        "latency_ms": [round(s.latency_ns / NS_PER_MS, 4) for s in samples],
        "ttfb_ms": [round(s.ttfb_ns / NS_PER_MS, 4) for s in samples],
        "status": [s.status for s in samples],
        "phase_elapsed_s": [round(p.elapsed_ns / 1e9, 6) for p in phases],
        "phase_server_cpu_s": [round(p.server_cpu_ns / 1e9, 6) for p in phases],
    }
