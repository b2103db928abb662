"""Scoring one compressed output against its original: tokens, probes, needles.

Recoverability is decided per system by a ``Recovery``:
- ours (``ReceiptRanges``): the output must carry ``<<ccr:KEY>>`` with the sample's own key, and the
  probe must have an occurrence inside one of the ``omitted_ranges`` the compressor declared. A probe
  that vanished outside every declared range is *lost* even when a marker is present (a silent edit).
- a baseline without ranges (``AnyMarker``): the output must carry a retrieval marker at all. For
  Headroom that is ``<<ccr:…>>`` or its ``Retrieve more|original|full diff: hash=…`` references, which
  its proxy resolves through the ``headroom_retrieve`` tool and its CCR store.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from benchmarks.compression_lib import probes
from fixtures.compression.sample import Needle, Sample
from headroom import tokens

RETAINED, RECOVERABLE, LOST = "retained", "recoverable", "lost"
CLASSES = (RETAINED, RECOVERABLE, LOST)
HEADROOM_MARKER = re.compile(r"<<ccr:[^>]+>>|Retrieve (?:more|original|full diff): hash=[0-9a-f]{8,}")
MAX_LISTED = 20


class Recovery(Protocol):
    def covers(self, spans: tuple[int, ...]) -> bool: ...


@dataclass(frozen=True, slots=True)
class ReceiptRanges:
    """Our receipts: marker with this sample's key present, probe inside a declared omitted range."""

    marker_present: bool
    ranges: tuple[tuple[int, int], ...]

    def covers(self, spans: tuple[int, ...]) -> bool:
        if not self.marker_present or not self.ranges:
            return False
        starts = [s for s, _ in self.ranges]
        for pos in spans:
            i = bisect.bisect_right(starts, pos) - 1
            if i >= 0 and self.ranges[i][0] <= pos < self.ranges[i][1]:
                return True
        return False

    @classmethod
    def of(cls, output: str, key: str, ranges: tuple[tuple[int, int], ...]) -> ReceiptRanges:
        return cls(f"<<ccr:{key}>>" in output, tuple(sorted(ranges)))


@dataclass(frozen=True, slots=True)
class AnyMarker:
    """A baseline's receipts: any retrieval marker in the output covers every absent probe."""

    present: bool

    def covers(self, spans: tuple[int, ...]) -> bool:
        return self.present

    @classmethod
    def headroom(cls, output: str) -> AnyMarker:
        return cls(HEADROOM_MARKER.search(output) is not None)


def classify(found: bool, spans: tuple[int, ...], recovery: Recovery) -> str:
    if found:
        return RETAINED
    return RECOVERABLE if recovery.covers(spans) else LOST


def reference_text(sample: Sample) -> str:
    """What savings are measured against: the minified JSON for JSON inputs, else the text itself."""
    docs = probes.parse_json(sample.text)
    if docs is None:
        return sample.text
    lines = [json.dumps(d, separators=(",", ":"), ensure_ascii=False) for d in docs]
    return "\n".join(lines)


@dataclass(slots=True)
class Score:
    """One system's result on one sample."""

    sample: str
    category: str
    system: str
    tokens_before: int
    tokens_after: int
    bytes_in: int
    bytes_out: int
    seconds: float
    strategy: str = ""
    error: str = ""
    probes: dict[str, Counter[str]] = field(default_factory=dict)  # kind -> class -> count
    lost_errlines: list[str] = field(default_factory=list)
    lost_errline_count: int = 0
    lost_examples: list[str] = field(default_factory=list)  # "kind: text" of the first lost probes
    needles: list[tuple[str, str, str]] = field(default_factory=list)  # (question, answer, class)
    tokenizer_seconds: float = 0.0  # the part of ``seconds`` spent inside the o200k tokenizer (ours only)

    @property
    def ratio(self) -> float:
        return self.tokens_after / self.tokens_before if self.tokens_before else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "category": self.category,
            "system": self.system,
            "tokens_before": self.tokens_before,
            "tokens_after": self.tokens_after,
            "ratio": round(self.ratio, 4),
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "seconds": round(self.seconds, 6),
            "tokenizer_seconds": round(self.tokenizer_seconds, 6),
            "strategy": self.strategy,
            "error": self.error,
            "probes": {kind: dict(counts) for kind, counts in sorted(self.probes.items())},
            "lost_error_lines": self.lost_errline_count,
            "lost_error_line_examples": self.lost_errlines,
            "lost_probe_examples": self.lost_examples,
            "needles": [{"question": q, "answer": a, "class": c} for q, a, c in self.needles],
        }


def _needle_class(needle: Needle, original: str, output: str, recovery: Recovery) -> str:
    at = original.find(needle.answer)
    return classify(needle.answer in output, (at,) if at >= 0 else (), recovery)


def score(
    sample: Sample,
    system: str,
    output: str,
    recovery: Recovery,
    *,
    seconds: float,
    reference_tokens: int,
    sample_probes: list[probes.Probe],
    strategy: str = "",
    error: str = "",
    tokenizer_seconds: float = 0.0,
) -> Score:
    """Score ``output`` (the text the model would see) of ``system`` on ``sample``."""
    s = Score(
        sample.name,
        sample.category,
        system,
        reference_tokens,
        tokens.count(output),
        sample.size,
        len(output.encode("utf-8")),
        seconds,
        strategy,
        error,
        tokenizer_seconds=tokenizer_seconds,
    )
    for p in sample_probes:
        cls = classify(p.found_in(output), p.spans, recovery)
        s.probes.setdefault(p.kind, Counter())[cls] += 1
        if cls == LOST and len(s.lost_examples) < MAX_LISTED:
            s.lost_examples.append(f"{p.kind}: {p.key + '=' if p.key else ''}{p.text}")
        if p.kind == "errline" and cls == LOST:
            s.lost_errline_count += 1
            if len(s.lost_errlines) < MAX_LISTED:
                s.lost_errlines.append(p.text)
    for n in sample.needles:
        s.needles.append((n.question, n.answer, _needle_class(n, sample.text, output, recovery)))
    return s
