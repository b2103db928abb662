"""Property tests: any split of any valid stream gives the same events; garbage only ever raises
ProtocolError, and the same outcome whatever the split."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.wire.events import BodyKind, Data, EndOfMessage, Event, RequestHead, ResponseHead
from headroom.wire.serialize import serialize_request_head, serialize_response_head
from tests.wire.drive import drive_requests, drive_response, outcome, split_at
from tests.wire.strategies import chunked_framing, field_names, field_values, methods, targets

BODY_METHODS = {b"POST", b"PUT", b"PATCH"}


@st.composite
def request_message(draw: st.DrawFn) -> tuple[bytes, list[Event]]:
    method, target = draw(methods), draw(targets)
    headers = draw(st.lists(st.tuples(field_names, field_values), max_size=6))
    headers.insert(draw(st.integers(0, len(headers))), (b"Host", b"example.com:8080"))
    kinds: list[BodyKind] = ["length", "chunked"] if method in BODY_METHODS else ["none", "length", "chunked"]
    kind = draw(st.sampled_from(kinds))
    body = draw(st.binary(max_size=200)) if kind != "none" else b""
    trailers: tuple[tuple[bytes, bytes], ...] = ()
    framing = b""
    if kind == "length":
        headers.append((b"Content-Length", b"%d" % len(body)))
        framing = body
    elif kind == "chunked":
        headers.append((b"Transfer-Encoding", draw(st.sampled_from([b"chunked", b"Chunked"]))))
        framing, trailers = draw(chunked_framing(body))
    raw = draw(st.sampled_from([b"", b"\r\n"])) + serialize_request_head(method, target, headers) + framing
    head = RequestHead(
        method,
        target,
        (1, 1),
        tuple(headers),
        kind,
        len(body) if kind == "length" else None,
        True,
        False,
    )
    return raw, [head, *([Data(body)] if body else []), EndOfMessage(trailers)]


@st.composite
def request_stream(draw: st.DrawFn) -> tuple[bytes, list[Event]]:
    messages = draw(st.lists(request_message(), min_size=1, max_size=3))
    return b"".join(m[0] for m in messages), [e for m in messages for e in m[1]]


@st.composite
def response_stream(draw: st.DrawFn) -> tuple[bytes, bytes, list[Event]]:
    """(request method, raw response incl. 1xx heads, expected events)."""
    method = draw(st.sampled_from([b"GET", b"POST", b"HEAD"]))
    raw, events = b"", list[Event]()
    for status in draw(st.lists(st.sampled_from([100, 102, 103]), max_size=2)):
        headers = draw(st.lists(st.tuples(field_names, field_values), max_size=2))
        raw += serialize_response_head(status, b"Info", headers)
        events.append(ResponseHead(status, b"Info", (1, 1), tuple(headers), "none", None, True))
    status = draw(st.sampled_from([200, 201, 204, 304, 400, 429, 500, 529]))
    headers = draw(st.lists(st.tuples(field_names, field_values), max_size=5))
    kind: BodyKind = draw(st.sampled_from(["length", "chunked", "eof"]))
    body = draw(st.binary(max_size=200))
    trailers: tuple[tuple[bytes, bytes], ...] = ()
    framing = body
    if kind == "length":
        headers.append((b"Content-Length", b"%d" % len(body)))
    elif kind == "chunked":
        headers.append((b"Transfer-Encoding", b"chunked"))
        framing, trailers = draw(chunked_framing(body))
    length = len(body) if kind == "length" else None
    if method == b"HEAD" or status in (204, 304):
        kind, length, body, framing, trailers = "none", None, b"", b"", ()
    raw += serialize_response_head(status, b"Reason", headers) + framing
    head = ResponseHead(status, b"Reason", (1, 1), tuple(headers), kind, length, kind != "eof")
    events += [head, *([Data(body)] if body else []), EndOfMessage(trailers)]
    return method, raw, events


cut_lists = st.lists(st.integers(0, 3000), max_size=16)


@settings(max_examples=200, deadline=None)
@given(request_stream(), cut_lists)
def test_request_streams_parse_identically_whatever_the_split(
    stream: tuple[bytes, list[Event]], cuts: list[int]
) -> None:
    raw, expected = stream
    assert outcome(lambda: drive_requests(split_at(raw, cuts))) == ("ok", expected)


@settings(max_examples=200, deadline=None)
@given(response_stream(), cut_lists)
def test_response_streams_parse_identically_whatever_the_split(
    stream: tuple[bytes, bytes, list[Event]], cuts: list[int]
) -> None:
    method, raw, expected = stream
    assert outcome(lambda: drive_response(method, split_at(raw, cuts))) == ("ok", expected)


MUTATION_BYTES = st.sampled_from(list(b'\r\n\x00\t :;,0a9fF-_\x0b\x7f\x80\xff"\\'))


@st.composite
def mutated(draw: st.DrawFn, source: st.SearchStrategy[bytes]) -> bytes:
    data = bytearray(draw(source))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "replace", "delete"]))
        if op == "insert" or at == len(data):
            data[at:at] = bytes([draw(MUTATION_BYTES)])
        elif op == "replace":
            data[at] = draw(MUTATION_BYTES)
        else:
            del data[at]
    return bytes(data)


requests_raw = request_stream().map(lambda s: s[0])
responses_raw = response_stream().map(lambda s: s[1])


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), mutated(requests_raw)), cut_lists)
def test_bad_requests_raise_only_protocol_errors_the_same_way_for_any_split(raw: bytes, cuts: list[int]) -> None:
    whole = outcome(lambda: drive_requests([raw]))
    assert outcome(lambda: drive_requests(split_at(raw, cuts))) == whole
    assert outcome(lambda: drive_requests([raw[i : i + 1] for i in range(len(raw))])) == whole


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), mutated(responses_raw)), cut_lists, st.sampled_from([b"GET", b"HEAD"]))
def test_bad_responses_raise_only_protocol_errors_the_same_way_for_any_split(
    raw: bytes, cuts: list[int], method: bytes
) -> None:
    whole = outcome(lambda: drive_response(method, [raw]))
    assert outcome(lambda: drive_response(method, split_at(raw, cuts))) == whole
