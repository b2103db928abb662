"""The side-by-side table, the target check and the ``--json`` document."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.overhead_lib.stats import Summary

DIRECT = "direct"
HEADROOM = "headroom"


@dataclass(frozen=True)
class Row:
    scenario: str
    results: dict[str, Summary]  # by target name


@dataclass(frozen=True)
class Goal:
    """A judged target: ``metric(row)`` compared with ``limit``."""

    label: str
    scenario: str
    metric: Callable[[dict[str, Summary]], float]
    limit: float
    at_most: bool  # True: value <= limit passes; False: value >= limit passes
    unit: str


def _delta(field: str, target: str = HEADROOM) -> Callable[[dict[str, Summary]], float]:
    def value(results: dict[str, Summary]) -> float:
        return float(getattr(results[target], field)) - float(getattr(results[DIRECT], field))

    return value


def _rps(results: dict[str, Summary]) -> float:
    return results[HEADROOM].rps


GOALS = (
    Goal("2 KB JSON c1: headroom p50 - direct p50", "2KB JSON c1", _delta("p50_ms"), 0.5, True, "ms"),
    Goal("100 KB JSON c1: headroom p50 - direct p50", "100KB JSON c1", _delta("p50_ms"), 2.0, True, "ms"),
    Goal("1 MB JSON c1: headroom p50 - direct p50", "1MB JSON c1", _delta("p50_ms"), 15.0, True, "ms"),
    Goal("2 KB SSE c1: headroom TTFB p50 - direct TTFB p50", "2KB SSE c1", _delta("ttfb_p50_ms"), 1.0, True, "ms"),
    Goal("2 KB JSON c16: headroom requests/s", "2KB JSON c16", _rps, 2000.0, False, "req/s"),
)


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) < 10:
        return f"{value:.2f}"
    if abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def signed_ms(value: float) -> str:
    return "-" if math.isnan(value) else ("+" if value >= 0 else "") + ms(value)


def ratio(a: float, b: float) -> str:
    return "-" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}x"


def rate(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def _target_cells(s: Summary | None) -> list[str]:
    if s is None:
        return ["-"] * 5
    mark = "!" if s.errors else ""
    return [ms(s.p50_ms), ms(s.p99_ms), ms(s.ttfb_p50_ms), rate(s.rps) + mark, ms(s.cpu_ms)]


def _versus_cells(s: Summary | None, d: Summary) -> list[str]:
    if s is None:
        return ["-"] * 4
    return [signed_ms(s.p50_ms - d.p50_ms), ratio(s.p50_ms, d.p50_ms),
            signed_ms(s.ttfb_p50_ms - d.ttfb_p50_ms), ratio(s.rps, d.rps)]


def table(rows: Sequence[Row], targets: Sequence[str]) -> list[str]:
    """Text lines: scenario | direct | headroom | headroom vs direct | [other targets vs direct]."""
    groups: list[tuple[str, list[str]]] = [("", ["scenario"])]
    per_target = ["p50", "p99", "TTFB", "req/s", "cpu"]
    versus = ["Δp50", "×p50", "ΔTTFB", "×req/s"]
    for name in targets:
        groups.append((name, per_target))
        if name != DIRECT:
            groups.append((f"{name} vs direct", versus))
    body: list[list[str]] = []
    for row in rows:
        cells = [row.scenario]
        d = row.results[DIRECT]
        for name in targets:
            cells += _target_cells(row.results.get(name))
            if name != DIRECT:
                cells += _versus_cells(row.results.get(name), d)
        body.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(c for _, cs in groups for c in cs)]
    widths[0] = max(widths[0], 14)
    lines = []
    top, heads, pos = [], [], 0
    for title, cols in groups:
        span = sum(widths[pos : pos + len(cols)]) + 2 * (len(cols) - 1)
        top.append(title.center(span))
        heads.append("  ".join(h.rjust(w) if pos + i else h.ljust(w) for i, (h, w) in
                               enumerate(zip(cols, widths[pos : pos + len(cols)], strict=True))))
        pos += len(cols)
    lines.append(" | ".join(top))
    lines.append(" | ".join(heads))
    lines.append("-" * len(lines[-1]))
    for cells in body:
        out, pos = [], 0
        for _, cols in groups:
            part = cells[pos : pos + len(cols)]
            out.append("  ".join(c.rjust(w) if pos + i else c.ljust(w) for i, (c, w) in
                                 enumerate(zip(part, widths[pos : pos + len(cols)], strict=True))))
            pos += len(cols)
        lines.append(" | ".join(out))
    return lines


def goal_lines(rows: Sequence[Row]) -> list[str]:
    by_name = {r.scenario: r.results for r in rows}
    lines = []
    for goal in GOALS:
        results = by_name.get(goal.scenario)
        if results is None or HEADROOM not in results:
            lines.append(f"  {goal.label}: not measured")
            continue
        value = goal.metric(results)
        ok = value <= goal.limit if goal.at_most else value >= goal.limit
        bound = "<=" if goal.at_most else ">="
        shown = f"{value:+.2f}" if goal.unit == "ms" else f"{value:.0f}"
        lines.append(f"  {goal.label}: {shown} {goal.unit} (target {bound} {goal.limit:g}) "
                     f"{'met' if ok else 'MISSED'}")
    return lines


def error_lines(rows: Sequence[Row]) -> list[str]:
    return [f"  {row.scenario} / {name}: {s.errors} of {s.requests} requests failed or were not 200"
            for row in rows for name, s in row.results.items() if s.errors]


def capped_lines(rows: Sequence[Row], planned: dict[str, int]) -> list[str]:
    return [f"  {row.scenario} / {name}: {s.requests} of {planned[row.scenario]} requests (time budget)"
            for row in rows for name, s in row.results.items() if s.capped]
