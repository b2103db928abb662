"""Workflow-tag protection.

Agents put their own XML-like tags into tool outputs (``<system-reminder>``, ``<persisted-output>``,
``<function_results>`` …). A protected unit runs from such an opening tag to its matching closing tag;
it must reach the model whole. HTML tags are not workflow tags. The pipeline peels units that sit at
the edges of a payload off into the frame, line compressors force-keep the lines of the others, and a
final check refuses any result in which a unit is not present verbatim.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from functools import lru_cache

# fmt: off
HTML_TAGS = frozenset({
    "a", "abbr", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo", "blockquote", "body",
    "br", "button", "canvas", "caption", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del",
    "details", "dfn", "dialog", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font",
    "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr",
    "html", "i", "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark",
    "menu", "meta", "meter", "nav", "noscript", "object", "ol", "optgroup", "option", "output", "p", "param",
    "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp", "script", "section", "select", "slot",
    "small", "source", "span", "strong", "style", "sub", "summary", "sup", "svg", "table", "tbody", "td",
    "template", "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track", "u", "ul", "var", "video",
    "wbr", "path", "g", "rect", "circle", "line", "polyline", "polygon", "defs", "use", "symbol", "text", "tspan",
    "center", "big", "tt", "strike", "nobr",
})
# fmt: on
_CLOSE_RE = re.compile(r"</([A-Za-z][\w:.-]*)>")
# A tag can hold only its own "<", so matches never overlap and every opening tag is found by one scan.
_OPEN_RE = re.compile(r"<([A-Za-z][\w:.-]*)(?:\s[^<>\n]*)?>")


def units(text: str) -> list[tuple[int, int]]:
    """Outermost protected spans [start, end) in order."""
    return list(_units(text))


@lru_cache(maxsize=8)  # detection, edge peeling and the compressor ask about the same payload in turn
def _units(text: str) -> tuple[tuple[int, int], ...]:
    if "</" not in text:
        return ()
    return tuple(_find_units(text))


def _find_units(text: str) -> list[tuple[int, int]]:
    """One pass over the closing tags, one over the opening tags: linear in the text (times a log).

    A unit opens at a workflow tag ``<name …>`` that some ``</name>`` follows, and ends at the first such
    closing tag; the scan resumes after it, so nested and overlapping tags belong to the outer unit.
    """
    closers: dict[str, list[int]] = {}  # workflow tag name -> start of every closing tag, ascending
    for match in _CLOSE_RE.finditer(text):
        name = match.group(1)
        if name.lower() not in HTML_TAGS:
            closers.setdefault(name, []).append(match.start())
    if not closers:
        return []
    found: list[tuple[int, int]] = []
    pos = 0  # end of the last unit: openers inside it are part of it
    for match in _OPEN_RE.finditer(text):
        if match.start() < pos:
            continue
        name = match.group(1)
        starts = closers.get(name)
        if starts is None or match.group(0).endswith("/>"):
            continue
        index = bisect_left(starts, match.end())
        if index == len(starts):
            continue  # no closing tag after this one
        pos = starts[index] + len(name) + 3  # len("</" + name + ">")
        found.append((match.start(), pos))
    return found


def intact(text: str, spans: list[tuple[int, int]], output: str) -> bool:
    """Every protected unit of ``text`` appears verbatim (as often) in ``output``."""
    if not spans:
        return True
    need = Counter(text[start:end] for start, end in spans)
    return all(output.count(unit) >= count for unit, count in need.items())


def peel_edges(payload: str) -> tuple[str, str, str]:
    """Split off protected units (and the whitespace around them) at the start and end of a payload.

    Returns ``(head, core, tail)`` with ``head + core + tail == payload``.
    """
    spans = units(payload)
    if not spans:
        return "", payload, ""
    head_end = 0
    for start, end in spans:
        if payload[head_end:start].strip():
            break
        head_end = end
    if head_end:
        while head_end < len(payload) and payload[head_end] in " \t\r\n":
            head_end += 1
    tail_start = len(payload)
    for start, end in reversed(spans):
        if start < head_end or payload[end:tail_start].strip():
            break
        tail_start = start
    while tail_start > head_end and payload[tail_start - 1] in " \t\r\n":
        tail_start -= 1
    return payload[:head_end], payload[head_end:tail_start], payload[tail_start:]


def line_spans(starts: tuple[int, ...], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Map character spans to half-open line-index ranges, given each line's start offset."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, max(start, end - 1)) - 1
        out.append((first, last + 1))
    return out
