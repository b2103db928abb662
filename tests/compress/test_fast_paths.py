"""Fast paths against simple reference implementations: every rewrite for speed must give identical results.

Each reference below is the straightforward (slower) formulation the fast path replaced; hypothesis feeds
both texts built from the fragments that matter to the pattern, plus arbitrary characters.
"""

from __future__ import annotations

import html as std_html
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import (
    detect,
    html,
    json_raw,
    json_select,
    json_table,
    logs,
    masks,
    protect,
    search,
    shapes,
    table,
    templates,
)
from headroom.compress import lines as ln
from tests.compress import reference_json_select

EXAMPLES = settings(max_examples=200, deadline=None)


def texts(fragments: list[str], alphabet: str = "ab1 :-.\n\t") -> st.SearchStrategy[str]:
    """Texts glued from meaningful fragments and random characters."""
    piece = st.sampled_from(fragments) | st.text(alphabet=alphabet, max_size=6)
    return st.lists(piece, max_size=40).map("".join)


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


# -- JSON member spans ---------------------------------------------------------------------------
def reference_members(text: str, index: int) -> list[tuple[str | int, int, int]]:
    """Member spans by fully decoding every member (what ``json_raw._members`` did before skipping)."""
    decode = json.JSONDecoder().raw_decode
    opener = text[index]
    closer = "}" if opener == "{" else "]"
    out: list[tuple[str | int, int, int]] = []
    index = json_raw.skip_ws(text, index + 1)
    position = 0
    while index < len(text) and text[index] != closer:
        name: str | int = position
        if opener == "{":
            name, index = decode(text, index)
            index = json_raw.skip_ws(text, json_raw.skip_ws(text, index) + 1)
        end = decode(text, index)[1]
        out.append((name, index, end))
        position += 1
        index = json_raw.skip_ws(text, end)
        if index < len(text) and text[index] == ",":
            index = json_raw.skip_ws(text, index + 1)
    return out


SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False)
    | st.text(alphabet='ab"\\[]{},: \n\t/é\u2028\x01', max_size=8)
)  # fmt: skip
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=25,
)  # fmt: skip


def _containers(text: str) -> list[tuple[tuple[str | int, ...], int]]:
    """Path and offset of every container of a valid JSON text (found through the reference)."""
    found: list[tuple[tuple[str | int, ...], int]] = [((), json_raw.skip_ws(text, 0))]
    out: list[tuple[tuple[str | int, ...], int]] = []
    while found:
        path, index = found.pop()
        if text[index] in "[{":
            out.append((path, index))
            found.extend(((*path, name), start) for name, start, _end in reference_members(text, index))
    return out


@EXAMPLES
@given(VALUES, st.sampled_from([None, 0, 2]), st.sampled_from([(",", ":"), (", ", ": ")]), st.booleans())
def test_element_spans_match_full_decoding(value: object, indent: int | None, separators: tuple[str, str],
                                           ascii_only: bool) -> None:  # fmt: skip
    text = " \n" + json.dumps(value, indent=indent, separators=separators, ensure_ascii=ascii_only) + "\n"
    for path, index in _containers(text):
        expected = [(start, end) for _name, start, end in reference_members(text, index)]
        assert json_raw.element_spans(text, path) == expected
        assert list(json_raw._members(text, index)) == reference_members(text, index)


# -- HTML to text --------------------------------------------------------------------------------
def reference_convert(text: str, removed: list[tuple[int, int]]) -> str:
    """Tag by tag, as ``html._convert`` did before its lookup tables."""
    out: list[str] = []
    pos = 0
    link: str | None = None
    for match in REF_TAG.finditer(text):
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in protect.HTML_TAGS:
            continue
        chunk = text[pos : match.start()]
        out.append(std_html.unescape(chunk))
        removed.append(match.span())
        pos = match.end()
        found = html._attributes(attrs) if name in ("a", "img") and not closing else {}
        if name == "a":
            if not closing and found.get("href"):
                link = found["href"]
                out.append("[")
            elif closing and link is not None:
                out.append(f"]({link})")
                link = None
        elif name == "img" and found.get("src"):
            out.append(f"![{found.get('alt', '')}]({found['src']})")
        elif name in ("h1", "h2", "h3", "h4", "h5", "h6") and not closing:
            out.append("\n" + "#" * int(name[1]) + " ")
        elif name == "li" and not closing:
            out.append("\n- ")
        elif name in ("td", "th") and not closing:
            out.append(" | ")
        elif name in html._BLOCK and not (closing and name in ("li", "td", "th", "dt", "dd")):
            out.append("\n")
    out.append(std_html.unescape(text[pos:]))
    return "".join(out)


