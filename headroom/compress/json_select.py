"""Which rows of a JSON table must survive row selection, and which columns are bulky.

Must-keeps are *bounded* and read from *values*, never from keys: a status value containing a failure
word as a whole word (``failed``, ``error``, ``timeout`` …; not ``terrorist``, and never because a key is
called ``error_count``) keeps one representative row per distinct (column, value shape); a rare value
of a low-cardinality column keeps one row per value; a number far outside its column (median/MAD)
keeps its most extreme rows; a string whose shape differs from its column's dominant shape, a row with a
rare key, or a row with a missing usual key keeps one row each. Counts of low-cardinality columns are
summarised in the header so dropping rows never hides how many there were.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate, chain, islice, repeat
from operator import attrgetter, itemgetter
from typing import Any

from headroom.compress import masks
from headroom.compress.json_raw import Num, dump
from headroom.compress.json_table import MISSING, Column, Table, cell

FAILURE_RE = re.compile(
    r"\b(?:errors?|fail(?:ed|ure|ing|s)?|fatal|exception|panic(?:ked)?|time[d ]?out|timeout|denied|refused|"
    r"unreachable|crash(?:ed|loopbackoff)?|critical|unhealthy|degraded|rejected|invalid|abort(?:ed)?|"
    r"oom(?:killed)?|killed|traceback|unavailable)\b",
    re.IGNORECASE,
)
# The same words for lower-cased ASCII text, case-sensitive and grouped by first letter (order kept within a
# group), the word boundary checked just after that letter: the pattern opens with a character class, so
# the engine skips other characters in C. On ASCII text, ``_FAILURE_LOWER_RE`` over ``text.lower()``
# finds exactly the spans ``FAILURE_RE`` finds over ``text`` (twice as fast, and more).
_FAILURE_LOWER_RE = re.compile(
    r"(?:e(?<!\we)(?:rrors?|xception)|f(?<!\wf)(?:ail(?:ed|ure|ing|s)?|atal)|p(?<!\wp)anic(?:ked)?|"
    r"t(?<!\wt)(?:ime[d ]?out|imeout|raceback)|d(?<!\wd)(?:enied|egraded)|r(?<!\wr)(?:efused|ejected)|"
    r"u(?<!\wu)(?:nreachable|nhealthy|navailable)|c(?<!\wc)(?:rash(?:ed|loopbackoff)?|ritical)|i(?<!\wi)nvalid|"
    r"a(?<!\wa)bort(?:ed)?|o(?<!\wo)om(?:killed)?|k(?<!\wk)illed)\b"
)
_SPACE_RE = re.compile(r"\s")
MUST_CAP = 40
PER_COLUMN = 3
ROBUST_Z = 6.0
CATEGORICAL_MAX = 12
SUMMARY_MAX = 8
BULKY_AVG_CHARS = 48


def must_keep(table: Table, terms: tuple[str, ...]) -> dict[int, str]:
    """Row index -> why it is kept (first reason wins), at most ``MUST_CAP`` rows."""
    found: dict[int, str] = {}

    def add(index: int, reason: str) -> None:
        if index not in found and len(found) < MUST_CAP:
            found[index] = reason

    rows = table.rows
    for column in table.columns:
        if len(found) >= MUST_CAP:
            return found  # full: nothing later can be added
        values = table.values(column)
        strings = list(itertools.compress(enumerate(values), map(isinstance, values, repeat(str))))
        joined = "\x00".join([value for _index, value in strings])  # one scan per column, not per value
        _failures(column, strings, joined, add)
        _rare(column, values, add)
        _outliers(column, values, add)
        _shapes(column, strings, joined, add)
    _structure(rows, add)
    if terms and len(found) < MUST_CAP:
        hits = 0
        for index, row in enumerate(rows):
            if hits >= 10:
                break
            if masks.matches_query(dump(row), terms):
                add(index, "query")
                hits += 1
    return found


Add = Any  # Callable[[int, str], None]


def failure_starts(text: str) -> Iterator[int]:
    """Start offsets of the matches of ``FAILURE_RE`` in ``text``."""
    if text.isascii():
        return (match.start() for match in _FAILURE_LOWER_RE.finditer(text.lower()))
    return (match.start() for match in FAILURE_RE.finditer(text))


def has_failure(text: str) -> bool:
    return next(failure_starts(text), -1) >= 0


def _failures(column: Column, texts: list[tuple[int, str]], joined: str, add: Add) -> None:
    """``texts``: the column's string values with their row index; ``joined``: the values, NUL-separated."""
    starts = failure_starts(joined)
    first = next(starts, -1)
    if first < 0:
        return
    offsets = list(accumulate([len(value) + 1 for _index, value in texts[:-1]], initial=0))
    seen: set[str] = set()
    judged: set[str] = set()  # values already looked at: the same value has the same shape
    last = -1
    for start in chain((first,), starts):
        position = bisect_right(offsets, start) - 1
        if position == last:
            continue
        last = position
        index, value = texts[position]
        if value in judged:
            continue
        judged.add(value)
        shape = masks.mask(value)[:80]
        if shape not in seen:
            seen.add(shape)
            add(index, f"{column.name}={cell(value)[:40]}")
            if len(seen) >= PER_COLUMN * 2:
                return  # no further row can be added for this column


