"""Our pipeline adapter, the baseline's result plumbing, and aggregation/printing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.compression_lib import baseline, ours, report, scoring
from fixtures.compression.sample import Sample

SAMPLE = Sample("logs/x", "logs", "a\nb 12ms\nc\n", "Bash", "cat x")


@dataclass
class _Detection:
    kind: str
    subkind: str = ""


@dataclass
class _Result:
    text: str
    omitted_ranges: tuple[tuple[int, int], ...]
    strategy: str


@dataclass
class _Outcome:
    detection: _Detection
    result: _Result | None
    reason: str = ""


def test_run_one_reads_an_outcome() -> None:
    seen: dict[str, Any] = {}

    def compress(text: str, hint: Any, *, lossy: bool = True) -> _Outcome:
        seen.update(key=hint.key, lossy=lossy, command=hint.command)
        return _Outcome(_Detection("log", "plain"), _Result("a\n[…]\nc\n", ((2, 9),), "log.templates"))

    run = ours.run_one(compress, SAMPLE)
    assert run.output == "a\n[…]\nc\n" and run.ranges == ((2, 9),)
    assert run.detected == "log/plain" and run.strategy == "log.templates"
    assert seen == {"key": SAMPLE.key, "lossy": True, "command": "cat x"}


def test_file_tools_are_compressed_losslessly_and_none_passes_through() -> None:
    calls: list[bool] = []

    def compress(text: str, hint: Any, *, lossy: bool = True) -> _Outcome:
        calls.append(lossy)
        return _Outcome(_Detection("code"), None, "below floor")

    read = Sample("real/r", "real", "x" * 2000, "Read", "")
    run = ours.run_one(compress, read)
    assert calls == [False] and run.output == read.text and run.reason == "below floor"


def test_a_crash_is_recorded_and_fails_open() -> None:
    def compress(text: str, hint: Any, *, lossy: bool = True) -> _Outcome:
        raise ValueError("boom")

    run = ours.run_one(compress, SAMPLE)
    assert run.output == SAMPLE.text and "boom" in run.error


def test_stand_in_is_identity() -> None:
    runs = ours.run_all(None, [SAMPLE])
    assert runs[0].output == SAMPLE.text and runs[0].strategy == "identity"


def test_baseline_output_file_is_read_per_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    rows = [
        {"id": "s1", "mode": "default", "output": "x", "seconds": 0.5, "strategy": "log", "error": ""},
        {"id": "s1", "mode": "lossy", "output": "y", "seconds": 0.25, "strategy": "log", "error": ""},
        {"meta": {"version": "9.9.9", "modes": ["default", "lossy"]}},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    base = baseline._read(path, "0")
    assert base.version == "9.9.9"
    assert base.outputs["lossy"]["s1"] == baseline.Output("y", 0.25, "log", "")


def test_baseline_env_is_offline_and_isolated() -> None:
    env = baseline._env("/tmp/h")
    assert env["HOME"] == "/tmp/h" and env["HEADROOM_OFFLINE"] == "1" and env["HF_HUB_OFFLINE"] == "1"
    assert not any(k.startswith("PYTHON") for k in env)


def test_missing_venv_python_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(baseline, "venv_dir", lambda version: tmp_path / "venv")
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-such-python"))
    with pytest.raises(baseline.BaselineUnavailableError):
        baseline.ensure_venv("0.0.0", lambda msg: None)


def _score(system: str, category: str, before: int, after: int, needles: list[str]) -> scoring.Score:
    s = scoring.Score("s", category, system, before, after, 100, 50, 0.01)
    s.needles = [("q?", "a", cls) for cls in needles]
    s.lost_errline_count = needles.count(scoring.LOST)
    return s


def test_aggregate_weights_ratio_by_tokens_and_prints_every_row() -> None:
    scores = [
        _score("ours", "json", 100, 50, [scoring.RETAINED]),
        _score("ours", "json", 300, 30, [scoring.LOST]),
        _score("ours", "logs", 100, 100, []),
    ]
    aggs = report.aggregate(scores)
    assert aggs["ours"]["json"].ratio == pytest.approx(80 / 400)
    assert aggs["ours"]["json"].recall == 0.5
    assert aggs["ours"]["logs"].recall is None
    assert aggs["ours"][report.OVERALL].tokens_before == 500
    lines = report.table(aggs, ["ours"])
    assert any(line.startswith("json") and "0.200" in line and "50%" in line for line in lines)
    assert lines[-1].startswith("overall")


def _drop_middle(text: str, hint: Any, *, lossy: bool = True) -> _Outcome:
    """A fake lossy compressor: the middle third of the lines becomes one receipt."""
    lines = text.splitlines(keepends=True)
    a, b = len(lines) // 3, 2 * len(lines) // 3
    start, end = sum(map(len, lines[:a])), sum(map(len, lines[:b]))
    receipt = f"[… {b - a} lines omitted · <<ccr:{hint.key}>>]\n"
    return _Outcome(_Detection("log"), _Result(text[:start] + receipt + text[end:], ((start, end),), "fake"))


def test_receipts_from_a_pipeline_make_dropped_needles_recoverable() -> None:
    from benchmarks.compression_lib import probes
    from fixtures.compression.generators import generate_quick

    classes: list[str] = []
    recovered = 0
    for sample in generate_quick():
        if sample.text.count("\n") < 9:
            continue
        run = ours.run_one(_drop_middle, sample)
        rec = scoring.ReceiptRanges.of(run.output, sample.key, run.ranges)
        s = scoring.score(
            sample,
            "ours",
            run.output,
            rec,
            seconds=run.seconds,
            reference_tokens=1,
            sample_probes=probes.extract(sample.text),
        )
        classes += [cls for _, _, cls in s.needles]
        recovered += sum(c.get(scoring.RECOVERABLE, 0) for c in s.probes.values())
    assert scoring.RECOVERABLE in classes and scoring.RETAINED in classes
    assert scoring.LOST not in classes
    assert recovered > 50


def test_detection_summary_groups_by_category() -> None:
    a = _score("ours", "json", 1, 1, [])
    a.strategy = "json/array:json.table"
    b = _score("ours", "json", 1, 1, [])
    b.strategy = "text:none"
    assert report.detection_lines([a, b, a]) == ["  json     json/array x2, text x1"]


def test_install_errors_are_summarised() -> None:
    stderr = (
        "WARNING: x\nERROR: Could not find a version that satisfies the requirement (from versions: " + "1.0, " * 200
    )
    stderr += ")\nERROR: No matching distribution found for headroom-ai==0.0.1\n"
    assert baseline._tail(stderr) == "ERROR: No matching distribution found for headroom-ai==0.0.1"
    assert len(baseline._tail("ERROR: " + "x" * 1000)) == 240
    assert baseline._tail("") == "no output"
