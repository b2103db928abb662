"""What the fake records about requests, request framing over the wire, and the prompt-cache usage."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.client import Client, post, request_bytes
from tests.support.fake_provider import FakeProvider

ANTHROPIC = [("anthropic-version", "2023-06-01"), ("X-Api-Key", "sk-test")]


def test_records_raw_head_headers_in_order_and_body(provider: FakeProvider) -> None:
    raw = request_bytes("POST", "/v1/messages?beta=true", b'{"model":"m"}',
                        [("X-Claude-Code-Session-Id", "abc"), ("anthropic-version", "2023-06-01")])
    with Client(provider.port) as client:
        client.send(raw)
        assert client.read_response().status == 200
    (req,) = provider.requests
    assert req.raw_head == raw[: raw.index(b"\r\n\r\n") + 4]
    assert (req.method, req.target, req.version) == (b"POST", b"/v1/messages?beta=true", b"HTTP/1.1")
    assert req.path == b"/v1/messages" and req.query == b"beta=true"
    assert [k for k, _ in req.headers] == [b"Host", b"X-Claude-Code-Session-Id", b"anthropic-version",
                                           b"Content-Length"]
    assert req.header(b"x-claude-code-session-id") == b"abc"
    assert req.body == b'{"model":"m"}' and req.chunked is False


def test_chunked_request_body_is_decoded(provider: FakeProvider) -> None:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "é" * 50}]}).encode()
    with Client(provider.port) as client:
        response = client.request("POST", "/v1/messages", body, ANTHROPIC, chunked=True)
    assert response.status == 200
    assert provider.requests[0].body == body and provider.requests[0].chunked


def test_expect_100_continue_is_honoured(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        client.send(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        status, _ = client.read_head()
        assert status == b"HTTP/1.1 100 Continue"
        client.send(b"{}")
        assert client.read_response().status == 200


def test_connection_close_and_http10_end_the_connection(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        response = client.request("GET", "/v1/models", headers=[("Connection", "close")])
        assert response.header(b"connection") == b"close"
        assert client.read_until_eof() == b""
    with Client(provider.port) as client:
        assert client.request("GET", "/v1/models", version="HTTP/1.0").status == 200
        assert client.read_until_eof() == b""


def test_malformed_requests_get_400_and_close(provider: FakeProvider) -> None:
    bad = [
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost : x\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        b"GET /v1/models HTTP/1.1\nHost: x\n\n",
        b"GET  /v1/models HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
    ]
    for raw in bad:
        with Client(provider.port) as client:
            client.send(raw)
            response = client.read_response()
            assert response.status == 400, raw
            assert b"fake provider: bad request" in response.body
            assert client.read_until_eof() == b""
    assert provider.requests == []
    with Client(provider.port) as client:
        client.send(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n")
        assert client.read_response().status == 505


def _anthropic(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 8,
            "system": [{"type": "text", "text": "billing"},
                       {"type": "text", "text": "S" * 4000, "cache_control": {"type": "ephemeral"}}],
            "messages": messages}


def _usage(port: int, body: dict[str, Any]) -> dict[str, int]:
    response = post(port, "/v1/messages", json.dumps(body).encode(), ANTHROPIC)
    usage: dict[str, int] = json.loads(response.body)["usage"]
    return usage


def test_anthropic_cache_follows_the_moving_breakpoint(provider: FakeProvider) -> None:
    marker = {"type": "ephemeral"}
    turn1 = [{"role": "user", "content": [{"type": "text", "text": "A" * 8000, "cache_control": marker}]}]
    first = _usage(provider.port, _anthropic(turn1))
    assert first["cache_read_input_tokens"] == 0 and first["cache_creation_input_tokens"] > 2000
    turn2 = [{"role": "user", "content": [{"type": "text", "text": "A" * 8000}]},
             {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
             {"role": "user", "content": [{"type": "text", "text": "B" * 400, "cache_control": marker}]}]
    second = _usage(provider.port, _anthropic(turn2))
    assert second["cache_read_input_tokens"] >= first["cache_creation_input_tokens"]
    assert second["cache_creation_input_tokens"] < 200
    edited = [dict(turn2[0], content=[{"type": "text", "text": "A" * 7999 + "x"}]), *turn2[1:]]
    third = _usage(provider.port, _anthropic(edited))
    system = [{"type": "text", "text": "billing"}, {"type": "text", "text": "S" * 4000}]
    system_bytes = sum(len(json.dumps(b, separators=(",", ":"))) for b in system)
    assert third["cache_read_input_tokens"] == system_bytes // 4  # only the system breakpoint still hits


def test_openai_prefix_cache_counts_identical_leading_bytes(provider: FakeProvider) -> None:
    history = [{"role": "user", "content": "x" * 5000}]
    first = post(provider.port, "/v1/chat/completions", json.dumps({"messages": history}).encode())
    assert json.loads(first.body)["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    longer = {"messages": [*history, {"role": "assistant", "content": "y" * 3000}]}
    second = post(provider.port, "/v1/chat/completions", json.dumps(longer).encode())
    assert json.loads(second.body)["usage"]["prompt_tokens_details"]["cached_tokens"] == 4096 // 4
