"""Compression benchmark: our pipeline vs. the published Headroom compressors, same corpus, same run.

    python benchmarks/compression.py [--quick] [--no-baseline] [--json FILE] [--seed N] [--repeat N]

Corpus: the deterministic synthetic samples of ``fixtures/compression`` (JSON, logs, search hits,
diffs, tables, code, HTML, prose with planted needles) plus the real tool outputs captured in
``shared/corpus`` when it is present. Metrics (see COMPRESSION.md, "How quality is measured"):
o200k token ratio after/before (JSON against its minified form), retention probes classified
retained / recoverable / lost, lost error lines, needle recall, and our detect+compress throughput,
both (a) as wall time and (b) with the time spent inside the o200k tokenizer (the pipeline's token
gate and token-based choices) subtracted; ``--repeat N`` times N passes and keeps each sample's median.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.compression_lib import baseline, ours, probes, report, scoring
from fixtures.compression import corpus
from fixtures.compression.generators import DEFAULT_SEED, generate, generate_quick
from fixtures.compression.sample import Sample
from headroom import tokens

QUICK_REAL_MAX = 10_000


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_samples(seed: int, quick: bool) -> tuple[list[Sample], str]:
    """Synthetic samples plus captured ones; the second value says where the real ones came from."""
    samples = generate_quick(seed) if quick else generate(seed)
    where = corpus.find_corpus()
    if where is None:
        return samples, "real captured outputs: skipped (shared/corpus not found)"
    real = corpus.extract(where)
    if quick:
        real = [s for s in real if s.size <= QUICK_REAL_MAX]
    return samples + real, f"real captured outputs: {len(real)} from {where}"


def _prepare(samples: list[Sample]) -> tuple[dict[str, list[probes.Probe]], dict[str, int]]:
    found = {s.name: probes.extract(s.text) for s in samples}
    ref = {s.name: tokens.count(scoring.reference_text(s)) for s in samples}
    return found, ref


def score_ours(
    samples: list[Sample], found: dict[str, list[probes.Probe]], ref: dict[str, int], repeat: int = 1
) -> tuple[str, list[scoring.Score], list[ours.Run]]:
    name, fn = ours.load()
    runs = ours.run_all(fn, samples, repeat)
    scores = [
        scoring.score(
            s,
            "ours",
            r.output,
            scoring.ReceiptRanges.of(r.output, s.key, r.ranges),
            seconds=r.seconds,
            reference_tokens=ref[s.name],
            sample_probes=found[s.name],
            strategy=f"{r.detected}:{r.strategy}",
            error=r.error,
            tokenizer_seconds=r.tokenizer_seconds,
        )
        for s, r in zip(samples, runs, strict=True)
    ]
    return name, scores, runs


def score_baseline(
    samples: list[Sample],
    found: dict[str, list[probes.Probe]],
    ref: dict[str, int],
    version: str,
    modes: tuple[str, ...],
) -> tuple[str, list[scoring.Score]]:
    base = baseline.run(samples, version, modes, _log)
    scores = []
    for mode in modes:
        for s in samples:
            out = base.outputs[mode][s.name]
            scores.append(
                scoring.score(
                    s,
                    f"hr-{mode}",
                    out.text,
                    scoring.AnyMarker.headroom(out.text),
                    seconds=out.seconds,
                    reference_tokens=ref[s.name],
                    sample_probes=found[s.name],
                    strategy=out.strategy,
                    error=out.error,
                )
            )
    return base.version, scores


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="small subset (one sample per generator, ~3 KB)")
    p.add_argument("--no-baseline", action="store_true", help="skip the Headroom baseline")
    p.add_argument("--json", metavar="FILE", help="write the raw per-sample results as JSON")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--repeat", type=int, default=1, help="timed passes of ours; each sample keeps its median")
    p.add_argument("--baseline-version", default=baseline.DEFAULT_VERSION, help="headroom-ai version to compare")
    p.add_argument("--modes", default=",".join(baseline.MODES), help="Headroom modes: default,lossless,lossy")
    p.add_argument("--dump-outputs", metavar="DIR", help="write every system's output per sample into DIR")
    return p.parse_args(argv)


def _dump(directory: Path, samples: list[Sample], runs: list[ours.Run]) -> None:
    for s, r in zip(samples, runs, strict=True):
        path = directory / (s.name.replace("/", "__") + ".txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(r.output, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    started = time.perf_counter()
    samples, real_note = load_samples(args.seed, args.quick)
    found, ref = _prepare(samples)
    _log(f"{len(samples)} samples, {sum(s.size for s in samples) / 1e6:.2f} MB; {real_note}")
    load_before = os.getloadavg()
    ours_name, scores, runs = score_ours(samples, found, ref, args.repeat)
    load_after = os.getloadavg()
    systems = ["ours"]
    base_note = "Headroom baseline: skipped (--no-baseline)"
    if not args.no_baseline:
        modes = tuple(m for m in args.modes.split(",") if m)
        try:
            version, extra = score_baseline(samples, found, ref, args.baseline_version, modes)
            scores += extra
            systems += [f"hr-{m}" for m in modes]
            base_note = f"Headroom baseline: headroom-ai {version}, modes {', '.join(modes)}"
        except baseline.BaselineUnavailableError as exc:
            base_note = f"Headroom baseline: skipped ({exc})"
    aggs = report.aggregate(scores)
    lines = _render(
        args=args,
        samples=samples,
        real_note=real_note,
        ours_name=ours_name,
        base_note=base_note,
        aggs=aggs,
        scores=scores,
        systems=systems,
        load=(load_before, load_after),
    )
    lines.append(f"(total wall time {time.perf_counter() - started:.1f} s)")
    print("\n".join(lines))
    if args.dump_outputs:
        _dump(Path(args.dump_outputs), samples, runs)
    if args.json:
        _write_json(
            path=Path(args.json),
            args=args,
            samples=samples,
            ours_name=ours_name,
            base_note=base_note,
            aggs=aggs,
            scores=scores,
        )
    return 0


def _render(
    *,
    args: argparse.Namespace,
    samples: list[Sample],
    real_note: str,
    ours_name: str,
    base_note: str,
    aggs: dict[str, dict[str, report.Agg]],
    scores: list[scoring.Score],
    systems: list[str],
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> list[str]:
    synthetic = sum(1 for s in samples if s.category != "real")
    lines = [
        f"Compression benchmark  seed={args.seed}{'  (quick)' if args.quick else ''}  samples={len(samples)} "
        f"({synthetic} synthetic, {len(samples) - synthetic} real), {sum(s.size for s in samples) / 1e6:.2f} MB",
        f"ours: {ours_name}",
        base_note,
        real_note,
        "ratio = o200k tokens after / before (JSON: before = minified); lostE = error/warn lines lost "
        "(absent, no covering receipt); recall = needles retained or recoverable",
        "recoverable: ours = absent, its own <<ccr:KEY>> in the output and a declared omitted range covering it; "
        "Headroom = absent and any <<ccr:…>> / 'Retrieve …: hash=' marker in the output",
        "",
        *report.table(aggs, systems),
        "",
        *report.probe_lines(aggs, systems),
        "",
        f"throughput, MB/s of tool output (ours: {_passes(args.repeat)}; "
        f"load average {_load(load[0])} before, {_load(load[1])} after):",
        "  (a) = detect + compress_text wall time, tokenizer calls included (baselines: wall time per call)",
        "  (b) = (a) minus the time spent inside the o200k tokenizer (token gate and token-based choices)",
        *report.speed_lines(scores, systems if ours_name != ours.STANDIN else systems[1:]),
    ]
    if ours_name == ours.STANDIN:
        lines.append("ours        n/a: the identity stand-in does no work, there is nothing to time")
    if ours_name != ours.STANDIN:
        lines += ["", "throughput per category (ours):", *report.category_speed_lines(aggs)]
        lines += ["", "detected kinds (ours):", *report.detection_lines(scores)]
    crashes = [f"{s.system} {s.sample}: {s.error}" for s in scores if s.error]
    if crashes:
        lines += ["", f"crashes ({len(crashes)}):", *crashes[:20]]
    missed = report.lost_needles(scores, "ours")
    lines += ["", f"lost needles (ours): {len(missed) or 'none'}", *missed]
    lost_err = [f"{s.sample}: {t!r}" for s in scores if s.system == "ours" for t in s.lost_errlines]
    if lost_err:
        lines += ["", "lost error lines (ours, first per sample listed):", *lost_err[:40]]
    return lines


def _passes(repeat: int) -> str:
    return f"median of {repeat} timed passes" if repeat > 1 else "one timed pass"


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def _write_json(
    *,
    path: Path,
    args: argparse.Namespace,
    samples: list[Sample],
    ours_name: str,
    base_note: str,
    aggs: dict[str, dict[str, report.Agg]],
    scores: list[scoring.Score],
) -> None:
    data: dict[str, Any] = {
        "seed": args.seed,
        "quick": args.quick,
        "ours": ours_name,
        "baseline": base_note,
        "samples": [
            {
                "name": s.name,
                "category": s.category,
                "bytes": s.size,
                "tool": s.tool,
                "command": s.command,
                "source": s.source,
                "key": s.key,
                "needles": [asdict(n) for n in s.needles],
            }
            for s in samples
        ],
        "aggregate": {sys_: {cat: a.as_dict() for cat, a in per.items()} for sys_, per in aggs.items()},
        "scores": [s.as_dict() for s in scores],
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
