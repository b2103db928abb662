"""Column-aligned tables (``ls -la``, ``kubectl get``, ``docker ps``, ``ps``, ``df``).

Lossless step: padding goes. Runs of spaces between cells shrink to two spaces (one for ``ls -l``,
whose columns are unambiguous by position), trailing spaces are dropped; the header stays, so columns
remain readable. Lossy step: rows that are identical once every cell holding a digit is masked collapse to
their first and last occurrence with a counted receipt; rows with a rare value (``CrashLoopBackOff``
among ``Running``) have a template of their own and so always stay.
"""

from __future__ import annotations

import re
from collections import Counter

from headroom.compress import lines as ln
from headroom.compress import masks
from headroom.compress.base import Result
from headroom.compress.job import Job, Produced

_PAD_RE = re.compile(r"  +")
_TRAIL_RE = re.compile(r"[ \t]+(?=\n|\Z)")
# A cell holding a digit (sizes, dates, ids, numbered names): plainly ``(?<!\S)[^\s\d]*\d\S*``, spelled to
# open with a character class (the engine then skips whitespace in C) and without backtracking.
_TOKEN_RE = re.compile(r"\S(?<!\S\S)(?:(?<=\d)|[^\s\d]*+\d)\S*+")
_FIRST_FIELD_RE = re.compile(r"^\S+", re.MULTILINE)
MIN_GROUP = 3  # a template needs this many rows before it collapses


def compress(job: Job) -> Produced:
    if job.detection.frame == "claude.cat_n":
        return "table:file_view"
    squeezed = _squeeze(job.payload, job.detection.subkind == "table.ls")
    if not job.lossy:
        if squeezed == job.payload:
            return "table:nothing_to_do"
        return Result(text=squeezed, omitted_ranges=(), strategy="table.squeeze")
    short = ln.split(squeezed)
    if len(short) != len(job.lines):
        return "table:line_mismatch"
    body = short.raw
    masked = _TOKEN_RE.sub(masks.WILD, squeezed)
    if job.detection.subkind in ("table.kubectl", "table.docker"):
        masked = _FIRST_FIELD_RE.sub(masks.WILD, masked)  # the name is an identity
    rows = masked.split("\n")
    counts = Counter(rows)
    seen: Counter[str] = Counter()
    last = {row: index for index, row in enumerate(rows)}
    keep = job.protected_mask()
    header_rows = 2 if body and body[0].startswith("total ") else 1
    for index, row in enumerate(rows):
        seen[row] += 1
        if index < header_rows or counts[row] < MIN_GROUP or seen[row] == 1 or last[row] == index:
            keep[index] = True
        if not body[index].strip():
            keep[index] = True
    ln.fill_small_gaps(short, keep)
    if all(keep):
        return Result(text=squeezed, omitted_ranges=(), strategy="table.squeeze") if squeezed != job.payload \
            else "table:nothing_to_omit"  # fmt: skip

    def describe(a: int, b: int) -> str:
        by_row = Counter(rows[a:b])
        shown = "; ".join(f"×{n} {row[:100]}" for row, n in sorted(by_row.items(), key=lambda kv: (-kv[1], kv[0]))[:2])
        return ln.receipt(a, b, job.hint.key, f"rows like {shown}", noun="row")

    text, _ = ln.render(short, keep, describe)
    _, omitted = ln.render(job.lines, keep, describe)
    return Result(text=text, omitted_ranges=omitted, strategy="table.squeeze+rows")


def _squeeze(text: str, single: bool) -> str:
    text = _PAD_RE.sub(" " if single else "  ", text)  # first: later runs are short and cheap to test
    return _TRAIL_RE.sub("", text)
