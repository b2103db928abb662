"""Pure line filter behind ``POST /v1/retrieve {"key": …, "query": …}``.

A model that retrieves a large original rarely needs all of it; ``filter_lines`` returns only the
lines that match, numbered, in grep's layout: ``N:line`` for a match, ``N-line`` for a context line and
``--`` between groups that are not adjacent (when context lines were asked for; without them the
numbers show the gaps). A line matches when it contains the query as a
case-insensitive substring, or when it contains every whitespace-separated term of the query (in any
order). An empty query matches every line. Lines are split on ``\\n``; a trailing ``\\r`` is dropped
from each, and a final ``\\n`` does not start another line.
"""

from __future__ import annotations

GROUP_SEPARATOR = "--"


def split_lines(text: str) -> list[str]:
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def line_matches(line: str, query: str, terms: list[str]) -> bool:
    """``query`` and ``terms`` are already case-folded."""
    folded = line.casefold()
    if query in folded:
        return True
    return bool(terms) and all(term in folded for term in terms)


def matching_numbers(lines: list[str], query: str) -> list[int]:
    """0-based indexes of the lines that match ``query``."""
    folded = query.casefold()
    terms = folded.split()
    return [i for i, line in enumerate(lines) if line_matches(line, folded, terms)]


def _with_context(hits: list[int], context: int, count: int) -> list[int]:
    shown: set[int] = set()
    for i in hits:
        shown.update(range(max(0, i - context), min(count, i + context + 1)))
    return sorted(shown)


def filter_lines(text: str, query: str, *, context: int = 0) -> str:
    """Matching lines of ``text`` with their 1-based numbers (plus ``context`` lines around each)."""
    if context < 0:
        raise ValueError("context must be >= 0")
    lines = split_lines(text)
    hits = matching_numbers(lines, query)
    hit_set = set(hits)
    out: list[str] = []
    previous = -2
    for i in _with_context(hits, context, len(lines)):
        if context and out and i != previous + 1:
            out.append(GROUP_SEPARATOR)
        out.append(f"{i + 1}{':' if i in hit_set else '-'}{lines[i]}")
        previous = i
    return "\n".join(out)
