"""HTML pages as readable text.

A fetched page is mostly markup. With lossy compression allowed, scripts, styles, comments, inline SVG
and ``<head>`` metadata are dropped, links become ``[text](url)``, images ``![alt](src)``, headings
``#`` lines, list items ``- `` lines, and every other HTML tag disappears (block tags leave a line
break). Entities are decoded and runs of blank space shrink. Tags that are not HTML (workflow tags such
as ``<system-reminder>``) are left exactly as they are. One receipt line at the top says what was done;
``omitted_ranges`` lists every removed tag and block.
"""

from __future__ import annotations

import html
import re

from headroom.compress.base import Result, marker
from headroom.compress.job import Job, Produced
from headroom.compress.protect import HTML_TAGS, units

_DROP_RE = re.compile(
    r"<(script|style|svg|noscript|template|iframe|object)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<!DOCTYPE[^>]*>"
    r"|<head\b[^>]*>(?:(?!<title\b).)*?(?=<title\b|</head\s*>)|<meta\b[^>]*>|<link\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
# Plainly ``<(/?)([A-Za-z][\w:-]*)((?:[^<>"']|"[^"]*"|'[^']*')*)>``. Backtracking can never turn a failed
# attempt into a match there (every alternative's extent is fixed by its first character), so the
# possessive spelling finds the same tags, and takes runs of plain attribute text in one step.
_TAG_RE = re.compile(r"""<(/?)([A-Za-z][\w:-]*+)((?:[^<>"']++|"[^"]*+"|'[^']*+')*+)>""")
_ATTR_RE = re.compile(r"""\b(href|src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
# fmt: off
_BLOCK = frozenset({
    "article", "aside", "blockquote", "body", "br", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr",
    "ul",
})
# fmt: on
_SPACES_RE = re.compile(r" [ \t\r\f\v]+|[\t\r\f\v][ \t\r\f\v]*")  # runs other than one plain space
_BLANKS_RE = re.compile(r"\n\s*\n\s*(?:\n\s*)+")
_LINE_EDGES_RE = re.compile(r" +\n *|\n +")  # line breaks with spaces around them


def compress(job: Job) -> Produced:
    if not job.lossy:
        return "html:exact"
    text = job.payload
    removed: list[tuple[int, int]] = []
    out: list[str] = []
    pos = 0
    for start, end in units(text):  # workflow-tag units pass through untouched
        out.append(_segment(text, pos, start, removed))
        out.append(text[start:end])
        pos = end
    out.append(_segment(text, pos, len(text), removed))
    body = "".join(out).strip("\n")
    if not removed:
        return "html:nothing_to_omit"
    note = f"[HTML shown as text: tags, scripts and styles dropped; links as [text](url) · {marker(job.hint.key)}]"
    return Result(text=f"{note}\n{body}", omitted_ranges=_merge(removed), strategy="html.text")


def _segment(text: str, start: int, end: int, removed: list[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = start
    for match in _DROP_RE.finditer(text, start, end):
        out.append(_convert(text, pos, match.start(), removed))
        removed.append(match.span())
        pos = match.end()
    out.append(_convert(text, pos, end, removed))
    return _tidy("".join(out))


def _convert(text: str, start: int, end: int, removed: list[tuple[int, int]]) -> str:
    """Markup between ``start`` and ``end`` as text; the spans of removed tags are appended to ``removed``."""
    out: list[str] = []
    pos = start
    link: str | None = None
    for match in _TAG_RE.finditer(text, start, end):
        closing, name, attrs = match.groups()
        name = name.lower()
        insert = (_CLOSE if closing else _OPEN).get(name)
        if insert is None:
            continue  # not HTML: a workflow tag stays verbatim
        tag_start, tag_end = match.span()
        if tag_start > pos:
            chunk = text[pos:tag_start]
            out.append(html.unescape(chunk) if "&" in chunk else chunk)
        removed.append((tag_start, tag_end))
        pos = tag_end
        if insert:
            out.append(insert)
        elif name == "a":
            if closing:
                if link is not None:
                    out.append(f"]({link})")
                    link = None
            elif href := _attributes(attrs).get("href"):
                link = href
                out.append("[")
        elif name == "img" and not closing:
            found = _attributes(attrs)
            if found.get("src"):
                out.append(f"![{found.get('alt', '')}]({found['src']})")
    out.append(html.unescape(text[pos:end]))
    return "".join(out)


def _insert(name: str, closing: bool) -> str:
    """The text a (non-link, non-image) HTML tag leaves behind: a heading or list mark, a cell bar, a break."""
    if name in ("h1", "h2", "h3", "h4", "h5", "h6") and not closing:
        return "\n" + "#" * int(name[1]) + " "
    if name == "li" and not closing:
        return "\n- "
    if name in ("td", "th") and not closing:
        return " | "
    if name in _BLOCK and not (closing and name in ("li", "td", "th", "dt", "dd")):
        return "\n"
    return ""


# HTML tag name -> what its opening / closing tag leaves behind ("" for nothing, or a link or image to render).
_OPEN = {name: "" if name in ("a", "img") else _insert(name, False) for name in HTML_TAGS}
_CLOSE = {name: "" if name in ("a", "img") else _insert(name, True) for name in HTML_TAGS}


def _attributes(attrs: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR_RE.finditer(attrs)}


def _tidy(text: str) -> str:
    text = _SPACES_RE.sub(" ", text)
    text = _LINE_EDGES_RE.sub("\n", text)
    return _BLANKS_RE.sub("\n\n", text)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    if not ranges:
        return ()
    ranges.sort()  # already in order, as the scans append them: a linear check
    merged: list[tuple[int, int]] = []
    first, last = ranges[0]
    for start, end in ranges:
        if start <= last:
            last = max(last, end)
        else:
            merged.append((first, last))
            first, last = start, end
    merged.append((first, last))
    return tuple(merged)
