"""One-pass raw-span scan of a JSON body.

The body is validated as UTF-8 (chunk by chunk) and then viewed as latin-1 text, so every character offset
equals a byte offset. Containers named by the schema are walked here, iteratively (no recursion, so
depth is bounded by ``MAX_DEPTH`` and never hits the interpreter's limit); every other value is
skipped by the stdlib's C scanner, which also validates it. No Python code runs per byte.
"""

from __future__ import annotations

import json
import re
import sys
from _json import make_scanner, scanstring
from collections.abc import Callable
from typing import Any, cast

from headroom.jsonspan.model import MAX_DEPTH, MAX_INT_DIGITS, MAX_NODES, JsonSpanError, Kind, Node, Schema

__all__ = ["UTF8_CHUNK", "as_text", "check_utf8", "scan"]

UTF8_CHUNK = 16384

_WS = " \t\n\r"
# The pattern matches the empty string, so the match is never None.
_skip_ws = cast(Callable[[str, int], re.Match[str]], re.compile(r"[ \t\n\r]*").match)
_BOM = b"\xef\xbb\xbf"
_OPENERS = "{["  # tested with `c in _OPENERS`, c being one character

_KIND: dict[str, Kind] = {'"': "string", "{": "object", "[": "array", "t": "true", "f": "false", "n": "null"}
_KIND.update({digit: "number" for digit in "-0123456789"})

_ScanOnce = Callable[[str, int], tuple[Any, int]]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _guarded_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise ValueError(f"integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def int_parser() -> Callable[[str], int] | None:
    """``parse_int`` for a strict decoder: None (the C fast path) while the interpreter's own limit
    is at most MAX_INT_DIGITS, else a guard that enforces it."""
    limit = sys.get_int_max_str_digits()
    return None if 0 < limit <= MAX_INT_DIGITS else _guarded_int


def _new_scan_once() -> _ScanOnce:
    """A strict C value scanner; a fresh one per scan (its key memo is per instance)."""
    decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_int=int_parser(), strict=True)
    return make_scanner(cast(make_scanner, decoder))


def check_utf8(body: bytes, chunk: int = UTF8_CHUNK) -> None:
    """Raise JsonSpanError unless ``body`` is valid UTF-8.

    Decoding a large body in one go builds a large (often 2-byte-per-character) string, which is
    slow; instead the body is cut into chunks, pure-ASCII chunks are skipped, and the others are
    decoded on their own. Each cut is moved past continuation bytes (at most 3 in valid UTF-8) so it
    falls between characters. Exact: the body is the concatenation of the chunks, so it is valid if
    they all are; and if it is valid, every cut falls between characters, so each chunk is valid.
    """
    if body.isascii():
        return
    size = len(body)
    pos = 0
    while pos < size:
        end = pos + chunk
        for _ in range(3):
            if end < size and 0x80 <= body[end] < 0xC0:
                end += 1
        piece = body[pos:end]
        if not piece.isascii():
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise JsonSpanError(f"invalid UTF-8 at byte {pos + exc.start}") from None
        pos = end


def as_text(body: bytes) -> str:
    """Validate ``body`` as BOM-less UTF-8 and return it as latin-1 text (offsets equal bytes)."""
    if body.startswith(_BOM):
        raise JsonSpanError("body starts with a UTF-8 byte order mark")
    check_utf8(body)
    return body.decode("latin-1")


_Saved = tuple[bool, str, Schema, "Schema | None", list[Any], int, str]
"""An enclosing container while a child is walked: is_obj, closer, schema, star, entries, start, key."""


def _exact_key(body: bytes, start: int, end: int) -> str:
    """Decode a member name holding non-ASCII text from its real UTF-8 bytes."""
    return scanstring(body[start:end].decode("utf-8"), 1, True)[0]


