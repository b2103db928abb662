"""Rewritten regexes and scans against the plain patterns they replaced: the matches must be identical.

Each reference is the straightforward (slower) formulation; hypothesis feeds both texts built from the
fragments that matter to the pattern, plus arbitrary characters.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from headroom.compress import detect, html, json_select, masks, search, shapes, table
from headroom.compress import lines as ln
from tests.compress.fast_support import EXAMPLES, texts

# -- line-start patterns (detection) -----------------------------------------------------------------
REF_PYTEST = re.compile(
    r"^=+ (?:test session starts|FAILURES|ERRORS|short test summary info|warnings summary)|"
    r"^\S+\.py::\S+ (?:PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)|^\S+\.py [.FEsxX]+(?: +\[ *\d+%\])?$|"
    r"^=+ .*\b(?:passed|failed|error)\b.* in [\d.]+s",
    re.MULTILINE,
)
REF_CARGO = re.compile(
    r"^ +(?:Compiling|Checking|Finished|Running|Downloaded|Downloading|Fresh|Updating|Locking) \S|"
    r"^error\[E\d{4}\]|^(?:error|warning)(?:\[[\w:-]+\])?: .*\n +--> ",
    re.MULTILINE,
)
REF_NPM = re.compile(
    r"^(?:npm (?:ERR!|WARN|notice|error|warn)|yarn (?:install|run) v|\[\d/\d\] |added \d+ packages)", re.MULTILINE
)
REF_DIFF = re.compile(r"^(?:diff --git |@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@)", re.MULTILINE)
LOG_FRAGMENTS = [
    "\n", "\n", "=", "== ", "test session starts", "FAILURES", " passed", " failed", "error", " in 0.5s",
    "tests/a.py", "::test_x", " PASSED", " FAILED", " .F.s", " [ 50%]", "   Compiling", " foo", "error[E0308]",
    "warning", "[unused]", ": ", "\n  --> ", "  --> ", "npm ", "ERR!", "WARN", "yarn install v", "[1/4] ",
    "added 12 packages", "diff --git ", "@@ -1,2 +3,4 @@", "@@ -1 +1 @@", " ",
]  # fmt: skip


@EXAMPLES
@given(texts(LOG_FRAGMENTS), st.integers(min_value=1, max_value=4))
def test_line_start_patterns_count_like_multiline_anchors(text: str, limit: int) -> None:
    pairs = [
        (shapes.PYTEST_RE, REF_PYTEST),
        (shapes.CARGO_RE, REF_CARGO),
        (shapes.NPM_RE, REF_NPM),
        (shapes.DIFF_SIGNAL_RE, REF_DIFF),
    ]
    for fast, reference in pairs:
        assert shapes.line_matches(fast, text, limit) == min(limit, len(reference.findall(text)))


# -- variable masking (log templates) ------------------------------------------------------------
REF_MASK = re.compile(r"[0-9a-fA-F]*[0-9][0-9a-fA-F.:-]*")
MASK_FRAGMENTS = ["deadbeef", "0x1f", "2025-03-04T10:00:27Z", "10.0.0.1", "v1.2.3", "file_26.c", "abc", "Fe9",
                  "ff:ee", "-", ".", ":", "é", "\n", " "]  # fmt: skip


@EXAMPLES
@given(texts(MASK_FRAGMENTS, alphabet="aAfFgG09.:- _\n"))
def test_mask_matches_the_plain_pattern(text: str) -> None:
    assert masks.mask(text) == REF_MASK.sub(masks.WILD, text)


# -- table cells holding digits ------------------------------------------------------------------
REF_CELL = re.compile(r"(?<!\S)[^\s\d]*\d\S*")
CELL_FRAGMENTS = ["Running", "3/3", "10.0.0.1", "12Mi", "web-7d9f", "  ", " ", "\t", "\n", "x1", "1x", "-", "a"]


@EXAMPLES
@given(texts(CELL_FRAGMENTS, alphabet="a1 \t\n-"))
def test_table_cell_mask_matches_the_plain_pattern(text: str) -> None:
    assert table._TOKEN_RE.sub("<*>", text) == REF_CELL.sub("<*>", text)


# -- HTML tags -----------------------------------------------------------------------------------
REF_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
TAG_FRAGMENTS = ["<", ">", "</", "a", "div", "img", ' href="x>y"', " alt='q'", '"', "'", " src=u", "<p>", "-", ":"]


@EXAMPLES
@given(texts(TAG_FRAGMENTS, alphabet="ab <>/\"'=\n"))
def test_html_tag_scan_matches_the_plain_pattern(text: str) -> None:
    fast = [(m.span(), m.groups()) for m in html._TAG_RE.finditer(text)]
    assert fast == [(m.span(), m.groups()) for m in REF_TAG.finditer(text)]


# -- severity candidates -------------------------------------------------------------------------
REF_CANDIDATE = re.compile(
    r"ERROR|ERR|FATAL|FAIL(?:ED|URE)?|CRIT(?:ICAL)?|PANIC|EMERG|ALERT|SEVERE|WARN(?:ING)?|INFO|NOTICE|DEBUG|"
    r"TRACE|VERBOSE|Error|Fatal|Critical|Warning|Info|Debug|Exception|error|fatal|warning|"
    r"Traceback \(most recent call last\)|panicked at|panic: |E   |level|severity"
)
LEVEL_WORDS = ["ERROR", "ERR", "FATAL", "FAIL", "FAILED", "FAILURE", "CRIT", "CRITICAL", "PANIC", "EMERG", "ALERT",
               "SEVERE", "WARN", "WARNING", "INFO", "NOTICE", "DEBUG", "TRACE", "VERBOSE", "Error", "Fatal",
               "Critical", "Warning", "Info", "Debug", "Exception", "error", "fatal", "warning",
               "Traceback (most recent call last)", "Traceback (", "panicked at", "panic: ", "panic", "E   ", "E  ",
               "level", "severity", "=", ": ", "ValueError", "\n", " "]  # fmt: skip


@EXAMPLES
@given(texts(LEVEL_WORDS, alphabet="EFIRWaer :=\n"))
def test_severity_candidates_match_the_flat_alternation(text: str) -> None:
    fast = [m.span() for m in masks._CANDIDATE_RE.finditer(text)]
    assert fast == [m.span() for m in REF_CANDIDATE.finditer(text)]


# -- failure words in JSON values ----------------------------------------------------------------
FAILURE_WORDS = ["error", "Errors", "ERROR", "failed", "FAILURE", "failing", "fails", "fatal", "Exception", "panicked",
                 "timed out", "time out", "TimeOut", "timeout", "denied", "refused", "unreachable", "crashed",
                 "CrashLoopBackOff", "critical", "unhealthy", "degraded", "rejected", "invalid", "aborted", "OOMKilled",
                 "killed", "Traceback", "unavailable", "terrorist", "error_count", "_", "é", "ſ", "K", "\x00", " ",
                 "-", "x"]  # fmt: skip


@EXAMPLES
@given(texts(FAILURE_WORDS, alphabet="aeEf1_ -\x00é"))
def test_failure_word_scan_matches_the_case_insensitive_pattern(text: str) -> None:
    reference = [m.start() for m in json_select.FAILURE_RE.finditer(text)]
    assert list(json_select.failure_starts(text)) == reference
    assert json_select.has_failure(text) == bool(reference)


# -- search keywords -----------------------------------------------------------------------------
REF_KEYWORD = re.compile(r"\b(?:TODO|FIXME|XXX|HACK|BUG|ERROR|Error|error|panic|raise|throw|deprecated|"
                         r"def|class|fn|func|function|struct|interface)\b")  # fmt: skip
KEYWORDS = ["TODO", "FIXME", "XXX", "XXXX", "HACK", "BUG", "ERROR", "Error", "error", "errors", "panic", "raise",
            "throw", "deprecated", "def", "define", "class", "fn", "func", "function", "functions", "struct",
            "interface", "_", " ", ":", "x", "é"]  # fmt: skip


@EXAMPLES
@given(texts(KEYWORDS, alphabet="aXf_ :1é"))
def test_search_keywords_match_the_boundary_pattern(text: str) -> None:
    assert [m.span() for m in search._KEYWORD_RE.finditer(text)] == [m.span() for m in REF_KEYWORD.finditer(text)]


# -- log level near a line's start ---------------------------------------------------------------
REF_LEVEL_START = re.compile(
    r"\s*\[?(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL|CRITICAL|NOTICE)\b|.{0,40}\blevel=\w+|"
    r".{0,60}\[(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL) ?\]"
)
LEVEL_FRAGMENTS = ["INFO", "WARNING", "[WARN]", "[WARNING ]", "[ERROR ]", "[INFO", "level=", "level=info", "xlevel=1",
                   " ", "  ", "[", "]", "=", "x" * 9, "y" * 20, "\t", "\r", "é"]  # fmt: skip


@EXAMPLES
@given(texts(LEVEL_FRAGMENTS, alphabet="xI[] =\t"))
def test_level_start_matches_the_one_pattern(text: str) -> None:
    line = text.replace("\n", " ")
    assert shapes.level_start(line) == bool(REF_LEVEL_START.match(line))


def test_level_start_windows_end_where_the_pattern_does() -> None:
    for pad in range(30, 72):
        for filler in ("x", " ", "-"):
            for word in ("[INFO]", "[WARNING ]", "level=a", "[ERROR"):
                line = filler * pad + word + " tail"
                assert shapes.level_start(line) == bool(REF_LEVEL_START.match(line)), line


# -- whitespace ----------------------------------------------------------------------------------
@EXAMPLES
@given(texts([" ", "  ", "   ", "\t", " \t ", "\n", "\r", "\r\n", "x", "\x0b", "\u3000"], alphabet=" \t\nx"))
def test_whitespace_squeezing_matches_the_plain_patterns(text: str) -> None:
    assert ln.strip_line_ends(text) == re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    assert ln.strip_line_ends(text) == re.sub(r"[ \t]+(?=\n|\Z)", "", text)
    for single in (True, False):
        padded = re.sub(r"  +", " " if single else "  ", text)
        assert table._squeeze(text, single) == re.sub(r"[ \t]+(?=\n|\Z)", "", padded)


# -- detection shares ----------------------------------------------------------------------------
@EXAMPLES
@given(st.lists(st.booleans(), max_size=60), st.sampled_from([0.0, 0.2, 0.5, 0.9, 0.95, 1.0]))
def test_share_with_early_exit_matches_the_fraction(flags: list[bool], share: float) -> None:
    lines = ["x" if flag else "" for flag in flags]
    assert detect._reaches(lines, bool, share) == (detect._fraction(lines, bool) >= share)


# -- the token gate's word bound -----------------------------------------------------------------
@EXAMPLES
@given(texts(["word", " ", "  ", "\n", "\t", "\u3000", "x"], alphabet="ab \n"), st.integers(0, 30))
def test_limited_split_decides_the_word_bound_like_a_full_split(text: str, after: int) -> None:
    assert (len(text.split(maxsplit=after + 1)) >= after + 2) == (after < len(text.split()) - 1)
