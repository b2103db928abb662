"""JSON at the character level: exact-value parsing, lossless minification and element spans.

Numbers are parsed as :class:`Num` holding their original spelling (``1.0`` stays ``1.0``, ``1e3`` stays
``1e3``), so every rendering writes back exactly the number the tool printed. Duplicate object keys are
detected (a table could not represent them). ``minify`` removes whitespace outside strings without
parsing, so it is byte-exact for everything else. ``element_spans`` finds the character span of every
element of the array at a path, for exact ``omitted_ranges``.
"""

from __future__ import annotations

import json
import math
import re
from _json import encode_basestring  # the C routine json.dumps(ensure_ascii=False) runs for a str
from collections.abc import Iterator
from functools import lru_cache
from typing import Any


class Num:
    """A JSON number with its original spelling."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Num) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)  # equal only to a Num of the same spelling; a str may share the hash

    def __repr__(self) -> str:
        return f"Num({self.text})"

    def value(self) -> float | None:
        try:
            number = float(self.text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    def is_int(self) -> bool:
        return self.text.lstrip("-").isdigit()


class _DuplicateKeyError(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKeyError
    return out


@lru_cache(maxsize=8)
def parse(text: str) -> tuple[str, Any]:
    """``("ok", value)``, ``("dups", None)`` for duplicate keys, or ``("invalid", None)``."""
    try:
        return "ok", json.loads(text, parse_float=Num, parse_int=Num, parse_constant=Num, object_pairs_hook=_pairs)
    except _DuplicateKeyError:
        return "dups", None
    except (ValueError, RecursionError):
        return "invalid", None


_STRING_SPLIT_RE = re.compile(r'("(?:[^"\\\n]|\\.)*")')
_WS_TABLE = str.maketrans("", "", " \t\n\r")


def minify(text: str) -> str:
    """Whitespace outside strings removed; every other character kept as written."""
    parts = _STRING_SPLIT_RE.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = parts[index].translate(_WS_TABLE)
    return "".join(parts)


def dump(value: Any) -> str:
    """Compact JSON of a parsed value (numbers as originally spelled)."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is Num:
        return str(value.text)
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _string(value: str) -> str:
    """``json.dumps(value, ensure_ascii=False)`` (the same C routine, without building an encoder per call)."""
    out = encode_basestring(value)  # what json.dumps(value, ensure_ascii=False) runs
    if not out.isascii() and _LINE_BREAKS_RE.search(out):
        out = _LINE_BREAKS_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", out)
    return out


def _write(value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is Num:
        out.append(value.text)
    elif kind is dict:
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            _write(key, out)
            out.append(":")
            _write(item, out)
        out.append("}")
    elif kind is list:
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        out.append(_other(value))


def _other(value: Any) -> str:
    """Literals, plain Python numbers and subclasses of the container types."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Num):
        return value.text
    if isinstance(value, int | float):  # values not parsed by ``parse`` (plain Python numbers)
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(dump(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(dump(k) + ":" + dump(v) for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


_DECODER = json.JSONDecoder()
_LINE_BREAKS_RE = re.compile("[\x85\u2028\u2029]")  # valid raw in JSON strings, but they break lines
_WS_RE = re.compile(r"[ \t\n\r]*")


_WS_CHARS = frozenset(" \t\n\r")


def _ws(text: str, index: int) -> int:
    if index < len(text) and text[index] in _WS_CHARS:
        match = _WS_RE.match(text, index)
        return match.end() if match else index
    return index


def _members(text: str, index: int) -> Iterator[tuple[str | int, int, int]]:
    """``(key or position, value start, value end)`` of the object or array starting at ``index``, lazily.

    Values are located by decoding them with the C scanner (faster than any Python-level skipping).
    """
    opener = text[index]
    closer = "}" if opener == "{" else "]"
    decode = _DECODER.raw_decode
    index = _ws(text, index + 1)
    position = 0
    size = len(text)
    while index < size and text[index] != closer:
        name: str | int = position
        if opener == "{":
            name, index = decode(text, index)
            index = _ws(text, _ws(text, index) + 1)  # past the colon
        end = decode(text, index)[1]
        yield name, index, end
        position += 1
        index = _ws(text, end)
        if index < size and text[index] == ",":
            index = _ws(text, index + 1)


def skip_ws(text: str, index: int) -> int:
    return _ws(text, index)


def element_spans(text: str, path: tuple[str | int, ...]) -> list[tuple[int, int]]:
    """Spans of the members of the container at ``path`` (keys and array positions from the root)."""
    index = _ws(text, 0)
    for step in path:
        index = _locate(text, index, step)
    return [(start, end) for _name, start, end in _members(text, index)]


def _locate(text: str, index: int, step: str | int) -> int:
    """Start of the first member named ``step`` of the container at ``index``; members after it are not read."""
    opener = text[index]
    decode = _DECODER.raw_decode
    index = _ws(text, index + 1)
    position = 0
    while index < len(text) and text[index] != ("}" if opener == "{" else "]"):
        name: str | int = position
        if opener == "{":
            name, index = decode(text, index)
            index = _ws(text, _ws(text, index) + 1)  # past the colon
        if name == step:
            return index
        index = _ws(text, decode(text, index)[1])
        position += 1
        if index < len(text) and text[index] == ",":
            index = _ws(text, index + 1)
    raise KeyError(step)


def key_spans(text: str, start: int) -> dict[str, tuple[int, int]]:
    """Value spans by key of the object starting at ``start``."""
    return {str(name): (s, e) for name, s, e in _members(text, start)}


def value_spans(text: str, start: int, end: int, row: dict[str, Any], names: list[str]) -> dict[str, tuple[int, int]]:
    """Spans of the values of top-level ``names`` in the object ``text[start:end]`` (parsed as ``row``).

    A key spelled once in the object's text is found directly; otherwise the members are scanned.
    """
    out: dict[str, tuple[int, int]] = {}
    for name in names:
        if name not in row:
            continue
        quoted = encode_basestring(name)  # json.dumps(name, ensure_ascii=False)
        at = text.find(quoted, start, end)
        if at < 0 or text.find(quoted, at + 1, end) >= 0:
            return {k: v for k, v in key_spans(text, start).items() if k in names and k in row}
        colon = _ws(text, at + len(quoted))
        if text[colon : colon + 1] != ":":
            return {k: v for k, v in key_spans(text, start).items() if k in names and k in row}
        value_start = _ws(text, colon + 1)
        out[name] = (value_start, _DECODER.raw_decode(text, value_start)[1])
    return out
