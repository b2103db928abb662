"""Line and unit selection fast paths against the loops they replaced: HTML text, log items, table rows,
templates and rendering must come out identical.
"""

from __future__ import annotations

import html as std_html
import re

from hypothesis import given
from hypothesis import strategies as st

from headroom.compress import html, logs, masks, protect, table, templates
from headroom.compress import lines as ln
from tests.compress.fast_support import EXAMPLES, texts
from tests.compress.test_fast_patterns import REF_TAG


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
