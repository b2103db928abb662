"""Severity classification and variable masking for log-like lines.

Severity is read from *words*, never substrings: ``ERROR`` / ``error:`` / ``ValueError:`` count,
``error_count: 0``, ``errors=0`` and ``terrorist`` do not. Masking replaces the parts of a line that vary
between otherwise identical lines (timestamps, UUIDs, hex ids, IPs, numbers, including numbers inside
paths) by ``<*>`` so that lines can be grouped by template. Both work on the whole text in one regex
pass (C speed); masking never touches a newline, so masked lines stay aligned with the originals.
"""

from __future__ import annotations

import re

ERROR = "ERROR"
WARN = "WARN"
INFO = "INFO"
DEBUG = "DEBUG"
OTHER = "other"
LEVELS = (ERROR, WARN, INFO, DEBUG, OTHER)

_ERROR_WORDS = r"ERROR|ERR|FATAL|FAILED|FAILURE|FAIL|CRITICAL|CRIT|PANIC|EMERG|ALERT|SEVERE|Error|Fatal|Critical"
_ERROR_RE = re.compile(
    rf"(?<![\w.\-/])(?:{_ERROR_WORDS})(?![\w\-/.])(?!=0\b)(?!: ?0\b)"  # level word, not error=0 / ERROR: 0
    r"|\b(?:error|fatal)(?:\[[A-Z]?\d+\])?:"  # compiler style: error: / error[E0308]: / fatal:
    r"|\b[A-Z]\w*(?:Error|Exception)\b(?::|$)"  # ValueError: …, java.io.IOException
    r"|^Traceback \(most recent call last\)|panicked at|^panic: |npm ERR!|^E   |\blevel=(?:error|fatal)\b"
    r"|\"level\": ?\"(?:error|fatal|critical)\"|\bseverity=(?:error|critical)\b",
    re.MULTILINE,
)
_WARN_RE = re.compile(
    r"(?<![\w.\-/])(?:WARN|WARNING|Warning)(?![\w\-/.])(?!=0\b)(?!: ?0\b)"
    r"|\bwarning(?:\[[\w-]+\])?:|\b[A-Z]\w*Warning\b:?|npm WARN|\blevel=warn(?:ing)?\b"
    r"|\"level\": ?\"warn(?:ing)?\"",
    re.MULTILINE,
)
_INFO_RE = re.compile(r"(?<![\w.\-/])(?:INFO|NOTICE|Info)(?![\w\-/.])|\blevel=info\b|\"level\": ?\"info\"")
_DEBUG_RE = re.compile(r"(?<![\w.\-/])(?:DEBUG|TRACE|VERBOSE|Debug)(?![\w\-/.])|\blevel=(?:debug|trace)\b")


def level_of(line: str) -> str:
    """The severity a single line announces (``other`` when none)."""
    if _ERROR_RE.search(line):
        return ERROR
    if _WARN_RE.search(line):
        return WARN
    if _INFO_RE.search(line):
        return INFO
    if _DEBUG_RE.search(line):
        return DEBUG
    return OTHER


def levels(lines: tuple[str, ...] | list[str]) -> list[str]:
    return [level_of(line) for line in lines]


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MASK_RE = re.compile(
    "|".join(
        [
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?",  # ISO-8601
            rf"\b{_MONTH} +\d{{1,2}} \d{{2}}:\d{{2}}:\d{{2}}",  # syslog
            r"\b\d{1,2}/" + _MONTH + r"/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?",  # apache
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",  # UUID
            r"\b0x[0-9a-fA-F]+\b",
            r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b",  # hex ids, git shas
            r"\b(?=[0-9A-F]*\d)(?=[0-9A-F]*[A-F])[0-9A-F]{8,}\b",
            r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b",  # IPv4[:port]
            r"\d+(?:\.\d+)*",  # any number, also inside names: file_26.c -> file_<*>.c
        ]
    )
)
WILD = "<*>"


def mask(text: str) -> str:
    """``text`` with variable parts replaced by ``<*>`` (never across a newline)."""
    return _MASK_RE.sub(WILD, text)


_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


def query_terms(query: str) -> tuple[str, ...]:
    """Lower-cased distinctive words of a query (at least three characters), in a stable order."""
    seen: dict[str, None] = {}
    for word in _WORD_RE.findall(query):
        seen.setdefault(word.lower(), None)
    return tuple(seen)


def matches_query(line: str, terms: tuple[str, ...]) -> bool:
    if not terms:
        return False
    low = line.lower()
    return any(term in low for term in terms)
