"""Arrays of JSON objects as compact, unambiguous tables.

Format (documented in the output's first line of every table)::

    @table1 users: 260 objects, one per row; tab-separated JSON cells, bare text = string, empty = key absent
    = active: true                      <- constant column, present in every row with this value
    name    email   roles   quota.cpu   ...   <- header; a.b = key b of the object under key a
    user0000    user0000@example.com    ["dev","qa"]    7   ...

A cell is a JSON value written compactly; a string is written bare unless that would be ambiguous (empty,
surrounding spaces, control characters, or text that reads as a JSON literal/number/array/object), in
which case it is JSON-quoted. An empty cell means the key is absent, so null, ``""`` and absent stay
distinct. Column and row order are the original ones. Nested objects present in every row are flattened
to dotted columns (``quota.cpu``) when their keys are plain; a header name in JSON quotes is one literal
key (``"b.c"`` is the key ``b.c``, never a path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from headroom.compress.json_raw import Num, dump

MISSING: Any = object()
SEP = "\t"
_LITERAL_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")
# bare: non-empty, no surrounding whitespace, no control/line-breaking characters, not opening like JSON
_BARE_RE = re.compile(r'(?=[^\s"\[{])[^\x00-\x1f\x7f\x85\u2028\u2029]*(?<=\S)', re.DOTALL)
_LITERAL_START = frozenset("-0123456789tfnNI")
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
    notes: list[str] = field(default_factory=list)  # extra header lines (projections, counts)
    _values: dict[tuple[str, ...], list[Any]] = field(default_factory=dict)
    _cells: dict[str, str] = field(default_factory=dict)  # string value -> its cell
    _lines: dict[int, str] = field(default_factory=dict)  # id(row) -> its line, for the columns below
    _lines_columns: list[Column] | None = None  # the ``columns`` list ``_lines`` was rendered for

    def values(self, column: Column) -> list[Any]:
        """The column's value in every row (``MISSING`` where absent), computed once."""
        found = self._values.get(column.path)
        if found is None:
            path = column.path
            if len(path) == 1:
                key = path[0]
                found = [row.get(key, MISSING) for row in self.rows]
            elif len(path) == 2:  # a flattened nested key: the same as ``get``, inlined
                outer, inner = path
                found = [
                    value.get(inner, MISSING) if isinstance(value := row.get(outer, MISSING), dict) else MISSING
                    for row in self.rows
                ]
            else:
                found = [get(row, path) for row in self.rows]
            self._values[path] = found
        return found


def get(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    if len(path) == 1:
        return row.get(path[0], MISSING)
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
        if _BARE_RE.fullmatch(value) and not (value[0] in _LITERAL_START and _LITERAL_RE.fullmatch(value)):
            return value
        return dump(value)
    if isinstance(value, Num):
        return value.text
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
    """Every key of the rows, in first-seen order."""
    return list(dict.fromkeys(chain.from_iterable(rows)))


def _columns(rows: list[dict[str, Any]], prefix: tuple[str, ...], depth: int) -> list[Column] | None:
    out: list[Column] = []
    for key in _keys(rows):
        path = (*prefix, key)
        values = [row.get(key, MISSING) for row in rows]
        nested = None
        flat = depth < MAX_FLATTEN_DEPTH and _plain(key) and all(isinstance(v, dict) and v for v in values)
        if flat and all(_plain(sub) for sub in _keys(values)):
            nested = _columns(values, path, depth + 1)
        if nested:
            out.extend(nested)
        else:
            out.append(Column(".".join(path) if depth else _key_name(key), path))
    names = [column.name for column in out]
    if len(set(names)) != len(names):
        return None
    return out


def _hoist(table: Table) -> None:
    keep: list[Column] = []
    for column in table.columns:
        values = table.values(column)
        if any(value is MISSING for value in values):
            keep.append(column)
            continue
        first = values[0]
        if all(value == first for value in values[1:]):
            table.constants.append((column, values[0]))
            continue
        keep.append(column)
    if keep:
        table.columns = keep
    else:  # every column constant: keep the grid non-empty
        table.columns = [table.constants.pop()[0]] if table.constants else table.columns


def header_lines(table: Table, ref: str, count: int | None = None) -> list[str]:
    rows = len(table.rows) if count is None else count
    title = f"{ref} {table.label}: " if table.label else f"{ref}: "
    out = [f"{title}{rows} objects, one per row; tab-separated JSON cells, bare text = string, empty = key absent"]
    out.extend(f"= {column.name}: {cell(value) or dump(value)}" for column, value in table.constants)
    out.extend(table.notes)
    out.append(SEP.join(column.name for column in table.columns))
    return out


def _plain(key: str) -> bool:
    """A key that can be written bare inside a dotted column name."""
    return bool(key) and cell(key) == key and "." not in key and ": " not in key


def _key_name(key: str) -> str:
    """Header name of a top-level key: bare when plain, else JSON-quoted (a literal key, never a path)."""
    return key if _plain(key) else dump(key)


def row_line(table: Table, row: dict[str, Any]) -> str:
    """The row's grid line (cached per row while ``table.columns`` is the same list)."""
    if table._lines_columns is not table.columns:
        table._lines.clear()
        table._lines_columns = table.columns
    line = table._lines.get(id(row))
    if line is None:
        line = table._lines[id(row)] = _render_row(table, row)
    return line


def _render_row(table: Table, row: dict[str, Any]) -> str:
    memo = table._cells
    out: list[str] = []
    for column in table.columns:
        path = column.path
        value = row.get(path[0], MISSING) if len(path) == 1 else get(row, path)
        kind = type(value)
        if kind is str:  # repeated values (statuses, regions) are rendered once
            text = memo.get(value)
            if text is None:
                text = memo[value] = cell(value)
            out.append(text)
        elif kind is Num:
            out.append(value.text)
        else:
            out.append(cell(value))
    return SEP.join(out)


def render(table: Table, ref: str) -> str:
    lines = header_lines(table, ref)
    lines.extend(row_line(table, row) for row in table.rows)
    return "\n".join(lines)
