"""The fake provider's own request parser: unit cases and split-invariance properties."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fake.conn import Conn
from tests.support.fake.http1 import (
    ChunkedDecoder,
    Head,
    RecordedRequest,
    RequestError,
    body_framing,
    parse_head,
    wants_close,
)

TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~",
                min_size=1, max_size=20).map(str.encode)
VALUE = st.binary(max_size=40).map(lambda b: bytes(c for c in b if c in (9,) or 0x20 <= c != 0x7F).strip(b" \t"))


@settings(max_examples=200, deadline=None)
@given(TOKEN, st.lists(st.tuples(TOKEN, VALUE), max_size=10))
def test_parse_head_round_trips(method: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    raw = method + b" /v1/x?y=1 HTTP/1.1\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in headers) + b"\r\n"
    assert parse_head(raw) == Head(method, b"/v1/x?y=1", b"HTTP/1.1", headers)


@pytest.mark.parametrize("raw", [
    b"GET / HTTP/1.1\r\nHost: x\r\n",  # no blank line
    b"GET  / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1 \r\n\r\n",
    b"GET / http/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    b"GET / HTTP/1.1\r\n: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHo st: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
])
def test_parse_head_rejects(raw: bytes) -> None:
    with pytest.raises(RequestError) as info:
        parse_head(raw)
    assert info.value.status == 400


def test_http2_request_line_is_505() -> None:
    with pytest.raises(RequestError) as info:
        parse_head(b"GET / HTTP/2.0\r\n\r\n")
    assert info.value.status == 505


def _head(*headers: tuple[bytes, bytes], version: bytes = b"HTTP/1.1") -> Head:
    return Head(b"POST", b"/", version, list(headers))


def test_body_framing() -> None:
    assert body_framing(_head()) == ("none", 0)
    assert body_framing(_head((b"content-length", b"12"))) == ("length", 12)
    assert body_framing(_head((b"Transfer-Encoding", b"Chunked"))) == ("chunked", 0)
    bad = [
        _head((b"Content-Length", b"1"), (b"Transfer-Encoding", b"chunked")),
        _head((b"Content-Length", b"1"), (b"Content-Length", b"1")),
        _head((b"Transfer-Encoding", b"chunked"), version=b"HTTP/1.0"),
        *[_head((b"Content-Length", v)) for v in (b"+1", b"-1", b"0x5", b"5_0", b"1e3", b"", b"5 5", b"1" * 20,
                                                   "５".encode())],
    ]
    for head in bad:
        with pytest.raises(RequestError):
            body_framing(head)
    with pytest.raises(RequestError) as info:
        body_framing(_head((b"Transfer-Encoding", b"gzip, chunked")))
    assert info.value.status == 501


def test_wants_close() -> None:
    assert not wants_close(b"HTTP/1.1", [])
    assert wants_close(b"HTTP/1.1", [(b"Connection", b"keep-alive, Close")])
    assert wants_close(b"HTTP/1.0", [])
    assert not wants_close(b"HTTP/1.0", [(b"connection", b"keep-alive")])


def _chunked(body: bytes, sizes: list[int]) -> bytes:
    out, pos, i = [], 0, 0
    while pos < len(body):
        size = max(1, sizes[i % len(sizes)]) if sizes else len(body)
        out.append(b"%x;ext=1\r\n%s\r\n" % (len(body[pos : pos + size]), body[pos : pos + size]))
        pos, i = pos + size, i + 1
    return b"".join(out) + b"0\r\nX-Trailer: t\r\n\r\n"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(1, 50), max_size=5), st.lists(st.integers(1, 40), max_size=8),
       st.binary(max_size=20))
def test_chunked_decoder_is_split_invariant(body: bytes, sizes: list[int], cuts: list[int], rest: bytes) -> None:
    wire = _chunked(body, sizes) + rest
    decoder = ChunkedDecoder()
    pos = 0
    for cut in cuts:
        decoder.feed(wire[pos : pos + cut])
        pos += cut
    decoder.feed(wire[pos:])
    assert decoder.done and decoder.body == body and decoder.rest == rest


@pytest.mark.parametrize("wire", [
    b"0x5\r\nhello\r\n0\r\n\r\n",
    b"+5\r\nhello\r\n0\r\n\r\n",
    b" 5\r\nhello\r\n0\r\n\r\n",
    b"\r\nhello\r\n0\r\n\r\n",
    b"11111111111111111\r\n",
    b"5\r\nhelloXX0\r\n\r\n",
    b"5\nhello\r\n0\r\n\r\n",
    b"5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
    b"5;a\rb\r\nhello\r\n0\r\n\r\n",
])
def test_chunked_decoder_rejects(wire: bytes) -> None:
    decoder = ChunkedDecoder()
    with pytest.raises(RequestError):
        decoder.feed(wire)


async def _read_split(wire: bytes, cuts: list[int]) -> list[RecordedRequest]:
    reader = asyncio.StreamReader()
    conn = Conn(reader, cast(asyncio.StreamWriter, None), 7)  # reading never touches the writer

    async def feed() -> None:
        pos = 0
        for cut in [*cuts, len(wire)]:
            reader.feed_data(wire[pos : pos + cut] if cut < len(wire) else wire[pos:])
            pos = min(len(wire), pos + cut)
            await asyncio.sleep(0)
        reader.feed_eof()

    feeder = asyncio.get_running_loop().create_task(feed())
    requests = []
    while await conn.wait_first_byte(None):
        requests.append(await conn.read_request())
    await feeder
    return requests


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=200), st.booleans()), min_size=1, max_size=3),
       st.lists(st.integers(1, 60), max_size=12))
def test_reading_requests_is_split_invariant(bodies: list[tuple[bytes, bool]], cuts: list[int]) -> None:
    wire, heads = b"", []
    for body, chunked in bodies:
        framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % len(body)
        heads.append(b"POST /v1/x HTTP/1.1\r\nHost: h\r\n" + framing + b"\r\n")
        wire += heads[-1] + (_chunked(body, [5]) if chunked else body)
    requests = asyncio.run(_read_split(wire, cuts))
    assert [(r.raw_head, r.body, r.chunked, r.conn_id) for r in requests] == [
        (h, b, c, 7) for h, (b, c) in zip(heads, bodies, strict=True)]
