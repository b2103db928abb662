"""EventReader: same events as the wire SSE splitter, whatever the split; oversized events skipped."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.taps.events import EventReader, parse_fields
from headroom.wire.sse import SSESplitter, parse_block

BOM = b"\xef\xbb\xbf"
TOKENS = [b"data", b"event", b"id", b":", b": ", b" ", b"x", b"{}", b"\r", b"\n", b"\r\n", BOM, b"\xe2\x82",
          b"\xac", b"\xff", b"retry: 5"]
ENDS = [b"\r\n", b"\n", b"\r"]
_line = st.tuples(st.sampled_from([b"data", b"data", b"event", b"id", b"", b":c", b"dat"]),
                  st.sampled_from([b": ", b": ", b":", b":  ", b""]),
                  st.sampled_from([b"", b"x", b"{}", b"\xe2\x82\xac", b"\xe2\x82", b"a b"]),
                  st.sampled_from(ENDS)).map(b"".join)
_structured = st.tuples(st.sampled_from([b"", BOM]), st.lists(_line, max_size=16).map(b"".join),
                        st.sampled_from([b"", b"\r", b"\n", b"data: tail"])).map(b"".join)
streams = st.one_of(_structured, st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join))


def pieces(body: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted({c % (len(body) + 1) for c in cuts}), len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


def by_wire(chunks: list[bytes]) -> list[tuple[str | None, str]]:
    """The reference: the relay's splitter, plus the unterminated last block read the way the taps do."""
    splitter = SSESplitter()
    out, blocks = [], 0
    for chunk in chunks:
        for ev in splitter.feed(chunk):
            blocks += 1
            if ev.has_data:
                out.append((ev.event, ev.data))
    rest = splitter.flush()
    if rest:
        ev = parse_block(rest, len(BOM) if blocks == 0 and rest.startswith(BOM) else 0)
        if ev.has_data:
            out.append((ev.event, ev.data))
    return out


def by_reader(chunks: list[bytes], limit: int = 1 << 20) -> tuple[list[tuple[str | None, str]], int]:
    reader = EventReader(limit)
    out = []
    for chunk in chunks:
        out.extend(reader.feed(chunk))
    out.extend(reader.finish())
    return out, reader.oversized


@settings(max_examples=200, deadline=None)
@given(streams, st.data())
def test_same_events_as_the_wire_splitter_for_any_split(body: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    chunks = pieces(body, cuts)
    assert by_reader(chunks)[0] == by_wire([body]) == by_wire(chunks)
    assert by_reader([body[i : i + 1] for i in range(len(body))])[0] == by_wire([body])


@settings(max_examples=200, deadline=None)
@given(streams, st.lists(st.integers(0, 400), max_size=6), st.integers(0, 12))
def test_oversized_events_are_skipped_the_same_way_whatever_the_split(body: bytes, cuts: list[int], limit: int) -> None:
    assert by_reader(pieces(body, cuts), limit) == by_reader([body], limit)


def test_line_ends_and_a_crlf_cut_in_two() -> None:
    body = b"event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\rdata: 3\n\n"
    expected = [("a", "1"), ("b", "2"), (None, "3")]
    assert by_reader([body])[0] == expected
    for cut in (body.index(b"\r\n") + 1, body.index(b"\r\n\r\n") + 1, body.index(b"\rdata") + 1):
        assert by_reader([body[:cut], body[cut:]])[0] == expected


def test_a_cr_at_the_very_end_ends_the_line() -> None:
    assert by_reader([b"data: x\r", b"\r"])[0] == [(None, "x")]
    assert by_reader([b"data: x\r"])[0] == [(None, "x")]


def test_bom_only_at_the_start_even_when_cut() -> None:
    body = BOM + b"data: 1\n\n" + BOM + b"data: 2\n\n"
    assert by_reader([body[:1], body[1:2], body[2:]])[0] == [(None, "1")]  # the second BOM makes a bad field name
    assert by_reader([BOM[:2]])[0] == []


def test_multi_line_data_comments_and_last_event_name() -> None:
    body = b": comment\nevent: one\nevent: two\ndata: a\ndata:b\nid: 7\n\n"
    assert by_reader([body])[0] == [("two", "a\nb")]


def test_blocks_without_data_are_not_events() -> None:
    assert by_reader([b"event: ping\n\n\n\n: keep-alive\n\n"])[0] == []


def test_an_unterminated_last_block_is_read() -> None:
    assert by_reader([b"data: 1\n\ndata: [DONE]"])[0] == [(None, "1"), (None, "[DONE]")]


def test_oversized_event_is_dropped_without_holding_it_and_reading_resumes() -> None:
    reader = EventReader(limit=64)
    assert reader.feed(b"data: small\n\n") == [(None, "small")]
    for _ in range(100):
        assert reader.feed(b"data: " + b"y" * 50) == []
        assert len(reader._buf) <= 64 + 56  # never holds more than the limit plus one feed
    assert reader.feed(b"\n") == []
    assert reader.feed(b"\ndata: after\n\n") == [(None, "after")]
    assert reader.finish() == []
    assert reader.oversized == 1


def test_an_oversized_block_dispatched_whole_is_counted_not_read() -> None:
    out, oversized = by_reader([b"data: " + b"z" * 100 + b"\n\ndata: ok\n\n"], limit=50)
    assert (out, oversized) == ([(None, "ok")], 1)


def test_parse_fields_decodes_invalid_utf8_with_replacement() -> None:
    assert parse_fields(b"data: \xff") == (None, "\ufffd")
    assert parse_fields(b"event: x") is None
