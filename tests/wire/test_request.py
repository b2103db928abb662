"""Unit tests of the request parser, one rule at a time (the corpus covers the variants)."""

from __future__ import annotations

import pytest

from headroom.errors import IncompleteMessageError, ProtocolError
from headroom.wire.events import Data, EndOfMessage, Event, RequestHead
from headroom.wire.limits import Limits
from headroom.wire.request import RequestParser
from tests.wire.drive import bytewise, drive_requests, merge_data

HEAD = b"POST /v1/messages HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"


def head_of(raw: bytes, limits: Limits = Limits()) -> RequestHead:  # noqa: B008
    events = RequestParser(limits).feed(raw)
    assert isinstance(events[0], RequestHead)
    return events[0]


def status_of(raw: bytes | list[bytes], limits: Limits = Limits()) -> int:  # noqa: B008
    pieces = [raw] if isinstance(raw, bytes) else raw
    with pytest.raises(ProtocolError) as info:
        drive_requests(pieces, RequestParser(limits))
    return info.value.status


def test_head_fields_keep_case_order_and_opaque_bytes() -> None:
    head = head_of(b"GET /x?y=1 HTTP/1.1\r\nhOsT: h\r\nX-B: \t v \xa0\xff \t\r\nx-a:\r\n\r\n")
    assert head.method == b"GET"
    assert head.target == b"/x?y=1"
    assert head.version == (1, 1)
    assert head.headers == ((b"hOsT", b"h"), (b"X-B", b"v \xa0\xff"), (b"x-a", b""))
    assert head.body_kind == "none"
    assert head.content_length is None


@pytest.mark.parametrize(
    ("connection", "version", "keep_alive", "tokens"),
    [
        (None, b"1.1", True, frozenset()),
        (b"close", b"1.1", False, {b"close"}),
        (b"Keep-Alive, CLOSE", b"1.1", False, {b"keep-alive", b"close"}),
        (b"keep-alive", b"1.0", False, {b"keep-alive"}),
        (b" , x-Foo ,", b"1.1", True, {b"x-foo"}),
    ],
)
def test_keep_alive_and_connection_tokens(
    connection: bytes | None, version: bytes, keep_alive: bool, tokens: set[bytes]
) -> None:
    extra = b"Connection: " + connection + b"\r\n" if connection is not None else b""
    head = head_of(b"GET / HTTP/" + version + b"\r\nHost: h\r\n" + extra + b"\r\n")
    assert head.keep_alive is keep_alive
    assert head.connection_tokens == tokens


