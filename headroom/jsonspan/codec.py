"""Strict decoding of one located value, and encoding of a replacement string literal."""

from __future__ import annotations

import json
import re
from _json import encode_basestring, scanstring
from typing import Any

from headroom.jsonspan.model import DuplicateKeyError, JsonSpanError, Node
from headroom.jsonspan.scanner import int_parser

__all__ = ["decode_string", "decode_value", "encode_string", "has_lone_surrogate_escape"]

# A \uD800-\uDFFF escape in raw JSON text; only such escapes can produce a surrogate once the
# bytes are known to be valid UTF-8 (which cannot encode surrogates).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Escaped backslashes (consumed in pairs, so ``\\ud800`` is not an escape) and surrogate escapes.
_PAIR_OR_SURROGATE = re.compile(rb"\\\\|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_WHITESPACE = b" \t\n\r"


def _reject_constant(name: str) -> Any:
    raise JsonSpanError(f"{name} is not valid JSON")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DuplicateKeyError("duplicate key in decoded object")
    return result


def _raw(body: bytes, node: Node) -> bytes:
    """The bytes of ``node``'s span, which must hold exactly a value (no surrounding whitespace)."""
    start, end = node.span
    if not 0 <= start < end <= len(body):
        raise JsonSpanError(f"span {node.span} is outside the body ({len(body)} bytes)")
    if body[start] in _WHITESPACE or body[end - 1] in _WHITESPACE:
        raise JsonSpanError(f"span {node.span} starts or ends with whitespace")
    return body[start:end]


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonSpanError(f"invalid UTF-8 at byte {exc.start} of the value") from None


def _has_lone_surrogate(value: Any) -> bool:
    """True if any string (member names included) in a decoded value holds a surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def decode_value(body: bytes, node: Node) -> Any:
    """The strict JSON value of ``node``'s span.

    Rejects (JsonSpanError) invalid UTF-8, NaN/Infinity, lone surrogate escapes, integers over the
    interpreter's digit limit, nesting too deep to decode, and duplicate member names
    (DuplicateKeyError).
    """
    raw = _raw(body, node)
    text = _utf8(raw)
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_int=int_parser(), object_pairs_hook=_unique_pairs
        )
    except (ValueError, RecursionError) as exc:
        raise JsonSpanError(f"value at {node.span} is not strict JSON: {exc}") from exc
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        raise JsonSpanError(f"value at {node.span} holds a lone surrogate escape")
    return value


def decode_string(body: bytes, node: Node) -> str:
    """The text of the string literal at ``node``'s span (strict, like ``decode_value``)."""
    if node.kind != "string":
        raise JsonSpanError(f"value at {node.span} is a {node.kind}, not a string")
    raw = _raw(body, node)
    text = _utf8(raw)
    if len(text) < 2 or text[0] != '"':
        raise JsonSpanError(f"value at {node.span} is not a string literal")
    try:
        value, end = scanstring(text, 1, True)
    except ValueError as exc:
        raise JsonSpanError(f"string at {node.span} is malformed: {exc}") from exc
    if end != len(text):
        raise JsonSpanError(f"string at {node.span} has trailing data")
    if _SURROGATE_ESCAPE.search(raw) and _SURROGATE.search(value):
        raise JsonSpanError(f"string at {node.span} holds a lone surrogate escape")
    return value


def has_lone_surrogate_escape(body: bytes) -> bool:
    """True if a valid JSON text holds a ``\\uD800``-``\\uDFFF`` escape that is not half of a
    high-low pair, anywhere (strings and member names). Linear; bodies without any surrogate escape
    are answered by one search.

    ``body`` must already be valid JSON (e.g. it passed ``scan``): backslashes then only occur in
    strings, where each one starts an escape, so scanning escapes over the whole text is exact.
    """
    if _SURROGATE_ESCAPE.search(body) is None:
        return False
    high_end = -1  # end of an unpaired high surrogate escape, else -1
    for match in _PAIR_OR_SURROGATE.finditer(body):
        token = match.group()
        high = token != b"\\\\" and token[3] in b"89abAB"
        low = token != b"\\\\" and not high
        if high_end >= 0:
            if not (low and match.start() == high_end):
                return True
            high_end = -1
        elif low:
            return True
        elif high:
            high_end = match.end()
    return high_end >= 0


def encode_string(text: str) -> bytes:
    """``text`` as a JSON string literal in UTF-8, escaping only what JSON requires.

    ``"``, ``\\`` and control characters below U+0020 are escaped; everything else is written as
    itself. Raises JsonSpanError if ``text`` holds a lone surrogate (it has no UTF-8 form).
    """
    literal = encode_basestring(text)
    try:
        return literal.encode("utf-8")
    except UnicodeEncodeError:
        where = _SURROGATE.search(text)
        index = where.start() if where else -1
        raise JsonSpanError(f"lone surrogate at index {index} of the text") from None
