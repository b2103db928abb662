"""OpenAI Responses (/v1/responses and Codex's aliases): tool outputs and the newest turn. Pure.

``input`` is a string or a list of items. Items the model produced (an assistant ``message``,
``reasoning``, and every ``*_call``: ``function_call``, ``custom_tool_call``, ``local_shell_call``...)
end a turn; the newest turn is every item after the last of them (with ``previous_response_id``
the history lives upstream, so usually every item is new). Tool outputs are the ``output`` of
``function_call_output``, ``custom_tool_call_output``, ``local_shell_call_output`` and
``apply_patch_call_output`` items (a string, or its ``input_text`` parts), paired by ``call_id``
with their call. Codex frames its outputs (``Chunk ID: …`` … ``Output:``); the compressors keep
that frame verbatim and work on the payload. Nothing else is edited: ``encrypted_content``,
``summary``, ``phase``, ``arguments`` and custom tool ``input`` stay byte-identical.
"""

from __future__ import annotations

from typing import Any

from headroom.jsonspan import JsonSpanError, Node, Schema, decode_value, scan
from headroom.providers.conversation import Output, View, check_body, items, json_arguments, text, text_parts

SCHEMA: Schema = {
    "input": {
        "*": {
            "type": None,
            "role": None,
            "id": None,
            "call_id": None,
            "name": None,
            "arguments": None,
            "action": None,
            "output": {"*": {"type": None, "text": None}},
            "content": {"*": {"type": None, "text": None}},
        }
    },
    "prompt_cache_key": None,
    "user": None,
    "previous_response_id": None,
}
OUTPUT_ITEMS = frozenset(
    {"function_call_output", "custom_tool_call_output", "local_shell_call_output", "apply_patch_call_output"}
)
_OUTPUT_TEXT_TYPES = ("input_text",)
_USER_TEXT_TYPES = ("input_text", "text")


def is_model_item(kind: str | None, role: str | None) -> bool:
    """Items the model produced: they close the turn that asked for them."""
    if kind in (None, "message"):
        return role == "assistant"
    return kind == "reasoning" or (kind.endswith("_call") and not kind.endswith("_call_output"))


def _call_of(body: bytes, item: Node, kind: str) -> tuple[str, str | Node | None]:
    """(tool name, its raw input: the arguments text or the action node) of one call item."""
    if kind == "function_call":
        return text(body, item.get("name")) or "", text(body, item.get("arguments"))
    if kind == "custom_tool_call":
        return text(body, item.get("name")) or "", None  # a custom tool's input is never a hint
    if kind == "local_shell_call":
        action = item.get("action")
        return "local_shell", action if action is not None and action.kind == "object" else None
    return kind.removesuffix("_call"), None


def _hint(body: bytes, raw: str | Node | None) -> Any:
    """A call's input decoded as a compression hint (only ever for live outputs)."""
    if isinstance(raw, str):
        return json_arguments(raw)
    return decode_value(body, raw) if raw is not None else None


def _first_user_text(body: bytes, entries: tuple[Node, ...]) -> str:
    for item in entries:
        if item.kind == "object" and text(body, item.get("role")) == "user":
            for _, node in text_parts(body, item.get("content"), _USER_TEXT_TYPES):
                return text(body, node) or ""
            return ""
    return ""


def view(body: bytes) -> View:
    root = scan(body, SCHEMA)
    check_body(body, root)
    inp = root.get("input")
    session = text(body, root.get("prompt_cache_key")) or text(body, root.get("user"))
    chained = root.get("previous_response_id") is not None
    if inp is None or inp.kind == "string":
        first = text(body, inp) or ""
        return View((), session, first, {"items": 0 if inp is None else 1, "live_start": 0, "chained": chained})
    if inp.kind != "array":
        raise JsonSpanError("input is neither a string nor a list")
    entries = items(inp)
    kinds = [text(body, e.get("type")) if e.kind == "object" else None for e in entries]
    roles = [text(body, e.get("role")) if e.kind == "object" else None for e in entries]
    live_start = max((i for i, (k, r) in enumerate(zip(kinds, roles, strict=True)) if is_model_item(k, r)),
                     default=-1) + 1
    calls: dict[str, tuple[str, str | Node | None]] = {}
    outputs: list[Output] = []
    for i, (item, kind) in enumerate(zip(entries, kinds, strict=True)):
        if kind is None or item.kind != "object":
            continue
        ids = [t for t in (text(body, item.get("call_id")), text(body, item.get("id"))) if t]
        if kind.endswith("_call"):
            call = _call_of(body, item, kind)
            calls.update((cid, call) for cid in ids)
        elif kind in OUTPUT_ITEMS:
            live = i >= live_start
            # local_shell_call_output names its call by ``id``; the others by ``call_id``
            name, raw = next((calls[cid] for cid in ids if cid in calls), ("", None))
            hint = _hint(body, raw) if live else None
            for part, node in text_parts(body, item.get("output"), _OUTPUT_TEXT_TYPES):
                label = f"input[{i}].output" + (f"[{part}].text" if part is not None else "")
                outputs.append(Output(label, node.span, text(body, node) or "", name, hint, live))
    fields = {"items": len(entries), "live_start": live_start, "chained": chained}
    return View(tuple(outputs), session, _first_user_text(body, entries), fields)
