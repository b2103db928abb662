"""Checks of what the proxy forwarded against what the client sent.

The live zone and the tool-output locations are recomputed here from the *decoded* JSON (not
with ``headroom.providers``), so a bug there cannot hide itself; byte spans come from the raw-span
scanner, and every claim about bytes is verified on the whole body.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from headroom.jsonspan import WALK_ALL, Node, scan, splice
from tests.livezone.locators import LOCATORS, Key, Path

ANTHROPIC = "anthropic.messages"


@dataclass(frozen=True)
class Edit:
    path: Path
    client_span: tuple[int, int]
    upstream_span: tuple[int, int]
    before: str
    after: str
    upstream_literal: bytes
    key: Key  # the call the output answers and the position inside it

    @property
    def delta(self) -> int:
        """Bytes the edit removed from the body."""
        return (self.client_span[1] - self.client_span[0]) - (self.upstream_span[1] - self.upstream_span[0])


def output_paths(tree: Any, *, live_only: bool, api: str = ANTHROPIC) -> dict[Path, Key]:
    """Paths of the tool-output strings of a decoded body (see ``locators``) and their keys."""
    return LOCATORS[api](tree, live_only)


def diff_paths(a: Any, b: Any, path: Path = ()) -> list[Path]:
    """Paths of the leaves (or shapes) where two decoded JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b):
        return [p for k in a for p in diff_paths(a[k], b[k], (*path, k))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in diff_paths(x, y, (*path, i))]
    same = type(a) is type(b) and a == b
    return [] if same else [path]


def get_path(tree: Any, path: Path) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def spans(body: bytes, paths: list[Path]) -> dict[Path, tuple[int, int]]:
    """Byte spans of the given tool-output paths, from one scan of the body."""
    root = scan(body, WALK_ALL)
    out = {}
    for path in paths:
        node: Node | None = root
        for step in path:
            assert node is not None
            node = node[step] if isinstance(step, int) else node.get(step)
        assert node is not None
        out[path] = node.span
    return out


def outside_digest(body: bytes, cut: list[tuple[int, int]]) -> str:
    """SHA-256 of every byte of ``body`` outside the sorted, disjoint spans ``cut``."""
    h = hashlib.sha256()
    pos = 0
    for start, end in cut:
        h.update(body[pos:start])
        pos = end
    h.update(body[pos:])
    return h.hexdigest()


def check_edit(client: bytes, upstream: bytes, *, live_only: bool = True, api: str = ANTHROPIC) -> list[Edit]:
    """Assert that ``upstream`` is ``client`` with only tool-output strings rewritten (only live ones
    when ``live_only``), every other byte identical; return the edits."""
    if client == upstream:
        return []
    ctree, utree = json.loads(client), json.loads(upstream)
    allowed = output_paths(ctree, live_only=live_only, api=api)
    changed = diff_paths(ctree, utree)
    assert changed, "the bytes differ but the decoded values are equal (a re-serialisation?)"
    outside = [p for p in changed if p not in allowed]
    assert not outside, f"edited outside the {'live ' if live_only else ''}tool outputs: {outside[:5]}"
    cspans, uspans = spans(client, changed), spans(upstream, changed)
    edits = [Edit(p, cspans[p], uspans[p], get_path(ctree, p), get_path(utree, p),
                  upstream[uspans[p][0]:uspans[p][1]], allowed[p]) for p in changed]
    edits.sort(key=lambda e: e.client_span)
    assert splice(client, [(e.client_span, e.upstream_literal) for e in edits]) == upstream
    assert outside_digest(client, [e.client_span for e in edits]) == outside_digest(
        upstream, sorted(e.upstream_span for e in edits))
    return edits


def common_prefix(a: bytes, b: bytes) -> int:
    """Length of the longest common byte prefix."""
    size = min(len(a), len(b))
    pos = 0
    while pos < size and a[pos:pos + 4096] == b[pos:pos + 4096]:
        pos += 4096
    pos = min(pos, size)
    while pos < size and a[pos] == b[pos]:
        pos += 1
    return pos


def mapped_offset(offset: int, edits: list[Edit]) -> int:
    """Where client offset ``offset`` lands in the upstream body (the edit's start if inside one)."""
    shift = 0
    for e in edits:
        start, end = e.client_span
        if end <= offset:
            shift += e.delta
        elif start < offset:
            return start - shift
    return offset - shift


def block_keys(tree: Any, api: str = ANTHROPIC) -> dict[tuple[str, str, str], Path]:
    """(call id, position, original text) -> path, for every tool output of a request."""
    return {(*key, get_path(tree, path)): path for path, key in output_paths(tree, live_only=False, api=api).items()}


def check_pair(c1: bytes, u1: bytes, e1: list[Edit], c2: bytes, u2: bytes, *, api: str = ANTHROPIC) -> int:
    """Consecutive requests of a session: every block request 1 sent edited is sent byte-identical
    by request 2 when the client resends it, and the upstream shared prefix is at least the client's
    shared prefix minus the edits before it. Returns how many edited blocks were checked."""
    keys2 = block_keys(json.loads(c2), api)
    wanted = {}
    for e in e1:
        path2 = keys2.get((*e.key, e.before))
        if path2 is not None:
            wanted[path2] = e
    got = spans(u2, list(wanted)) if wanted else {}
    for path2, e in wanted.items():
        start, end = got[path2]
        assert u2[start:end] == e.upstream_literal, f"{e.path} was not replayed byte-identically at {path2}"
    floor = mapped_offset(common_prefix(c1, c2), e1)
    assert common_prefix(u1, u2) >= floor, "the proxy broke a byte prefix the client kept stable"
    return len(wanted)


@dataclass
class SessionStats:
    requests: int = 0
    edited_blocks: int = 0  # blocks sent edited for the first time
    replayed_blocks: int = 0  # blocks resent edited, byte-identical to their first edited form
    pairs: int = 0


def check_session(exchanges: list[tuple[bytes, bytes]], api: str = ANTHROPIC) -> SessionStats:
    """I1 + I3 over a whole session of (client body, upstream body) pairs, in order.

    Every request differs from the client's only in tool-output strings; a block is edited the
    first time it is seen only if it is live then; every later copy of a block (same call,
    position and original text) is forwarded with exactly the bytes of its first copy; and consecutive
    requests satisfy ``check_pair``.
    """
    stats = SessionStats()
    first: dict[tuple[str, str, str], bytes] = {}
    previous: tuple[bytes, bytes, list[Edit]] | None = None
    for client, upstream in exchanges:
        edits = check_edit(client, upstream, live_only=False, api=api)
        edited = {e.path for e in edits}
        tree = json.loads(client)
        keys = block_keys(tree, api)
        live = output_paths(tree, live_only=True, api=api)
        located = spans(upstream, list(keys.values())) if keys else {}
        for key, path in keys.items():
            literal = upstream[located[path][0]:located[path][1]]
            if key in first:
                assert literal == first[key], f"{path}: a block seen before was not forwarded as seen before"
                stats.replayed_blocks += path in edited
                continue
            assert path not in edited or path in live, f"{path}: first seen outside the live zone, yet edited"
            stats.edited_blocks += path in edited
            first[key] = literal
        if previous is not None:
            check_pair(previous[0], previous[1], previous[2], client, upstream, api=api)
            stats.pairs += 1
        previous = (client, upstream, edits)
        stats.requests += 1
    return stats