def reference_tidy(text: str) -> str:
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n\s*\n\s*(?:\n\s*)+", "\n\n", text)


HTML_FRAGMENTS = ["<a href='u'>", "<a>", "</a>", "<A HREF=x>", "<img src=i alt='t'>", "<img>", "</img>", "<h2>",
                  "</h2>", "<li>", "</li>", "<td>", "</td>", "<th>", "<dt>", "</dd>", "<p>", "</p>", "<br/>", "<span>",
                  "<system-reminder>", "</system-reminder>", "&amp;", "&lt;", "text", " ", "  ", "\t", "\n", " \n ",
                  "\r", "\f"]  # fmt: skip


@EXAMPLES
@given(texts(HTML_FRAGMENTS, alphabet="ab <>&;\n\t"))
def test_html_conversion_matches_tag_by_tag_reference(text: str) -> None:
    fast: list[tuple[int, int]] = []
    slow: list[tuple[int, int]] = []
    assert html._convert(text, 0, len(text), fast) == reference_convert(text, slow)
    assert fast == slow
    assert html._merge(list(fast)) == tuple(_merge_reference(slow))
    assert html._tidy(text) == reference_tidy(text)


def _merge_reference(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


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


# -- which log items are kept --------------------------------------------------------------------
def reference_wanted(items: list[tuple[int, int, str]], tids: list[int], keep_all_errors: bool) -> set[int]:
    """Item by item with running counts, as ``logs._select`` did."""
    last = {tid: position for position, tid in enumerate(tids)}
    seen: dict[int, int] = {}
    out: set[int] = set()
    for position, (_start, _end, level) in enumerate(items):
        tid = tids[position]
        seen[tid] = seen.get(tid, 0) + 1
        if level == masks.ERROR:
            wanted = keep_all_errors or seen[tid] <= logs.ERROR_FIRST or last[tid] == position
        elif level == masks.WARN:
            wanted = seen[tid] <= logs.WARN_FIRST or last[tid] == position
        else:
            wanted = seen[tid] == 1 or last[tid] == position
        if wanted:
            out.add(position)
    return out


@EXAMPLES
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(masks.LEVELS)), max_size=60), st.booleans())
def test_log_item_selection_matches_the_running_count(pairs: list[tuple[int, str]], keep_all: bool) -> None:
    items = [(index, index + 1, level) for index, (_tid, level) in enumerate(pairs)]
    tids = [tid for tid, _level in pairs]
    assert logs._wanted([level for _tid, level in pairs], tids, keep_all) == reference_wanted(items, tids, keep_all)


# -- whitespace ----------------------------------------------------------------------------------
@EXAMPLES
@given(texts([" ", "  ", "   ", "\t", " \t ", "\n", "\r", "\r\n", "x", "\x0b", "\u3000"], alphabet=" \t\nx"))
def test_whitespace_squeezing_matches_the_plain_patterns(text: str) -> None:
    assert ln.strip_line_ends(text) == re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE)
    assert ln.strip_line_ends(text) == re.sub(r"[ \t]+(?=\n|\Z)", "", text)
    for single in (True, False):
        padded = re.sub(r"  +", " " if single else "  ", text)
        assert table._squeeze(text, single) == re.sub(r"[ \t]+(?=\n|\Z)", "", padded)


# -- which table rows are kept -------------------------------------------------------------------
@EXAMPLES
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=40), st.integers(1, 2), st.integers(2, 6))
def test_table_rows_kept_match_the_running_count(rows: list[str], header_rows: int, min_group: int) -> None:
    counts = {row: rows.count(row) for row in rows}
    last = {row: index for index, row in enumerate(rows)}
    seen: dict[str, int] = {}
    reference: set[int] = set()
    for index, row in enumerate(rows):
        seen[row] = seen.get(row, 0) + 1
        if index < header_rows or counts[row] < min_group or seen[row] == 1 or last[row] == index:
            reference.add(index)
    original = table.MIN_GROUP
    table.MIN_GROUP = min_group
    try:
        assert table._kept_rows(rows, header_rows) == reference
    finally:
        table.MIN_GROUP = original