def _rare(column: Column, values: list[Any], add: Add) -> None:
    if len(values) < 10:
        return
    head = [value for value in values[: 4 * CATEGORICAL_MAX] if value is not MISSING]
    try:  # parsed values compare equal only within their own type, so they can be their own keys
        if len(set(head)) > CATEGORICAL_MAX:
            return  # clearly not categorical: spare counting the rest
        counts = Counter(values)
    except TypeError:  # a list or object value: not a categorical column
        return
    counts.pop(MISSING, None)
    if not 2 <= len(counts) <= CATEGORICAL_MAX:
        return
    limit = max(1, len(values) // 50)
    rare = {value for value, n in counts.items() if n <= limit}
    if not rare:
        return
    done: set[Any] = set()
    for index, value in enumerate(values):
        if value is not MISSING and value in rare and value not in done:
            done.add(value)
            add(index, f"rare {column.name}")


def _outliers(column: Column, values: list[Any], add: Add) -> None:
    numbers = _finite_numbers(values)
    if len(numbers) < 10:
        return
    ordered = sorted(x for _i, x in numbers if x is not None)
    median = ordered[len(ordered) // 2]
    mad = sorted(abs(x - median) for x in ordered)[len(ordered) // 2]
    if mad == 0:
        return
    scored = [(abs(x - median) / (1.4826 * mad), index) for index, x in numbers if x is not None]
    extreme = sorted((z, index) for z, index in scored if z > ROBUST_Z)
    for _z, index in sorted(extreme, key=lambda zi: (-zi[0], zi[1]))[:PER_COLUMN]:
        add(index, f"outlier {column.name}")


def _shapes(column: Column, texts: list[tuple[int, str]], joined: str, add: Add) -> None:
    """``texts``: the column's string values with their row index; ``joined``: the values, NUL-separated."""
    if len(texts) < 10:
        return
    lengths = [len(v) for _i, v in texts]
    if max(lengths) >= 200:  # long values are represented by their size class
        joined = "\x00".join([v if len(v) < 200 else f"<long {len(v) // 100}>" for _i, v in texts])
    shapes = masks.mask(joined).split("\x00")
    if len(shapes) != len(texts):  # a value held a NUL itself: mask one by one
        shapes = [masks.mask(v) if len(v) < 200 else f"<long {len(v) // 100}>" for _i, v in texts]
    counts = Counter(shapes)
    top = counts.most_common(1)[0][1]
    if top < 0.7 * len(texts):
        return
    lengths.sort()
    long = 3 * lengths[len(lengths) // 2] + 40
    scarce = {shape for shape, n in counts.items() if n <= 2}
    pairs = zip(texts, shapes, strict=True)
    unusual = (index for (index, value), shape in pairs if shape in scarce or len(value) > long)
    for index in islice(unusual, PER_COLUMN):
        add(index, f"unusual {column.name}")


def _structure(rows: list[dict[str, Any]], add: Add) -> None:
    presence = Counter(chain.from_iterable(rows))
    total = len(rows)
    rare = {key for key, n in presence.items() if n <= max(1, total // 20)}
    usual = {key for key, n in presence.items() if n >= total - max(1, total // 20) and n < total}
    if not rare and not usual:
        return  # every row has the same keys: nothing to report
    done: set[str] = set()
    for index, row in enumerate(rows):
        for key in row:
            if key in rare and key not in done:
                done.add(key)
                add(index, f"rare key {key}")
        for key in sorted(usual - row.keys()):  # sorted: set order would depend on the hash seed
            if f"-{key}" not in done:
                done.add(f"-{key}")
                add(index, f"missing {key}")


def summaries(table: Table) -> list[str]:
    """``= status counts: ok ×212, failed ×37`` for low-cardinality string columns."""
    out: list[str] = []
    for column in table.columns:
        found = _categories(table.values(column))
        if found is None or sum(found.values()) < 10 or len(found) < 2:
            continue
        counts = Counter({cell(value): n for value, n in found.items()})
        shown = ", ".join(f"{value} ×{n}" for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        out.append(f"= {column.name} counts (all rows): {shown}")
    return out


def _categories(values: list[Any]) -> dict[Any, int] | None:
    """Counts of the string and boolean values, or None when there are more than ``SUMMARY_MAX`` of them."""
    texts = list(itertools.compress(values, map(isinstance, values, repeat((str, bool)))))
    if len(set(texts[: 4 * SUMMARY_MAX])) > SUMMARY_MAX:
        return None  # already too many in the first few: spare counting the rest
    counts = Counter(texts)
    return dict(counts) if len(counts) <= SUMMARY_MAX else None


def _finite_numbers(values: list[Any]) -> list[tuple[int, float]]:
    """``(row, value)`` of the column's numbers with a finite value (``Num.value()`` not None), in row order."""
    numbers = list(itertools.compress(enumerate(values), map(isinstance, values, repeat(Num))))
    try:  # parsed numbers always convert; anything else takes the careful path
        floats = list(map(float, map(attrgetter("text"), map(itemgetter(1), numbers))))
    except ValueError:
        return [(index, x) for index, v in numbers if (x := v.value()) is not None]
    if all(map(math.isfinite, floats)):
        return list(zip(map(itemgetter(0), numbers), floats, strict=True))
    return [(index, x) for (index, _v), x in zip(numbers, floats, strict=True) if math.isfinite(x)]


def bulky_columns(table: Table) -> list[Column]:
    """Long opaque values (URLs, hashes, base64, avatars): no whitespace, long on average, top-level key."""
    out: list[Column] = []
    for column in table.columns:
        if len(column.path) != 1:
            continue
        values = table.values(column)
        texts = [v for v in values if isinstance(v, str)]
        if len(texts) < 0.8 * len(values) or not texts:
            continue
        average = sum(map(len, texts)) / len(texts)
        if average < BULKY_AVG_CHARS:
            continue
        opaque = sum(1 for v in texts if not _SPACE_RE.search(v) and not has_failure(v))
        if average >= BULKY_AVG_CHARS and opaque >= 0.95 * len(texts):
            out.append(column)
    return out
