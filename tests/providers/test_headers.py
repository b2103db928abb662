from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.headers import (
    forward_request_headers,
    internal_headers,
    relay_response_headers,
)

CLAUDE = (
    (b"Accept", b"application/json"),
    (b"X-Claude-Code-Session-Id", b"cc87"),
    (b"anthropic-beta", b"a,b"),
    (b"x-api-key", b"sk-ant"),
    (b"Connection", b"keep-alive, X-Drop-Me"),
    (b"X-Drop-Me", b"1"),
    (b"Host", b"127.0.0.1:8787"),
    (b"Accept-Encoding", b"gzip, deflate, br, zstd"),
    (b"Expect", b"100-continue"),
    (b"x-headroom-bypass", b"1"),
    (b"Keep-Alive", b"timeout=5"),
    (b"Proxy-Authorization", b"Basic x"),
    (b"TE", b"trailers"),
    (b"Upgrade", b"h2c"),
    (b"Content-Length", b"10"),
)


def test_forward_keeps_order_and_case_drops_hop_by_hop_and_rewrites_host() -> None:
    out = forward_request_headers(CLAUDE, host=b"api.anthropic.com", content_length=10)
    assert out == [
        (b"Accept", b"application/json"),
        (b"X-Claude-Code-Session-Id", b"cc87"),
        (b"anthropic-beta", b"a,b"),
        (b"x-api-key", b"sk-ant"),
        (b"Host", b"api.anthropic.com"),
        (b"Accept-Encoding", b"gzip, deflate, br, zstd"),
        (b"Content-Length", b"10"),
    ]


def test_edited_body_rewrites_content_length_in_place() -> None:
    out = forward_request_headers(CLAUDE, host=b"h", content_length=7)
    assert (b"Content-Length", b"7") in out
    assert [n for n, _ in out][-1] == b"Content-Length"


def test_internal_headers_kept_when_stripping_disabled() -> None:
    out = forward_request_headers(CLAUDE, host=b"h", content_length=10, strip_internal=False)
    assert (b"x-headroom-bypass", b"1") in out
    assert internal_headers(CLAUDE) == {b"x-headroom-bypass": b"1"}


def test_chunked_request_keeps_transfer_encoding() -> None:
    hdrs = ((b"Host", b"x"), (b"Transfer-Encoding", b"chunked"), (b"x-y", b"z"))
    out = forward_request_headers(hdrs, host=b"h", content_length=None)
    assert out == [(b"Host", b"h"), (b"Transfer-Encoding", b"chunked"), (b"x-y", b"z")]


def test_response_relay_framing_and_request_id() -> None:
    up = (
        (b"Date", b"d"),
        (b"request-id", b"req_1"),
        (b"Content-Type", b"text/event-stream"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Connection", b"keep-alive"),
    )
    assert relay_response_headers(up, framing="chunked") == [
        (b"Date", b"d"),
        (b"request-id", b"req_1"),
        (b"Content-Type", b"text/event-stream"),
        (b"Transfer-Encoding", b"chunked"),
        (b"headroom-upstream-request-id", b"req_1"),
    ]
    up2 = ((b"x-request-id", b"r2"), (b"Content-Length", b"5"), (b"Location", b"/x"))
    assert relay_response_headers(up2, framing="length") == [
        (b"x-request-id", b"r2"),
        (b"Content-Length", b"5"),
        (b"Location", b"/x"),
        (b"headroom-upstream-request-id", b"r2"),
    ]
    # close-delimited upstream body re-framed chunked for the client
    assert relay_response_headers(((b"A", b"1"),), framing="chunked") == [
        (b"A", b"1"),
        (b"Transfer-Encoding", b"chunked"),
    ]
    assert relay_response_headers(up2, framing="eof")[1] == (b"Location", b"/x")


_names = st.sampled_from(
    [b"Host", b"Connection", b"X-A", b"x-b", b"Keep-Alive", b"TE", b"Upgrade", b"x-headroom-q", b"Accept"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_names, st.sampled_from([b"1", b"x-a", b"close", b"X-B, te"])), max_size=12))
