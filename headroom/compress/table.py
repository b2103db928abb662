"""Column-aligned tables (``ls -la``, ``kubectl get``, ``docker ps``, ``ps``, ``df``).

Lossy only (padding cannot be put back exactly, so not even squeezing it is lossless): runs of spaces
between cells shrink to two spaces (one for ``ls -l``, whose columns are unambiguous by position) and
trailing spaces are dropped; the header stays, so columns remain readable. When that is all, one receipt
line on top says so and ``omitted_ranges`` lists every removed run of spaces. Rows that are identical once
every cell holding a digit is masked collapse to their first and last occurrence with a counted receipt;
rows with a rare value (``CrashLoopBackOff`` among ``Running``) have a template of their own and so always
stay.
"""

from __future__ import annotations

import re
from collections import Counter

from headroom.compress import lines as ln
from headroom.compress import masks
from headroom.compress.base import Result, marker
from headroom.compress.job import Job, Produced

_PAD_RE = re.compile(r"  +")
_WIDE_PAD_RE = re.compile(r"   +")  # runs of two spaces are already what they would become
# A cell holding a digit (sizes, dates, ids, numbered names): plainly ``(?<!\S)[^\s\d]*\d\S*``, spelled to
# open with a character class (the engine then skips whitespace in C) and without backtracking.
_TOKEN_RE = re.compile(r"\S(?<!\S\S)(?:(?<=\d)|[^\s\d]*+\d)\S*+")
_FIRST_FIELD_RE = re.compile(r"^\S+", re.MULTILINE)
MIN_GROUP = 3  # a template needs this many rows before it collapses


def compress(job: Job) -> Produced:
    if job.detection.frame == "claude.cat_n":
        return "table:file_view"
    if not job.lossy:
        return "table:exact"
    single = job.detection.subkind == "table.ls"
    squeezed = _squeeze(job.payload, single)
    short = ln.split(squeezed)
    if len(short) != len(job.lines):
        return "table:line_mismatch"
    body = short.raw
    masked = _TOKEN_RE.sub(masks.WILD, squeezed)
    if job.detection.subkind in ("table.kubectl", "table.docker"):
        masked = _FIRST_FIELD_RE.sub(masks.WILD, masked)  # the name is an identity
    rows = masked.split("\n")
    keep = job.protected_mask()
    header_rows = 2 if body and body[0].startswith("total ") else 1
    for index in _kept_rows(rows, header_rows):
        keep[index] = True
    for index in [index for index, line in enumerate(body) if not line.strip()]:
        keep[index] = True
    ln.fill_small_gaps(short, keep)
    if all(keep):
        if squeezed == job.payload:
            return "table:nothing_to_omit"
        note = f"[padding between columns shortened · {marker(job.hint.key)}]"
        return Result(text=f"{note}\n{squeezed}", omitted_ranges=padding(job.payload, single), strategy="table.squeeze")

    def describe(a: int, b: int) -> str:
        by_row = Counter(rows[a:b])
        shown = "; ".join(f"×{n} {row[:100]}" for row, n in sorted(by_row.items(), key=lambda kv: (-kv[1], kv[0]))[:2])
        return ln.receipt(a, b, job.hint.key, f"rows like {shown}", noun="row")

    text, _ = ln.render(short, keep, describe)
    _, omitted = ln.render(job.lines, keep, lambda a, b: "")  # only the original's ranges are needed here
    return Result(text=text, omitted_ranges=omitted, strategy="table.squeeze+rows")


def _kept_rows(rows: list[str], header_rows: int) -> set[int]:
    """The header, and per masked row its first and last occurrence (every one while fewer than ``MIN_GROUP``)."""
    positions = range(len(rows))
    kept = set(dict(zip(rows, positions, strict=True)).values())  # last occurrences
    kept.update(dict(zip(reversed(rows), reversed(positions), strict=True)).values())  # first occurrences
    kept.update(range(min(header_rows, len(rows))))
    few = {row for row, n in Counter(rows).items() if 2 < n < MIN_GROUP}  # fewer than 3: first and last are all
    if few:
        kept.update(index for index, row in enumerate(rows) if row in few)
    return kept


def _squeeze(text: str, single: bool) -> str:
    text = _PAD_RE.sub(" ", text) if single else _WIDE_PAD_RE.sub("  ", text)
    return ln.strip_line_ends(text)


def padding(text: str, single: bool) -> tuple[tuple[int, int], ...]:
    """The character ranges of ``text`` that ``_squeeze`` removes, merged and in order."""
    keep = 1 if single else 2
    found = [(match.start() + keep, match.end()) for match in (_PAD_RE if single else _WIDE_PAD_RE).finditer(text)]
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        kept = len(line.rstrip(" \t"))
        if start + kept < end:
            found.append((start + kept, end))
        start = end + 1
    merged: list[tuple[int, int]] = []
    for a, b in sorted(found):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)
