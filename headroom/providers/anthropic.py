"""Anthropic Messages (/v1/messages): blocks with their byte spans, the live zone, tool outputs.

Pure: takes the raw body bytes, returns facts. The live zone is the newest turn: the messages
after the last ``assistant`` message (``system`` messages inside ``messages`` are not model
turns). Tool outputs are ``tool_result`` blocks whose content is a string or a list of ``text``
blocks; each is paired with the ``tool_use`` it answers in the preceding assistant message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from headroom.jsonspan import (
    JsonSpanError,
    Node,
    Schema,
    decode_string,
    decode_value,
    has_lone_surrogate_escape,
    scan,
)
from headroom.providers.conversation import Output, View

SCHEMA: Schema = {
    "messages": {
        "*": {
            "role": None,
            "content": {
                "*": {
                    "type": None,
                    "id": None,
                    "name": None,
                    "input": None,
                    "tool_use_id": None,
                    "is_error": None,
                    "cache_control": None,
                    "text": None,
                    "content": {"*": {"type": None, "text": None}},
                }
            },
        }
    },
    "metadata": {"user_id": None},
}


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """One editable string: a tool_result's string content, or one of its text blocks."""

    message: int
    block: int
    part: int | None  # index inside a list-form content, None for string content
    span: tuple[int, int]  # byte span of the JSON string literal
    text: str
    tool_use_id: str
    tool_name: str
    tool_input: Any
    live: bool


@dataclass(frozen=True, slots=True)
class CacheInfo:
    frozen_count: int
    breakpoints: int
    ttl_warning: str


@dataclass(frozen=True, slots=True)
class Conversation:
    messages: int
    live_start: int  # index of the first message of the newest turn
    outputs: tuple[ToolOutput, ...]
    cache: CacheInfo
    metadata_user_id: str | None
    first_user_text: str


def _str(body: bytes, node: Node | None) -> str | None:
    if node is None or node.kind != "string":
        return None
    raw = body[node.span[0] + 1 : node.span[1] - 1]
    if b"\\" not in raw:  # no escapes: the scan already validated the UTF-8, decode directly
        return raw.decode("utf-8")
    return decode_string(body, node)


def _blocks(msg: Node) -> tuple[Node, ...]:
    content = msg.get("content")
    if content is None or content.kind != "array" or content.items is None:
        return ()
    return content.items


def _tool_calls(body: bytes, msg: Node) -> dict[str, tuple[str, Node | None]]:
    calls: dict[str, tuple[str, Node | None]] = {}
    for block in _blocks(msg):
        if _str(body, block.get("type")) in ("tool_use", "server_tool_use"):
            tid = _str(body, block.get("id"))
            if tid:
                calls[tid] = (_str(body, block.get("name")) or "", block.get("input"))
    return calls


def _outputs_of(
    body: bytes, msg: Node, index: int, calls: dict[str, tuple[str, Node | None]], live: bool
) -> list[ToolOutput]:
    found: list[ToolOutput] = []
    for b, block in enumerate(_blocks(msg)):
        if _str(body, block.get("type")) != "tool_result":
            continue
        tid = _str(body, block.get("tool_use_id")) or ""
        name, inp_node = calls.get(tid, ("", None))
        # a tool call's input is only needed (as a compression hint) for live outputs
        inp = decode_value(body, inp_node) if live and inp_node is not None else None
        content = block.get("content")
        if content is None:
            continue
        if content.kind == "string":
            found.append(ToolOutput(index, b, None, content.span, decode_string(body, content), tid, name, inp, live))
        elif content.kind == "array" and content.items is not None:
            for p, part in enumerate(content.items):
                text = part.get("text")
                if _str(body, part.get("type")) == "text" and text is not None and text.kind == "string":
                    found.append(ToolOutput(index, b, p, text.span, decode_string(body, text), tid, name, inp, live))
    return found


