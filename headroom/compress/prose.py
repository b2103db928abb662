"""Code, plain text and HTML: conservative by design.

Code and prose are what an agent reads closely and edits by exact match, so nothing is dropped from
them below a high floor. When policy allows rewriting (``lossy``), whitespace is normalised: trailing
spaces go and runs of blank lines shrink to one. Prose longer than ``TEXT_FLOOR_TOKENS`` (estimated)
keeps its head and tail around one receipt. HTML loses its non-content blocks (scripts, styles,
comments, inline SVG) behind in-place receipts.
"""

from __future__ import annotations

import re

from headroom.compress import lines as ln
from headroom.compress.base import Result, marker
from headroom.compress.job import Job, Produced

TEXT_FLOOR_TOKENS = 20_000
CHARS_PER_TOKEN = 4
HEAD_SHARE = 0.6  # of the kept budget
KEPT_TOKENS = 8_000
_TRAIL_RE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANKS_RE = re.compile(r"\n(?:[ \t]*\n){2,}")


def normalise_whitespace(text: str) -> str:
    return _BLANKS_RE.sub("\n\n", _TRAIL_RE.sub("", text))


def compress_code(job: Job) -> Produced:
    if not job.lossy or job.detection.frame == "claude.cat_n":
        return "code:exact"
    out = normalise_whitespace(job.payload)
    if out == job.payload:
        return "code:nothing_to_do"
    return Result(text=out, omitted_ranges=(), strategy="code.whitespace")


def compress_text(job: Job) -> Produced:
    if not job.lossy:
        return "text:exact"
    if len(job.payload) > TEXT_FLOOR_TOKENS * CHARS_PER_TOKEN:
        return _head_tail(job)
    if job.detection.frame == "claude.cat_n":
        return "text:file_view"
    out = normalise_whitespace(job.payload)
    if out == job.payload:
        return "text:nothing_to_do"
    return Result(text=out, omitted_ranges=(), strategy="text.whitespace")


def _head_tail(job: Job) -> Produced:
    lines = job.lines
    budget = KEPT_TOKENS * CHARS_PER_TOKEN
    keep = job.protected_mask()
    used = 0
    index = 0
    while index < len(lines) and used < budget * HEAD_SHARE:
        keep[index] = True
        used += len(lines.raw[index]) + 1
        index += 1
    index = len(lines) - 1
    used = 0
    while index >= 0 and used < budget * (1 - HEAD_SHARE):
        keep[index] = True
        used += len(lines.raw[index]) + 1
        index -= 1
    if all(keep):
        return "text:single_block"
    text, omitted = ln.render(lines, keep, lambda a, b: ln.receipt(a, b, job.hint.key))
    return Result(text=text, omitted_ranges=omitted, strategy="text.head_tail")


_HTML_DROP_RE = re.compile(
    r"<script\b[^>]*>.*?</script\s*>|<style\b[^>]*>.*?</style\s*>|<!--.*?-->|<svg\b[^>]*>.*?</svg\s*>"
    r"|<noscript\b[^>]*>.*?</noscript\s*>|<template\b[^>]*>.*?</template\s*>",
    re.IGNORECASE | re.DOTALL,
)
_HTML_MIN_DROP = 200  # smaller blocks are not worth a receipt


def compress_html(job: Job) -> Produced:
    if not job.lossy:
        return "html:exact"
    text = job.payload
    spans: list[tuple[int, int]] = []
    for match in _HTML_DROP_RE.finditer(text):
        start, end = match.span()
        if spans and not text[spans[-1][1] : start].strip():
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    spans = [(a, b) for a, b in spans if b - a >= _HTML_MIN_DROP]
    if not spans:
        return "html:nothing_to_omit"
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        kinds = sorted({m.group(1).lower() for m in re.finditer(r"<(script|style|svg|noscript|template|!--)",
                                                                 text[start:end], re.IGNORECASE)})  # fmt: skip
        what = ", ".join("comment" if kind == "!--" else kind for kind in kinds)
        out.append(f"[… {end - start} chars of {what} omitted · {marker(job.hint.key)}]")
        pos = end
    out.append(text[pos:])
    return Result(text="".join(out), omitted_ranges=tuple(spans), strategy="html.drop_blocks")
