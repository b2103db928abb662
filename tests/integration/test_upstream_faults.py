"""Upstream faults through the live proxy (RELIABILITY.md items 38-46), provoked with the fake
provider's fault modes (``x-fake-mode``) and with sockets that misbehave on purpose."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.infra.client import Client, Response, request_bytes
from tests.integration.support import (
    ANTHROPIC,
    GEMINI,
    MESSAGES,
    OPENAI,
    STREAM,
    post,
    proxy_to,
    server_closed,
    wait_until,
)
from tests.support.fake_provider import TEXT, FakeProvider
from tests.support.proxy import ProxyHandle
from tests.support.tls import server_context

ROUTES = {  # provider -> (path, headers, body, how its error body names the failure)
    "anthropic": ("/v1/messages", ANTHROPIC, MESSAGES),
    "openai": ("/v1/chat/completions", OPENAI, b'{"model":"m","messages":[]}'),
    "gemini": ("/v1beta/models/g:generateContent", GEMINI, b'{"contents":[]}'),
}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections (kernel backlog) but never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def _assert_provider_shaped(provider: str, response: Response, status: int) -> None:
    assert response.status == status
    assert response.header(b"content-type") == b"application/json"
    body = json.loads(response.body)
    if provider == "anthropic":
        assert body["type"] == "error" and isinstance(body["error"]["message"], str)
    elif provider == "openai":
        assert isinstance(body["error"]["message"], str) and "type" in body["error"]
    else:
        assert body["error"]["code"] == status and isinstance(body["error"]["status"], str)


def _errors(proxy: ProxyHandle) -> list[str]:
    """The ``error`` kinds of the request log lines so far (why each 502/504 happened)."""
    records = [json.loads(line) for line in proxy.log_lines()]
    return [r["error"] for r in records if r.get("event") == "request" and "error" in r]


def _reference(fake: FakeProvider, mode: str, body: bytes = MESSAGES, path: str = "/v1/messages",
               headers: list[tuple[str, str]] | None = None) -> Response:
    """What the fake itself answers (state reset first, so ids match a proxied request made after a reset)."""
    fake.reset()
    with Client(fake.port) as client:
        return post(client, body, mode=mode, path=path, headers=headers)


# ---------------------------------------------------------------- 38-39: connecting


@pytest.mark.parametrize("provider", sorted(ROUTES))
def test_connect_refused_is_a_provider_shaped_502_and_the_client_stays(provider: str, tmp_path: Path) -> None:
    path, headers, body = ROUTES[provider]
    with proxy_to(f"http://127.0.0.1:{_closed_port()}", tmp_path) as proxy, Client(proxy.port) as client:
        for _ in range(2):  # the same client connection serves the next request
            response = client.request("POST", path, body, headers)
            _assert_provider_shaped(provider, response, 502)
            assert response.header(b"connection") != b"close"
        assert not server_closed(client, 0.1)
        assert _errors(proxy) == ["connect_error"] * 2


def test_tls_verification_failure_is_502_and_never_downgraded(tls_fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(tls_fake, tmp_path) as proxy, Client(proxy.port) as client:
        response = post(client)
        _assert_provider_shaped("anthropic", response, 502)
        assert b"certificate" in response.body
        assert post(client).status == 502  # still usable
        assert _errors(proxy) == ["tls_error"] * 2
    assert tls_fake.requests == []  # no plaintext fallback ever reached it


def test_tls_with_the_ca_bundle_works(tls_fake: FakeProvider, ca_pem: Path, tmp_path: Path) -> None:
    with proxy_to(tls_fake, tmp_path, ca_bundle=ca_pem) as proxy, Client(proxy.port) as client:
        response = post(client)
        assert response.status == 200 and TEXT in json.loads(response.body)["content"][0]["text"]
        assert post(client).status == 200
    assert tls_fake.connections == 1  # the TLS connection was pooled and reused


def test_tls_hostname_is_verified(test_ca: trustme.CA, ca_pem: Path, tmp_path: Path) -> None:
    """A certificate from the trusted CA, but for another name than the upstream's: refused."""
    other = FakeProvider(ssl=server_context(test_ca, ("api.elsewhere.test",)))
    with other.running(), proxy_to(other, tmp_path, ca_bundle=ca_pem) as proxy, Client(proxy.port) as client:
        response = post(client)
        _assert_provider_shaped("anthropic", response, 502)
        assert b"mismatch" in response.body, response.body
        assert _errors(proxy) == ["tls_error"]
    assert other.connections == 1 and other.requests == []


