"""Message framing and connection semantics of a parsed head (RFC 9112 section 6).

Requests are held to the strict rules of RELIABILITY items 1-7, 13 and 19: any ambiguity about
where a body ends is refused, because the next hop might resolve it differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from headroom.errors import ProtocolError
from headroom.wire.events import BodyKind, Headers, RequestHead, ResponseHead
from headroom.wire.grammar import HOST, TOKEN, check_guarded_name, list_elements
from headroom.wire.limits import Limits
from headroom.wire.numbers import parse_decimal

_NEEDS_BODY = frozenset({b"POST", b"PUT", b"PATCH"})


@dataclass(slots=True)
class _Collected:
    content_length: list[bytes]
    transfer_encoding: list[bytes]
    host: list[bytes]
    connection: list[bytes]
    expect: list[bytes]


def _collect(headers: Headers, status: int) -> _Collected:
    """Values of the headers framing depends on, found with a few C-level searches.

    All names are joined, lowercased, into ``\\nname\\nname\\n``; a header's index is the number of
    newlines before its name. Only a name containing ``_`` needs a per-header look.
    """
    joined = b"\n".join([b"", *[name for name, _ in headers], b""]).lower()
    if b"_" in joined:
        for name, _ in headers:
            check_guarded_name(name.lower(), status)

    def values(name: bytes) -> list[bytes]:
        key = b"\n" + name + b"\n"
        found = []
        at = joined.find(key)
        while at >= 0:
            found.append(headers[joined.count(b"\n", 0, at)][1])
            at = joined.find(key, at + 1)
        return found

    return _Collected(
        values(b"content-length"),
        values(b"transfer-encoding"),
        values(b"host"),
        values(b"connection"),
        values(b"expect"),
    )


# A Connection option asks the next hop to drop the header it names; naming a framing header (or
# Host) that way is how a body is turned into a smuggled request behind the proxy: refuse it.
_UNNOMINATABLE = frozenset({b"content-length", b"transfer-encoding", b"host"})


def _connection_tokens(values: list[bytes], status: int) -> frozenset[bytes]:
    tokens: set[bytes] = set()
    for value in values:
        for element in list_elements(value):
            if TOKEN.fullmatch(element) is None:
                raise ProtocolError(status, "invalid Connection option")
            token = element.lower()
            if token in _UNNOMINATABLE:
                raise ProtocolError(status, f"Connection option names {token.decode('ascii')}")
            tokens.add(token)
    return frozenset(tokens)


def _check_host(values: list[bytes], required: bool) -> None:
    if len(values) > 1:
        raise ProtocolError(400, "more than one Host header")
    if not values:
        if required:
            raise ProtocolError(400, "HTTP/1.1 request without Host")
        return
    match = HOST.fullmatch(values[0])
    if match is None:
        raise ProtocolError(400, "invalid Host")
    port = match.group(1)
    if port is not None and (parse_decimal(port) or 0) > 65535:
        raise ProtocolError(400, "invalid Host port")


def _request_body(
    method: bytes, version: tuple[int, int], found: _Collected, limits: Limits
) -> tuple[BodyKind, int | None]:
    te, cl = found.transfer_encoding, found.content_length
    if te and cl:
        raise ProtocolError(400, "both Content-Length and Transfer-Encoding")
    if te:
        if len(te) > 1:
            raise ProtocolError(400, "more than one Transfer-Encoding header")
        if version == (1, 0):
            raise ProtocolError(400, "Transfer-Encoding on an HTTP/1.0 request")
        coding = te[0].lower()
        if coding == b"chunked":
            return "chunked", None
        if TOKEN.fullmatch(coding) is not None:
            raise ProtocolError(501, "unsupported transfer coding")
        raise ProtocolError(400, "Transfer-Encoding other than chunked")
    if cl:
        if len(cl) > 1:
            raise ProtocolError(400, "more than one Content-Length header")
        length = parse_decimal(cl[0])
        if length is None:
            raise ProtocolError(400, "Content-Length is not a plain decimal number")
        if length > limits.max_body_bytes:
            raise ProtocolError(413, f"body larger than {limits.max_body_bytes} bytes")
        return "length", length
    if method in _NEEDS_BODY:
        raise ProtocolError(411, "Content-Length required")
    return "none", None


def request_head(
    method: bytes, target: bytes, version: tuple[int, int], headers: Headers, limits: Limits
) -> RequestHead:
    """Framing, Host and connection semantics of a request head (raises ProtocolError)."""
    found = _collect(headers, 400)
    _check_host(found.host, required=version == (1, 1))
    kind, length = _request_body(method, version, found, limits)
    tokens = _connection_tokens(found.connection, 400)
    expect = version == (1, 1) and any(v.lower() == b"100-continue" for v in found.expect)
    keep_alive = version == (1, 1) and b"close" not in tokens
    return RequestHead(method, target, version, headers, kind, length, keep_alive, expect, tokens)


def _response_length(values: list[bytes]) -> int:
    """Content-Length of a response: identical repeats (``5, 5``) are tolerated, as RFC 9110 allows."""
    elements = [e for value in values for e in (list_elements(value) or [b""])]
    lengths = {parse_decimal(e) for e in elements}
    if len(lengths) != 1 or None in lengths:
        raise ProtocolError(502, "invalid Content-Length in response")
    return lengths.pop() or 0


def response_head(
    status: int, reason: bytes, version: tuple[int, int], headers: Headers, request_method: bytes
) -> ResponseHead:
    """Framing and connection semantics of a response head (raises ProtocolError(502))."""
    found = _collect(headers, 502)
    te, cl = found.transfer_encoding, found.content_length
    if te and cl:
        raise ProtocolError(502, "response with both Content-Length and Transfer-Encoding")
    if te and (len(te) > 1 or te[0].lower() != b"chunked" or version == (1, 0)):
        raise ProtocolError(502, "response Transfer-Encoding other than chunked")
    length = _response_length(cl) if cl else None
    tokens = _connection_tokens(found.connection, 502)
    kind: BodyKind
    if _bodiless(status, request_method):
        kind, length = "none", None
    elif te:
        kind = "chunked"
    elif length is not None:
        kind = "length"
    else:
        kind = "eof"
    keep_alive = version == (1, 1) and b"close" not in tokens and kind != "eof"
    return ResponseHead(status, reason, version, headers, kind, length, keep_alive, tokens)


def _bodiless(status: int, request_method: bytes) -> bool:
    if request_method == b"HEAD" or status < 200 or status in (204, 304):
        return True
    return request_method == b"CONNECT" and 200 <= status < 300
