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
_SPACES_RE = re.compile(r"[ \t\r\f\v]+")
_BLANKS_RE = re.compile(r"\n\s*\n\s*(?:\n\s*)+")
_LINE_EDGES_RE = re.compile(r" *\n *")


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
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in HTML_TAGS:
            continue  # not HTML: a workflow tag stays verbatim
        chunk = text[pos : match.start()]
        out.append(html.unescape(chunk) if "&" in chunk else chunk)
        removed.append(match.span())
        pos = match.end()
        found = _attributes(attrs) if name in ("a", "img") and not closing else {}
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
        elif name in _BLOCK and not (closing and name in ("li", "td", "th", "dt", "dd")):
            out.append("\n")
    out.append(html.unescape(text[pos:end]))
    return "".join(out)


def _attributes(attrs: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR_RE.finditer(attrs)}


def _tidy(text: str) -> str:
    text = _SPACES_RE.sub(" ", text)
    text = _LINE_EDGES_RE.sub("\n", text)
    return _BLANKS_RE.sub("\n\n", text)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
