"""JSON compressor: lossless first (minify, tables), then bounded row selection.

1. Lossless: the whitespace-free text, or — when smaller in tokens — a document in which every array of
   objects reachable through objects is a table (:mod:`json_table`), referenced from the minified
   skeleton as ``@tableN``. JSON lines (one object per line) become one table.
2. Lossy, only above a token budget: bulky opaque columns (URLs, hashes, avatars) are projected out
   behind a receipt when that is enough; otherwise rows are selected: first and last rows, bounded
   must-keeps (:mod:`json_select`), rows matching the task query, then evenly spread samples. Every run
   of dropped rows is replaced by a receipt naming the row range; low-cardinality columns keep their full
   counts in the header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from headroom import tokens
from headroom.compress import json_raw, json_select, json_table, json_wrapped, masks
from headroom.compress.base import Result, marker
from headroom.compress.job import Job, Produced
from headroom.compress.json_table import Table

BUDGET_MIN = 1500
BUDGET_SHARE = 0.15
BUDGET_MAX = 6000
SLACK = 1.25  # lossless output within SLACK × budget is kept whole
HEAD_ROWS = 3
TAIL_ROWS = 2
RECEIPT_TOKENS = 30
SAMPLE_BLOCK = 3  # evenly spread samples come as runs of rows: fewer receipts per kept row


@dataclass(slots=True)
class _Found:
    path: tuple[str | int, ...]
    table: Table


def compress(job: Job) -> Produced:
    if job.detection.frame == "claude.cat_n":
        return "json:file_view"
    produced = _compress(job)
    if isinstance(produced, Result) and produced.lossless and job.payload.strip(" \t\r\n") != job.payload.strip():
        return "json:edge_whitespace"  # form feeds, Unicode spaces around the document: no JSON rewrite keeps them
    return produced


def _compress(job: Job) -> Produced:
    payload = job.payload
    stripped = payload.strip()
    lead = len(payload) - len(payload.lstrip())
    if job.detection.subkind == "json.lines":
        return _json_lines(job, stripped, lead)
    if job.detection.subkind == "json.fragment":
        return _fragment(payload, stripped)
    status, value = json_raw.parse(stripped)
    if status == "invalid":
        return "json:invalid"
    found = _tables(value, ()) if status == "ok" else []
    if not found:
        nested = json_wrapped.compress(job, value, stripped, lead) if status == "ok" else None
        return nested or _lossless(json_raw.minify(stripped), payload, "json.minify")
    estimate = chars, est_tokens = _estimate(value, found)
    at_least = len(stripped) - sum(stripped.count(ch) for ch in " \n\t\r")  # minified length is no shorter
    if chars > 0.9 * at_least:  # not clearly smaller than the minified text: decide on exact tokens
        minified = json_raw.minify(stripped)
        doc = _document(value, found)
        doc_tokens = tokens.count(doc)
        if doc_tokens >= tokens.count(minified):
            return _lossless(minified, payload, "json.minify")
        est_tokens = doc_tokens
    budget = _budget(est_tokens)
    if not job.lossy or est_tokens <= SLACK * budget:
        return Result(text=_document(value, found), omitted_ranges=(), strategy="json.table")
    return _lossy(job, value, found, budget, stripped=stripped, lead=lead, estimate=estimate)


SAMPLE_ROWS = 48


def _estimate(value: Any, found: list[_Found]) -> tuple[int, int]:
    """Characters and tokens of the lossless document, from evenly sampled rows (exact when small)."""
    refs = _refs(found)
    parts = [_skeleton(value, (), refs)] if () not in refs else []
    scale_chars = scale_tokens = 0.0
    for item in found:
        rows = item.table.rows
        step = max(1, len(rows) // SAMPLE_ROWS)
        sample = [json_table.row_line(item.table, row) for row in rows[::step]]
        parts.extend(json_table.header_lines(item.table, refs[item.path]))
        factor = len(rows) / len(sample)
        sample_text = "\n".join(sample)
        scale_chars += (len(sample_text) + 1) * factor
        scale_tokens += tokens.count(sample_text) * factor
    head = "\n".join(parts)
    return int(len(head) + scale_chars), int(tokens.count(head) + scale_tokens)


def _lossless(text: str, payload: str, strategy: str) -> Produced:
    if text == payload:
        return "json:nothing_to_do"
    return Result(text=text, omitted_ranges=(), strategy=strategy)


# ``shapes.PRETTY_JSON_LINE_RE`` with JSON's own whitespace only (``\s`` would also admit form feeds and
# Unicode spaces, which are not JSON and would be stripped away), and empty arrays and objects as values.
_JSON_SPACE = " \t\r"
_S = "[ \t\r]*"
_STRING = r'"(?:[^"\\]|\\.)*"'
_VALUE = rf"{_STRING}|-?\d[\d.eE+-]*|true|false|null|\[{_S}\]|\{{{_S}\}}|[\[{{]|[\]}}]"
_FRAGMENT_LINE_RE = re.compile(rf"{_S}(?:{_STRING}{_S}:{_S})?(?:{_VALUE})?{_S},?{_S}|.*…\d+ tokens truncated….*")
_GLUE_END = re.compile(r"[\w.+-]\Z")  # a line ending like a number or literal …
_GLUE_START = re.compile(r"[\w.+-]")  # … and the next one starting like one would run together


def _fragment(payload: str, stripped: str) -> Produced:
    """Pretty JSON the client cut (not parseable as a whole), as one line.

    Detection only samples the lines, and lets a few through that are not pretty JSON (a traceback after
    the document, a shell prompt): those would lose their line breaks and indentation, so every line must
    be one of pretty JSON (a truncation marker line counts as one). Then JSON strings hold no raw line
    break, so every newline and the indentation around it lies outside strings, and the stripped lines
    joined keep every token, even of a truncated document: where two would run together (``1`` then
    ``2`` with the comma cut away) one space stays between them.
    """
    lines = stripped.split("\n")
    if not all(_FRAGMENT_LINE_RE.fullmatch(line) for line in lines):
        return "json:fragment_mixed"
    out: list[str] = []
    for line in lines:
        piece = line.strip(_JSON_SPACE)
        if not piece:
            continue
        if out and _GLUE_END.search(out[-1]) and _GLUE_START.match(piece):
            out.append(" ")
        out.append(piece)
    return _lossless("".join(out), payload, "json.fragment_join")


def _tables(value: Any, path: tuple[str | int, ...]) -> list[_Found]:
    """Tables reachable from the root through objects only, outermost first, in document order."""
    if isinstance(value, list):
        label = str(path[-1]) if path else ""
        table = json_table.build(label, value)
        return [_Found(path, table)] if table is not None else []
    if isinstance(value, dict):
        out: list[_Found] = []
        for key, item in value.items():
            out.extend(_tables(item, (*path, key)))
        return out
    return []


def _skeleton(value: Any, path: tuple[str | int, ...], refs: dict[tuple[str | int, ...], str]) -> str:
    ref = refs.get(path)
    if ref is not None:
        return ref
    if isinstance(value, dict):
        return "{" + ",".join(json_raw.dump(k) + ":" + _skeleton(v, (*path, k), refs) for k, v in value.items()) + "}"
    return json_raw.dump(value)


def _refs(found: list[_Found]) -> dict[tuple[str | int, ...], str]:
    if len(found) == 1 and found[0].path == ():
        return {(): "JSON array"}
    return {item.path: f"@table{n}" for n, item in enumerate(found, 1)}


def _document(value: Any, found: list[_Found], bodies: list[list[str]] | None = None) -> str:
    refs = _refs(found)
    parts: list[str] = []
    if () not in refs:
        parts.append(_skeleton(value, (), refs))
    for index, item in enumerate(found):
        if bodies is None:
            parts.append(json_table.render(item.table, refs[item.path]))
        else:
            parts.append("\n".join([*json_table.header_lines(item.table, refs[item.path]), *bodies[index]]))
    return "\n".join(parts)


def _budget(lossless_tokens: int) -> int:
    return int(min(BUDGET_MAX, max(BUDGET_MIN, BUDGET_SHARE * lossless_tokens)))


def _lossy(job: Job, value: Any, found: list[_Found], budget: int, *, stripped: str, lead: int,
           estimate: tuple[int, int]) -> Produced:  # fmt: skip
    """``estimate`` is ``_estimate(value, found)`` as it stood before projection (still true without one)."""
    omitted: list[tuple[int, int]] = []
    located: dict[tuple[str | int, ...], list[tuple[int, int]]] = {}

    def spans_at(path: tuple[str | int, ...]) -> list[tuple[int, int]]:
        """Element spans of the array at ``path`` in ``stripped``, located once."""
        if path not in located:
            located[path] = json_raw.element_spans(stripped, path)
        return located[path]

    projected = _project(job, found, stripped, lead, omitted, spans_at=spans_at)
    chars, est_tokens = _estimate(value, found) if projected else estimate
    if projected and est_tokens <= SLACK * budget:
        return Result(text=_document(value, found), omitted_ranges=_merge(omitted), strategy="json.table+projection")
    ratio = est_tokens / max(1, chars)
    total_rows = sum(len(item.table.rows) for item in found) or 1
    terms = masks.distinctive(masks.query_terms(job.hint.query), stripped, total_rows)
    bodies: list[list[str]] = []
    for item in found:
        share = budget * len(item.table.rows) / total_rows
        spans = [(start + lead, end + lead) for start, end in spans_at(item.path)]
        picked = _select_rows(item.table, share, ratio, terms=terms, key=job.hint.key, spans=spans, omitted=omitted)
        bodies.append(picked)
    strategy = "json.table+rows" + ("+projection" if projected else "")
    return Result(text=_document(value, found, bodies), omitted_ranges=_merge(omitted), strategy=strategy)


Locate = Callable[[tuple[str | int, ...]], list[tuple[int, int]]]


def _project(job: Job, found: list[_Found], stripped: str, lead: int, omitted: list[tuple[int, int]], *,
             spans_at: Locate) -> bool:  # fmt: skip
    done = False
    for item in found:
        table = item.table
        bulky = json_select.bulky_columns(table)
        if not bulky:
            continue
        done = True
        names = [column.path[0] for column in bulky]
        for (start, end), row in zip(spans_at(item.path), table.rows, strict=True):
            for value_start, value_end in json_raw.value_spans(stripped, start, end, row, names).values():
                omitted.append((value_start + lead, value_end + lead))
        for column in bulky:
            sample = next((v for row in table.rows if isinstance(v := row.get(column.path[0]), str)), "")
            count = sum(1 for row in table.rows if column.path[0] in row)
            note = f"- {column.name}: {count} values omitted (e.g. {sample[:60]}…) · {marker(job.hint.key)}"
            table.notes.append(note)
        table.columns = [column for column in table.columns if column not in bulky]
    return done


def _select_rows(table: Table, budget: float, ratio: float, *, terms: tuple[str, ...], key: str,
                 spans: list[tuple[int, int]], omitted: list[tuple[int, int]]) -> list[str]:  # fmt: skip
    rows = table.rows
    total = len(rows)
    lines: dict[int, str] = {}

    def line(index: int) -> str:
        if index not in lines:
            lines[index] = json_table.row_line(table, rows[index])
        return lines[index]

    keep = set(range(min(HEAD_ROWS, total))) | set(range(max(0, total - TAIL_ROWS), total))
    keep |= set(json_select.must_keep(table, terms))
    table.notes.extend(json_select.summaries(table))
    spent = sum(len(line(i)) * ratio + 1 for i in keep) + RECEIPT_TOKENS * (len(keep) + 1)
    step = max(1, total // SAMPLE_ROWS)
    sampled = [len(line(i)) * ratio + 1 for i in range(0, total, step)]
    average = sum(sampled) / max(1, len(sampled))
    blocks = int(max(0.0, budget - spent) // (SAMPLE_BLOCK * average + RECEIPT_TOKENS))
    for n in range(1, blocks + 1):
        first = round(n * (total - SAMPLE_BLOCK) / (blocks + 1))
        keep.update(range(first, min(total, first + SAMPLE_BLOCK)))
    out: list[str] = []
    index = 0
    while index < total:
        if index in keep:
            out.append(line(index))
            index += 1
            continue
        stop = index
        while stop < total and stop not in keep:
            stop += 1
        label = f"#{index + 1}" if stop - index == 1 else f"#{index + 1}–#{stop}"
        noun = "row" if stop - index == 1 else "rows"
        out.append(f"[… {stop - index} {noun} omitted ({label}) · {marker(key)}]")
        if spans:
            omitted.append((spans[index][0], spans[stop - 1][1]))
        index = stop
    return out


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _json_lines(job: Job, stripped: str, lead: int) -> Produced:
    raw_lines = stripped.split("\n")
    rows: list[Any] = []
    spans: list[tuple[int, int]] = []
    pos = lead
    for line in raw_lines:
        if line.strip(_JSON_SPACE):  # only JSON's own whitespace may go: a lossless table keeps the rest
            status, value = json_raw.parse(line.strip(_JSON_SPACE))
            if status != "ok" or not isinstance(value, dict):
                return "json:invalid_line"
            rows.append(value)
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    table = json_table.build("", rows)
    if table is None:
        return "json:not_a_table"
    found = [_Found((), table)]
    doc = _document(rows, found).replace("JSON array", "JSON lines", 1)
    doc_tokens = tokens.count(doc)
    budget = _budget(doc_tokens)
    if not job.lossy or doc_tokens <= SLACK * budget:
        return Result(text=doc, omitted_ranges=(), strategy="json.lines_table")
    omitted: list[tuple[int, int]] = []
    ratio = doc_tokens / max(1, len(doc))
    terms = masks.distinctive(masks.query_terms(job.hint.query), stripped, len(rows))
    body = _select_rows(table, budget, ratio, terms=terms, key=job.hint.key, spans=spans, omitted=omitted)
    text = _document(rows, found, [body]).replace("JSON array", "JSON lines", 1)
    return Result(text=text, omitted_ranges=_merge(omitted), strategy="json.lines_table+rows")
