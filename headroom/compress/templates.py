"""Template mining for repeated lines (Drain-style, deterministic).

Lines are first masked (timestamps, ids, numbers → ``<*>``, see :mod:`masks`). Lines whose masked form
is identical share a template. Lines of low severity are additionally merged with a similar template of
the same token count (most positions equal), the differing positions becoming ``<*>``. Warning and error
lines are never merged fuzzily: two warnings collapse only when they are identical after masking, so
distinct warnings never collapse because a prefix (such as a timestamp) matched.

Clustering follows input order only, so the result is deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from headroom.compress.masks import ERROR, WARN, WILD

_STAMP_RE = re.compile(r"<\*>T<\*>(?:Z|[+-]<\*>)?")  # a masked ISO timestamp reads better as one <*>
SIMILARITY = 0.6
MAX_CLUSTERS_PER_GROUP = 64


@dataclass(slots=True)
class Templates:
    ids: list[int]  # template id of every line
    texts: list[list[str]]  # tokens of each template
    counts: list[int] = field(default_factory=list)

    def text(self, tid: int, limit: int = 110) -> str:
        joined = _STAMP_RE.sub(WILD, " ".join(self.texts[tid]))
        return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def mine(masked: list[str] | tuple[str, ...], levels: list[str], keys: list[str | None] | None = None) -> Templates:
    """Template id per line. ``keys`` optionally overrides a line's grouping key (subkind rules).

    Lines group by (level, key); each distinct group, in order of first appearance, gets its template
    (merged fuzzily into a similar one only when its first line had no override).
    """
    groups: dict[tuple[str, int], list[int]] = {}
    texts: list[list[str]] = []
    if keys is None:
        grouping = list(zip(levels, masked, strict=True))
    else:
        chosen = [line if override is None else override for line, override in zip(masked, keys, strict=True)]
        grouping = list(zip(levels, chosen, strict=True))
        first = dict(zip(reversed(grouping), reversed(range(len(grouping))), strict=True))
    tid_of: dict[tuple[str, str], int] = {}
    for pair in dict.fromkeys(grouping):  # distinct groups, first appearance first
        level, key = pair
        fuzzy = keys is None or keys[first[pair]] is None
        tid_of[pair] = _new(key, level, fuzzy, groups, texts)
    ids = list(map(tid_of.__getitem__, grouping))
    counts = [0] * len(texts)
    for tid, count in Counter(ids).items():
        counts[tid] = count
    return Templates(ids=ids, texts=texts, counts=counts)


def _new(key: str, level: str, fuzzy: bool, groups: dict[tuple[str, int], list[int]], texts: list[list[str]]) -> int:
    """The template of a grouping key seen for the first time: merged into a similar one, or a new one."""
    tokens = key.split()
    fuzzy = fuzzy and level not in (ERROR, WARN) and bool(tokens)
    if fuzzy:
        tid = _merge(groups.setdefault((level, len(tokens)), []), texts, tokens)
        if tid >= 0:
            return tid
    texts.append(tokens)
    if fuzzy:
        groups[(level, len(tokens))].append(len(texts) - 1)
    return len(texts) - 1


def _merge(group: list[int], texts: list[list[str]], tokens: list[str]) -> int:
    """Merge ``tokens`` into the most similar template of its group, or return -1."""
    best, best_score = -1, SIMILARITY
    size = len(tokens)
    for tid in group[:MAX_CLUSTERS_PER_GROUP]:
        template = texts[tid]
        if template[0] != tokens[0] and WILD not in (template[0], tokens[0]):
            continue
        same = sum(1 for a, b in zip(template, tokens, strict=True) if a in (b, WILD))
        score = same / size
        if score >= best_score and (best < 0 or score > best_score):
            best, best_score = tid, score
    if best >= 0:
        template = texts[best]
        texts[best] = [a if a == b else WILD for a, b in zip(template, tokens, strict=True)]
    return best