def _walk(body: bytes, s: str, start: int, schema: Schema, scan_once: _ScanOnce) -> tuple[Node, int]:
    """Walk the container at ``s[start]`` following ``schema``; return its node and end offset.

    One flat loop with the current container's state in locals and the enclosing ones on an explicit
    stack: this runs once per walked member, so it avoids calls and attribute lookups.
    """
    stack: list[_Saved] = []
    is_obj = s[start] == "{"
    closer = "}" if is_obj else "]"
    star = schema.get("*")
    entries: list[Any] = []
    key = ""
    budget = MAX_NODES - 1  # nodes left to create; the root is one
    i = start + 1
    if s[i] in _WS:
        i = _skip_ws(s, i).end()
    at_value = s[i] != closer
    while True:
        if at_value:
            if is_obj:
                if s[i] != '"':
                    raise ValueError(f"expected a member name at byte {i}")
                key, j = scanstring(s, i + 1, True)
                if not key.isascii():
                    key = _exact_key(body, i, j)
                i = j
                if s[i] in _WS:
                    i = _skip_ws(s, i).end()
                if s[i] != ":":
                    raise ValueError(f"expected ':' at byte {i}")
                i += 1
                if s[i] in _WS:
                    i = _skip_ws(s, i).end()
                sub = schema.get(key, star)
            else:
                sub = star
            c = s[i]
            if sub is not None and c in _OPENERS:
                if len(stack) >= MAX_DEPTH - 1:  # the root is not on the stack
                    raise ValueError(f"walked nesting deeper than {MAX_DEPTH} at byte {i}")
                budget -= 1
                if budget < 0:
                    raise ValueError(f"more than {MAX_NODES} values to walk")
                stack.append((is_obj, closer, schema, star, entries, start, key))
                is_obj = c == "{"
                closer = "}" if is_obj else "]"
                schema, star, entries, start = sub, sub.get("*"), [], i
                i += 1
                if s[i] in _WS:
                    i = _skip_ws(s, i).end()
                if s[i] != closer:
                    continue
            else:
                budget -= 1
                if budget < 0:
                    raise ValueError(f"more than {MAX_NODES} values to walk")
                end = scanstring(s, i + 1, True)[1] if c == '"' else scan_once(s, i)[1]
                node = Node(_KIND[c], (i, end), None, None)
                entries.append((key, node) if is_obj else node)
                i = end
                if s[i] in _WS:
                    i = _skip_ws(s, i).end()
                if s[i] == ",":
                    i += 1
                    if s[i] in _WS:
                        i = _skip_ws(s, i).end()
                    continue
        # s[i] must close the current container; keep closing while enclosing ones end too.
        while True:
            if s[i] != closer:
                raise ValueError(f"expected ',' or {closer!r} at byte {i}")
            i += 1
            if is_obj:
                node = Node("object", (start, i), tuple(entries), None)
            else:
                node = Node("array", (start, i), None, tuple(entries))
            if not stack:
                return node, i
            is_obj, closer, schema, star, entries, start, key = stack.pop()
            entries.append((key, node) if is_obj else node)
            if s[i] in _WS:
                i = _skip_ws(s, i).end()
            if s[i] == ",":
                i += 1
                if s[i] in _WS:
                    i = _skip_ws(s, i).end()
                at_value = True
                break


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StopIteration):
        return f"no JSON value at byte {exc.value}"
    if isinstance(exc, IndexError):
        return "truncated JSON"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return str(exc) or type(exc).__name__


def scan(body: bytes, schema: Schema) -> Node:
    """Locate the values of ``body`` that ``schema`` names; validate the whole body.

    Returns the root node. Raises JsonSpanError for anything but one strict JSON value (optionally
    surrounded by whitespace) in BOM-less UTF-8.
    """
    s = as_text(body)
    scan_once = _new_scan_once()
    try:
        i = _skip_ws(s, 0).end()
        c = s[i]
        if c in _OPENERS:
            node, end = _walk(body, s, i, schema, scan_once)
        else:
            end = scan_once(s, i)[1]
            node = Node(_KIND[c], (i, end), None, None)
        end = _skip_ws(s, end).end()
    except (ValueError, LookupError, StopIteration, RecursionError) as exc:
        raise JsonSpanError(_describe(exc)) from exc
    if end != len(s):
        raise JsonSpanError(f"trailing data at byte {end}")
    return node
