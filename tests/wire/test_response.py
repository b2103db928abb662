"""Unit tests of the upstream response parser (RELIABILITY items 41, 42 and 45)."""

from __future__ import annotations

import pytest

from headroom.errors import IncompleteMessageError, ProtocolError
from headroom.wire.events import Data, EndOfMessage, ResponseHead
from headroom.wire.limits import Limits
from headroom.wire.response import ResponseParser
from tests.wire.drive import bytewise, drive_response, merge_data


def first_head(raw: bytes, method: bytes = b"GET") -> ResponseHead:
    events = ResponseParser(method).feed(raw)
    assert isinstance(events[0], ResponseHead)
    return events[0]


def fails(raw: bytes, method: bytes = b"GET") -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        drive_response(method, [raw])
    return info.value


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        (b"HTTP/1.1 200 OK", 200, b"OK"),
        (b"HTTP/1.1 200 ", 200, b""),
        (b"HTTP/1.1 200", 200, b""),
        (b"HTTP/1.1 429 Too Many Requests", 429, b"Too Many Requests"),
        (b"HTTP/1.1 599 caf\xe9\t!", 599, b"caf\xe9\t!"),
        (b"HTTP/1.0 404 Not Found", 404, b"Not Found"),
    ],
)
def test_status_lines(line: bytes, status: int, reason: bytes) -> None:
    head = first_head(line + b"\r\nContent-Length: 0\r\n\r\n")
    assert (head.status, head.reason) == (status, reason)


@pytest.mark.parametrize(
    "line",
    [
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/2 200 OK",
        b"HTTP/2.0 200 OK",
        b"http/1.1 200 OK",
        b"HTTP/1.1  200 OK",
        b"HTTP/1.1 200 O\x00K",
        b"HTTP/1.1 099 Low",
        b"HTTP/1.1 101 Switching Protocols",
        b"ICY 200 OK",
        b"",
    ],
)
def test_bad_status_lines(line: bytes) -> None:
    assert fails(line + b"\r\nContent-Length: 0\r\n\r\n").status == 502


def test_chunked_response() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nServer-Timing: 1\r\n\r\n"
    events = ResponseParser(b"POST").feed(raw)
    assert isinstance(events[0], ResponseHead)
    assert events[0].body_kind == "chunked"
    assert events[0].keep_alive
    assert events[1:] == [Data(b"abc"), EndOfMessage(((b"Server-Timing", b"1"),))]


def test_length_response_and_trailing_bytes_are_kept() -> None:
    parser = ResponseParser(b"GET")
    events = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA")
    assert events[1:] == [Data(b"abc"), EndOfMessage()]
    assert parser.complete
    assert parser.buffered == 5
    assert parser.feed(b"more") == []
    assert parser.buffered == 9
    assert parser.feed_eof() == []


def test_close_delimited_response() -> None:
    parser = ResponseParser(b"GET")
    events = parser.feed(b"HTTP/1.1 200 OK\r\n\r\nab")
    assert isinstance(events[0], ResponseHead)
    assert (events[0].body_kind, events[0].keep_alive) == ("eof", False)
    assert parser.feed(b"c") == [Data(b"c")]
    assert parser.feed_eof() == [EndOfMessage()]


def test_http10_response_is_not_persistent() -> None:
    head = first_head(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
    assert head.keep_alive is False
    assert first_head(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").keep_alive is False


@pytest.mark.parametrize(
    ("method", "status"), [(b"HEAD", 200), (b"GET", 204), (b"GET", 304), (b"CONNECT", 200), (b"HEAD", 404)]
)
def test_bodiless_responses(method: bytes, status: int) -> None:
    parser = ResponseParser(method)
    events = parser.feed(b"HTTP/1.1 %d X\r\nContent-Length: 12\r\n\r\n" % status)
    assert isinstance(events[0], ResponseHead)
    assert events[0].body_kind == "none"
    assert events[1:] == [EndOfMessage()]


def test_informational_heads_then_final() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    for pieces in ([raw], bytewise(raw)):
        events = merge_data(drive_response(b"POST", pieces, eof=False))
        heads = [e for e in events if isinstance(e, ResponseHead)]
        assert [h.status for h in heads] == [100, 103, 200]
        assert [h.informational for h in heads] == [True, True, False]
        assert events[-2:] == [Data(b"ok"), EndOfMessage()]


@pytest.mark.parametrize(
    "fields",
    [
        b"Content-Length: 3\r\nTransfer-Encoding: chunked",
        b"Content-Length: 3\r\nContent-Length: 4",
        b"Content-Length: 3, 4",
        b"Content-Length: +3",
        b"Content-Length: ",
        b"Content-Length: 0x3",
        b"Transfer-Encoding: gzip",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        b"X-A: 1\r\n folded",
        b"X-A: 1\x002",
        b"X-A : 1",
        b"Content_Length: 3",
        b"Connection: a b",
    ],
)
def test_invalid_framing_is_502(fields: bytes) -> None:
    assert fails(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n\r\nabc").status == 502


def test_bare_lf_is_502() -> None:
    assert fails(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n").status == 502
    assert fails(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n").status == 502


@pytest.mark.parametrize("value", [b"3, 3", b"3,3", b"3"])
def test_repeated_identical_content_length_is_tolerated(value: bytes) -> None:
    head = first_head(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\nContent-Length: 3\r\n\r\n")
    assert head.content_length == 3


def test_incomplete_responses() -> None:
    for partial in (b"", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"):
        parser = ResponseParser(b"GET")
        parser.feed(partial)
        with pytest.raises(IncompleteMessageError):
            parser.feed_eof()
    parser = ResponseParser(b"GET")
    parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    with pytest.raises(IncompleteMessageError):
        parser.feed_eof()


def test_response_header_line_limit() -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(199))
    head = first_head(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + fields + b"\r\n")
    assert len(head.headers) == 200
    assert fails(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: 1\r\n" + fields + b"\r\n").status == 502
    small = Limits(max_head_bytes=100)
    with pytest.raises(ProtocolError):
        ResponseParser(b"GET", small).feed(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 100)


def test_chunked_response_has_no_body_limit() -> None:
    parser = ResponseParser(b"GET", Limits(max_body_bytes=4))
    events = parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n0\r\n\r\n")
    assert events[1:] == [Data(b"12345678"), EndOfMessage()]
