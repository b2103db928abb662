"""Line-shape recognisers used by detection and by the compressors that parse what they detected.

Each recogniser is a compiled regex or a small predicate over one line; detection applies them to a
bounded sample of lines, so its cost does not grow with the output.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice


def _line_start(alternatives: str) -> re.Pattern[str]:
    """A pattern whose matches begin a line, spelled with a leading newline instead of ``^``.

    Searched in ``"\\n" + text`` (see :func:`line_matches`), the literal newline lets the regex engine
    jump from line start to line start instead of trying every position. No alternative may end with a
    newline, so the matches are exactly those of ``^(?:alternatives)`` under ``re.MULTILINE``.
    """
    return re.compile(f"\n(?:{alternatives})", re.MULTILINE)


def line_matches(pattern: re.Pattern[str], text: str, limit: int) -> int:
    """Matches of a :func:`_line_start` pattern in ``text`` (non-overlapping), counted up to ``limit``."""
    return sum(1 for _ in islice(pattern.finditer("\n" + text), limit))


# -- search hits -----------------------------------------------------------------------------------
# path:line:text (grep -n, rg --no-heading), path-line-text (context lines), rg heading blocks.
HIT_RE = re.compile(r"(?P<path>[^\s:][^:\n]*?):(?P<line>\d+):")
CTX_RE = re.compile(r"(?P<path>[^\s:][^:\n]*?)-(?P<line>\d+)-")
NUM_HIT_RE = re.compile(
    r"(?P<line>\d+)(?P<sep>[:-])(?!\d{2}[-:]\d{2}[T :])"
)  # not a date or time  # single-file grep -n, rg heading body lines
BINARY_RE = re.compile(r"(?:grep: .*: binary file matches|Binary file .* matches|grep: .*: (?:No such file|"
                       r"Permission denied|Is a directory).*)$")  # fmt: skip
_PATH_RE = re.compile(r"(?:\.{0,2}/|~/)?(?:[\w.@+,=~-]+/)*[\w.@+,=~-]+")
_TIMESTAMPISH = re.compile(r"[\dTZ:.\-+ ]+")
_HAS_EXT = re.compile(r"\.[A-Za-z][\w-]{0,11}$")


@lru_cache(maxsize=4096)  # grep output repeats its paths line after line
def looks_like_path(text: str, *, lenient: bool = False) -> bool:
    """A grep hit's path part: path characters, not a timestamp, with a slash or extension (or lenient)."""
    if not text or _TIMESTAMPISH.fullmatch(text) or not _PATH_RE.fullmatch(text):
        return False
    if text[:4].isdigit() and text[4:5] == "-":
        return False  # 2025-03-04T10 … is a timestamp, never a path
    if "/" in text or _HAS_EXT.search(text):
        return True
    return lenient and any(c.isalpha() for c in text)


def hit_path(line: str, *, lenient: bool = False) -> tuple[str, int, str] | None:
    """``(path, line_number, sep)`` of a ``path:N:`` hit or ``path-N-`` context line."""
    found = hit_kind(line, lenient=lenient)
    if found is None:
        return None
    match = (HIT_RE if found[1] == ":" else CTX_RE).match(line)
    return found[0], int(match.group("line")), found[1]  # type: ignore[union-attr]  # matched just before


def hit_kind(line: str, *, lenient: bool = False) -> tuple[str, str] | None:
    """``(path, sep)`` of a ``path:N:`` hit (sep ``:``) or ``path-N-`` context line (sep ``-``)."""
    match = HIT_RE.match(line)
    if match:
        path = match.group(1)
        if looks_like_path(path, lenient=lenient):
            return path, ":"
    match = CTX_RE.match(line)
    if match:
        path = match.group(1)
        if looks_like_path(path, lenient=lenient):
            return path, "-"
    return None


# -- diffs -----------------------------------------------------------------------------------------
HUNK_RE = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)")
DIFF_SIGNAL_RE = _line_start(r"diff --git |@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")

