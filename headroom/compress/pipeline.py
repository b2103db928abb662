"""The compression pipeline: one call per tool output.

``compress_text`` recognises the client frame, detects the payload's kind, peels workflow tags off the
payload's edges, runs the kind's compressor and then checks, in this order, that every protected unit is
still present verbatim, that every omission carries the retrieve marker, and that the result has strictly
fewer o200k tokens than the input (I5). Anything else — including an internal error — leaves the block
alone. It never raises.

Lossy work needs a retrieve key (``hint.key``): without one only lossless rewriting is attempted, since
a receipt nobody can redeem would be a silent drop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from headroom import tokens
from headroom.compress import diff, frames, html, json_compress, logs, prose, protect, search, table
from headroom.compress import lines as ln
from headroom.compress.base import Hint, Result, marker
from headroom.compress.detect import KINDS, Detection, classify
from headroom.compress.job import Job, Produced

__all__ = ["KINDS", "VERSION", "Detection", "Outcome", "compress_text", "detect"]

# Bump whenever any output byte for some input changes: it is part of the ledger's settings fingerprint.
VERSION = "2"

_COMPRESSORS: dict[str, Callable[[Job], Produced]] = {
    "json": json_compress.compress,
    "log": logs.compress,
    "search": search.compress,
    "diff": diff.compress,
    "table": table.compress,
    "code": prose.compress_code,
    "html": html.compress,
    "text": prose.compress_text,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    detection: Detection
    result: Result | None  # None: leave the block alone
    reason: str  # "compressed" | "lossless" | "no_gain" | "not_compressible" | "error:<Type>" | …


def compress_payload(payload: str, hint: Hint, lossy: bool) -> Produced:
    """Detect and compress a bare payload (no frame): used for text nested inside JSON strings."""
    kind, subkind = classify(payload, hint)
    lines = ln.split(payload)
    spans = protect.units(payload)
    job = Job(payload, lines, Detection(kind, subkind, ""), hint, lossy, _protected(lines, spans))
    produced = _COMPRESSORS.get(kind, prose.compress_text)(job)
    if isinstance(produced, Result) and not protect.intact(payload, spans, produced.text):
        return "protected_tag"
    return produced


def _protected(lines: ln.Lines, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Line ranges of the workflow-tag units (the lines are only split when there are any)."""
    return tuple(protect.line_spans(lines.starts, spans)) if spans else ()


# Python splits on these, o200k does not count them as whitespace: the bound would not hold.
_SEPARATORS = ("\x1c", "\x1d", "\x1e", "\x1f")


def fewer_tokens(candidate: str, original: str, original_tokens: int | Callable[[], int] | None = None) -> bool:
    """Exactly ``count(candidate) < count(original)``, usually without tokenising the original.

    o200k splits text into pieces before BPE, and a piece holds at most one whitespace-to-non-whitespace
    transition (always at its start), so ``count(original) >= len(original.split()) - 1``. When the
    candidate is already below that bound, the original need not be counted. The words are only split
    off until the bound is reached: ``after < words - 1`` holds exactly when ``after + 2`` pieces come out
    of a split limited to ``after + 1`` cuts.
    """
    after = tokens.count(candidate)
    if isinstance(original_tokens, int):
        return after < original_tokens
    if not any(sep in original for sep in _SEPARATORS) and len(original.split(maxsplit=after + 1)) >= after + 2:
        return True
    return after < (original_tokens() if original_tokens is not None else tokens.count(original))


def detect(text: str, hint: Hint) -> Detection:
    frame = frames.split(text)
    return _detect_frame(frame, hint)


def _detect_frame(frame: frames.Frame, hint: Hint) -> Detection:
    payload = "\n".join(frame.body) if frame.body is not None else frame.payload
    kind, subkind = classify(protect.peel_edges(payload)[1], hint)
    return Detection(kind, subkind, frame.name)


def compress_text(
    text: str,
    hint: Hint,
    *,
    lossy: bool = True,
    detection: Detection | None = None,
    original_tokens: int | Callable[[], int] | None = None,
) -> Outcome:
    """Compress one tool output; see the module docstring for the guarantees.

    ``original_tokens`` (optional) is ``tokens.count(text)`` when the caller already knows it, or a
    callable giving it (called only if the gate's cheap bound cannot decide, e.g. a count the caller
    is computing concurrently); it spares the gate a second tokenisation of the input.
    """
    fallback = detection or Detection("text", "text.unknown", "")
    try:
        return _compress(text, hint, lossy, detection, original_tokens)
    except Exception as exc:  # fail open: the caller forwards the original
        return Outcome(fallback, None, f"error:{type(exc).__name__}")


def _compress(
    text: str, hint: Hint, lossy: bool, detection: Detection | None, known: int | Callable[[], int] | None
) -> Outcome:
    frame = frames.split(text)
    found = detection or _detect_frame(frame, hint)
    lossy = lossy and bool(hint.key)
    if not text.strip():
        return Outcome(found, None, "empty")
    if frame.name == frames.CAT_N and not lossy:
        return Outcome(found, None, "exact_file_view")
    if frame.body is not None:
        head, core, tail = "", frame.payload, ""
        lines = ln.split(core, frame.body)
    else:
        head, core, tail = protect.peel_edges(frame.payload)
        lines = ln.split(core)
    spans = protect.units(core)
    job = Job(core, lines, found, hint, lossy, _protected(lines, spans))
    produced = _COMPRESSORS.get(found.kind, prose.compress_text)(job)
    if isinstance(produced, str):
        return Outcome(found, None, produced)
    if not protect.intact(core, spans, produced.text):
        return Outcome(found, None, "protected_tag")
    if produced.omitted_ranges and marker(hint.key) not in produced.text:
        return Outcome(found, None, "error:receipt_without_key")
    offset = len(frame.prefix) + len(head)
    out_text = frame.prefix + head + produced.text + tail + frame.suffix
    if out_text == text:
        return Outcome(found, None, "unchanged")
    if not fewer_tokens(out_text, text, known):
        return Outcome(found, None, "no_gain")
    result = Result(out_text, ln.shift(produced.omitted_ranges, offset), produced.strategy)
    return Outcome(found, result, "lossless" if result.lossless else "compressed")
