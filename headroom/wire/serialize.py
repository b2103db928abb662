"""Serialising heads and chunks for the wire (always HTTP/1.1).

Headers are written exactly as given, in order, as ``name: value``. A name that is not a token or
a value with CR, LF or another control byte raises ValueError: that would be header injection,
always a caller bug, never something to send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from headroom.wire.grammar import TCHAR, VALUE_CHAR

_NAMES = re.compile(rb"(?:,[" + TCHAR + rb"]+)*")  # every name prefixed with ","
_VALUES = re.compile(rb"[" + VALUE_CHAR + rb"\n]*")  # values joined with LF (a value has none)
_METHOD = re.compile(rb"[" + TCHAR + rb"]+")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_REASON = re.compile(rb"[" + VALUE_CHAR + rb"]*")

LAST_CHUNK: bytes = b"0\r\n\r\n"


def _fields(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    pairs = list(headers)
    names = b"".join([b"," + name for name, _ in pairs])
    values = [value for _, value in pairs]
    if _NAMES.fullmatch(names) is None or any(b"\n" in v for v in values):
        raise ValueError("header name is not a token or value contains a line break")
    if _VALUES.fullmatch(b"\n".join(values)) is None:
        raise ValueError("header value contains a control character")
    return b"".join([b"%s: %s\r\n" % pair for pair in pairs])


def serialize_request_head(method: bytes, target: bytes, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    if _METHOD.fullmatch(method) is None or _TARGET.fullmatch(target) is None:
        raise ValueError("invalid method or request target")
    return b"%s %s HTTP/1.1\r\n%s\r\n" % (method, target, _fields(headers))


def serialize_response_head(status: int, reason: bytes, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    if not 100 <= status <= 999 or _REASON.fullmatch(reason) is None:
        raise ValueError("invalid status code or reason phrase")
    return b"HTTP/1.1 %d %s\r\n%s\r\n" % (status, reason, _fields(headers))


def encode_chunk(data: bytes) -> bytes:
    """One chunk carrying ``data``; empty data gives b"" (a zero-size chunk would end the body)."""
    if not data:
        return b""
    return b"%x\r\n%s\r\n" % (len(data), data)