def test_forward_never_adds_and_preserves_relative_order(headers: list[tuple[bytes, bytes]]) -> None:
    out = forward_request_headers(tuple(headers), host=b"h", content_length=None)
    if not any(n == b"Host" for n, _ in headers):  # an HTTP/1.0 request without Host: the one addition
        assert out[0] == (b"Host", b"h")
        out = out[1:]
    names_in = [n for n, _ in headers]
    names_out = [n for n, _ in out]
    assert len(out) <= len(headers)
    it = iter(names_in)
    assert all(any(n == m for m in it) for n in names_out)  # subsequence
    lowered = {n.lower() for n in names_out}
    assert not lowered & {b"connection", b"keep-alive", b"te", b"upgrade"}


def test_forward_adds_host_first_when_an_http10_client_sent_none() -> None:
    out = forward_request_headers(((b"x-api-key", b"k"), (b"Content-Length", b"2")), host=b"h:1", content_length=2)
    assert out == [(b"Host", b"h:1"), (b"x-api-key", b"k"), (b"Content-Length", b"2")]


def test_repeated_identical_content_length_reaches_the_client_once() -> None:
    up = ((b"Content-Length", b"5, 5"), (b"X", b"1"), (b"content-length", b"5"))
    assert relay_response_headers(up, framing="length") == [(b"Content-Length", b"5"), (b"X", b"1")]
    for value in (b",5", b" , 5 ,", b"5,,5"):  # empty list elements are allowed (RFC 9110 section 5.6.1)
        assert relay_response_headers(((b"Content-Length", value),), framing="length") == [(b"Content-Length", b"5")]


ENCODED = ((b"Host", b"x"), (b"Content-Encoding", b"gzip"), (b"x-a", b"1"), (b"content-encoding", b"identity"),
           (b"Content-Length", b"9"))


def test_edits_remove_every_line_of_a_header() -> None:
    out = forward_request_headers(ENCODED, host=b"h", content_length=30, edits={b"content-encoding": None})
    assert out == [(b"Host", b"h"), (b"x-a", b"1"), (b"Content-Length", b"30")]


def test_edits_replace_the_first_line_in_place_or_append() -> None:
    out = forward_request_headers(ENCODED, host=b"h", content_length=9,
                                  edits={b"content-encoding": b"deflate", b"x-new": b"v"})
    assert out == [(b"Host", b"h"), (b"Content-Encoding", b"deflate"), (b"x-a", b"1"), (b"Content-Length", b"9"),
                   (b"x-new", b"v")]


@pytest.mark.parametrize("name", [b"host", b"content-length", b"transfer-encoding"])
def test_framing_headers_cannot_be_edited(name: bytes) -> None:
    with pytest.raises(ValueError, match="framing"):
        forward_request_headers(ENCODED, host=b"h", content_length=9, edits={name: None})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_names, st.sampled_from([b"1", b"x-a", b"close"])), max_size=10),
       st.dictionaries(st.sampled_from([b"x-a", b"x-b", b"accept", b"x-c"]), st.none() | st.just(b"v"), max_size=3))
def test_edits_touch_only_the_named_headers(headers: list[tuple[bytes, bytes]],
                                            edits: dict[bytes, bytes | None]) -> None:
    plain = forward_request_headers(tuple(headers), host=b"h", content_length=None)
    edited = forward_request_headers(tuple(headers), host=b"h", content_length=None, edits=edits)
    assert [(n, v) for n, v in edited if n.lower() not in edits] == [(n, v) for n, v in plain if n.lower() not in edits]
    for name, value in edits.items():
        assert [v for n, v in edited if n.lower() == name] == ([] if value is None else [value])
    assert forward_request_headers(tuple(headers), host=b"h", content_length=None, edits={}) == plain
