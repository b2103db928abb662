"""Events produced by the sans-IO HTTP/1.1 parsers.

Header names keep their original case and order; values are raw bytes with surrounding
``b" \\t"`` stripped and are never decoded. ``kind`` of a body is one of:

* ``"none"``    no body (GET without framing, HEAD responses, 204/304, 1xx)
* ``"length"``  Content-Length framed, ``length`` bytes
* ``"chunked"`` chunked transfer coding
* ``"eof"``     responses only: read until the peer closes (HTTP/1.0 or no framing)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Headers = tuple[tuple[bytes, bytes], ...]
BodyKind = Literal["none", "length", "chunked", "eof"]


def header_values(headers: Headers, name: bytes) -> list[bytes]:
    """All values of header ``name`` (ASCII case-insensitive), in order."""
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def header_value(headers: Headers, name: bytes) -> bytes | None:
    """The first value of header ``name`` or None."""
    lname = name.lower()
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


@dataclass(frozen=True, slots=True)
class RequestHead:
    method: bytes
    target: bytes
    version: tuple[int, int]  # (1, 1) or (1, 0)
    headers: Headers
    body_kind: BodyKind
    content_length: int | None  # set when body_kind == "length"
    keep_alive: bool  # HTTP/1.1 without "Connection: close", or 1.0 never
    expect_continue: bool  # "Expect: 100-continue" was present
    connection_tokens: frozenset[bytes] = field(default_factory=frozenset)  # lowercased


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    reason: bytes
    version: tuple[int, int]
    headers: Headers
    body_kind: BodyKind
    content_length: int | None
    keep_alive: bool  # False when the connection must not be reused after this response
    connection_tokens: frozenset[bytes] = field(default_factory=frozenset)

    @property
    def informational(self) -> bool:
        return 100 <= self.status < 200


@dataclass(frozen=True, slots=True)
class Data:
    data: bytes


@dataclass(frozen=True, slots=True)
class EndOfMessage:
    trailers: Headers = ()


Event = RequestHead | ResponseHead | Data | EndOfMessage