# -- logs ------------------------------------------------------------------------------------------
TIMESTAMP_START_RE = re.compile(
    r"\s*\[?(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{4}/\d{2}/\d{2} \d{2}:\d{2}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}|\d{2}:\d{2}:\d{2}[.,]?\d*\b|"
    r"\d{10}(?:\.\d+)?\b|I\d{4} \d{2}:\d{2})"
)
# A line that announces its level: it opens with one, has ``level=…`` within its first 40 characters, or a
# bracketed ``[LEVEL]`` within its first 60. Plainly one pattern (``_LEVEL_OPEN_RE`` | ``.{0,40}\blevel=\w+`` |
# ``.{0,60}\[(?:…) ?\]``); as below, the two inner searches stop at the end of their window instead of
# backtracking through every prefix length.
_LEVEL_OPEN_RE = re.compile(r"\s*\[?(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL|CRITICAL|NOTICE)\b")
_LEVEL_FIELD_RE = re.compile(r"\blevel=\w")  # 7 characters: found within [0, 47) exactly when it starts by 40
_LEVEL_BRACKET_RE = re.compile(r"\[(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL) ?\]")  # at most 10 characters


def level_start(line: str) -> bool:
    """The line (no newline in it) announces a log level near its start."""
    if _LEVEL_OPEN_RE.match(line) or _LEVEL_FIELD_RE.search(line, 0, 47):
        return True
    bracket = _LEVEL_BRACKET_RE.search(line, 0, 70)
    return bracket is not None and bracket.start() <= 60


PYTEST_RE = _line_start(
    r"=+ (?:test session starts|FAILURES|ERRORS|short test summary info|warnings summary)|"
    r"\S+\.py::\S+ (?:PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)|\S+\.py [.FEsxX]+(?: +\[ *\d+%\])?$|"
    r"=+ .*\b(?:passed|failed|error)\b.* in [\d.]+s"
)
CARGO_RE = _line_start(
    r" +(?:Compiling|Checking|Finished|Running|Downloaded|Downloading|Fresh|Updating|Locking) \S|"
    r"error\[E\d{4}\]|(?:error|warning)(?:\[[\w:-]+\])?: .*\n +--> "
)
NPM_RE = _line_start(r"npm (?:ERR!|WARN|notice|error|warn)|yarn (?:install|run) v|\[\d/\d\] |added \d+ packages")

# -- tables ----------------------------------------------------------------------------------------
LS_RE = re.compile(r"[-dlcbpsD][rwxsStT-]{9}[.@+]?\s+\d+\s")
HEADER_WORD_RE = re.compile(r"[A-Z][A-Z0-9%()_/.-]*(?: [A-Z][A-Z0-9%()_/.-]*)?")

# -- JSON ----------------------------------------------------------------------------------------
# One line of pretty-printed JSON: an optional key, then a scalar or an opening/closing bracket.
PRETTY_JSON_LINE_RE = re.compile(
    r'\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*)?(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null|[\[{]|[\]}])?\s*,?\s*'
    r"|.*…\d+ tokens truncated….*"
)

# -- markup and code -------------------------------------------------------------------------------
HTML_START_RE = re.compile(r"\s*(?:<!DOCTYPE html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
HTML_TAG_RE = re.compile(r"</?(?:div|p|a|span|li|ul|td|tr|table|script|meta|link|section|nav|img|br|h[1-6])\b",
                         re.IGNORECASE)  # fmt: skip
CODE_LINE_RE = re.compile(
    r"\s*(?:def |class |import |from \S+ import |function |const |let |var |return\b|if ?\(|for ?\(|"
    r"while ?\(|#include|#define|package |fn |pub |impl |struct |enum |public |private |protected |func |"
    r"@\w+|//|/\*|\* |\*/|#!|elif |else\b|try:|except\b|async |await |export |type |interface |use |mod )"
    r"|.*[{};]\s*$|\s*[}\])]"
)


def sample_lines(text: str, head: int = 400, tail: int = 100) -> list[str]:
    """Up to ``head`` first and ``tail`` last lines, without reading the middle of a huge text."""
    first = text.split("\n", head)
    if len(first) <= head:
        return first
    last = text[-200 * tail :].split("\n")[-tail:]
    return first[:head] + last
