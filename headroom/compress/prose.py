"""Code and plain text: conservative by design.

Code and prose are what an agent reads closely and edits by exact match, so they pass through exactly
as they are: not even trailing spaces or runs of blank lines are rewritten, since a result without
receipts claims to be the original and no copy of the original would be kept to edit against. Prose
longer than ``TEXT_FLOOR_TOKENS`` (estimated) keeps its head and tail around one receipt.
"""

from __future__ import annotations

from headroom.compress import lines as ln
from headroom.compress.base import Result
from headroom.compress.job import Job, Produced

TEXT_FLOOR_TOKENS = 20_000
CHARS_PER_TOKEN = 4
HEAD_SHARE = 0.6  # of the kept budget
KEPT_TOKENS = 8_000


def compress_code(job: Job) -> Produced:
    return "code:exact"


def compress_text(job: Job) -> Produced:
    if not job.lossy:
        return "text:exact"
    if len(job.payload) <= TEXT_FLOOR_TOKENS * CHARS_PER_TOKEN:
        return "text:below_floor"
    return _head_tail(job)


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
