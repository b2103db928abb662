"""WebSocket detection and decisions, and the Codex header rules (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.providers.headers import forward_request_headers, relay_response_headers
from headroom.providers.registry import Route
from headroom.providers.upgrade import decide, upstream_accepted, wants_websocket
from headroom.wire.events import RequestHead
from headroom.wire.limits import Limits
from headroom.wire.request import RequestParser

HANDSHAKE = [
    (b"Host", b"127.0.0.1:8787"),
    (b"Connection", b"keep-alive, Upgrade"),
    (b"Upgrade", b"websocket"),
    (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    (b"Sec-WebSocket-Version", b"13"),
    (b"Sec-WebSocket-Protocol", b"chat, superchat"),
    (b"Sec-WebSocket-Extensions", b"permessage-deflate; client_max_window_bits"),
    (b"Keep-Alive", b"timeout=5"),
    (b"authorization", b"Bearer sk-x"),
    (b"X-OpenAI-Internal-Codex-Responses-Lite", b"true"),
    (b"x-codex-turn-metadata", b'{"turn_id":"t"}'),
    (b"OpenAI-Beta", b"responses_websockets=2026-02-06"),
]


def head(raw: bytes) -> RequestHead:
    (parsed, *_) = RequestParser(Limits()).feed(raw)
    assert isinstance(parsed, RequestHead)
    return parsed


def raw_request(method: bytes, headers: list[tuple[bytes, bytes]], *, version: bytes = b"HTTP/1.1",
                body: bytes = b"") -> bytes:
    lines = [method + b" /v1/responses " + version, *(k + b": " + v for k, v in headers)]
    if body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def test_a_websocket_handshake_is_recognised() -> None:
    assert wants_websocket(head(raw_request(b"GET", HANDSHAKE)))


@pytest.mark.parametrize(
    "raw",
    [
        raw_request(b"POST", HANDSHAKE, body=b"{}"),  # an upgrade offered on a POST is ignored
        raw_request(b"GET", [(b"Host", b"h"), (b"Upgrade", b"websocket")]),  # Connection does not name it
        raw_request(b"GET", [(b"Host", b"h"), (b"Connection", b"Upgrade"), (b"Upgrade", b"h2c")]),
        raw_request(b"GET", [(b"Connection", b"Upgrade"), (b"Upgrade", b"websocket")], version=b"HTTP/1.0"),
        raw_request(b"GET", [(b"Host", b"h"), (b"Connection", b"Upgrade")]),
    ],
)
def test_other_upgrades_are_not_websocket(raw: bytes) -> None:
    assert not wants_websocket(head(raw))


def test_upgrade_token_lists_are_read_case_insensitively() -> None:
    headers = [(b"Host", b"h"), (b"connection", b"UPGRADE"), (b"upgrade", b"foo/1, WebSocket")]
    assert wants_websocket(head(raw_request(b"GET", headers)))


@pytest.mark.parametrize(
    ("api", "enabled", "verdict"),
    [
        ("openai.responses", True, "tunnel"),
        ("openai.responses", False, "refuse"),
        ("openai.chat", True, "refuse"),
        ("anthropic.messages", True, "refuse"),
        ("passthrough", True, "refuse"),
    ],
)
def test_decide(api: str, enabled: bool, verdict: str) -> None:
    found, reason = decide(Route("provider", provider="openai", api=api), enabled=enabled)
    assert found == verdict
    assert bool(reason) == (verdict == "refuse")


def test_upstream_accepted() -> None:
    assert upstream_accepted(((b"Upgrade", b"WebSocket"),))
    assert not upstream_accepted(((b"Upgrade", b"h2c"),))
    assert not upstream_accepted(())


def test_handshake_headers_travel_with_the_upgrade() -> None:
    out = forward_request_headers(tuple(HANDSHAKE), host=b"chatgpt.com", content_length=None, upgrade=True)
    assert out == [
        (b"Host", b"chatgpt.com"),
        (b"Connection", b"Upgrade"),
        (b"Upgrade", b"websocket"),
        (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
        (b"Sec-WebSocket-Version", b"13"),
        (b"Sec-WebSocket-Protocol", b"chat, superchat"),
        (b"Sec-WebSocket-Extensions", b"permessage-deflate; client_max_window_bits"),
        (b"authorization", b"Bearer sk-x"),
        (b"x-codex-turn-metadata", b'{"turn_id":"t"}'),
        (b"OpenAI-Beta", b"responses_websockets=2026-02-06"),
    ]


def test_without_upgrade_mode_connection_and_upgrade_never_travel() -> None:
    out = forward_request_headers(tuple(HANDSHAKE), host=b"h", content_length=None)
    names = {k.lower() for k, _ in out}
    assert not names & {b"connection", b"upgrade", b"keep-alive", b"x-openai-internal-codex-responses-lite"}


@pytest.mark.parametrize("spelling", [b"X-OpenAI-Internal-Codex-Responses-Lite",
                                      b"x-openai-internal-codex-responses-lite"])
def test_codex_lite_header_is_stripped_whatever_the_settings(spelling: bytes) -> None:
    sent = ((b"Host", b"x"), (spelling, b"true"), (b"x-codex-window-id", b"w:0"))
    for strip in (True, False):
        out = forward_request_headers(sent, host=b"up", content_length=0, strip_internal=strip)
        assert out == [(b"Host", b"up"), (b"x-codex-window-id", b"w:0")]


SWITCH = (
    (b"Upgrade", b"websocket"),
    (b"Connection", b"Upgrade"),
    (b"Sec-WebSocket-Accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    (b"x-codex-primary-used-percent", b"12"),
    (b"Keep-Alive", b"timeout=5"),
    (b"x-request-id", b"req_1"),
)


def test_a_101_keeps_connection_and_upgrade() -> None:
    out = relay_response_headers(SWITCH, framing="none", upgrade=True)
    assert out == [
        (b"Upgrade", b"websocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        (b"x-codex-primary-used-percent", b"12"),
        (b"x-request-id", b"req_1"),
        (b"headroom-upstream-request-id", b"req_1"),
    ]
    plain = relay_response_headers(SWITCH, framing="none")
    assert not {k.lower() for k, _ in plain} & {b"connection", b"upgrade"}


codex_name = st.from_regex(rb"x-codex-[a-z0-9\-]{1,20}", fullmatch=True).map(
    lambda n: bytes(c - 32 if 97 <= c <= 122 and i % 3 == 0 else c for i, c in enumerate(n)))
codex_value = st.binary(max_size=40).map(lambda v: bytes(c for c in v if c >= 0x20 and c != 0x7F).strip(b" \t"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(codex_name, codex_value), max_size=8), st.sampled_from(["length", "chunked", "none"]))
def test_x_codex_response_headers_are_relayed_unchanged(codex: list[tuple[bytes, bytes]], framing: str) -> None:
    headers = ((b"Content-Type", b"text/event-stream"), *codex, (b"Content-Length", b"5"))
    out = relay_response_headers(headers, framing=framing)
    assert [h for h in out if h[0].lower().startswith(b"x-codex-")] == codex
