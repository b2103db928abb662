"""Where each API keeps its tool outputs, recomputed from the *decoded* JSON (independently of
``headroom.providers``) for the fidelity and replay checks.

A locator maps a decoded request body to ``{path: key}``: the path of every tool-output string
(live ones only when asked) and a key naming the output across requests of one conversation
(the call it answers and its position inside the output).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Path = tuple[str | int, ...]
Key = tuple[str, str]
Locator = Callable[[Any, bool], dict[Path, Key]]

RESPONSES_OUTPUTS = ("function_call_output", "custom_tool_call_output", "local_shell_call_output",
                     "apply_patch_call_output")


def _live_start(entries: list[Any], is_turn_end: Callable[[Any], bool], live_only: bool) -> int:
    if not live_only:
        return 0
    return max((i for i, e in enumerate(entries) if isinstance(e, dict) and is_turn_end(e)), default=-1) + 1


def _text_parts(value: Any, types: tuple[str, ...]) -> Iterator[tuple[Path, int]]:
    if isinstance(value, str):
        yield (), -1
    for k, part in enumerate(value if isinstance(value, list) else ()):
        if isinstance(part, dict) and part.get("type") in types and isinstance(part.get("text"), str):
            yield (k, "text"), k


def anthropic(tree: Any, live_only: bool) -> dict[Path, Key]:
    messages = tree.get("messages") if isinstance(tree, dict) else None
    if not isinstance(messages, list):
        return {}
    out: dict[Path, Key] = {}
    start = _live_start(messages, lambda m: m.get("role") == "assistant", live_only)
    for i in range(start, len(messages)):
        msg = messages[i]
        content = msg.get("content") if isinstance(msg, dict) and msg.get("role") == "user" else None
        for j, block in enumerate(content if isinstance(content, list) else ()):
            if isinstance(block, dict) and block.get("type") == "tool_result":
                for sub, part in _text_parts(block.get("content"), ("text",)):
                    out[("messages", i, "content", j, "content", *sub)] = (str(block.get("tool_use_id", "")), str(part))
    return out


def openai_chat(tree: Any, live_only: bool) -> dict[Path, Key]:
    messages = tree.get("messages") if isinstance(tree, dict) else None
    if not isinstance(messages, list):
        return {}
    out: dict[Path, Key] = {}
    for i in range(_live_start(messages, lambda m: m.get("role") == "assistant", live_only), len(messages)):
        msg = messages[i]
        if isinstance(msg, dict) and msg.get("role") in ("tool", "function"):
            for sub, part in _text_parts(msg.get("content"), ("text",)):
                out[("messages", i, "content", *sub)] = (str(msg.get("tool_call_id", "")), str(part))
    return out


def _model_item(item: dict[str, Any]) -> bool:
    kind = item.get("type")
    if kind in (None, "message"):
        return bool(item.get("role") == "assistant")
    return kind == "reasoning" or (isinstance(kind, str) and kind.endswith("_call"))


def openai_responses(tree: Any, live_only: bool) -> dict[Path, Key]:
    entries = tree.get("input") if isinstance(tree, dict) else None
    if not isinstance(entries, list):
        return {}
    out: dict[Path, Key] = {}
    for i in range(_live_start(entries, _model_item, live_only), len(entries)):
        item = entries[i]
        if isinstance(item, dict) and item.get("type") in RESPONSES_OUTPUTS:
            call = str(item.get("call_id") or item.get("id") or "")
            for sub, part in _text_parts(item.get("output"), ("input_text",)):
                out[("input", i, "output", *sub)] = (call, str(part))
    return out


def _response_strings(response: dict[str, Any], base: Path) -> Iterator[Path]:
    """String members of a Gemini function response and of its object members (two levels)."""
    for key, value in response.items():
        if isinstance(value, str):
            yield (*base, key)
        elif isinstance(value, dict):
            yield from ((*base, key, k) for k, v in value.items() if isinstance(v, str))


def gemini(tree: Any, live_only: bool) -> dict[Path, Key]:
    contents = tree.get("contents") if isinstance(tree, dict) else None
    if not isinstance(contents, list):
        return {}
    out: dict[Path, Key] = {}
    for i in range(_live_start(contents, lambda c: c.get("role") == "model", live_only), len(contents)):
        content = contents[i]
        if not isinstance(content, dict) or content.get("role") == "model":
            continue
        for j, part in enumerate(content.get("parts") or ()):
            for name in ("functionResponse", "function_response"):
                resp = part.get(name) if isinstance(part, dict) else None
                if isinstance(resp, dict) and isinstance(resp.get("response"), dict):
                    base: Path = ("contents", i, "parts", j, name, "response")
                    for path in _response_strings(resp["response"], base):
                        out[path] = (f"{i}.{j}:{resp.get('name', '')}", repr(path[len(base):]))
    return out


LOCATORS: dict[str, Locator] = {
    "anthropic.messages": anthropic,
    "openai.chat": openai_chat,
    "openai.responses": openai_responses,
    "gemini.generate": gemini,
    "gemini.stream": gemini,
}
