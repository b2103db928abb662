"""Protocol switches in the sans-IO parsers: a 101 ends HTTP on the upstream side (only when the
parser was made for a relayed upgrade), and a request parser hands over what it buffered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.errors import ProtocolError
from headroom.wire.events import EndOfMessage, Event, RequestHead, ResponseHead
from headroom.wire.request import RequestParser
from headroom.wire.response import ResponseParser

SWITCH = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
FRAMES = b"\x81\x05hello\x82\x03\x00\x01\x02HTTP/1.1 200 OK\r\n\r\n"  # not HTTP, whatever it looks like
HANDSHAKE = (b"GET /v1/responses HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def feed_split(parser: ResponseParser, raw: bytes, cuts: list[int]) -> list[Event]:
    events: list[Event] = []
    start = 0
    for cut in [*sorted(cuts), len(raw)]:
        events.extend(parser.feed(raw[start:cut]))
        start = max(start, cut)
    return events


def test_101_is_refused_without_upgrade() -> None:
    with pytest.raises(ProtocolError) as info:
        ResponseParser(b"GET").feed(SWITCH)
    assert info.value.status == 502


def test_101_ends_http_and_keeps_the_rest() -> None:
    parser = ResponseParser(b"GET", upgrade=True)
    events = parser.feed(SWITCH + FRAMES)
    assert len(events) == 1 and isinstance(events[0], ResponseHead)
    assert events[0].status == 101 and events[0].body_kind == "none"
    assert parser.complete
    assert parser.feed(b"\x88\x00") == []
    assert parser.detach() == FRAMES + b"\x88\x00"
    assert parser.detach() == b""
    assert parser.feed_eof() == []


def test_interim_heads_before_the_101() -> None:
    parser = ResponseParser(b"GET", upgrade=True)
    events = parser.feed(b"HTTP/1.1 100 Continue\r\n\r\n" + SWITCH + FRAMES)
    assert [e.status for e in events if isinstance(e, ResponseHead)] == [100, 101]
    assert parser.detach() == FRAMES


def test_an_ordinary_answer_to_an_upgrade_request() -> None:
    parser = ResponseParser(b"GET", upgrade=True)
    events = parser.feed(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno")
    assert isinstance(events[0], ResponseHead) and events[0].status == 403
    assert isinstance(events[-1], EndOfMessage)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(SWITCH) + len(FRAMES)), max_size=6))
def test_101_split_anywhere(cuts: list[int]) -> None:
    parser = ResponseParser(b"GET", upgrade=True)
    events = feed_split(parser, SWITCH + FRAMES, cuts)
    assert [type(e) for e in events] == [ResponseHead]
    assert parser.detach() == FRAMES


def test_request_parser_hands_over_what_follows_the_handshake() -> None:
    parser = RequestParser()
    events = parser.feed(HANDSHAKE + FRAMES)
    assert isinstance(events[0], RequestHead) and isinstance(events[-1], EndOfMessage)
    assert parser.detach() == FRAMES
    with pytest.raises(ProtocolError):
        parser.feed(b"GET / HTTP/1.1\r\n\r\n")


def test_detach_only_between_messages() -> None:
    parser = RequestParser()
    parser.feed(HANDSHAKE[:20])
    with pytest.raises(RuntimeError):
        parser.detach()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(HANDSHAKE) + len(FRAMES)))
def test_request_handover_split_anywhere(cut: int) -> None:
    raw = HANDSHAKE + FRAMES
    parser = RequestParser()
    events = parser.feed(raw[:cut])
    events += parser.feed(raw[cut:])
    assert isinstance(events[-1], EndOfMessage)
    assert parser.detach() == FRAMES
