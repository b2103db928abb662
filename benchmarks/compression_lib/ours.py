"""Running our compressor pipeline over the samples, timed.

The pipeline is ``headroom.compress.pipeline.compress_text(text, hint, *, lossy=True) -> Outcome``
(``Outcome.detection.kind``, ``Outcome.result`` = ``Result | None``, ``Outcome.reason``). While that
module is not on this branch yet the benchmark falls back to an identity stand-in (every output is
its input) and says so in its report; it never pretends the stand-in is the real thing.

Lossy compression follows the proxy's built-in tool policy: outputs of the file tools ``Read``,
``Edit``, ``Write`` and ``NotebookEdit`` are compressed with ``lossy=False``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fixtures.compression.sample import Sample
from headroom import tokens

PIPELINE_MODULE = "headroom.compress.pipeline"
STANDIN = "identity stand-in (headroom.compress.pipeline not available)"
NO_LOSSY_TOOLS = frozenset({"Read", "Edit", "Write", "NotebookEdit"})


@dataclass(frozen=True, slots=True)
class Run:
    output: str
    ranges: tuple[tuple[int, int], ...]
    strategy: str
    detected: str
    reason: str
    seconds: float
    error: str = ""


def load() -> tuple[str, Callable[..., Any] | None]:
    """(description, compress_text) of the real pipeline, or (STANDIN, None) when it is absent."""
    try:
        module = importlib.import_module(PIPELINE_MODULE)
    except ImportError:
        return STANDIN, None
    fn = getattr(module, "compress_text", None)
    if not callable(fn):
        return STANDIN, None
    return PIPELINE_MODULE, fn


def run_one(compress: Callable[..., Any] | None, sample: Sample) -> Run:
    """Compress one sample; a crash is recorded and the original passes through (fail-open)."""
    hint = sample.hint()
    lossy = sample.tool not in NO_LOSSY_TOOLS
    if compress is None:
        start = time.perf_counter()
        return Run(sample.text, (), "identity", "", "stand-in", time.perf_counter() - start)
    start = time.perf_counter()
    try:
        outcome = compress(sample.text, hint, lossy=lossy)
    except Exception as exc:  # a crash is a finding, not a reason to stop the benchmark
        return Run(sample.text, (), "crash", "", "", time.perf_counter() - start, error=repr(exc))
    seconds = time.perf_counter() - start
    detection = getattr(outcome, "detection", None)
    subkind = str(getattr(detection, "subkind", "") or "")
    kind = str(getattr(detection, "kind", "")) + (f"/{subkind}" if subkind else "")
    result = getattr(outcome, "result", None)
    reason = str(getattr(outcome, "reason", ""))
    if result is None:
        return Run(sample.text, (), "none", kind, reason, seconds)
    ranges = tuple((int(a), int(b)) for a, b in result.omitted_ranges)
    return Run(str(result.text), ranges, str(result.strategy), kind, reason, seconds)


def run_all(compress: Callable[..., Any] | None, samples: list[Sample]) -> list[Run]:
    """All samples in order; the tokenizer is loaded first so its start-up is not timed."""
    tokens.count("warm up")
    if samples and compress is not None:
        run_one(compress, samples[0])  # import-time and first-call costs are not throughput
    return [run_one(compress, s) for s in samples]
