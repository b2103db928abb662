from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.store.retrieve import filter_lines, split_lines

LOG = """\
2025-03-04T10:00:00Z INFO start
2025-03-04T10:00:01Z WARN disk almost full
2025-03-04T10:00:02Z INFO request ok
2025-03-04T10:00:03Z ERROR Disk full: write failed
2025-03-04T10:00:04Z INFO retry
2025-03-04T10:00:05Z INFO request ok
2025-03-04T10:00:06Z INFO done
"""


def test_substring_is_case_insensitive() -> None:
    assert filter_lines(LOG, "error") == "4:2025-03-04T10:00:03Z ERROR Disk full: write failed"


def test_every_term_in_any_order() -> None:
    assert filter_lines(LOG, "FULL disk").splitlines() == [
        "2:2025-03-04T10:00:01Z WARN disk almost full",
        "4:2025-03-04T10:00:03Z ERROR Disk full: write failed",
    ]
    assert filter_lines(LOG, "disk retry") == ""


def test_context_lines_and_group_separators() -> None:
    assert filter_lines(LOG, "start", context=1).splitlines() == [
        "1:2025-03-04T10:00:00Z INFO start",
        "2-2025-03-04T10:00:01Z WARN disk almost full",
    ]
    out = filter_lines(LOG, "request ok", context=0).splitlines()
    assert out == ["3:2025-03-04T10:00:02Z INFO request ok", "6:2025-03-04T10:00:05Z INFO request ok"]
    gapped = filter_lines("a\nx\nx\nx\na\n", "a", context=1).splitlines()
    assert gapped == ["1:a", "2-x", "--", "4-x", "5:a"]
    merged = filter_lines(LOG, "request ok", context=1).splitlines()
    assert [line.split("Z")[0][:2] for line in merged] == ["2-", "3:", "4-", "5-", "6:", "7-"]


def test_empty_query_numbers_every_line() -> None:
    assert filter_lines("a\nb\n", "") == "1:a\n2:b"


def test_line_splitting() -> None:
    assert split_lines("") == []
    assert split_lines("\n") == [""]
    assert split_lines("a\r\nb\r\n\nc") == ["a", "b", "", "c"]
    assert filter_lines("x\r\ny\r\n", "Y") == "2:y"


def test_unicode_case_folding() -> None:
    assert filter_lines("Straße 1\nother", "STRASSE") == "1:Straße 1"


def test_negative_context() -> None:
    with pytest.raises(ValueError):
        filter_lines("a", "a", context=-1)


line_text = st.text(alphabet="abcAB xyz:-0123", max_size=12)
queries = st.text(alphabet="abAB xy", max_size=5)
ENTRY = re.compile(r"(\d+)([:-])(.*)", re.DOTALL)


def oracle(line: str, query: str) -> bool:
    low, q = line.lower(), query.lower()
    terms = q.split()
    return q in low or (bool(terms) and all(t in low for t in terms))


def parse(out: str) -> list[tuple[int, str, str] | None]:
    entries: list[tuple[int, str, str] | None] = []
    for item in out.split("\n") if out else []:
        if item == "--":
            entries.append(None)
            continue
        m = ENTRY.fullmatch(item)
        assert m is not None, item
        entries.append((int(m.group(1)), m.group(2), m.group(3)))
    return entries


@given(lines=st.lists(line_text, max_size=30), query=queries, context=st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_output_is_exactly_the_matches_and_their_context(lines: list[str], query: str, context: int) -> None:
    text = "\n".join(lines)
    originals = split_lines(text)
    entries = parse(filter_lines(text, query, context=context))
    shown = [e for e in entries if e is not None]
    hits = {i + 1 for i, line in enumerate(originals) if oracle(line, query)}
    near = {n for h in hits for n in range(h - context, h + context + 1) if 1 <= n <= len(originals)}
    assert [n for n, _, _ in shown] == sorted(near)  # in order, each once, nothing else
    for n, sep, content in shown:
        assert content == originals[n - 1]
        assert (sep == ":") == (n in hits)
    for before, sep_or_none, after in zip(entries, entries[1:], entries[2:], strict=False):
        if sep_or_none is None:  # a separator only between groups that are not adjacent
            assert before is not None and after is not None and after[0] > before[0] + 1
    for a, b in pairwise(entries):
        if a is not None and b is not None and context:  # with context, every gap is marked
            assert b[0] == a[0] + 1
    if not context:
        assert None not in entries
    assert entries[:1] != [None] and entries[-1:] != [None]
