"""OpenAI Chat Completions (/v1/chat/completions): tool outputs and the newest turn. Pure.

The newest turn is every message after the last ``assistant`` message. Tool outputs are the
contents of ``role:"tool"`` messages (and legacy ``role:"function"`` ones, which carry their
function's ``name``): a string, or its ``text`` parts, each paired by
``tool_call_id`` with the ``tool_calls[].function`` (name, arguments) of an earlier assistant
message. Only those strings are ever edited: ``tool_calls[].function.arguments``, images,
``prompt_cache_key`` and every other byte stay as sent.
"""

from __future__ import annotations

from typing import Any

from headroom.jsonspan import Node, Schema
from headroom.providers.conversation import (
    Output,
    View,
    after_last,
    items,
    json_arguments,
    scan_history,
    text,
    text_parts,
)

SCHEMA: Schema = {
    "messages": {
        "*": {
            "role": None,
            "content": {"*": {"type": None, "text": None}},
            "tool_call_id": None,
            "name": None,
            "tool_calls": {"*": {"id": None, "function": {"name": None, "arguments": None}}},
        }
    },
    "prompt_cache_key": None,
    "user": None,
}


def _calls(body: bytes, msg: Node) -> dict[str, tuple[str, str | None]]:
    """tool_call_id -> (function name, raw arguments) of one assistant message."""
    found: dict[str, tuple[str, str | None]] = {}
    for call in items(msg.get("tool_calls")):
        if call.kind != "object":
            continue
        cid = text(body, call.get("id"))
        fn = call.get("function")
        if cid and fn is not None and fn.kind == "object":
            found[cid] = (text(body, fn.get("name")) or "", text(body, fn.get("arguments")))
    return found


def _first_user_text(body: bytes, messages: tuple[Node, ...], roles: list[str | None]) -> str:
    for msg, role in zip(messages, roles, strict=True):
        if role == "user":
            for _, node in text_parts(body, msg.get("content"), ("text",)):
                return text(body, node) or ""
            return ""
    return ""


def view(body: bytes) -> View:
    root, messages, roles = scan_history(body, SCHEMA, "messages")
    live_start = after_last(roles, "assistant")
    calls: dict[str, tuple[str, str | None]] = {}
    outputs: list[Output] = []
    for i, msg in enumerate(messages):
        if roles[i] == "assistant":
            calls.update(_calls(body, msg))
        elif roles[i] in ("tool", "function"):
            live = i >= live_start
            name, args = calls.get(text(body, msg.get("tool_call_id")) or "", ("", None))
            name = name or text(body, msg.get("name")) or ""  # legacy function messages name themselves
            hint: Any = json_arguments(args) if live else None
            for part, node in text_parts(body, msg.get("content"), ("text",)):
                label = f"messages[{i}].content" + (f"[{part}].text" if part is not None else "")
                outputs.append(Output(label, node.span, text(body, node) or "", name, hint, live))
    session = text(body, root.get("prompt_cache_key")) or text(body, root.get("user"))
    return View(tuple(outputs), session, _first_user_text(body, messages, roles),
                {"messages": len(messages), "live_start": live_start})
