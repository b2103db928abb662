"""Search-hit compressor (grep -n, rg, rg --heading, grep -A/-B/-C, single-file grep -n).

Hits are grouped by file and lines are never rewritten. Every file keeps its heading (rg) and its first
and last match unit; inside a file, units that match the task (the grep pattern parsed from the command,
words of ``hint.query``) or carry strong keywords (errors, TODO/FIXME, definitions) are kept first, up to
a per-file and a global budget; a file with many units also keeps a few evenly spread ones. The units a
file loses are announced by one receipt per dropped run with the exact count of matches and context lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from headroom.compress import commands, masks, shapes
from headroom.compress import lines as ln
from headroom.compress.base import Result
from headroom.compress.job import Job, Produced

PER_FILE_EXTRA = 2  # ranked units kept per file besides its first and last
BUDGET_SHARE = 0.2  # global character budget for ranked extras, share of the payload
BUDGET_MIN = 1500
SPREAD_FROM = 20  # file groups with this many match units ...
SPREAD = 3  # ... also keep this many evenly spread ones
# The whole words TODO FIXME XXX HACK BUG ERROR Error error panic raise throw deprecated def class fn func
# function struct interface, grouped by first letter (order kept within a group) with the word boundary
# checked just after that letter, so the pattern opens with a character class the engine scans in C.
_KEYWORD_RE = re.compile(
    r"(?:T(?<!\wT)ODO|F(?<!\wF)IXME|X(?<!\wX)XX|H(?<!\wH)ACK|B(?<!\wB)UG|E(?<!\wE)(?:RROR|rror)|e(?<!\we)rror|"
    r"p(?<!\wp)anic|r(?<!\wr)aise|t(?<!\wt)hrow|d(?<!\wd)(?:eprecated|ef)|c(?<!\wc)lass|f(?<!\wf)(?:n|unc|unction)|"
    r"s(?<!\ws)truct|i(?<!\wi)nterface)\b"
)


@dataclass(slots=True)
class _Group:
    path: str
    units: list[tuple[int, int]]  # [start, end) line ranges of match units (hits + their context)
    heading: int = -1  # rg heading line


def compress(job: Job) -> Produced:
    if not job.lossy:
        return "search:lossless_unavailable"
    body = job.lines.body
    info = _line_infos(body, job.detection.subkind)
    groups = _parse(body, info, job.detection.subkind)
    if not groups:
        return "search:unparsed"
    keep = job.protected_mask()
    if "grep: " in job.payload or "Binary file " in job.payload:  # how every tool note starts
        for index, line in enumerate(body):
            if shapes.BINARY_RE.match(line):
                keep[index] = True  # tool notes are not matches
    terms = _terms(job)
    keywords: Callable[[str], object] = _KEYWORD_RE.search
    if sum(1 for line in body[:400] if keywords(line)) > 0.3 * min(len(body), 400):
        keywords = _never  # a keyword on most lines ranks nothing
    budget = max(BUDGET_MIN, BUDGET_SHARE * len(job.payload))
    ranked: list[tuple[int, int, int, int]] = []  # (-score, group, unit index, start)
    for gi, group in enumerate(groups):
        if group.heading >= 0:
            keep[group.heading] = True
        for ui, (start, end) in enumerate(group.units):
            if ui == 0 or ui == len(group.units) - 1:
                _mark(keep, start, end)
                continue
            score = _score(body, start, end, terms, keywords)
            if score > 0:
                ranked.append((-score, gi, ui, start))
    ranked.sort()
    per_file: dict[int, int] = {}
    spent = 0
    for _neg, gi, ui, _start in ranked:
        start, end = groups[gi].units[ui]
        size = job.lines.end(end - 1) - job.lines.starts[start]
        if per_file.get(gi, 0) >= PER_FILE_EXTRA or spent + size > budget:
            continue
        per_file[gi] = per_file.get(gi, 0) + 1
        spent += size
        _mark(keep, start, end)
    for group in groups:  # a long file group also shows a few evenly spread matches from its middle
        count = len(group.units)
        if count < SPREAD_FROM:
            continue
        for n in range(1, SPREAD + 1):
            start, end = group.units[n * (count - 1) // (SPREAD + 1)]
            size = job.lines.end(end - 1) - job.lines.starts[start]
            if spent + size <= budget:
                spent += size
                _mark(keep, start, end)
    ln.fill_small_gaps(job.lines, keep)
    if all(keep):
        return "search:nothing_to_omit"
    describe = _describer(body, info, job.hint.key)
    text, omitted = ln.render(job.lines, keep, describe)
    return Result(text=text, omitted_ranges=omitted, strategy="search.by_file")


def _mark(keep: list[bool], start: int, end: int) -> None:
    for index in range(start, end):
        keep[index] = True


def _terms(job: Job) -> tuple[str, ...]:
    pattern = commands.grep_pattern(job.hint.command) if job.hint.command else ""
    terms = masks.query_terms(f"{pattern} {job.hint.query}")
    return masks.distinctive(terms, job.payload, len(job.lines), share=0.3)


def _never(line: str) -> None:
    return None


def _score(body: tuple[str, ...], start: int, end: int, terms: tuple[str, ...],
           keywords: Callable[[str], object]) -> int:  # fmt: skip
    score = 0
    for index in range(start, end):
        line = body[index]
        if terms:
            low = line.lower()
            score += 3 * sum(1 for term in terms if term in low)
        if keywords(line):
            score += 1
    return score


def _line_infos(body: tuple[str, ...], subkind: str) -> list[tuple[str | None, str]]:
    """Per line, ``(path, separator)`` of a hit (``:``) or context (``-``) line; ``(None, "")`` otherwise."""
    other: tuple[str | None, str] = (None, "")
    if subkind in ("search.rg_heading", "search.lines"):
        numbered = shapes.NUM_HIT_RE.match
        return [("", match.group("sep")) if (match := numbered(line)) else other for line in body]
    kind = shapes.hit_kind
    return [kind(line, lenient=True) or other for line in body]


def _parse(body: tuple[str, ...], info: list[tuple[str | None, str]], subkind: str) -> list[_Group]:
    """File groups with their match units. A unit is a run of hit/context lines between separators."""
    groups: list[_Group] = []
    current: _Group | None = None
    unit_start = -1

    def close_unit(end: int) -> None:
        nonlocal unit_start
        if current is not None and unit_start >= 0:
            current.units.append((unit_start, end))
        unit_start = -1

    contextual = any(line == "--" for line in body)
    for index, line in enumerate(body):
        path = info[index][0]
        if path is None:
            if line == "--" or not line.strip():
                close_unit(index)
                if not line.strip() and subkind == "search.rg_heading":
                    current = None
                continue
            if subkind == "search.rg_heading" and shapes.looks_like_path(line.strip(), lenient=True):
                close_unit(index)
                current = _Group(path=line.strip(), units=[], heading=index)
                groups.append(current)
            else:
                close_unit(index)
            continue
        if current is None or (path != current.path and current.heading < 0):
            close_unit(index)
            current = _Group(path=path, units=[])
            groups.append(current)
        if unit_start < 0:
            unit_start = index
        elif not contextual:
            close_unit(index)
            unit_start = index
    close_unit(len(body))
    return [group for group in groups if group.units]


def _describer(body: tuple[str, ...], info: list[tuple[str | None, str]], key: str) -> ln.Describe:
    def describe(a: int, b: int) -> str:
        hits = context = 0
        files: list[str] = []
        for index in range(a, b):
            path, sep = info[index]
            if sep == ":":
                hits += 1
            elif sep == "-":
                context += 1
            if path and (not files or files[-1] != path):
                files.append(path)
        parts = [f"{hits} match{'es' if hits != 1 else ''}"]
        if context:
            parts.append(f"{context} context")
        if len(set(files)) > 1:
            parts.append(f"{len(set(files))} files")
        return ln.receipt(a, b, key, ", ".join(parts))

    return describe
