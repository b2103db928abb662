"""Severity classification and variable masking for log-like lines.

Severity is read from *words*, never substrings: ``ERROR`` / ``error:`` / ``ValueError:`` count,
``error_count: 0``, ``errors=0`` and ``terrorist`` do not. Masking replaces the parts of a line that vary
between otherwise identical lines (timestamps, UUIDs, hex ids, IPs, numbers, including numbers inside
paths) by ``<*>`` so that lines can be grouped by template. Both work on the whole text in one regex
pass (C speed); masking never touches a newline, so masked lines stay aligned with the originals.
"""

from __future__ import annotations

import re
from bisect import bisect_right

ERROR = "ERROR"
WARN = "WARN"
INFO = "INFO"
DEBUG = "DEBUG"
OTHER = "other"
LEVELS = (ERROR, WARN, INFO, DEBUG, OTHER)

# One scan finds candidate words (the regex starts with literals, so the engine skips ahead fast);
# each candidate is then validated against its neighbours in Python. The words are
#   ERROR ERR FATAL FAIL(ED|URE)? CRIT(ICAL)? PANIC EMERG ALERT SEVERE WARN(ING)? INFO NOTICE DEBUG TRACE VERBOSE
#   Error Fatal Critical Warning Info Debug Exception error fatal warning panicked-at panic: "E   " level severity
#   and "Traceback (most recent call last)",
# grouped by first letter (order kept within a group), so each position tries one branch, not thirty.
_CANDIDATE_RE = re.compile(
    r"E(?:RROR|RR|MERG|rror|xception|   )|F(?:ATAL|AIL(?:ED|URE)?|atal)|C(?:RIT(?:ICAL)?|ritical)|PANIC|ALERT|"
    r"SEVERE|W(?:ARN(?:ING)?|arning)|I(?:NFO|nfo)|NOTICE|D(?:EBUG|ebug)|T(?:RACE|raceback \(most recent call last\))|"
    r"VERBOSE|error|fatal|warning|panic(?:ked at|: )|level|severity"
)
_UPPER = {"ERROR": ERROR, "ERR": ERROR, "FATAL": ERROR, "FAIL": ERROR, "FAILED": ERROR, "FAILURE": ERROR,
          "CRIT": ERROR, "CRITICAL": ERROR, "PANIC": ERROR, "EMERG": ERROR, "ALERT": ERROR, "SEVERE": ERROR,
          "Error": ERROR, "Fatal": ERROR, "Critical": ERROR, "WARN": WARN, "WARNING": WARN, "Warning": WARN,
          "INFO": INFO, "NOTICE": INFO, "Info": INFO, "DEBUG": DEBUG, "TRACE": DEBUG, "VERBOSE": DEBUG,
          "Debug": DEBUG}  # fmt: skip
_SUFFIX_LEVEL = {"Error": ERROR, "Exception": ERROR, "Warning": WARN}
_WORDISH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")
_FIELD_RE = re.compile(r"""(?:=|": ?"|: ?)(error|fatal|critical|crit|warn|warning|info|notice|debug|trace)\b""",
                       re.IGNORECASE)  # fmt: skip
_FIELD_LEVEL = {"error": ERROR, "fatal": ERROR, "critical": ERROR, "crit": ERROR, "warn": WARN, "warning": WARN,
                "info": INFO, "notice": INFO, "debug": DEBUG, "trace": DEBUG}  # fmt: skip
_COMPILER_RE = re.compile(r"(?:\[[\w:-]+\])?:")
_RANK = {ERROR: 4, WARN: 3, INFO: 2, DEBUG: 1, OTHER: 0}