def test_tls_handshake_that_never_completes_is_504(silent_listener: int, tmp_path: Path) -> None:
    url = f"https://127.0.0.1:{silent_listener}"
    with proxy_to(url, tmp_path, upstream_connect_timeout=0.3) as proxy, Client(proxy.port) as client:
        response = post(client)
        _assert_provider_shaped("anthropic", response, 504)
        assert client.request("GET", "/livez").status == 200
        assert _errors(proxy) == ["connect_timeout"]


# ---------------------------------------------------------------- 40-41: the response head


def test_no_head_in_time_is_504_and_that_connection_is_discarded(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, upstream_head_timeout=0.3) as proxy, Client(proxy.port) as client:
        _assert_provider_shaped("anthropic", post(client, mode="hang"), 504)
        assert _errors(proxy) == ["head_timeout"]
        wait_until(lambda: len(fake.disconnects) == 1, 5.0, "the hung upstream connection closed")
        assert post(client).status == 200
    assert fake.connections == 2


@pytest.mark.parametrize("mode", ["bad_status_line", "te_and_cl", "bad_cl", "obs_fold", "bare_lf", "nul_header"])
def test_invalid_response_framing_is_502_and_nothing_of_it_is_forwarded(
    fake: FakeProvider, proxy: ProxyHandle, mode: str
) -> None:
    with Client(proxy.port) as client:
        response = post(client, mode=mode)
        _assert_provider_shaped("anthropic", response, 502)
        assert response.header(b"server") is None and "世界".encode() not in response.body
        assert _errors(proxy) == ["bad_response"]
        assert post(client).status == 200
    wait_until(lambda: proxy.server.pool.idle_count() == 1, 2.0, "the good connection pooled")
    assert fake.connections == 2


def test_a_repeated_identical_content_length_is_relayed_as_one(fake: FakeProvider, proxy: ProxyHandle) -> None:
    """RFC 9110 section 8.6 lets a recipient accept identical repeats (the wire parser does); the client
    must then get a single Content-Length (Node's llhttp, under Claude Code and Codex, refuses two)."""
    expected = _reference(fake, "two_cl")
    fake.reset()
    with Client(proxy.port) as client:
        response = post(client, mode="two_cl")
    assert response.status == 200 and response.body == expected.body
    assert response.header_all(b"content-length") == [str(len(expected.body)).encode()]


# ---------------------------------------------------------------- 42: truncation after the head


