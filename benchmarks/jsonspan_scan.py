"""Benchmark: ``jsonspan.scan`` against ``json.loads`` on real and grown request bodies.

Run from the repository root::

    python benchmarks/jsonspan_scan.py            # corpus + 1 MB + 10 MB
    python benchmarks/jsonspan_scan.py --quick    # fewer rounds

For each body it prints the median wall time of ``json.loads(body)``, of ``scan(body, schema)`` with
the provider schema an adapter would use, and of the adapter itself (``headroom.providers.adapters``:
scan, live zone, call pairing, decoding every tool output), timed alternately round by round so
machine noise hits all alike, with their ratios to ``json.loads``; for the grown bodies also the
cost of UTF-8 validation (a plain ``body.decode("utf-8")`` and the chunked check ``scan`` uses), a
walk-everything scan, and ``splice`` of the newest tool result.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from headroom.jsonspan import WALK_ALL, encode_string, find, scan, splice
from headroom.jsonspan.scanner import check_utf8
from headroom.providers.adapters import ADAPTERS
from tests.jsonspan.schemas import ANTHROPIC, schema_for
from tests.jsonspan.synth import claude_code_body
from tests.support.paths import shared_dir


def _sample(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e3


def medians(fns: list[Callable[[], object]], rounds: int) -> list[float]:
    """Median ms per call of each function, sampled alternately round by round."""
    once = min(_sample(fn, 1) for fn in fns)
    number = max(1, int(2.0 / max(once, 1e-3)))  # about 2 ms per sample
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, acc in zip(fns, samples, strict=True):
            acc.append(_sample(fn, number))
    return [statistics.median(acc) for acc in samples]


def row(label: str, size: int, loads_ms: float, scan_ms: float, extra: str = "") -> None:
    print(f"{label:<50} {size / 1e3:>9.1f} {loads_ms:>9.3f} {scan_ms:>9.3f} {scan_ms / loads_ms:>6.2f}  {extra}")


API_OF = {"chat_completions": "openai.chat", "v1_responses": "openai.responses", "generateContent": "gemini.generate",
          "streamGenerateContent": "gemini.stream", "v1_messages.": "anthropic.messages"}


def corpus_row(path: Path, rounds: int) -> None:
    """json.loads vs the schema scan vs the whole adapter (scan + live zone + pairing + decoding)."""
    body = path.read_bytes()
    schema = schema_for(path.name)
    api = next((a for key, a in API_OF.items() if key in path.name), None)
    adapter = ADAPTERS.get(api or "")
    fns: list[Callable[[], object]] = [lambda: json.loads(body), lambda: scan(body, schema)]
    if adapter is not None:
        fns.append(lambda: adapter(body))
    found = medians(fns, rounds)
    label = f"{path.parent.name}/{path.name.removesuffix('.body.bin')}".replace("_models_gemini-2.5-flash", "")
    extra = f"{found[2]:>9.3f} {found[2] / found[0]:>6.2f}" if adapter is not None else ""
    row(label, len(body), found[0], found[1], extra)


def grown_row(corpus: Path, size: int, rounds: int) -> None:
    body = claude_code_body(corpus, size)
    span = find(body, "messages[-1].content[0].content")
    edit = [(span, encode_string("[output compressed: <<ccr:0123456789abcdef01234567>>]"))]
    loads_ms, scan_ms, decode_ms, check_ms, all_ms, splice_ms = medians(
        [
            lambda: json.loads(body),
            lambda: scan(body, ANTHROPIC),
            lambda: body.decode("utf-8"),
            lambda: check_utf8(body),
            lambda: scan(body, WALK_ALL),
            lambda: splice(body, edit),
        ],
        rounds,
    )
    row(f"grown claude-code body ({size // 1_000_000} MB)", len(body), loads_ms, scan_ms)
    pad = " " * 52
    print(f"{pad}UTF-8 validation: body.decode {decode_ms:.3f} ms; chunked check_utf8 (in scan) {check_ms:.3f} ms")
    print(f"{pad}walk-everything scan {all_ms:.3f} ms ({all_ms / loads_ms:.2f}x); splice of 1 edit {splice_ms:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31, help="samples per measurement (median taken)")
    parser.add_argument("--quick", action="store_true", help="7 rounds, 1 MB only")
    args = parser.parse_args()
    shared = shared_dir()
    if shared is None:
        sys.exit("../shared/corpus not found (set SHARED_DIR)")
    corpus = shared / "corpus"
    rounds = 7 if args.quick else args.rounds
    print(f"python {sys.version.split()[0]}, median of {rounds} rounds; times in ms")
    print(f"{'body':<50} {'KB':>9} {'loads':>9} {'scan':>9} {'ratio':>6}  {'adapter':>9} {'ratio':>6}")
    for path in sorted(corpus.glob("*/*.body.bin")):
        if not path.name.endswith(".response.body.bin") and path.stat().st_size > 0:
            corpus_row(path, rounds)
    for size in [1_000_000] if args.quick else [1_000_000, 10_000_000]:
        grown_row(corpus, size, rounds)


if __name__ == "__main__":
    main()
