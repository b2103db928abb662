"""The row selection rules of :mod:`headroom.compress.json_select` as first written: value by value.

Kept as the slow reference the optimised module must agree with (see ``test_fast_paths``); not used by
the product.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate
from typing import Any

from headroom.compress import masks
from headroom.compress.json_raw import Num
from headroom.compress.json_table import MISSING, Column, Table, cell

_LINE_BREAKS_RE = re.compile("[\x85\u2028\u2029]")


def dump(value: Any) -> str:
    """Compact JSON of a parsed value, string by string through ``json.dumps`` (as ``json_raw.dump`` was)."""
    if isinstance(value, str):
        out = json.dumps(value, ensure_ascii=False)
        if _LINE_BREAKS_RE.search(out):
            out = _LINE_BREAKS_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", out)
        return out
    if isinstance(value, Num):
        return value.text
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(dump(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(dump(k) + ":" + dump(v) for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


FAILURE_RE = re.compile(
    r"\b(?:errors?|fail(?:ed|ure|ing|s)?|fatal|exception|panic(?:ked)?|time[d ]?out|timeout|denied|refused|"
    r"unreachable|crash(?:ed|loopbackoff)?|critical|unhealthy|degraded|rejected|invalid|abort(?:ed)?|"
    r"oom(?:killed)?|killed|traceback|unavailable)\b",
    re.IGNORECASE,
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
        values = table.values(column)
        _failures(column, values, add)
        _rare(column, values, add)
        _outliers(column, values, add)
        _shapes(column, values, add)
    _structure(rows, add)
    if terms:
        hits = 0
        for index, row in enumerate(rows):
            if hits >= 10:
                break
            if masks.matches_query(dump(row), terms):
                add(index, "query")
                hits += 1
    return found


Add = Any  # Callable[[int, str], None]


def _failures(column: Column, values: list[Any], add: Add) -> None:
    texts = [(index, value) for index, value in enumerate(values) if isinstance(value, str)]
    joined = "\x00".join(value for _index, value in texts)  # one scan for the whole column
    offsets = list(accumulate((len(value) + 1 for _index, value in texts[:-1]), initial=0))
    seen: set[str] = set()
    last = -1
    for match in FAILURE_RE.finditer(joined):
        position = bisect_right(offsets, match.start()) - 1
        if position == last:
            continue
        last = position
        index, value = texts[position]
        shape = masks.mask(value)[:80]
        if shape not in seen and len(seen) < PER_COLUMN * 2:
            seen.add(shape)
            add(index, f"{column.name}={cell(value)[:40]}")


def _rare(column: Column, values: list[Any], add: Add) -> None:
    if len(values) < 10 or any(isinstance(v, list | dict) for v in values):
        return
    keys = [(type(v), v) if v is not MISSING else None for v in values]
    counts = Counter(key for key in keys if key is not None)
    if len(counts) > CATEGORICAL_MAX or len(counts) < 2:
        return
    limit = max(1, len(values) // 50)
    rare = {key for key, n in counts.items() if n <= limit}
    done: set[Any] = set()
    for index, key in enumerate(keys):
        if key in rare and key not in done:
            done.add(key)
            add(index, f"rare {column.name}")


def _outliers(column: Column, values: list[Any], add: Add) -> None:
    numbers = [(index, v.value()) for index, v in enumerate(values) if isinstance(v, Num) and v.value() is not None]
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


def _shapes(column: Column, values: list[Any], add: Add) -> None:
    texts = [(index, v) for index, v in enumerate(values) if isinstance(v, str)]
    if len(texts) < 10:
        return
    joined = "\x00".join(v if len(v) < 200 else f"<long {len(v) // 100}>" for _i, v in texts)
    shapes = masks.mask(joined).split("\x00")
    if len(shapes) != len(texts):  # a value held a NUL itself: mask one by one
        shapes = [masks.mask(v) if len(v) < 200 else f"<long {len(v) // 100}>" for _i, v in texts]
    counts = Counter(shapes)
    top = counts.most_common(1)[0][1]
    if top < 0.7 * len(texts):
        return
    lengths = sorted(len(v) for _i, v in texts)
    typical = lengths[len(lengths) // 2]
    picked = 0
    for (index, value), shape in zip(texts, shapes, strict=True):
        if picked >= PER_COLUMN:
            break
        if counts[shape] <= 2 or (len(value) > 3 * typical + 40):
            add(index, f"unusual {column.name}")
            picked += 1


def _structure(rows: list[dict[str, Any]], add: Add) -> None:
    presence = Counter(key for row in rows for key in row)
    total = len(rows)
    rare = {key for key, n in presence.items() if n <= max(1, total // 20)}
    usual = {key for key, n in presence.items() if n >= total - max(1, total // 20) and n < total}
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
        values = table.values(column)
        counts = Counter(v for v in values if v is not MISSING and isinstance(v, str | bool))
        if counts.total() < 10 or not 2 <= len(counts) <= SUMMARY_MAX:
            continue
        counts = Counter({cell(value): n for value, n in counts.items()})
        shown = ", ".join(f"{value} ×{n}" for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        out.append(f"= {column.name} counts (all rows): {shown}")
    return out


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
        opaque = sum(1 for v in texts if not _SPACE_RE.search(v) and not FAILURE_RE.search(v))
        if average >= BULKY_AVG_CHARS and opaque >= 0.95 * len(texts):
            out.append(column)
    return out
