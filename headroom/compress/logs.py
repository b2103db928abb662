"""Log and build-output compressor: keep what matters verbatim, collapse repetition by template.

Kept verbatim, in place: every error unit (traceback, panic, pytest failure block, cargo error with its
code frame, ``npm ERR!`` run) up to a generous budget, beyond which each error template keeps its
first occurrences and its last; warnings by template (first two and last); for every other template its
first and last occurrence; the first and last lines of the output; lines matching the task query; workflow
tags. Every dropped run becomes one receipt with exact counts per level and its main templates, e.g.
``[… 347 lines omitted (L41–L387): 12 WARN, 335 INFO; ×300 GET /api/orders/<*> 200 <*>ms · <<ccr:KEY>>]``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from itertools import count
from operator import itemgetter

from headroom.compress import lines as ln
from headroom.compress import logblocks, masks, templates
from headroom.compress.base import Hint, Result
from headroom.compress.job import Job, Produced

HEAD_LINES = 2
TAIL_LINES = 3
ERROR_FIRST = 3  # occurrences of one error template always kept (plus its last)
WARN_FIRST = 2
ERROR_BUDGET_CHARS = 6000  # below this, every error unit is kept whole
ERROR_BUDGET_SHARE = 0.25  # ... or below this share of the output
QUERY_LINES = 30
UNIT_TRIM = 120  # a unit longer than this keeps its head, tail and key lines
_SEVERITY = {masks.ERROR: 3, masks.WARN: 2, masks.INFO: 1, masks.DEBUG: 0, masks.OTHER: 1}


def compress(job: Job) -> Produced:
    if not job.lossy:
        return "log:lossless_unavailable"
    body = job.lines.body
    total = len(body)
    if total < 4:
        return "log:too_short"
    plain = body is job.lines.raw
    levels = masks.line_levels(job.payload, job.lines.starts) if plain else masks.levels(body)
    masked = masks.mask(job.payload if plain else "\n".join(body)).split("\n")
    tpl = templates.mine(masked, levels, logblocks.group_keys(body, job.detection.subkind))
    items = _items(body, levels, job.detection.subkind, (job.payload, job.lines.starts) if plain else None)
    keep = job.protected_mask()
    _select(job, items, levels, tpl, keep)
    ln.fill_small_gaps(job.lines, keep)
    if all(keep):
        return "log:nothing_to_omit"
    describe = _describer(levels, tpl, job.hint)
    text, omitted = ln.render(job.lines, keep, describe)
    return Result(text=text, omitted_ranges=omitted, strategy="log.templates")


def _items(body: tuple[str, ...], levels: list[str], subkind: str,
           joined: tuple[str, tuple[int, ...]] | None) -> list[tuple[int, int, str]]:  # fmt: skip
    """``(start, end, level)`` of every unit and every line outside units, in order.

    ``joined``: the body's text and line offsets, when at hand.
    """
    units = logblocks.units(body, subkind, *(joined or (None, None)))
    out: list[tuple[int, int, str]] = []
    index = 0
    for start, end in units:
        out.extend(zip(range(index, start), range(index + 1, start + 1), levels[index:start], strict=True))
        level = max((levels[i] for i in range(start, end)), key=_SEVERITY.__getitem__)
        out.append((start, end, level))
        index = end
    out.extend(zip(range(index, len(body)), range(index + 1, len(body) + 1), levels[index:], strict=True))
    return out


def _select(job: Job, items: list[tuple[int, int, str]], levels: list[str], tpl: templates.Templates,
            keep: list[bool]) -> None:  # fmt: skip
    body = job.lines.body
    total = len(body)
    for index in range(min(HEAD_LINES, total)):
        keep[index] = True
    for index in _last_nonblank(body, TAIL_LINES):
        keep[index] = True
    item_levels = list(map(itemgetter(2), items))
    errors = [items[p] for p in itertools.compress(count(), map(masks.ERROR.__eq__, item_levels))]
    starts, raw = job.lines.starts, job.lines.raw
    error_chars = sum(starts[end - 1] + len(raw[end - 1]) - starts[start] for start, end, _level in errors)
    keep_all_errors = error_chars <= max(ERROR_BUDGET_CHARS, ERROR_BUDGET_SHARE * len(job.payload))
    tids = list(map(tpl.ids.__getitem__, map(itemgetter(0), items)))
    for position in _wanted(item_levels, tids, keep_all_errors):
        start, end, _level = items[position]
        if end - start == 1:
            keep[start] = True
        else:
            _keep_unit(body, start, end, keep)
    _keep_query(job.hint, body, keep)


def _last_nonblank(body: tuple[str, ...], count: int) -> list[int]:
    """Indices of the last ``count`` lines that are not blank, in order."""
    found: list[int] = []
    index = len(body) - 1
    while index >= 0 and len(found) < count:
        if body[index].strip():
            found.append(index)
        index -= 1
    return found[::-1]


def _wanted(levels: list[str], tids: list[int], keep_all_errors: bool) -> set[int]:
    """Positions of the items to keep, given each item's level and template: each template's first and last
    item; for an error template also its first ``ERROR_FIRST`` items (all of them while errors fit the
    budget); for a warning, its first ``WARN_FIRST``.

    A template's n-th item counts every item of that template, whatever the item's own level.
    """
    positions = range(len(tids))
    last = dict(zip(tids, positions, strict=True))  # later positions overwrite earlier ones
    first = dict(zip(reversed(tids), reversed(positions), strict=True))
    wanted = set(first.values())
    wanted.update(last.values())
    counted = set(map(tids.__getitem__, itertools.compress(count(), map(_COUNTED.__contains__, levels))))
    if not counted:
        return wanted
    seen: dict[int, int] = {}
    for position, tid in enumerate(tids):
        if tid not in counted:
            continue
        nth = seen[tid] = seen.get(tid, 0) + 1
        level = levels[position]
        if (level == masks.ERROR and (keep_all_errors or nth <= ERROR_FIRST)) or (
            level == masks.WARN and nth <= WARN_FIRST
        ):
            wanted.add(position)
    return wanted


_COUNTED = frozenset((masks.ERROR, masks.WARN))


def _keep_unit(body: tuple[str, ...], start: int, end: int, keep: list[bool]) -> None:
    if end - start <= UNIT_TRIM:
        for index in range(start, end):
            keep[index] = True
        return
    for index in range(start, end):
        line = body[index]
        if index < start + 30 or index >= end - 40 or line.startswith(("E ", "> ", "error", "Error", "Caused by")):
            keep[index] = True


def _keep_query(hint: Hint, body: tuple[str, ...], keep: list[bool]) -> None:
    terms = masks.query_terms(hint.query)
    if terms:
        terms = masks.distinctive(terms, "\n".join(body), len(body))
    if not terms:
        return
    found = 0
    for index, line in enumerate(body):
        if found >= QUERY_LINES:
            break
        if not keep[index] and masks.matches_query(line, terms):
            keep[index] = True
            found += 1


def _describer(levels: list[str], tpl: templates.Templates, hint: Hint) -> ln.Describe:
    def describe(a: int, b: int) -> str:
        by_level = Counter(levels[a:b])
        parts = [f"{by_level[name]} {name}" for name in masks.LEVELS if by_level[name] and name != masks.OTHER]
        if parts and by_level[masks.OTHER]:
            parts.append(f"{by_level[masks.OTHER]} other")
        detail = ", ".join(parts)
        by_tpl = Counter(tpl.ids[a:b])
        common = [(tid, n) for tid, n in sorted(by_tpl.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2][:2]
        if common:
            shown = "; ".join(f"×{n} {label(tid)}" for tid, n in common)
            detail = f"{detail}; {shown}" if detail else shown
        return ln.receipt(a, b, hint.key, detail)

    labels: dict[int, str] = {}

    def label(tid: int) -> str:
        """A template is spelled out the first time a receipt names it, then referred to by its label."""
        if tid in labels:
            return labels[tid]
        labels[tid] = f"T{len(labels) + 1}"
        return f"{labels[tid]}={tpl.text(tid)}"

    return describe
