"""Response pacing: chunk_size pieces, UTF-8 splitting, chunk_delay; and the Rechunker's invariants."""

from __future__ import annotations

import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.infra.client import Client, post
from tests.support.fake.rechunk import LOOKAHEAD, Rechunker, inside_character, rechunk
from tests.support.fake_provider import TEXT, FakeProvider

STREAM = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()
PLAIN = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()


def _reference(path: str, body: bytes) -> bytes:
    fake = FakeProvider()
    with fake.running():
        return post(fake.port, path, body).body


def test_chunk_size_cuts_the_sse_body_into_http_chunks_of_that_size() -> None:
    expected = _reference("/v1/messages", STREAM)
    fake = FakeProvider(chunk_size=37)
    with fake.running():
        response = post(fake.port, "/v1/messages", STREAM)
    assert response.body == expected
    assert [len(c) for c in response.chunks[:-1]] == [37] * (len(response.chunks) - 1)
    assert 0 < len(response.chunks[-1]) <= 37


def test_split_utf8_cuts_inside_multibyte_characters() -> None:
    expected = _reference("/v1/chat/completions", STREAM)
    fake = FakeProvider(chunk_size=16, split_utf8=True)
    with fake.running():
        response = post(fake.port, "/v1/chat/completions", STREAM)
    assert response.body == expected
    offsets = _offsets(response.chunks)
    inside = [cut for cut in offsets if inside_character(expected, cut)]
    assert len(inside) >= 2  # "héllo" and "— 世界 🙂" arrive in different events
    assert all(not any(0x80 <= b <= 0xBF for b in expected[cut:]) for cut in offsets if cut not in inside)
    undecodable = 0
    for chunk in response.chunks:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            undecodable += 1
    assert undecodable >= 2


def test_split_utf8_without_size_cuts_every_multibyte_character() -> None:
    expected = _reference("/v1/responses", STREAM)
    fake = FakeProvider(split_utf8=True)
    with fake.running():
        response = post(fake.port, "/v1/responses", STREAM)
    assert response.body == expected
    multibyte = sum(1 for ch in expected.decode() if len(ch.encode()) > 1)
    assert sum(inside_character(expected, cut) for cut in _offsets(response.chunks)) == multibyte


def test_json_bodies_keep_content_length_and_arrive_in_delayed_pieces() -> None:
    expected = _reference("/v1/messages", PLAIN)
    fake = FakeProvider(chunk_size=100, chunk_delay=0.02, split_utf8=True)
    with fake.running(), Client(fake.port) as client:
        started = time.monotonic()
        response = client.request("POST", "/v1/messages", PLAIN)
        elapsed = time.monotonic() - started
    assert response.header(b"content-length") == str(len(expected)).encode()
    assert response.body == expected
    pieces = len(list(rechunk([expected], 100, True)))
    assert pieces >= 3
    assert elapsed >= (pieces - 1) * 0.02 * 0.9


def _offsets(chunks: list[bytes]) -> list[int]:
    offsets, total = [], 0
    for chunk in chunks[:-1]:
        total += len(chunk)
        offsets.append(total)
    return offsets


MULTIBYTE_TEXT = st.text(alphabet=st.sampled_from(list("aé—世🙂\n")), max_size=400).map(str.encode)


@settings(max_examples=200, deadline=None)
@given(st.lists(MULTIBYTE_TEXT, max_size=8), st.one_of(st.none(), st.integers(1, 64)), st.booleans())
def test_rechunk_concatenation_is_the_input(segments: list[bytes], size: int | None, split: bool) -> None:
    pieces = list(rechunk(segments, size, split))
    assert b"".join(pieces) == b"".join(segments)
    assert all(pieces)
    if size is not None and not split:
        assert all(len(p) == size for p in pieces[:-1])


@settings(max_examples=200, deadline=None)
@given(st.lists(MULTIBYTE_TEXT, min_size=1, max_size=8), st.integers(1, 64))
def test_rechunk_split_utf8_cuts_inside_characters_when_it_can(segments: list[bytes], size: int) -> None:
    data = b"".join(segments)
    pieces = list(rechunk(segments, size, True))
    cut = 0
    for piece in pieces[:-1]:
        assert len(piece) >= size
        cut += len(piece)
        # each cut lands inside a character unless no character starts after the nominal cut point
        later = data[cut - len(piece) + size :]
        assert inside_character(data, cut) or not any(0x80 <= b <= 0xBF for b in later)


def test_rechunk_gives_up_waiting_for_a_multibyte_character_after_the_lookahead() -> None:
    cutter = Rechunker(10, True)
    pieces = cutter.feed(b"a" * (LOOKAHEAD + 20))
    assert pieces and len(pieces[0]) == 10
    assert b"".join(pieces + cutter.flush()) == b"a" * (LOOKAHEAD + 20)


def test_text_has_two_three_and_four_byte_characters() -> None:
    assert {len(ch.encode()) for ch in TEXT} == {1, 2, 3, 4}
