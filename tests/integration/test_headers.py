"""Header policy end to end (ARCHITECTURE.md section 3, RELIABILITY.md item 20): what the upstream
sees and what the client gets back, through the live proxy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.client import Client
from tests.integration.support import MESSAGES, expected_upstream_headers, host_of, proxy_to
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

# what a Claude Code-like client sends, plus every kind of header the policy treats specially
SENT: list[tuple[bytes, bytes]] = [
    (b"host", b"127.0.0.1:8787"),
    (b"User-Agent", b"claude-cli/2.1.197 (external, cli)"),
    (b"X-Stainless-Retry-Count", b"0"),
    (b"anthropic-beta", b"claude-code-20250219,interleaved-thinking-2025-05-14"),
    (b"anthropic-version", b"2023-06-01"),
    (b"Connection", b"keep-alive, X-Nominated"),
    (b"x-api-key", b"sk-ant-test"),
    (b"X-Nominated", b"must not travel"),
    (b"Keep-Alive", b"timeout=5"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"Proxy-Connection", b"keep-alive"),
    (b"TE", b"trailers"),
    (b"x-headroom-bypass", b"1"),
    (b"X-Dup", b"first"),
    (b"Upgrade", b"websocket"),
    (b"X-Headroom-Session", b"abc"),
    (b"X-Dup", b"second"),
    (b"content-type", b"application/json"),
    (b"Content-Length", str(len(MESSAGES)).encode()),
]


def _send(port: int, headers: list[tuple[bytes, bytes]], target: bytes = b"/v1/messages?beta=true") -> Client:
    client = Client(port)
    head = b"POST " + target + b" HTTP/1.1\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in headers)
    client.send(head + b"\r\n" + MESSAGES)
    return client


def test_upstream_gets_order_and_case_minus_hop_by_hop_and_internal(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with _send(proxy.port, SENT) as client:
        assert client.read_response().status == 200
    (got,) = fake.requests
    assert got.target == b"/v1/messages?beta=true" and got.body == MESSAGES
    assert got.headers == expected_upstream_headers(SENT, host_of(fake))
    names = [k.lower() for k, _ in got.headers]
    for gone in (b"connection", b"x-nominated", b"keep-alive", b"proxy-connection", b"te", b"upgrade",
                 b"x-headroom-bypass", b"x-headroom-session"):
        assert gone not in names
    assert got.header(b"host") == host_of(fake)
    for kept in (b"User-Agent", b"anthropic-beta", b"anthropic-version", b"accept-encoding", b"x-api-key"):
        assert (kept, dict(SENT)[kept]) in got.headers  # byte-identical, original case
    assert [v for k, v in got.headers if k == b"X-Dup"] == [b"first", b"second"]


def test_internal_headers_travel_when_stripping_is_disabled(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, strip_internal_headers="disabled") as proxy, _send(proxy.port, SENT) as client:
        assert client.read_response().status == 200
    (got,) = fake.requests
    assert got.headers == expected_upstream_headers(SENT, host_of(fake), strip_internal=False)
    assert (b"x-headroom-bypass", b"1") in got.headers and (b"X-Headroom-Session", b"abc") in got.headers


@pytest.mark.parametrize(("path", "auth", "id_header"), [
    (b"/v1/messages", (b"x-api-key", b"k"), b"request-id"),
    (b"/v1/chat/completions", (b"Authorization", b"Bearer k"), b"x-request-id"),
])
def test_response_headers_are_relayed_with_the_upstream_request_id(
    fake: FakeProvider, proxy: ProxyHandle, path: bytes, auth: tuple[bytes, bytes], id_header: bytes
) -> None:
    sent = [(b"Host", b"x"), auth, (b"Content-Length", str(len(MESSAGES)).encode())]
    fake.reset()
    with _send(fake.port, sent, path) as direct:
        reference = direct.read_response()
    fake.reset()
    with _send(proxy.port, sent, path) as client:
        response = client.read_response()
    assert response.body == reference.body
    request_id = reference.header(id_header)
    assert request_id is not None
    upstream = [(k, v) for k, v in reference.headers if k.lower() != b"connection"]
    # the proxy's own x-headroom-* receipt headers (client side only) are its one other addition
    relayed = [(k, v) for k, v in response.headers if not k.lower().startswith(b"x-headroom-")]
    assert relayed == [*upstream, (b"headroom-upstream-request-id", request_id)]