# -- detection shares ----------------------------------------------------------------------------
@EXAMPLES
@given(st.lists(st.booleans(), max_size=60), st.sampled_from([0.0, 0.2, 0.5, 0.9, 0.95, 1.0]))
def test_share_with_early_exit_matches_the_fraction(flags: list[bool], share: float) -> None:
    lines = ["x" if flag else "" for flag in flags]
    assert detect._reaches(lines, bool, share) == (detect._fraction(lines, bool) >= share)


# -- JSON row selection --------------------------------------------------------------------------
def _num(value: float | int) -> json_raw.Num:
    return json_raw.Num(json.dumps(value))


CELL_VALUES = (
    st.integers(-5, 5).map(_num) | st.integers(0, 10**6).map(_num) | st.floats(-1e9, 1e9).map(_num)
    | st.sampled_from(["ok", "ok", "running", "failed", "Error: disk", "timeout", "terrorist", "error_count",
                       "CrashLoopBackOff", "a" * 210, "https://x.example/" + "z" * 60, "id-0001", "id-0002",
                       "user 7", "", " ", "\x00", "é", "\u2028"])
    | st.text(alphabet="abf01 -:_", max_size=12) | st.booleans() | st.none()
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "1.2.3"]).map(json_raw.Num)
    | st.lists(st.integers(0, 3).map(_num), max_size=2)
)  # fmt: skip
ROWS = st.lists(
    st.dictionaries(st.sampled_from(["id", "status", "name", "n", "tags", "url", "rare"]), CELL_VALUES,
                    min_size=1, max_size=7),
    min_size=2, max_size=70,
)  # fmt: skip


TYPED_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["id-0001", "id-0002", "id-0003", "id-00x4", "ID 5"]),
            "status": st.sampled_from(["ok"] * 6 + ["failed", "timeout", "Degraded", "running"]),
            "n": st.integers(40, 60).map(_num)
            | st.sampled_from([_num(10**6), _num(-3), _num(0.5), json_raw.Num("NaN"), json_raw.Num("1.2.3")]),
            "url": st.sampled_from(["https://cdn.example/" + c * 50 for c in "abc"] + ["x y"]),
            "flag": st.booleans(),
        },
        optional={"rare": st.just("r"), "note": st.sampled_from(["n", "n" * 300])},
    ),
    min_size=10, max_size=80,
)  # fmt: skip


@EXAMPLES
@given(ROWS | TYPED_ROWS, st.sampled_from([(), ("fail",), ("id-0002", "user")]))
def test_row_selection_matches_the_value_by_value_reference(rows: list[dict[str, object]],
                                                            terms: tuple[str, ...]) -> None:  # fmt: skip
    fast, slow = json_table.build("t", rows), json_table.build("t", rows)
    if fast is None or slow is None:
        return
    assert json_select.must_keep(fast, terms) == reference_json_select.must_keep(slow, terms)
    assert json_select.summaries(fast) == reference_json_select.summaries(slow)
    assert json_select.bulky_columns(fast) == reference_json_select.bulky_columns(slow)


@EXAMPLES
@given(VALUES | ROWS)
def test_dump_matches_json_dumps_per_string(value: object) -> None:
    assert json_raw.dump(value) == reference_json_select.dump(value)


