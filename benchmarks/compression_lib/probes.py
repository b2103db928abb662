"""Retention probes: facts taken from an original tool output, looked for in a compressed output.

Kinds: ``kv`` (``key=number``; in JSON a numeric leaf, see below), ``url``, ``path``, ``hex`` (ids of
7-64 hex digits with both a digit and a letter), ``uuid``, ``quantity`` (a number with a unit) and
``errline``: a line that reports an error, failure or warning (an upper-case level word such as
``ERROR``/``WARN``/``FAILED``, a traceback header, an ``XxxError: …`` report line, a compiler
``error:``/``warning:`` diagnostic, a JSON record with an error/warn ``level``, a pytest ``E   …``
line). Mentions inside benign text (``error_count``, ``import JSONDecodeError``) do not count.
A probe is *retained* when its text appears verbatim in the output, *recoverable* when it does not
but a receipt covers it (see ``scoring.Recovery``), and *lost* otherwise.

JSON inputs: a compressor may legitimately re-shape JSON (minify, tabulate), so there ``key=number``
probes come from numeric leaves whose literal occurs exactly once in the original (at least three
characters long), and count as retained when the output holds the key name and that literal as a
whole token. Error lines of JSON inputs are records with an error/warn ``level`` (retained when the
compact record is in the output, or all its string and number values share one output line) and
string values that read as error lines (retained raw or JSON-escaped on one line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PROBE_KINDS = ("kv", "url", "path", "hex", "uuid", "quantity", "errline")
MAX_PER_KIND = 200
MAX_ERRLINES = 2000
MAX_SPANS = 64

_URL = re.compile(r"https?://[^\s\"'<>`)\]}]+")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_HEX = re.compile(r"(?<![\w-])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![\w-])")
_KV = re.compile(r"(?<![\w.-])([A-Za-z_][\w.-]*)=(-?\d+(?:\.\d+)?)(?![\w.])")
_QUANTITY = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s|sec|min|h|KiB|MiB|GiB|TiB|KB|MB|GB|TB|kB|bytes|%|req/s|rps)(?![\w/])"
)
_ABS_PATH = re.compile(r"(?<![\w.:/~-])(?:~|\.{1,2})?/(?:[\w.@+-]+/)*[\w.@+-]+")
_REL_PATH = re.compile(r"(?<![\w./:~-])(?:[\w.@+-]+/)+[\w@+-]+\.[A-Za-z]\w{0,6}(?![\w/])")
_ERRLINE = re.compile(
    r"(?<![\w-])(?:ERROR|ERR!|FATAL|CRITICAL|PANIC|WARN|WARNING|FAILED|FAILURE)(?![\w-])"  # level words
    r"|Traceback \(most recent call last\)|panicked at"
    r"|(?:^|:\s)(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Warning)(?::|\s*$)"  # exception report line
    r"|(?:^|\s)(?:error|warning)(?:\[\w+\])?:\s"  # compiler diagnostics
    r"|\"(?:level|severity|levelname)\"\s*:\s*\"(?:error|warn|warning|fatal|critical)\""  # JSON log records
    r"|^E\s{2,}\S"  # pytest assertion detail
)


@dataclass(frozen=True, slots=True)
class Probe:
    kind: str
    text: str  # the verbatim string looked for
    spans: tuple[int, ...]  # start offsets of its occurrences in the original (first MAX_SPANS)
    key: str = ""  # JSON kv probes: the key that must also appear
    parts: tuple[str, ...] = ()  # JSON error records/strings: all of these on one output line also counts

    def found_in(self, output: str) -> bool:
        if self.key:
            return self.key in output and _token(self.text).search(output) is not None
        if self.text in output:
            return True
        return bool(self.parts) and _on_one_line(self.parts, output)


def _on_one_line(parts: tuple[str, ...], output: str) -> bool:
    longest = max(parts, key=len)
    at = output.find(longest)
    while at >= 0:
        start = output.rfind("\n", 0, at) + 1
        end = output.find("\n", at)
        line = output[start : end if end >= 0 else len(output)]
        if all(p in line for p in parts):
            return True
        at = output.find(longest, at + 1)
    return False


def _token(literal: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(literal)}(?![\w.])")


def _spans(text: str, needle: str) -> tuple[int, ...]:
    out: list[int] = []
    at = text.find(needle)
    while at >= 0 and len(out) < MAX_SPANS:
        out.append(at)
        at = text.find(needle, at + 1)
    return tuple(out)


def _spread(items: list[Probe], cap: int) -> list[Probe]:
    """At most ``cap`` probes, evenly spread over the text (not just the head)."""
    if len(items) <= cap:
        return items
    step = len(items) / cap
    return [items[int(i * step)] for i in range(cap)]


def _pathlike(value: str) -> bool:
    return len(value) >= 5 and any(c.isalpha() for c in value)


def _regex_probes(text: str) -> Iterator[tuple[str, str, int]]:
    taken: list[tuple[int, int]] = []
    for kind, rx in (("url", _URL), ("uuid", _UUID)):
        for m in rx.finditer(text):
            value = m.group(0).rstrip(".,;:") if kind == "url" else m.group(0)
            taken.append((m.start(), m.start() + len(value)))
            yield kind, value, m.start()
    taken.sort()

    def free(m: re.Match[str]) -> bool:
        return not any(s < m.end() and m.start() < e for s, e in taken)

    for kind, rx in (("hex", _HEX), ("path", _ABS_PATH), ("path", _REL_PATH), ("quantity", _QUANTITY)):
        for m in rx.finditer(text):
            if free(m) and (kind != "path" or _pathlike(m.group(0))):
                yield kind, m.group(0), m.start()
    for m in _KV.finditer(text):
        yield "kv", m.group(0), m.start()


def _error_lines(text: str) -> Iterator[tuple[str, int]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and _ERRLINE.search(line.rstrip("\r\n")):
            yield stripped, pos + line.find(stripped[0])
        pos += len(line)


def parse_json(text: str) -> list[Any] | None:
    """The JSON document(s) in ``text``: one document, or one per line (NDJSON); None if neither."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    try:
        return [json.loads(line) for line in lines]
    except ValueError:
        return None