def test_close_mid_body_shows_the_truncation_and_closes(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        response = post(client, mode="close_mid_body")
        assert response.status == 200 and not response.complete
        assert 0 < len(response.body) < int(response.header(b"content-length") or 0)
        assert client.eof or server_closed(client)
    assert proxy.server.pool.idle_count() == 0


def test_close_mid_chunked_never_gets_a_final_chunk(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        response = post(client, STREAM, mode="close_mid_chunked")
        assert response.status == 200 and response.header(b"transfer-encoding") == b"chunked"
        assert not response.complete and b"message_start" in response.body
        assert b"message_stop" not in response.body
        assert client.eof or server_closed(client)
    assert any('"truncated":true' in line for line in proxy.log_lines())


# ---------------------------------------------------------------- 43: pooled connections


def test_a_stale_pooled_connection_is_detected_and_replaced(tmp_path: Path) -> None:
    fake = FakeProvider(idle_close_after=0.1)
    with fake.running(), proxy_to(fake, tmp_path) as proxy, Client(proxy.port) as client:
        assert post(client).status == 200
        wait_until(lambda: proxy.server.pool.idle_count() == 1, 2.0, "connection pooled")
        time.sleep(0.4)  # the fake closes its idle side after 0.1 s
        assert post(client).status == 200
        assert fake.connections == 2 and len(fake.requests) == 2
    assert fake.errors == []


def test_a_post_whose_connection_dies_after_writing_is_never_retried(fake: FakeProvider, proxy: ProxyHandle) -> None:
    """The request goes out on a pooled (alive-looking) connection; the upstream reads it and resets.
    The proxy answers 502 and does not send the POST again on a new connection."""
    with Client(proxy.port) as client:
        assert post(client).status == 200
        response = post(client, mode="reset")
        _assert_provider_shaped("anthropic", response, 502)
        assert _errors(proxy) in (["upstream_reset"], ["upstream_closed"], ["bad_response"])
    assert fake.connections == 1 and len(fake.requests) == 2
    assert fake.requests[1].header(b"x-fake-mode") == b"reset"


# ---------------------------------------------------------------- 44-46: relayed as they are


@pytest.mark.parametrize(("provider", "status"), [("anthropic", 429), ("anthropic", 400), ("anthropic", 529),
                                                  ("openai", 429), ("openai", 500), ("gemini", 503),
                                                  ("gemini", 404)])
def test_upstream_errors_are_relayed_unchanged(
    fake: FakeProvider, proxy: ProxyHandle, provider: str, status: int
) -> None:
    path, headers, body = ROUTES[provider]
    mode = f"status:{status}"
    expected = _reference(fake, mode, body, path, headers)
    fake.reset()
    with Client(proxy.port) as client:
        response = post(client, body, mode=mode, path=path, headers=headers)
    assert (response.status_line, response.body) == (expected.status_line, expected.body)
    for name in (b"retry-after", b"request-id", b"x-request-id", b"content-type"):
        assert response.header(name) == expected.header(name)
    request_id = expected.header(b"request-id") or expected.header(b"x-request-id")
    assert response.header(b"headroom-upstream-request-id") == request_id


@pytest.mark.parametrize("mode", ["http10_eof", "eof_body"])
def test_close_delimited_answers_are_reframed_chunked_and_not_pooled(
    fake: FakeProvider, proxy: ProxyHandle, mode: str
) -> None:
    expected = _reference(fake, mode)
    fake.reset()
    with Client(proxy.port) as client:
        response = post(client, mode=mode)
        assert response.status == 200 and response.header(b"transfer-encoding") == b"chunked"
        assert response.header(b"content-length") is None
        assert response.complete and response.body == expected.body
        assert post(client).status == 200  # the client connection persists
    assert fake.connections == 2  # the close-delimited one was not pooled


def test_close_delimited_answer_to_an_http10_client_is_close_delimited(fake: FakeProvider, proxy: ProxyHandle) -> None:
    expected = _reference(fake, "eof_body")
    fake.reset()
    with Client(proxy.port) as client:
        client.send(request_bytes("POST", "/v1/messages", MESSAGES, [*ANTHROPIC, ("x-fake-mode", "eof_body")],
                                  version="HTTP/1.0"))
        response = client.read_response()
    assert response.header(b"transfer-encoding") is None and response.body == expected.body


@pytest.mark.parametrize("mode", ["interim_100", "early_hints_103"])
def test_interim_responses_are_consumed(fake: FakeProvider, proxy: ProxyHandle, mode: str) -> None:
    with Client(proxy.port) as client:
        response = post(client, mode=mode)
        assert response.interim == [] and response.status == 200
        assert TEXT in json.loads(response.body)["content"][0]["text"]
        assert post(client).status == 200
    assert fake.connections == 1


def test_redirects_are_relayed_never_followed(fake: FakeProvider, proxy: ProxyHandle) -> None:
    expected = _reference(fake, "redirect")
    fake.reset()
    with Client(proxy.port) as client:
        response = post(client, mode="redirect")
    assert response.status == 302 and response.header(b"location") == b"/v1/redirected-elsewhere"
    assert response.body == expected.body
    assert len(fake.requests) == 1


# ---------------------------------------------------------------- keep-alive bookkeeping


def test_an_upstream_connection_close_is_honoured(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        first = post(client, mode="close_after")
        assert first.status == 200 and first.header(b"connection") is None  # the client's connection stays
        assert post(client).status == 200
    assert fake.connections == 2 and fake.errors == []


def test_head_requests_have_no_body_and_keep_both_connections(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        head = client.request("HEAD", "/v1/models", headers=[("anthropic-version", "2023-06-01")])
        assert head.status == 200 and head.body == b"" and int(head.header(b"content-length") or 0) > 0
        get = client.request("GET", "/v1/models", headers=[("anthropic-version", "2023-06-01")])
        assert get.status == 200 and len(get.body) == int(head.header(b"content-length") or 0)
    assert fake.connections == 1


def test_an_upstream_pause_past_the_idle_timeout_truncates_the_stream(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, upstream_idle_timeout=0.2) as proxy, Client(proxy.port) as client:
        response = post(client, STREAM, mode="sse_slow:1")
        assert response.status == 200 and not response.complete
        assert b"message_start" in response.body and b"message_stop" not in response.body
        assert client.eof or server_closed(client)
    wait_until(lambda: len(fake.disconnects) == 1, 5.0, "the idle upstream closed")


def test_sequential_requests_share_one_pooled_upstream_connection(fake: FakeProvider, proxy: ProxyHandle) -> None:
    for _ in range(3):
        with Client(proxy.port) as client:
            assert post(client).status == 200
            assert post(client, STREAM).status == 200
    assert fake.connections == 1 and len(fake.requests) == 6


def test_a_pooled_connection_past_its_idle_lifetime_is_not_reused(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, pool_idle_timeout=0.2) as proxy, Client(proxy.port) as client:
        assert post(client).status == 200
        time.sleep(0.4)  # past pool_idle_timeout (the fake itself would keep it open)
        assert post(client).status == 200
    assert fake.connections == 2
