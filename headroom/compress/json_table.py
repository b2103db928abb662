"""Arrays of JSON objects as compact, unambiguous tables.

Format (documented in the output's first line of every table)::

    @table1 users: 260 objects, one per row; tab-separated JSON cells, bare text = string, empty = key absent
    = active: true                      <- constant column, present in every row with this value
    = id: 0 +1 per row                  <- integer column in arithmetic progression
    name    email   roles   quota.cpu   ...   <- header; a.b = key b of the object under key a
    user0000    user0000@example.com    ["dev","qa"]    7   ...

A cell is a JSON value written compactly; a string is written bare unless that would be ambiguous (empty,
surrounding spaces, control characters, or text that reads as a JSON literal/number/array/object), in
which case it is JSON-quoted. An empty cell means the key is absent, so null, ``""`` and absent stay
distinct. Column and row order are the original ones. Nested objects present in every row are flattened
to dotted columns when no key contains a dot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from headroom.compress.json_raw import Num, dump

MISSING: Any = object()
SEP = "\t"
_LITERAL_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")
_UNSAFE = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
MAX_FLATTEN_DEPTH = 2


@dataclass(slots=True)
class Column:
    name: str
    path: tuple[str, ...]


@dataclass(slots=True)
class Table:
    label: str
    rows: list[dict[str, Any]]
    columns: list[Column]  # shown in the grid
    constants: list[tuple[Column, Any]] = field(default_factory=list)
    sequences: list[tuple[Column, int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # extra header lines (projections, counts)


def get(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = row
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def cell(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        if value and value == value.strip() and not _LITERAL_RE.fullmatch(value) and value[0] not in '"[{' \
                and not any(ch in _UNSAFE for ch in value):  # fmt: skip
            return value
        return dump(value)
    return dump(value)


def build(label: str, rows: list[Any]) -> Table | None:
    """A table for a list of objects, or None when it is not one."""
    if len(rows) < 2 or not all(isinstance(row, dict) for row in rows):
        return None
    columns = _columns(rows, (), 0)
    if columns is None or not columns:
        return None
    table = Table(label=label, rows=rows, columns=columns)
    if len(rows) >= 3:
        _hoist(table)
    return table


def _keys(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _columns(rows: list[dict[str, Any]], prefix: tuple[str, ...], depth: int) -> list[Column] | None:
    out: list[Column] = []
    for key in _keys(rows):
        path = (*prefix, key)
        values = [row.get(key, MISSING) for row in rows]
        nested = None
        if depth < MAX_FLATTEN_DEPTH and "." not in key and all(isinstance(v, dict) and v for v in values):
            subkeys = _keys(values)
            if all("." not in sub for sub in subkeys):
                nested = _columns(values, path, depth + 1)
        if nested:
            out.extend(nested)
        else:
            out.append(Column(".".join(path) if depth else key, path))
    names = [column.name for column in out]
    if len(set(names)) != len(names):
        return None
    return out


def _hoist(table: Table) -> None:
    keep: list[Column] = []
    for column in table.columns:
        values = [get(row, column.path) for row in table.rows]
        if any(value is MISSING for value in values):
            keep.append(column)
            continue
        first = dump(values[0])
        if all(dump(value) == first for value in values[1:]):
            table.constants.append((column, values[0]))
            continue
        sequence = _sequence(values)
        if sequence is not None:
            table.sequences.append((column, *sequence))
            continue
        keep.append(column)
    if keep:
        table.columns = keep
    else:  # every column constant: keep the grid non-empty
        table.columns = [table.constants.pop()[0]] if table.constants else table.columns


def _sequence(values: list[Any]) -> tuple[int, int] | None:
    if not all(isinstance(v, Num) and v.is_int() and v.text == str(int(v.text)) for v in values):
        return None
    numbers = [int(v.text) for v in values]
    step = numbers[1] - numbers[0]
    if step == 0 or any(b - a != step for a, b in pairwise(numbers)):
        return None
    return numbers[0], step


def header_lines(table: Table, ref: str, count: int | None = None) -> list[str]:
    rows = len(table.rows) if count is None else count
    title = f"{ref} {table.label}: " if table.label else f"{ref}: "
    out = [f"{title}{rows} objects, one per row; tab-separated JSON cells, bare text = string, empty = key absent"]
    out.extend(f"= {_name(column.name)}: {cell(value) or dump(value)}" for column, value in table.constants)
    out.extend(f"= {_name(column.name)}: {start} {step:+d} per row" for column, start, step in table.sequences)
    out.extend(table.notes)
    out.append(SEP.join(_name(column.name) for column in table.columns))
    return out


def _name(name: str) -> str:
    return cell(name) if name else '""'


def row_line(table: Table, row: dict[str, Any]) -> str:
    return SEP.join(cell(get(row, column.path)) for column in table.columns)


def render(table: Table, ref: str) -> str:
    lines = header_lines(table, ref)
    lines.extend(row_line(table, row) for row in table.rows)
    return "\n".join(lines)
