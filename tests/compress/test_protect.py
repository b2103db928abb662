"""Workflow-tag units: the linear finder against a plain reference scan, and adversarial tag soup."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compress import protect

_NAME = r"[A-Za-z][\w:.-]*"
_REF_OPEN = re.compile(rf"<({_NAME})(?:\s[^<>\n]*)?>")


def reference_units(text: str) -> list[tuple[int, int]]:
    """Character by character: at every ``<`` that opens a workflow tag, the unit runs to the first
    ``</name>`` after it (when there is one) and the scan resumes after that closing tag."""
    found: list[tuple[int, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos] != "<":
            pos += 1
            continue
        match = _REF_OPEN.match(text, pos)
        if match is None or match.group(0).endswith("/>") or match.group(1).lower() in protect.HTML_TAGS:
            pos += 1
            continue
        close_tag = f"</{match.group(1)}>"
        close = text.find(close_tag, match.end())
        if close < 0:
            pos += 1
            continue
        end = close + len(close_tag)
        found.append((pos, end))
        pos = end
    return found


_NAMES = ["w", "v", "w.v", "x:y", "W", "div", "B"]  # workflow names, and some HTML ones
_ATTRS = ["", " x=1", ' k="v w"', " ", "\t", " /", " a\nb", " <", " >"]


@st.composite
def _tag(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(_NAMES))
    shape = draw(st.sampled_from(["open", "close", "self", "attrs"]))
    if shape == "open":
        return f"<{name}>"
    if shape == "close":
        return f"</{name}>"
    if shape == "self":
        return f"<{name}/>"
    return f"<{name}{draw(st.sampled_from(_ATTRS))}>"


@st.composite
def _pair(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(_NAMES))
    inner = draw(st.sampled_from(["", "x", "\n", "<v>", "</w>", "<w>", "</W>"]))
    return f"<{name}{draw(st.sampled_from(_ATTRS))}>{inner}</{name}>"


_noise = st.sampled_from(["<", ">", "</", "/>", "<1>", "< w>", "</ w>", "x", "\n", " ", "text"])
_soup = st.lists(_tag() | _pair() | _noise, max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=_soup)
def test_units_match_the_reference_scan(text: str) -> None:
    assert protect.units(text) == reference_units(text)


@settings(max_examples=100, deadline=None)
@given(text=_soup, junk=st.text(max_size=20))
def test_units_match_the_reference_scan_with_arbitrary_text(text: str, junk: str) -> None:
    mixed = junk + text + junk[::-1]
    assert protect.units(mixed) == reference_units(mixed)


def test_nested_and_repeated_units() -> None:
    text = "<w>\n<v>x</v>\n</w> mid <div><w k=1>y</w></div><w>unclosed\n<c/></c><V>z</v>"
    assert [text[start:end] for start, end in protect.units(text)] == ["<w>\n<v>x</v>\n</w>", "<w k=1>y</w>"]


@pytest.mark.timeout(20)
def test_many_distinct_unclosed_tags_stay_linear() -> None:
    """Closing tags of n distinct names, then their opening tags: the opener regex used to be an
    alternation of all n names, searched once per opener along with a scan to the end for its closer
    (about 35 s at n = 120 000)."""
    n = 120_000
    text = "".join(f"</t{i}>\n" for i in range(n)) + "".join(f"<t{i}>\n" for i in range(n))
    assert protect.units(text) == []
    closed = text + "".join(f"</t{i}>\n" for i in range(0, n, 2))
    spans = protect.units(closed)
    assert len(spans) == 1  # the first opener with a closer after it swallows everything up to its closer
    start, end = spans[0]
    assert closed[start:end].startswith("<t0>") and closed[start:end].endswith("</t0>")
