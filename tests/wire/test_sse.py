"""The SSE splitter: WHATWG field rules, exact raw bytes, any split."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.wire.sse import SSEEvent, SSESplitter, parse_block
from tests.support.paths import corpus_dir
from tests.wire.drive import bytewise, random_split, split_at


def run(pieces: list[bytes]) -> tuple[list[SSEEvent], bytes]:
    splitter = SSESplitter()
    events = [e for piece in pieces for e in splitter.feed(piece)]
    return events, splitter.flush()


def test_fields() -> None:
    raw = b'event: message_start\ndata: {"a":1}\ndata:second\ndata\nid: 7\nretry: 1500\n: comment\nfoo: bar\n\n'
    (event,), rest = run([raw])
    assert rest == b""
    assert event == SSEEvent(raw, "message_start", '{"a":1}\nsecond\n', "7", 1500, True)


def test_only_one_leading_space_is_removed() -> None:
    assert parse_block(b"data:  two\n\n").data == " two"
    assert parse_block(b"data:\tx\n\n").data == "\tx"


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"])
def test_every_line_ending(eol: bytes) -> None:
    raw = b"event: e" + eol + b"data: 1" + eol + eol + b"data: 2" + eol + eol + b"x"
    events, rest = run(bytewise(raw))
    assert rest == b"x"
    assert [(e.event, e.data) for e in events] == [("e", "1"), (None, "2")]
    assert b"".join(e.raw for e in events) + rest == raw


def test_a_final_lone_cr_is_left_to_flush() -> None:
    events, rest = run([b"data: 1\r\r"])
    assert (events, rest) == ([], b"data: 1\r\r")


def test_cr_at_the_end_of_a_feed_waits_for_a_possible_lf() -> None:
    splitter = SSESplitter()
    assert splitter.feed(b"data: x\r\n\r") == []
    (event,) = splitter.feed(b"\ndata: y")
    assert event.raw == b"data: x\r\n\r\n"
    assert splitter.flush() == b"data: y"


def test_cr_then_other_byte_ends_the_block() -> None:
    splitter = SSESplitter()
    assert splitter.feed(b"data: x\r\r") == []
    (event,) = splitter.feed(b"d")
    assert (event.raw, event.data) == (b"data: x\r\r", "x")
    assert splitter.flush() == b"d"


def test_bom_is_skipped_for_fields_but_kept_in_raw() -> None:
    raw = b"\xef\xbb\xbfdata: x\n\n\xef\xbb\xbfdata: y\n\n"
    events, _ = run(bytewise(raw))
    assert events[0].raw.startswith(b"\xef\xbb\xbf")
    assert events[0].data == "x"
    assert events[1].has_data is False  # a BOM is only skipped at the start of the stream
    assert run([b"\xef\xbb\xbf\n"])[0][0].raw == b"\xef\xbb\xbf\n"


def test_blocks_without_data_are_not_dispatched() -> None:
    events, _ = run([b": keep-alive\n\nevent: x\n\n\n"])
    assert [(e.has_data, e.event) for e in events] == [(False, None), (False, "x"), (False, None)]
    assert run([b"data\n\n"])[0][0].has_data is True


def test_invalid_id_and_retry_are_ignored() -> None:
    event = parse_block(b"id: a\x00b\nretry: 10\nretry: 1x\nretry: -1\n\n")
    assert (event.id, event.retry) == (None, 10)


def test_invalid_utf8_is_replaced_after_splitting() -> None:
    event = parse_block(b"data: \xff\xfe ok \xe2\x82\n\n")
    assert event.data == "\ufffd\ufffd ok \ufffd"


def test_many_small_feeds_do_not_rescan() -> None:
    splitter = SSESplitter()
    line = b"data: " + b"x" * 200_000
    for piece in split_at(line, range(0, len(line), 3)):
        assert splitter.feed(piece) == []
    assert splitter.buffered == len(line)
    assert len(splitter.feed(b"\n\n")) == 1


SSE_ALPHABET = st.sampled_from(
    [b"\r", b"\n", b"\r\n", b":", b" ", b"data", b"event", b"id", b"retry", b"x", b"7", b"\xef\xbb\xbf", b"\xff"]
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.binary(max_size=200), st.lists(SSE_ALPHABET, max_size=60).map(b"".join)),
    st.lists(st.integers(0, 200), max_size=10),
)
def test_any_split_gives_the_same_events_and_raw_concatenates(raw: bytes, cuts: list[int]) -> None:
    whole_events, whole_rest = run([raw])
    events, rest = run(split_at(raw, cuts))
    assert events == whole_events
    assert rest == whole_rest
    assert b"".join(e.raw for e in events) + rest == raw
    for event in events:
        assert parse_block(event.raw, 3 if event is events[0] and raw.startswith(b"\xef\xbb\xbf") else 0) == event


def _stream_bodies() -> list[bytes]:
    bodies = []
    for meta in sorted(corpus_dir().glob("*/*.response.json")):
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("streaming"):
            bodies.append(meta.with_name(meta.name.replace(".response.json", ".response.body.bin")).read_bytes())
    return bodies


def test_captured_provider_streams() -> None:
    bodies = _stream_bodies()
    assert bodies
    rng = random.Random(7)
    for body in bodies:
        events, rest = run(random_split(body, rng, 40))
        assert rest == b""
        assert b"".join(e.raw for e in events) == body
        for event in events:
            if event.has_data and event.data != "[DONE]":
                payload = json.loads(event.data)
                if event.event is not None and isinstance(payload, dict) and "type" in payload:
                    assert payload["type"] == event.event