def test_connection_option_must_be_a_token() -> None:
    assert status_of(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: a b\r\n\r\n") == 400


@pytest.mark.parametrize(
    ("expect", "version", "flag"),
    [(b"100-continue", b"1.1", True), (b"100-CONTINUE", b"1.1", True), (b"100-continue", b"1.0", False)],
)
def test_expect_continue(expect: bytes, version: bytes, flag: bool) -> None:
    raw = b"POST / HTTP/" + version + b"\r\nHost: h\r\nExpect: " + expect + b"\r\nContent-Length: 1\r\n\r\n"
    assert head_of(raw).expect_continue is flag


def test_content_length_body_arrives_as_slices() -> None:
    parser = RequestParser()
    events = parser.feed(HEAD + b"he")
    assert isinstance(events[0], RequestHead)
    assert events[0].body_kind == "length"
    assert events[0].content_length == 5
    assert events[1:] == [Data(b"he")]
    assert parser.feed(b"llo") == [Data(b"llo"), EndOfMessage()]
    assert parser.buffered == 0


def test_large_body_gives_one_data_per_read() -> None:
    size = 1 << 20
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % size)
    chunk = b"x" * 65536
    events: list[Event] = []
    for _ in range(size // len(chunk)):
        new = parser.feed(chunk)
        assert new[0] == Data(chunk)
        assert isinstance(new[0], Data)
        assert type(new[0].data) is bytes
        events.extend(new)
    assert events[-1] == EndOfMessage()
    assert len(events) == size // len(chunk) + 1


def test_zero_length_body_ends_at_once() -> None:
    events = RequestParser().feed(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
    assert events[1:] == [EndOfMessage()]


def test_chunked_body_with_extensions_and_trailers() -> None:
    raw = (
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'3;a=1;b="q\\"x"\r\nabc\r\n2 ; c\r\nde\r\n0\r\nX-Sum: 1 \r\nx-b:2\r\n\r\n'
    )
    events = RequestParser().feed(raw)
    assert events[1:] == [Data(b"abc"), Data(b"de"), EndOfMessage(((b"X-Sum", b"1"), (b"x-b", b"2")))]


def test_tls_client_hello_fails_on_the_first_byte() -> None:
    with pytest.raises(ProtocolError) as info:
        RequestParser().feed(b"\x16")
    assert info.value.status == 400
    assert info.value.close


@pytest.mark.parametrize("first", [b"\x00", b"\xff", b" ", b"\t", b"(", b"\x80"])
def test_non_token_first_byte_fails_at_once(first: bytes) -> None:
    with pytest.raises(ProtocolError):
        RequestParser().feed(first)


def test_started_and_buffered() -> None:
    parser = RequestParser()
    states = [parser.started]
    assert parser.feed(b"\r\n") == []
    states.append(parser.started)
    assert parser.feed(b"GE") == []
    states.append(parser.started)
    assert parser.buffered == 2
    parser.feed(b"T / HTTP/1.1\r\nHost: h\r\n\r\n")
    states.append(parser.started)
    assert parser.next_message() == []
    states.append(parser.started)
    assert states == [False, True, True, False, False]


def test_target_limit_is_checked_before_the_line_ends() -> None:
    limits = Limits(max_target_bytes=16)
    parser = RequestParser(limits)
    assert parser.feed(b"GET /" + b"a" * 15) == []
    with pytest.raises(ProtocolError) as info:
        parser.feed(b"a")
    assert info.value.status == 414


def test_long_method_is_501() -> None:
    assert status_of(b"A" * 65) == 501
    assert head_of(b"A" * 64 + b" / HTTP/1.1\r\nHost: h\r\n\r\n").method == b"A" * 64


def test_version_checked_as_it_arrives() -> None:
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.")
    with pytest.raises(ProtocolError) as info:
        parser.feed(b"x")
    assert info.value.status == 400
    assert status_of(b"GET / HTTP/2.0\r\n") == 505


def test_content_length_over_limit_is_413_before_the_body() -> None:
    parser = RequestParser(Limits(max_body_bytes=4))
    with pytest.raises(ProtocolError) as info:
        parser.feed(HEAD)
    assert info.value.status == 413
    assert head_of(HEAD, Limits(max_body_bytes=5)).content_length == 5


def test_chunked_body_over_limit_is_413_at_the_crossing_size_line() -> None:
    parser = RequestParser(Limits(max_body_bytes=10))
    events = parser.feed(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    assert merge_data(events)[1:] == [Data(b"hello")]
    with pytest.raises(ProtocolError) as info:
        parser.feed(b"6\r\n")
    assert info.value.status == 413


def test_header_line_and_size_limits() -> None:
    limits = Limits(max_header_lines=3, max_head_bytes=200)
    ok = b"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"
    assert head_of(ok, limits).headers[-1] == (b"B", b"2")
    assert status_of(ok.replace(b"\r\n\r\n", b"\r\nC: 3\r\n\r\n"), limits) == 431
    # the line limit is crossed before the head ends
    assert status_of(b"GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n", limits) == 431
    assert status_of(b"GET / HTTP/1.1\r\nX: " + b"a" * 200, limits) == 431
    assert status_of(bytewise(b"GET / HTTP/1.1\r\nX: " + b"a" * 200), limits) == 431


def test_feed_eof() -> None:
    assert RequestParser().feed_eof() == []
    parser = RequestParser()
    parser.feed(b"\r\n")
    assert parser.feed_eof() == []
    for partial in (
        b"GET / HTTP/1.1\r\n",
        HEAD + b"abc",
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    ):
        parser = RequestParser()
        parser.feed(partial)
        with pytest.raises(IncompleteMessageError):
            parser.feed_eof()


def test_pipelined_request_waits_for_next_message() -> None:
    parser = RequestParser()
    events = parser.feed(HEAD + b"hello" + b"GET /2 HTTP/1.1\r\n")
    assert events[-1] == EndOfMessage()
    assert parser.buffered == len(b"GET /2 HTTP/1.1\r\n")
    assert parser.feed(b"Host: h\r\n\r\n") == []
    with pytest.raises(RuntimeError):
        RequestParser().next_message()
    second = parser.next_message()
    assert isinstance(second[0], RequestHead)
    assert second[0].target == b"/2"
    assert second[1:] == [EndOfMessage()]
    assert parser.buffered == 0


def test_eof_with_a_partial_pipelined_request() -> None:
    parser = RequestParser()
    parser.feed(HEAD + b"hello" + b"GET /2")
    assert parser.feed_eof() == []
    with pytest.raises(IncompleteMessageError):
        parser.next_message()


def test_parser_stays_failed() -> None:
    parser = RequestParser()
    with pytest.raises(ProtocolError) as first:
        parser.feed(b"GET / HTTP/1.1\r\nHost: h\r\nX : y\r\n\r\n")
    with pytest.raises(ProtocolError) as again:
        parser.feed(b"GET / HTTP/1.1\r\n")
    assert again.value is first.value
    with pytest.raises(ProtocolError):
        parser.feed_eof()


def test_feed_after_eof_is_an_error() -> None:
    parser = RequestParser()
    parser.feed_eof()
    with pytest.raises(ProtocolError):
        parser.feed(b"GET")


@pytest.mark.parametrize(
    "host",
    [b"h", b"example.com:443", b"127.0.0.1", b"[::1]", b"[2001:db8::1]:8080", b"a-b.c_d~e:0", b"x:65535"],
)
def test_valid_hosts(host: bytes) -> None:
    assert head_of(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n").headers == ((b"Host", host),)


@pytest.mark.parametrize("host", [b"x:65536", b"a b", b"a@b", b"a/b", b"", b"[::1]x", b"a:", b"\xe9"])
def test_invalid_hosts(host: bytes) -> None:
    assert status_of(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n") == 400


def test_http10_without_host_and_its_keep_alive() -> None:
    head = head_of(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert head.version == (1, 0)
    assert head.keep_alive is False


@pytest.mark.parametrize("method", [b"GET", b"HEAD", b"DELETE", b"OPTIONS", b"get", b"M-SEARCH"])
def test_methods_without_framing_have_no_body(method: bytes) -> None:
    events = RequestParser().feed(method + b" / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert events[1:] == [EndOfMessage()]


@pytest.mark.parametrize("method", [b"POST", b"PUT", b"PATCH"])
def test_body_methods_without_framing_are_411(method: bytes) -> None:
    assert status_of(method + b" / HTTP/1.1\r\nHost: h\r\n\r\n") == 411


@pytest.mark.parametrize("target", [b"/", b"*", b"http://h/p?q", b"h:443", b"/a%20b?c=d&e#f"])
def test_all_target_forms_are_syntactically_accepted(target: bytes) -> None:
    assert head_of(b"OPTIONS " + target + b" HTTP/1.1\r\nHost: h\r\n\r\n").target == target


@pytest.mark.parametrize(
    ("name", "status"),
    [(b"Transfer_Encoding", 400), (b"content_length", 400), (b"X_Custom", None), (b"Proxy_Connection", 400)],
)
def test_underscore_names(name: bytes, status: int | None) -> None:
    raw = b"GET / HTTP/1.1\r\nHost: h\r\n" + name + b": 1\r\n\r\n"
    if status is None:
        assert head_of(raw).headers[1] == (name, b"1")
    else:
        assert status_of(raw) == status


def test_empty_lines_before_the_request_line_are_skipped_across_reads() -> None:
    events = drive_requests([b"\r", b"\n\r", b"\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"])
    assert isinstance(events[0], RequestHead)
    assert status_of([b"\r", b"x"]) == 400
