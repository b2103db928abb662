"""Aggregating scores per system and category, and printing the comparison table."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from benchmarks.compression_lib.scoring import CLASSES, LOST, RECOVERABLE, RETAINED, Score
from fixtures.compression.sample import CATEGORIES

OVERALL = "overall"


@dataclass(slots=True)
class Agg:
    n: int = 0
    tokens_before: int = 0
    tokens_after: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    tokenizer_seconds: float = 0.0
    lost_errlines: int = 0
    needles: int = 0
    needles_found: int = 0
    probes: Counter[str] = field(default_factory=Counter)  # class -> count
    lost_by_kind: Counter[str] = field(default_factory=Counter)

    def add(self, s: Score) -> None:
        self.n += 1
        self.tokens_before += s.tokens_before
        self.tokens_after += s.tokens_after
        self.bytes_in += s.bytes_in
        self.seconds += s.seconds
        self.tokenizer_seconds += s.tokenizer_seconds
        self.lost_errlines += s.lost_errline_count
        self.needles += len(s.needles)
        self.needles_found += sum(1 for _, _, cls in s.needles if cls != LOST)
        for kind, counts in s.probes.items():
            self.probes.update(counts)
            self.lost_by_kind[kind] += counts.get(LOST, 0)

    @property
    def ratio(self) -> float:
        return self.tokens_after / self.tokens_before if self.tokens_before else 1.0

    @property
    def recall(self) -> float | None:
        return self.needles_found / self.needles if self.needles else None

    @property
    def mb_per_s(self) -> float:
        """(a): wall time of detect + compress, tokenizer calls included."""
        return self.bytes_in / 1e6 / self.seconds if self.seconds > 0 else float("inf")

    @property
    def mb_per_s_without_tokenizer(self) -> float:
        """(b): the same with the time spent inside the tokenizer subtracted."""
        rest = self.seconds - self.tokenizer_seconds
        return self.bytes_in / 1e6 / rest if rest > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "samples": self.n,
            "tokens_before": self.tokens_before,
            "tokens_after": self.tokens_after,
            "ratio": round(self.ratio, 4),
            "lost_error_lines": self.lost_errlines,
            "needles": self.needles,
            "needles_found": self.needles_found,
            "needle_recall": self.recall,
            "probes": dict(self.probes),
            "lost_by_kind": dict(self.lost_by_kind),
            "bytes_in": self.bytes_in,
            "seconds": round(self.seconds, 4),
            "tokenizer_seconds": round(self.tokenizer_seconds, 4),
            "mb_per_s": round(self.mb_per_s, 3),
            "mb_per_s_without_tokenizer": round(self.mb_per_s_without_tokenizer, 3),
        }


def aggregate(scores: list[Score]) -> dict[str, dict[str, Agg]]:
    """system -> category (and OVERALL) -> Agg."""
    out: dict[str, dict[str, Agg]] = {}
    for s in scores:
        per = out.setdefault(s.system, {})
        per.setdefault(s.category, Agg()).add(s)
        per.setdefault(OVERALL, Agg()).add(s)
    return out


def _cell(agg: Agg | None) -> str:
    if agg is None:
        return f"{'-':>6} {'-':>5} {'-':>6}"
    recall = "-" if agg.recall is None else f"{agg.recall:.0%}"
    return f"{agg.ratio:6.3f} {agg.lost_errlines:5d} {recall:>6}"


def table(aggs: dict[str, dict[str, Agg]], systems: list[str]) -> list[str]:
    """type x system x {token ratio, lost error lines, needle recall}."""
    width = 19
    lines = [f"{'category':<9}{'n':>4}  " + " | ".join(f"{name:^{width}}" for name in systems)]
    lines.append(" " * 15 + " | ".join(f"{'ratio':>6} {'lostE':>5} {'recall':>6}" for _ in systems))
    lines.append("-" * len(lines[0]))
    rows = [c for c in CATEGORIES if any(c in aggs[s] for s in systems)] + [OVERALL]
    for cat in rows:
        n = max(aggs[s][cat].n for s in systems if cat in aggs[s])
        if cat == OVERALL:
            lines.append("-" * len(lines[0]))
        lines.append(f"{cat:<9}{n:4d}  " + " | ".join(_cell(aggs[s].get(cat)) for s in systems))
    return lines


def probe_lines(aggs: dict[str, dict[str, Agg]], systems: list[str]) -> list[str]:
    kinds = ("kv", "url", "path", "hex", "uuid", "quantity", "errline")
    head = f"{'probes':<12}{'total':>7} {'retained':>9} {'recover':>8} {'lost':>6}   lost by kind: " + " ".join(kinds)
    out = [head]
    for name in systems:
        agg = aggs[name][OVERALL]
        total = sum(agg.probes[c] for c in CLASSES)
        pct = {c: agg.probes[c] / total if total else 0.0 for c in (RETAINED, RECOVERABLE, LOST)}
        by_kind = " ".join(str(agg.lost_by_kind.get(k, 0)) for k in kinds)
        out.append(f"{name:<12}{total:7d} {pct[RETAINED]:9.1%} {pct[RECOVERABLE]:8.1%} {pct[LOST]:6.1%}   {by_kind}")
    return out


def speed_lines(scores: list[Score], systems: list[str], split: tuple[str, ...] = ("ours",)) -> list[str]:
    """Overall throughput per system: (a) wall time; for the systems in ``split`` also (b) without the tokenizer."""
    out = []
    for name in systems:
        mine = [s for s in scores if s.system == name]
        total_s = sum(s.seconds for s in mine)
        mb = sum(s.bytes_in for s in mine) / 1e6
        lat = sorted(s.seconds * 1000 for s in mine)
        if not lat:
            continue
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        rate = f"{mb / total_s:8.2f} MB/s" if total_s > 0 else "     n/a MB/s"
        out.append(
            f"{name:<12}{rate} (a) ({mb:.2f} MB in {total_s:.3f} s; per sample p50 {statistics.median(lat):.1f} ms, "
            f"p95 {p95:.1f} ms, max {lat[-1]:.1f} ms)"
        )
        if name in split:
            tok_s = sum(s.tokenizer_seconds for s in mine)
            rest = total_s - tok_s
            rate = f"{mb / rest:8.2f} MB/s" if rest > 0 else "     n/a MB/s"
            out.append(
                f"{'':<12}{rate} (b) ({mb:.2f} MB in {rest:.3f} s; {tok_s:.3f} s inside the tokenizer subtracted)"
            )
    return out


def category_speed_lines(aggs: dict[str, dict[str, Agg]], system: str = "ours") -> list[str]:
    """Per category: MB, (a) and (b) throughput, and the tokenizer's share of the wall time."""
    per = aggs.get(system, {})
    out = [f"  {'category':<9}{'MB':>6} {'(a) MB/s':>9} {'(b) MB/s':>9} {'tokenizer':>10}"]
    for cat in [c for c in CATEGORIES if c in per] + [OVERALL]:
        agg = per.get(cat)
        if agg is None:
            continue
        share = agg.tokenizer_seconds / agg.seconds if agg.seconds > 0 else 0.0
        rates = f"{agg.mb_per_s:9.2f} {agg.mb_per_s_without_tokenizer:9.2f}"
        out.append(f"  {cat:<9}{agg.bytes_in / 1e6:6.2f} {rates} {share:10.0%}")
    return out


def lost_needles(scores: list[Score], system: str) -> list[str]:
    return [
        f"{s.sample}: {answer!r} ({question})"
        for s in scores
        if s.system == system
        for question, answer, cls in s.needles
        if cls == LOST
    ]


def detection_lines(scores: list[Score], system: str = "ours") -> list[str]:
    """Per category, what the system's detector called the samples (from ``strategy`` "kind:strategy")."""
    seen: dict[str, Counter[str]] = {}
    for s in scores:
        if s.system == system:
            seen.setdefault(s.category, Counter())[s.strategy.split(":", 1)[0] or "?"] += 1
    out = []
    for cat in (c for c in CATEGORIES if c in seen):
        kinds = ", ".join(f"{kind} x{n}" for kind, n in sorted(seen[cat].items(), key=lambda kv: (-kv[1], kv[0])))
        out.append(f"  {cat:<8} {kinds}")
    return out
