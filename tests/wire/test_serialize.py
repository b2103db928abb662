"""Serialising heads and chunks; serialize -> parse round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.wire.events import Data, EndOfMessage, RequestHead, ResponseHead
from headroom.wire.request import RequestParser
from headroom.wire.response import ResponseParser
from headroom.wire.serialize import LAST_CHUNK, encode_chunk, serialize_request_head, serialize_response_head
from tests.wire.drive import merge_data
from tests.wire.strategies import field_names, field_values, methods, targets


def test_request_head_bytes() -> None:
    raw = serialize_request_head(b"POST", b"/v1/messages?beta=true", [(b"Host", b"h"), (b"x-api-key", b"k")])
    assert raw == b"POST /v1/messages?beta=true HTTP/1.1\r\nHost: h\r\nx-api-key: k\r\n\r\n"


def test_response_head_bytes() -> None:
    assert serialize_response_head(200, b"OK", []) == b"HTTP/1.1 200 OK\r\n\r\n"
    assert serialize_response_head(204, b"", [(b"A", b"1")]) == b"HTTP/1.1 204 \r\nA: 1\r\n\r\n"


@pytest.mark.parametrize(
    "headers",
    [
        [(b"X", b"a\r\nInjected: 1")],
        [(b"X", b"a\nb")],
        [(b"X", b"a\rb")],
        [(b"X", b"a\x00b")],
        [(b"X: y", b"v")],
        [(b"", b"v")],
        [(b"A", b"1"), (b"", b"v")],
        [(b"X Y", b"v")],
    ],
)
def test_header_injection_is_refused(headers: list[tuple[bytes, bytes]]) -> None:
    with pytest.raises(ValueError):
        serialize_request_head(b"GET", b"/", headers)
    with pytest.raises(ValueError):
        serialize_response_head(200, b"OK", headers)


@pytest.mark.parametrize(("method", "target"), [(b"GET ", b"/"), (b"GET", b"/ x"), (b"GET", b""), (b"", b"/")])
def test_bad_request_line_is_refused(method: bytes, target: bytes) -> None:
    with pytest.raises(ValueError):
        serialize_request_head(method, target, [])


@pytest.mark.parametrize(("status", "reason"), [(99, b"x"), (1000, b"x"), (200, b"a\r\nb")])
def test_bad_status_line_is_refused(status: int, reason: bytes) -> None:
    with pytest.raises(ValueError):
        serialize_response_head(status, reason, [])


def test_encode_chunk() -> None:
    assert encode_chunk(b"") == b""
    assert encode_chunk(b"abc") == b"3\r\nabc\r\n"
    assert encode_chunk(b"x" * 255) == b"ff\r\n" + b"x" * 255 + b"\r\n"
    assert LAST_CHUNK == b"0\r\n\r\n"


headers_st = st.lists(st.tuples(field_names, field_values), max_size=8)


@settings(max_examples=150, deadline=None)
@given(methods, targets, headers_st, st.lists(st.binary(max_size=40), max_size=6))
def test_request_round_trip(
    method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> None:
    all_headers = [(b"Host", b"h"), *headers, (b"Transfer-Encoding", b"chunked")]
    raw = serialize_request_head(method, target, all_headers)
    raw += b"".join(encode_chunk(c) for c in chunks) + LAST_CHUNK
    events = merge_data(RequestParser().feed(raw))
    head = events[0]
    assert isinstance(head, RequestHead)
    assert (head.method, head.target, list(head.headers)) == (method, target, all_headers)
    body = b"".join(chunks)
    assert events[1:] == ([Data(body)] if body else []) + [EndOfMessage()]


@settings(max_examples=100, deadline=None)
@given(st.integers(200, 599), field_values, headers_st, st.binary(max_size=64))
def test_response_round_trip(status: int, reason: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    if status in (204, 304):
        body = b""
    all_headers = [*headers, (b"Content-Length", str(len(body)).encode())]
    raw = serialize_response_head(status, reason, all_headers) + body
    events = merge_data(ResponseParser(b"GET").feed(raw))
    head = events[0]
    assert isinstance(head, ResponseHead)
    assert (head.status, head.reason, list(head.headers)) == (status, reason, all_headers)
    assert events[1:] == ([Data(body)] if body else []) + [EndOfMessage()]