def _judge(text: str, match: re.Match[str]) -> str:
    """The level a candidate announces in context, or OTHER."""
    word, start, end = match.group(0), match.start(), match.end()
    before = text[start - 1] if start else "\n"
    after = text[end : end + 3]
    if word in ("Traceback (most recent call last)", "panicked at"):
        return ERROR
    if word in ("panic: ", "E   "):
        return ERROR if before == "\n" else OTHER
    if word in ("level", "severity"):
        field = _FIELD_RE.match(text, end)
        return _FIELD_LEVEL[field.group(1).lower()] if field and before not in _WORDISH else OTHER
    if word in _SUFFIX_LEVEL and before in _WORDISH and before not in "./-":  # ValueError: / DeprecationWarning
        head = start
        while (head and text[head - 1].isalnum()) or (head and text[head - 1] in "_."):
            head -= 1
        opens_line = head == 0 or text[head - 1] == "\n" or text[max(0, head - 2) : head] == ": "
        if opens_line and text[head : head + 1].isupper() and after[:1] in (":", "\n", "\r", ""):
            return _SUFFIX_LEVEL[word]
        return OTHER
    if before in _WORDISH:
        return OTHER
    if word in ("error", "fatal", "warning"):
        return (WARN if word == "warning" else ERROR) if _COMPILER_RE.match(text, end) else OTHER
    if word == "Exception":
        return ERROR if after[:1] in (":", "\n", "") else OTHER
    level = _UPPER.get(word, OTHER)
    glued = after[:1] in _WORDISH and (after[:1] != "." or after[1:2].isalnum())
    if level == OTHER or glued:
        return OTHER
    if after.startswith(("=0", ": 0", ":0")) and not after[2:3].isdigit():
        return OTHER  # ERROR=0, WARN: 0 are counts, not reports
    return level


def line_levels(text: str, starts: tuple[int, ...] | list[int]) -> list[str]:
    """Severity of every line of ``text`` (lines start at ``starts``), in one scan."""
    out = [OTHER] * len(starts)
    for match in _CANDIDATE_RE.finditer(text):
        level = _judge(text, match)
        if level == OTHER:
            continue
        index = bisect_right(starts, match.start()) - 1
        if _RANK[level] > _RANK[out[index]]:
            out[index] = level
    return out


def level_of(line: str) -> str:
    """The severity a single line announces (``other`` when none)."""
    return line_levels(line, (0,))[0]


def levels(lines: tuple[str, ...] | list[str]) -> list[str]:
    starts: list[int] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return line_levels("\n".join(lines), starts)


# A run of hex digits/separators that contains a decimal digit: numbers, dates, times, versions, UUIDs,
# hex ids, IPs, and the numeric part of names (file_26.c -> file_<*>). The plain spelling is
# ``[0-9a-fA-F]*[0-9][0-9a-fA-F.:-]*``; this one matches exactly the same spans (a match starts at the
# first hex character whose run reaches a decimal digit through hex letters only), but opens with a
# character class, so the engine skips non-hex text in C and backtracks less: ~90 MB/s instead of ~60.
_MASK_RE = re.compile(r"[0-9a-fA-F](?:(?<=[0-9])|[a-fA-F]*+[0-9])[0-9a-fA-F.:-]*+")
WILD = "<*>"


def mask(text: str) -> str:
    """``text`` with variable parts replaced by ``<*>`` (never across a newline)."""
    return _MASK_RE.sub(WILD, text)


_WORD_RE = re.compile(r"[A-Za-z0-9_][\w.\-/@:]*[A-Za-z0-9_]")
# fmt: off
_STOP = frozenset({
    "about", "all", "and", "any", "are", "be", "been", "but", "can", "check", "could", "did", "does", "done",
    "each", "error", "errors", "every", "find", "for", "from", "get", "give", "got", "had", "happen", "happened",
    "has", "have", "here", "how", "into", "is", "its", "let", "list", "look", "make", "may", "might", "must", "not",
    "onto", "our", "out", "over", "per", "please", "see", "shall", "should", "show", "some", "tell", "than", "that",
    "the", "their", "them", "then", "there", "they", "this", "under", "use", "using", "via", "warning", "was",
    "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
})
# fmt: on


def query_terms(query: str) -> tuple[str, ...]:
    """Lower-cased distinctive words of a query (3+ characters, no stop words), in a stable order."""
    seen: dict[str, None] = {}
    for word in _WORD_RE.findall(query):
        low = word.lower()
        if len(low) >= 3 and low not in _STOP:
            seen.setdefault(low, None)
    return tuple(seen)


def distinctive(terms: tuple[str, ...], text: str, lines: int, share: float = 0.05) -> tuple[str, ...]:
    """The terms that occur in at most ``share`` of the lines (a term found everywhere selects nothing)."""
    if not terms:
        return ()
    low = text.lower()
    limit = max(3, int(share * lines))
    return tuple(term for term in terms if 0 < low.count(term) <= limit)


def matches_query(line: str, terms: tuple[str, ...]) -> bool:
    if not terms:
        return False
    low = line.lower()
    return any(term in low for term in terms)