def _leaves(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v, key)
    else:
        yield key, node


def _json_kv(text: str, docs: list[Any]) -> Iterator[Probe]:
    seen: set[tuple[str, str]] = set()
    for key, value in (kv for doc in docs for kv in _leaves(doc)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not key:
            continue
        literal = json.dumps(value)
        if len(literal) < 3 or (key, literal) in seen:
            continue
        seen.add((key, literal))
        starts = tuple(m.start() for m in _token(literal).finditer(text))
        if len(starts) == 1:
            yield Probe("kv", literal, starts, key=key)


_LEVEL_KEYS = ("level", "severity", "levelname", "lvl")
_BAD_LEVELS = ("error", "err", "warn", "warning", "fatal", "critical")


def _escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _record_probe(text: str, record: dict[str, Any]) -> Probe:
    """An error/warn log record: verbatim (compact JSON) or every scalar value on one output line."""
    parts = tuple(
        _escaped(v) if isinstance(v, str) else json.dumps(v)
        for v in record.values()
        if (isinstance(v, str) and v) or (isinstance(v, int | float) and not isinstance(v, bool))
    )
    compact = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    anchor = max(parts, key=len) if parts else compact
    return Probe("errline", compact, _spans(text, compact) or _spans(text, anchor) or (0,), parts=parts)


def _json_errors(text: str, docs: list[Any]) -> Iterator[Probe]:
    """Error/warn records (objects with a level key) and string values that read as error lines."""
    stack: list[Any] = list(docs)
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            level = next((node[k] for k in _LEVEL_KEYS if isinstance(node.get(k), str)), "")
            if level.lower() in _BAD_LEVELS:
                yield _record_probe(text, node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and _ERRLINE.search(node):
            esc = _escaped(node)
            yield Probe("errline", node, _spans(text, esc) or (0,), parts=(esc,))


def extract(text: str) -> list[Probe]:
    """All probes of ``text``, de-duplicated, capped per kind (spread evenly), in kind order."""
    by_kind: dict[str, dict[str, Probe]] = {k: {} for k in PROBE_KINDS}
    docs = parse_json(text)
    for kind, value, _start in _regex_probes(text):
        if docs is not None and kind == "kv":
            continue
        if value not in by_kind[kind]:
            by_kind[kind][value] = Probe(kind, value, _spans(text, value))
    if docs is not None:
        for p in _json_kv(text, docs):
            by_kind["kv"].setdefault(f"{p.key}={p.text}", p)
        for p in _json_errors(text, docs):
            by_kind["errline"].setdefault(p.text, p)
    else:
        for line, start in _error_lines(text):
            if line not in by_kind["errline"]:
                by_kind["errline"][line] = Probe("errline", line, _spans(text, line) or (start,))
    out: list[Probe] = []
    for kind in PROBE_KINDS:
        items = sorted(by_kind[kind].values(), key=lambda p: p.spans[0] if p.spans else 0)
        out += _spread(items, MAX_ERRLINES if kind == "errline" else MAX_PER_KIND)
    return out
