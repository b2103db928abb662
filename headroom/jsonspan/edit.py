"""Span edits: replace byte ranges of a body, and locate one value by path."""

from __future__ import annotations

import re
from collections.abc import Sequence

from headroom.jsonspan.model import JsonSpanError, Node, Schema, Span
from headroom.jsonspan.scanner import scan

__all__ = ["find", "parse_path", "splice"]

PathStep = str | int

_FIRST_STEP = re.compile(r"([^.\[\]]+)|\[(-?[0-9]+)\]")
_NEXT_STEP = re.compile(r"\.([^.\[\]]+)|\[(-?[0-9]+)\]")


def splice(body: bytes, edits: Sequence[tuple[Span, bytes]]) -> bytes:
    """``body`` with each span replaced by its bytes; every other byte is copied unchanged.

    ``edits`` must be sorted by position, non-overlapping (touching is fine) and within the body,
    else ValueError. An empty span inserts.
    """
    view = memoryview(body)
    parts: list[bytes | memoryview] = []
    pos = 0
    size = len(body)
    for (start, end), data in edits:
        if start < pos or end < start or end > size:
            raise ValueError(f"edit span {(start, end)} is unsorted, overlapping or outside 0..{size}")
        parts.append(view[pos:start])
        parts.append(data)
        pos = end
    if not parts:
        return bytes(body)
    parts.append(view[pos:])
    return b"".join(parts)


def parse_path(path: str) -> list[PathStep]:
    """Split ``"messages[3].content[0].content"`` into ``["messages", 3, "content", 0, "content"]``.

    Names may not contain ``.``, ``[`` or ``]`` (pass a sequence for those); ``""`` is the root.
    """
    steps: list[PathStep] = []
    pos = 0
    pattern = _FIRST_STEP
    while pos < len(path):
        match = pattern.match(path, pos)
        if match is None:
            raise ValueError(f"bad path {path!r} at character {pos}")
        name, index = match.groups()
        steps.append(name if name is not None else int(index))
        pos = match.end()
        pattern = _NEXT_STEP
    return steps


def _schema_for(steps: Sequence[PathStep]) -> Schema:
    schema: Schema | None = None
    for step in reversed(steps):
        schema = {"*" if isinstance(step, int) else step: schema}
    return schema if schema is not None else {}


def _step(node: Node, step: PathStep) -> Node:
    if isinstance(step, int):
        if node.kind != "array":
            raise JsonSpanError(f"index [{step}] applied to a {node.kind} at {node.span}")
        try:
            return node[step]
        except IndexError:
            raise JsonSpanError(f"index [{step}] is out of range for the array at {node.span}") from None
    child = node.get(step)
    if child is None:
        raise JsonSpanError(f"no member {step!r} in the {node.kind} at {node.span}")
    return child


def find(body: bytes, path: str | Sequence[PathStep]) -> Span:
    """The span of the value at ``path`` (a path string or a sequence of names and indices).

    Raises JsonSpanError if the body is invalid, the path is absent, or a name on the path is
    duplicated; ValueError for a malformed path string.
    """
    steps = parse_path(path) if isinstance(path, str) else list(path)
    for step in steps:
        if isinstance(step, bool) or not isinstance(step, str | int):
            raise ValueError(f"path steps are member names or indices, not {step!r}")
    node = scan(body, _schema_for(steps))
    for step in steps:
        node = _step(node, step)
    return node.span
