"""Large bodies both ways stay byte-identical through the proxy, and the logs of a mixed run never
contain a credential, a ``?key=`` value or a body (RELIABILITY.md, Security)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tests.infra.client import Client, request_bytes
from tests.integration.support import ANTHROPIC, STREAM, post, proxy_to, wait_until
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle


def _big_json(size: int) -> bytes:
    pad = os.urandom(size // 2).hex().encode()[: size - 40]
    return b'{"model":"m","messages":[],"pad":"' + pad + b'"}'


def test_a_large_content_length_body_arrives_intact(fake: FakeProvider, proxy: ProxyHandle) -> None:
    body = _big_json(8 << 20)
    with Client(proxy.port, timeout=30.0) as client:
        assert post(client, body).status == 200
    (got,) = fake.requests
    assert hashlib.sha256(got.body).digest() == hashlib.sha256(body).digest() and not got.chunked


def test_a_chunked_body_of_many_chunks_arrives_intact_and_chunked(fake: FakeProvider, proxy: ProxyHandle) -> None:
    body = _big_json(1 << 20)
    with Client(proxy.port, timeout=30.0) as client:
        client.send(request_bytes("POST", "/v1/messages", body, ANTHROPIC, chunked=True))  # 7-byte chunks
        assert client.read_response().status == 200
    (got,) = fake.requests
    assert got.body == body and got.chunked
    assert got.header(b"content-length") is None


def test_large_responses_are_relayed_byte_identical(fake: FakeProvider, proxy: ProxyHandle) -> None:
    for mode, body in (("huge:3000000", b'{"model":"m","messages":[]}'), ("huge:3000000", STREAM)):
        fake.reset()
        with Client(fake.port, timeout=30.0) as direct:
            expected = post(direct, body, mode=mode)
        fake.reset()
        with Client(proxy.port, timeout=30.0) as client:
            response = post(client, body, mode=mode)
        assert response.complete and len(response.body) >= 3_000_000
        assert response.body == expected.body


SECRETS = {
    "x-api-key": "SECRET-anthropic-key",
    "Authorization": "Bearer SECRET-openai-key",
    "x-goog-api-key": "SECRET-google-key",
    "Cookie": "session=SECRET-cookie",
    "Proxy-Authorization": "Basic SECRET-proxy-auth",
    "chatgpt-account-id": "SECRET-account",
}


def test_logs_never_hold_credentials_query_keys_or_bodies(fake: FakeProvider, tmp_path: Path) -> None:
    headers = [*SECRETS.items(), ("anthropic-version", "2023-06-01")]
    body = b'{"model":"m","messages":[{"role":"user","content":"SECRET-body-text"}]}'
    with proxy_to(fake, tmp_path, log_level="debug") as proxy:
        with Client(proxy.port) as client:
            assert post(client, body, headers=headers).status == 200
            assert post(client, body, headers=headers, path="/v1/chat/completions").status == 200
            gemini = "/v1beta/models/g:generateContent?alt=sse&key=SECRET-query-key"
            assert post(client, b'{"contents":[]}', headers=headers, path=gemini).status == 200
            assert post(client, body, headers=headers, mode="bad_status_line").status == 502
            assert client.request("GET", "/nowhere?key=SECRET-query-key", headers=[]).status == 404
        aborted = Client(proxy.port)
        aborted.send(request_bytes("POST", "/v1/messages?key=SECRET-query-key", body,
                                   [*headers, ("x-fake-mode", "hang")]))
        wait_until(lambda: len(fake.requests) == 5, 5.0, "hanging request forwarded")
        aborted.close()
        wait_until(lambda: any('"client_abort"' in line for line in proxy.log_lines()), 5.0, "abort logged")
        with Client(proxy.port) as bad:
            bad.send(b"POST /v1/messages?key=SECRET-query-key HTTP/1.1\r\nHost: x\r\nx-api-key: SECRET-anthropic-key"
                     b"\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
            assert bad.read_response().status == 400
        text = "\n".join(proxy.log_lines())
    assert '"event":"request"' in text
    assert "SECRET" not in text, [line for line in text.splitlines() if "SECRET" in line]


def test_an_http10_client_gets_a_stream_close_delimited(fake: FakeProvider, proxy: ProxyHandle) -> None:
    fake.reset()
    with Client(fake.port) as direct:
        expected = post(direct, STREAM)
    fake.reset()
    with Client(proxy.port) as client:
        client.send(request_bytes("POST", "/v1/messages", STREAM, ANTHROPIC, version="HTTP/1.0"))
        response = client.read_response()
    assert response.header(b"transfer-encoding") is None and response.header(b"connection") == b"close"
    assert response.body == expected.body


def test_a_client_connection_close_is_honoured_and_the_upstream_stays_pooled(
    fake: FakeProvider, proxy: ProxyHandle
) -> None:
    for _ in range(2):
        with Client(proxy.port) as client:
            response = post(client, headers=[*ANTHROPIC, ("Connection", "close")])
            assert response.status == 200 and response.header(b"connection") == b"close"
            assert client.read_until_eof() == b""
    assert fake.connections == 1
    assert all(r.header(b"connection") is None for r in fake.requests)


def test_local_endpoints_log_the_status_they_answered(proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        assert client.request("GET", "/v1/retrieve/0123456789abcdef01234567").status == 404

    def statuses() -> list[int]:
        return [r["status"] for line in proxy.log_lines() if (r := json.loads(line))["event"] == "request"]

    wait_until(lambda: statuses() != [], 5.0, "request logged")  # the line is written after the answer
    assert statuses() == [404]
