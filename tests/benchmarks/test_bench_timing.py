"""The benchmark's tokenizer clock and repeated timing passes (throughput with and without the token gate)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.compression_lib import ours
from benchmarks.compression_lib.timing import TokenizerClock
from fixtures.compression.sample import Sample
from headroom import tokens
from headroom.compress import pipeline

SAMPLE = Sample("logs/x", "logs", "".join(f"2025-03-04T10:00:{i % 60:02d}Z INFO GET /a/{i} 200\n" for i in range(80)),
                "Bash", "tail app.log")  # fmt: skip


def test_clock_times_count_and_encoder_calls_once_and_restores_them() -> None:
    count_before = tokens.count
    expected = tokens.count("hello world")
    encoder = tokens.encoding()
    with TokenizerClock() as clock:
        assert tokens.count("hello world") == expected
        assert clock.calls == 1 and clock.seconds > 0  # count -> encode_ordinary is timed once
        encoder.encode_ordinary("direct use")
        assert clock.calls == 2
        clock.reset()
        assert clock.calls == 0 and clock.seconds == 0.0
    assert tokens.count is count_before
    assert "encode_ordinary" not in vars(encoder) and "encode" not in vars(encoder)


def test_clock_never_changes_pipeline_results() -> None:
    plain = pipeline.compress_text(SAMPLE.text, SAMPLE.hint())
    with TokenizerClock() as clock:
        timed = pipeline.compress_text(SAMPLE.text, SAMPLE.hint())
    assert timed == plain and plain.result is not None
    assert clock.calls >= 1


def test_runs_record_the_tokenizer_share() -> None:
    name, fn = ours.load()
    assert name == ours.PIPELINE_MODULE
    [run] = ours.run_all(fn, [SAMPLE], repeat=3)
    assert 0 < run.tokenizer_seconds < run.seconds


class _VirtualClock:
    """``perf_counter`` for the benchmark runner: time moves only when a fake compressor says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now


def test_repeat_keeps_the_median_pass_and_checks_outputs_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _VirtualClock()
    monkeypatch.setattr(ours, "time", clock)  # the runner's clock only; the tokenizer clock stays real
    delays = iter([0.0, 3.0, 1.0, 2.0])  # warm-up call, then three timed passes

    def slow(text: str, hint: Any, *, lossy: bool = True) -> Any:
        clock.now += next(delays)
        tokens.count(text)
        return pipeline.compress_text(text, hint, lossy=lossy)

    [run] = ours.run_all(slow, [SAMPLE], repeat=3)
    assert run.seconds == 2.0  # the median of the passes taking 3, 1 and 2 virtual seconds

    flip = iter(range(10))

    def unstable(text: str, hint: Any, *, lossy: bool = True) -> Any:
        return pipeline.compress_text(text + ("\n" * next(flip)), hint, lossy=lossy)

    with pytest.raises(ours.NondeterministicError):
        ours.run_all(unstable, [SAMPLE], repeat=2)
