"""Running our compressor pipeline over the samples, timed.

The pipeline is ``headroom.compress.pipeline.compress_text(text, hint, *, lossy=True) -> Outcome``
(``Outcome.detection.kind``, ``Outcome.result`` = ``Result | None``, ``Outcome.reason``). While that
module is not on this branch yet the benchmark falls back to an identity stand-in (every output is
its input) and says so in its report; it never pretends the stand-in is the real thing.

Lossy compression follows the proxy's built-in tool policy: outputs of the file tools ``Read``,
``Edit``, ``Write`` and ``NotebookEdit`` are compressed with ``lossy=False``.

Every call is timed twice over: its wall time, and the part of it spent inside the o200k tokenizer
(:class:`~benchmarks.compression_lib.timing.TokenizerClock`), so the report can give throughput with and
without the token gate. ``run_all(..., repeat=N)`` times N passes and keeps, per sample, the pass with the
median wall time (the outputs of every pass must agree; the first pass's are scored).
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.compression_lib.timing import TokenizerClock
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
    seconds: float  # wall time of compress_text, tokenizer calls included
    error: str = ""
    tokenizer_seconds: float = 0.0  # the part of ``seconds`` spent inside the tokenizer


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


def run_one(compress: Callable[..., Any] | None, sample: Sample, clock: TokenizerClock | None = None) -> Run:
    """Compress one sample; a crash is recorded and the original passes through (fail-open).

    With a (entered) ``clock``, the run also records how long the call spent inside the tokenizer.
    """
    hint = sample.hint()
    lossy = sample.tool not in NO_LOSSY_TOOLS
    if compress is None:
        start = time.perf_counter()
        return Run(sample.text, (), "identity", "", "stand-in", time.perf_counter() - start)
    if clock is not None:
        clock.reset()
    start = time.perf_counter()
    try:
        outcome = compress(sample.text, hint, lossy=lossy)
    except Exception as exc:  # a crash is a finding, not a reason to stop the benchmark
        return Run(sample.text, (), "crash", "", "", time.perf_counter() - start, error=repr(exc))
    seconds = time.perf_counter() - start
    in_tokenizer = clock.seconds if clock is not None else 0.0
    detection = getattr(outcome, "detection", None)
    subkind = str(getattr(detection, "subkind", "") or "")
    kind = str(getattr(detection, "kind", "")) + (f"/{subkind}" if subkind else "")
    result = getattr(outcome, "result", None)
    reason = str(getattr(outcome, "reason", ""))
    if result is None:
        return Run(sample.text, (), "none", kind, reason, seconds, tokenizer_seconds=in_tokenizer)
    ranges = tuple((int(a), int(b)) for a, b in result.omitted_ranges)
    return Run(str(result.text), ranges, str(result.strategy), kind, reason, seconds, tokenizer_seconds=in_tokenizer)


class NondeterministicError(AssertionError):
    """Two timed passes produced different outputs for the same sample."""


def run_all(compress: Callable[..., Any] | None, samples: list[Sample], repeat: int = 1) -> list[Run]:
    """All samples in order, ``repeat`` timed passes; the tokenizer is loaded first so its start-up is not timed.

    Per sample, the pass with the median wall time supplies ``seconds`` and ``tokenizer_seconds``; the
    first pass supplies the output.
    """
    tokens.count("warm up")
    with TokenizerClock() as clock:
        if samples and compress is not None:
            run_one(compress, samples[0], clock)  # import-time and first-call costs are not throughput
        passes = [[run_one(compress, s, clock) for s in samples] for _ in range(max(1, repeat))]
    out: list[Run] = []
    for index, first in enumerate(passes[0]):
        timed = [runs[index] for runs in passes]
        if any((r.output, r.ranges, r.error) != (first.output, first.ranges, first.error) for r in timed):
            raise NondeterministicError(f"{samples[index].name}: outputs differ between timed passes")
        median = statistics.median_low(r.seconds for r in timed)
        pick = next(r for r in timed if r.seconds == median)
        out.append(replace(first, seconds=pick.seconds, tokenizer_seconds=pick.tokenizer_seconds))
    return out
