"""What every provider adapter reports about a request body: its tool outputs, located by byte span.

Pure. Each adapter (``anthropic``, ``openai_chat``, ``openai_responses``, ``gemini``) scans the raw
body once and returns a :class:`View`; the optimizer turns its outputs into plan blocks. Nothing
here re-serialises a body: spans index the client's own bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from headroom.jsonspan import JsonSpanError, Node, Schema, decode_string, has_lone_surrogate_escape, scan


@dataclass(frozen=True, slots=True)
class Output:
    """One editable JSON string of a tool output (the whole output, or one text part of it)."""

    label: str  # where it is, e.g. "input[12].output" (for the log)
    span: tuple[int, int]  # byte span of the string literal, quotes included
    text: str
    tool: str  # name of the tool call it answers ("" when unpaired)
    tool_input: Any  # the call's decoded arguments (live outputs only; a compression hint)
    live: bool  # part of the newest turn


@dataclass(frozen=True, slots=True)
class View:
    outputs: tuple[Output, ...]
    session_id: str | None  # a conversation id the client put in the body
    first_user_text: str  # stable for a conversation's life: part of its session key
    fields: Mapping[str, object] = field(default_factory=dict)  # facts for the request log


def text(body: bytes, node: Node | None) -> str | None:
    """The decoded value of a string node; None for anything else."""
    if node is None or node.kind != "string":
        return None
    raw = body[node.span[0] + 1 : node.span[1] - 1]
    if b"\\" not in raw:  # no escapes: the scan already validated the UTF-8
        return raw.decode("utf-8")
    return decode_string(body, node)


def items(node: Node | None) -> tuple[Node, ...]:
    if node is None or node.kind != "array" or node.items is None:
        return ()
    return node.items


def member(node: Node, *names: str) -> Node | None:
    """The first of ``names`` present in an object node (clients mix camelCase and snake_case)."""
    if node.kind != "object":
        return None
    for name in names:
        found = node.get(name)
        if found is not None:
            return found
    return None


def check_body(body: bytes, root: Node) -> None:
    """Refuse what we never edit: a lone surrogate escape anywhere, a body that is not an object."""
    if has_lone_surrogate_escape(body):
        raise JsonSpanError("the body holds a lone surrogate escape")
    if root.kind != "object":
        raise JsonSpanError("body is not a JSON object")


def scan_history(body: bytes, schema: Schema, member: str) -> tuple[Node, tuple[Node, ...], list[str | None]]:
    """Scan a body whose conversation is the array ``member`` of the root object: (root, its items,
    each item's ``role``). Raises JsonSpanError when there is no such array."""
    root = scan(body, schema)
    check_body(body, root)
    node = root.get(member)
    if node is None or node.kind != "array":
        raise JsonSpanError(f"no {member} array")
    entries = items(node)
    return root, entries, [text(body, e.get("role")) if e.kind == "object" else None for e in entries]


def after_last(roles: list[str | None], role: str) -> int:
    """Index of the first item after the last one with ``role`` (0 when there is none)."""
    return max((i for i, r in enumerate(roles) if r == role), default=-1) + 1


def json_arguments(raw: str | None) -> Any:
    """A tool call's arguments as sent (a JSON text), decoded for hints; {} when not JSON."""
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return {}


def text_parts(body: bytes, content: Node | None, types: tuple[str, ...]) -> Iterator[tuple[int | None, Node]]:
    """The editable strings of a content value: itself when a string, else its parts of ``types``
    (``(index, text node)``)."""
    if content is None:
        return
    if content.kind == "string":
        yield None, content
        return
    for i, part in enumerate(items(content)):
        if part.kind != "object":
            continue
        value = part.get("text")
        if text(body, part.get("type")) in types and value is not None and value.kind == "string":
            yield i, value