def compute_cache_info(body: bytes, messages: Sequence[Node], live_start: int) -> CacheInfo:
    """frozen_count = 1 + the largest index of a message (before the live turn) whose content has a
    block carrying cache_control; system/tools markers never count. Also warns when a 1h-TTL
    breakpoint follows a 5-minute one (the API requires longer TTLs first)."""
    frozen = 0
    count = 0
    seen_short = False
    warning = ""
    for i, msg in enumerate(messages):
        for block in _blocks(msg):
            cc = block.get("cache_control")
            if cc is None:
                continue
            count += 1
            if i < live_start:
                frozen = i + 1
            ttl = "5m"
            if cc.kind == "object":
                value = decode_value(body, cc)
                ttl = str(value.get("ttl", "5m")) if isinstance(value, dict) else "5m"
            if ttl == "1h" and seen_short and not warning:
                warning = f"messages[{i}]: a ttl=1h cache_control breakpoint follows a 5-minute one"
            seen_short = seen_short or ttl != "1h"
    return CacheInfo(frozen, count, warning)


def parse(body: bytes) -> Conversation:
    """Scan a /v1/messages body. Raises JsonSpanError on anything it cannot edit safely, including a
    lone surrogate escape anywhere in the body (the provider rejects those; we never edit them)."""
    root = scan(body, SCHEMA)
    if has_lone_surrogate_escape(body):
        raise JsonSpanError("the body holds a lone surrogate escape")
    if root.kind != "object":
        raise JsonSpanError("body is not a JSON object")
    msgs_node = root.get("messages")
    if msgs_node is None or msgs_node.kind != "array" or msgs_node.items is None:
        raise JsonSpanError("no messages array")
    messages = msgs_node.items
    roles = [_str(body, m.get("role")) if m.kind == "object" else None for m in messages]
    last_assistant = max((i for i, r in enumerate(roles) if r == "assistant"), default=-1)
    live_start = last_assistant + 1
    outputs: list[ToolOutput] = []
    calls: dict[str, tuple[str, Node | None]] = {}
    for i, msg in enumerate(messages):
        if msg.kind != "object":
            continue
        if roles[i] == "assistant":
            calls = _tool_calls(body, msg)
        elif roles[i] == "user":
            outputs.extend(_outputs_of(body, msg, i, calls, i >= live_start))
    user_id = _metadata_user_id(body, root)
    return Conversation(
        messages=len(messages),
        live_start=live_start,
        outputs=tuple(outputs),
        cache=compute_cache_info(body, messages, live_start),
        metadata_user_id=user_id,
        first_user_text=_first_user_text(body, messages, roles),
    )


def _metadata_user_id(body: bytes, root: Node) -> str | None:
    meta = root.get("metadata")
    if meta is None or meta.kind != "object":
        return None
    return _str(body, meta.get("user_id"))


def _first_user_text(body: bytes, messages: Sequence[Node], roles: Sequence[str | None]) -> str:
    for msg, role in zip(messages, roles, strict=True):
        if role != "user":
            continue
        content = msg.get("content")
        if content is not None and content.kind == "string":
            return decode_string(body, content)
        for block in _blocks(msg):
            if _str(body, block.get("type")) == "text":
                return _str(body, block.get("text")) or ""
        return ""
    return ""


def session_from_user_id(user_id: str | None) -> str | None:
    """Claude Code puts a JSON object with session_id into metadata.user_id (older builds: a
    ``…_session_<uuid>`` suffix)."""
    if not user_id:
        return None
    if user_id.startswith("{"):
        try:
            value = json.loads(user_id)
        except ValueError:
            return None
        sid = value.get("session_id") if isinstance(value, dict) else None
        return sid if isinstance(sid, str) and sid else None
    marker = "_session_"
    if marker in user_id:
        return user_id.rsplit(marker, 1)[1] or None
    return None


def view(body: bytes) -> View:
    """The provider-neutral view of a /v1/messages body (see ``providers.conversation``)."""
    conv = parse(body)
    outputs = tuple(
        Output(
            f"messages[{o.message}].content[{o.block}]" + (f".content[{o.part}]" if o.part is not None else ""),
            o.span, o.text, o.tool_name, o.tool_input, o.live,
        )
        for o in conv.outputs
    )
    fields: dict[str, object] = {
        "messages": conv.messages, "live_start": conv.live_start,
        "frozen": conv.cache.frozen_count, "breakpoints": conv.cache.breakpoints,
    }
    if conv.cache.ttl_warning:
        fields["ttl_warning"] = conv.cache.ttl_warning
    return View(outputs, session_from_user_id(conv.metadata_user_id), conv.first_user_text, fields)