# -- log templates -------------------------------------------------------------------------------
def reference_mine(masked: list[str], levels: list[str], keys: list[str | None] | None) -> tuple[list[int], list[str]]:
    """Line by line with one combined ``level + NUL + key`` dictionary, as ``templates.mine`` was written."""
    exact: dict[str, int] = {}
    groups: dict[tuple[str, int], list[int]] = {}
    texts: list[list[str]] = []
    ids: list[int] = []
    for index, line in enumerate(masked):
        level = levels[index]
        override = keys[index] if keys is not None else None
        key = f"{level}\x00{override if override is not None else line}"
        tid = exact.get(key)
        if tid is None:
            words = override.split() if override is not None else line.split()
            tid = -1
            if override is None and level not in (masks.ERROR, masks.WARN) and words:
                tid = templates._merge(groups.setdefault((level, len(words)), []), texts, words)
            if tid < 0:
                tid = len(texts)
                texts.append(words)
                if override is None and level not in (masks.ERROR, masks.WARN) and words:
                    groups[(level, len(words))].append(tid)
            exact[key] = tid
        ids.append(tid)
    return ids, [" ".join(words) for words in texts]


LOG_WORDS = st.sampled_from(["GET", "POST", "/api/<*>", "<*>", "ms", "ok", "user", "failed", "a", "b"])
LOG_LINES = st.lists(st.lists(LOG_WORDS, max_size=5).map(" ".join), max_size=40)


@EXAMPLES
@given(LOG_LINES, st.data())
def test_template_mining_matches_the_combined_key_reference(lines: list[str], data: st.DataObject) -> None:
    levels = data.draw(st.lists(st.sampled_from(masks.LEVELS), min_size=len(lines), max_size=len(lines)))
    keys = data.draw(st.none() | st.lists(st.none() | st.sampled_from(["<test> PASSED", "ok"]),
                                           min_size=len(lines), max_size=len(lines)))  # fmt: skip
    found = templates.mine(lines, levels, keys)
    ids, texts = reference_mine(lines, levels, keys)
    assert found.ids == ids
    assert [" ".join(words) for words in found.texts] == texts
    assert found.counts == [ids.count(tid) for tid in range(len(texts))]


# -- the token gate's word bound -----------------------------------------------------------------
@EXAMPLES
@given(texts(["word", " ", "  ", "\n", "\t", "\u3000", "x"], alphabet="ab \n"), st.integers(0, 30))
def test_limited_split_decides_the_word_bound_like_a_full_split(text: str, after: int) -> None:
    assert (len(text.split(maxsplit=after + 1)) >= after + 2) == (after < len(text.split()) - 1)


# -- rendering kept lines and receipts -----------------------------------------------------------
def reference_render(lines: ln.Lines, keep: list[bool], replace: dict[int, str]) -> tuple[str, list[tuple[int, int]]]:
    """Line by line, as ``lines.render`` was written (ranges before merging)."""
    if lines.raw and lines.raw[-1] == "" and not keep[-1]:
        keep = [*keep[:-1], True]
    out: list[str] = []
    omitted: list[tuple[int, int]] = []
    index = 0
    while index < len(lines):
        if keep[index]:
            if index in replace:
                out.append(replace[index])
                omitted.append((lines.starts[index], lines.starts[index] + len(lines.raw[index])))
            else:
                out.append(lines.raw[index])
            index += 1
            continue
        stop = index
        while stop < len(lines) and not keep[stop]:
            stop += 1
        out.append(f"<{index}-{stop}>")
        end = lines.starts[stop - 1] + len(lines.raw[stop - 1])
        if end > lines.starts[index]:
            omitted.append((lines.starts[index], end))
        index = stop
    return "\n".join(out), omitted


@EXAMPLES
@given(st.lists(st.sampled_from(["", "a", "bb", "ccc ddd"]), min_size=1, max_size=40), st.data())
def test_render_matches_the_line_by_line_reference(raw: list[str], data: st.DataObject) -> None:
    lines = ln.split("\n".join(raw))
    keep = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
    replace = data.draw(st.dictionaries(st.integers(0, len(lines) - 1), st.just("@@ new @@"), max_size=3))
    text, ranges = ln.render(lines, keep, lambda a, b: f"<{a}-{b}>", replace)
    expected, omitted = reference_render(lines, keep, replace)
    assert text == expected
    assert ranges == ln._merge(omitted)
    dropped = [index for index, kept in enumerate(keep) if not kept]
    assert [index for a, b in ln.runs(keep) for index in range(a, b)] == dropped
    assert all(keep[a - 1] for a, _b in ln.runs(keep) if a) and all(
        b == len(keep) or keep[b] for _a, b in ln.runs(keep)
    )


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
