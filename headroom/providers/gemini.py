"""Gemini generateContent / streamGenerateContent (v1 and v1beta): tool outputs, newest turn. Pure.

The newest turn is every content after the last ``role:"model"`` content. Tool outputs are the
string members of a ``functionResponse.response`` object and of its object members (two levels:
``{"output": "…"}``, ``{"result": {"stdout": "…"}}``; arrays and deeper values are structured data,
skipped at C speed and never walked: a big structured response costs no Python work per value,
however long the history), each paired with the
``functionCall`` it answers (by ``id`` when both carry one, else by name in order). Clients mix
camelCase and snake_case member names; the google-genai SDK writes ``", "`` / ``": "`` separators:
every span comes from the bytes. ``thoughtSignature``, ``thought`` parts, ``functionCall`` and the
user's own text are never edited.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from headroom.jsonspan import DuplicateKeyError, Node, Schema, decode_value, scan
from headroom.providers.conversation import Output, View, after_last, items, member, scan_history, text

_CALL: Schema = {"name": None, "id": None, "args": None}
_RESPONSE: Schema = {"name": None, "id": None, "response": {"*": None}}
_MEMBERS: Schema = {"*": None}
SCHEMA: Schema = {
    "contents": {
        "*": {
            "role": None,
            "parts": {
                "*": {
                    "text": None,
                    "functionCall": _CALL,
                    "function_call": _CALL,
                    "functionResponse": _RESPONSE,
                    "function_response": _RESPONSE,
                }
            },
        }
    },
}


def _members(body: bytes, node: Node, where: str) -> list[tuple[str, Node]]:
    """The members of an object node (walked, or scanned now from its own bytes), spans in ``body``;
    a repeated member name is refused (we never edit what readers may resolve differently)."""
    if node.members is None:
        start = node.span[0]
        sub = scan(body[start : node.span[1]], _MEMBERS)
        assert sub.members is not None
        found = [(key, Node(child.kind, (child.span[0] + start, child.span[1] + start))) for key, child in sub.members]
    else:
        found = list(node.members)
    if len({key for key, _ in found}) != len(found):
        raise DuplicateKeyError(f"{where}: a member name occurs twice")  # which one would a reader take?
    return found


def _strings(body: bytes, response: Node, path: str) -> Iterator[tuple[str, Node]]:
    """String members of ``response`` and of its object members, in document order, with paths."""
    for key, child in _members(body, response, path):
        if child.kind == "string":
            yield f"{path}.{key}", child
        elif child.kind == "object":
            inner = f"{path}.{key}"
            yield from ((f"{inner}.{k}", c) for k, c in _members(body, child, inner) if c.kind == "string")


class _Calls:
    """The function calls of the last model content, consumed as responses claim them."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str, Node | None]] = []  # (id, name, args)

    def reset(self, body: bytes, parts: tuple[Node, ...]) -> None:
        self.pending = []
        for part in parts:
            call = member(part, "functionCall", "function_call")
            if call is not None and call.kind == "object":
                self.pending.append((text(body, call.get("id")) or "", text(body, call.get("name")) or "",
                                     call.get("args")))

    def claim(self, call_id: str, name: str) -> Node | None:
        for i, (cid, cname, args) in enumerate(self.pending):
            if (call_id and cid == call_id) or (not (call_id and cid) and cname == name):
                del self.pending[i]
                return args
        return None


def _first_user_text(body: bytes, contents: tuple[Node, ...]) -> str:
    for content in contents:
        if content.kind != "object" or text(body, content.get("role")) not in (None, "user"):
            continue
        for part in items(content.get("parts")):
            value = text(body, member(part, "text"))
            if value is not None:
                return value
    return ""


def view(body: bytes) -> View:
    _, contents, roles = scan_history(body, SCHEMA, "contents")
    live_start = after_last(roles, "model")
    calls = _Calls()
    outputs: list[Output] = []
    for i, content in enumerate(contents):
        parts = items(content.get("parts")) if content.kind == "object" else ()
        if roles[i] == "model":
            calls.reset(body, parts)
            continue
        for j, part in enumerate(parts):
            resp = member(part, "functionResponse", "function_response")
            if resp is None or resp.kind != "object":
                continue
            name = text(body, resp.get("name")) or ""
            args = calls.claim(text(body, resp.get("id")) or "", name)
            live = i >= live_start
            hint: Any = decode_value(body, args) if live and args is not None else None
            payload = resp.get("response")
            if payload is None or payload.kind != "object":
                continue
            key = "functionResponse" if part.get("functionResponse") is not None else "function_response"
            for where, value in _strings(body, payload, f"contents[{i}].parts[{j}].{key}.response"):
                outputs.append(Output(where, value.span, text(body, value) or "", name, hint, live))
    fields = {"contents": len(contents), "live_start": live_start}
    return View(tuple(outputs), None, _first_user_text(body, contents), fields)
