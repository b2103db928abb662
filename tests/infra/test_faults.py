"""Every fault mode does what it says on the wire (RELIABILITY.md items 38-48 are provoked through these)."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.infra.client import Client, Response, request_bytes
from tests.support.fake_provider import TEXT, FakeProvider

MESSAGES = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
STREAM = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()
ANTHROPIC = [("anthropic-version", "2023-06-01")]


def _raw(port: int, mode: str, body: bytes = MESSAGES, path: str = "/v1/messages") -> bytes:
    """Everything the fake sends for one request in ``mode`` until it closes the connection."""
    with Client(port) as client:
        client.send(request_bytes("POST", path, body, [*ANTHROPIC, ("x-fake-mode", mode)]))
        return client.read_until_eof()


def _ask(client: Client, mode: str, body: bytes = MESSAGES, path: str = "/v1/messages",
         headers: list[tuple[str, str]] | None = None) -> Response:
    return client.request("POST", path, body, [*(headers or ANTHROPIC), ("x-fake-mode", mode)])


def _wait_for_disconnect(fake: FakeProvider, count: int = 1, timeout: float = 10.0) -> float:
    """When the fake recorded its ``count``-th disconnect (``timeout`` is only a hang guard)."""
    deadline = time.monotonic() + timeout
    while len(fake.disconnects) < count:
        assert time.monotonic() < deadline, "no disconnect recorded"
        time.sleep(0.002)
    return fake.disconnects[count - 1][1]


@pytest.mark.parametrize(("mode", "marker"), [
    ("bad_status_line", b"HTTP/1.1 2OO OK\r\n"),
    ("te_and_cl", b"Transfer-Encoding: chunked\r\n"),
    ("bad_cl", b"x\r\n"),
    ("obs_fold", b"X-Folded: first\r\n second\r\n"),
    ("nul_header", b"X-Nul: a\x00b\r\n"),
])
def test_head_faults_put_the_defect_on_the_wire_then_close(provider: FakeProvider, mode: str,
                                                           marker: bytes) -> None:
    raw = _raw(provider.port, mode)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert marker in head + b"\r\n"
    assert "世界".encode() in body
    assert len(provider.requests) == 1


def test_bad_cl_two_cl_te_and_cl_details(provider: FakeProvider) -> None:
    bad = _raw(provider.port, "bad_cl").split(b"\r\n\r\n")[0]
    assert next(line for line in bad.split(b"\r\n") if line.startswith(b"Content-Length")).endswith(b"x")
    two = _raw(provider.port, "two_cl").split(b"\r\n\r\n")[0]
    lengths = [line for line in two.split(b"\r\n") if line.startswith(b"Content-Length")]
    assert len(lengths) == 2 and lengths[0] == lengths[1]
    both = _raw(provider.port, "te_and_cl").split(b"\r\n\r\n", 1)
    assert b"Content-Length: " in both[0] and both[1].endswith(b"\r\n0\r\n\r\n")


def test_bare_lf_head(provider: FakeProvider) -> None:
    raw = _raw(provider.port, "bare_lf")
    head, sep, _ = raw.partition(b"\n\n")
    assert sep and head.startswith(b"HTTP/1.1 200 OK\n") and b"\r" not in head


def test_close_mid_body_sends_less_than_content_length(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        response = _ask(client, "close_mid_body")
        assert not response.complete
        assert 0 < len(response.body) < int(response.header(b"content-length") or 0)
        assert client.read_until_eof() == b""


def test_close_mid_chunked_never_sends_the_last_chunk(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        response = _ask(client, "close_mid_chunked", STREAM)
        assert response.header(b"transfer-encoding") == b"chunked"
        assert not response.complete and response.chunks
        assert b"message_start" in response.body and b"message_stop" not in response.body


@pytest.mark.parametrize(("mode", "status_line"), [("http10_eof", b"HTTP/1.0 200 OK"),
                                                   ("eof_body", b"HTTP/1.1 200 OK")])
def test_close_delimited_bodies(provider: FakeProvider, mode: str, status_line: bytes) -> None:
    with Client(provider.port) as client:
        response = _ask(client, mode)
    assert response.status_line == status_line
    assert response.header(b"content-length") is None and response.header(b"transfer-encoding") is None
    assert json.loads(response.body)["content"][0]["text"] == TEXT


@pytest.mark.parametrize(("mode", "interim"), [("interim_100", b"HTTP/1.1 100 Continue"),
                                               ("early_hints_103", b"HTTP/1.1 103 Early Hints")])
def test_interim_heads_precede_a_normal_answer(provider: FakeProvider, mode: str, interim: bytes) -> None:
    with Client(provider.port) as client:
        response = _ask(client, mode)
        assert response.interim == [interim] and response.status == 200
        assert client.request("POST", "/v1/messages", MESSAGES, ANTHROPIC).status == 200  # still keep-alive
    assert provider.connections == 1


def test_redirect_is_a_302_with_location(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        response = _ask(client, "redirect")
    assert response.status == 302 and response.header(b"location") == b"/v1/redirected-elsewhere"


def test_status_errors_are_provider_shaped(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        anthropic = _ask(client, "status:429")
        openai = _ask(client, "status:429", b"{}", "/v1/chat/completions", [])
        gemini = _ask(client, "status:503", b"{}", "/v1beta/models/g:generateContent", [])
        overloaded = _ask(client, "status:529")
    assert anthropic.status == 429 and anthropic.header(b"retry-after") == b"7"
    assert json.loads(anthropic.body)["error"]["type"] == "rate_limit_error"
    assert anthropic.header(b"request-id") is not None
    assert json.loads(openai.body)["error"]["code"] == "rate_limit_exceeded"
    assert openai.header(b"x-request-id") is not None and openai.header(b"retry-after") == b"7"
    assert json.loads(gemini.body)["error"]["status"] == "UNAVAILABLE"
    assert overloaded.status_line == b"HTTP/1.1 529 Overloaded"
    assert json.loads(overloaded.body)["error"]["type"] == "overloaded_error"


def test_slow_head_and_sse_slow_take_their_time(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        started = time.monotonic()
        assert _ask(client, "slow_head:0.2").status == 200
        assert time.monotonic() - started >= 0.2
        started = time.monotonic()
        response = _ask(client, "sse_slow:0.02", STREAM)
        elapsed = time.monotonic() - started
    events = response.body.count(b"\n\n")
    assert events >= 10 and elapsed >= (events - 1) * 0.02
    assert b"message_stop" in response.body


def test_sse_forever_stops_when_the_client_leaves(provider: FakeProvider) -> None:
    client = Client(provider.port)
    client.send(request_bytes("POST", "/v1/messages", STREAM, [*ANTHROPIC, ("x-fake-mode", "sse_forever")]))
    status, _ = client.read_head()
    assert status == b"HTTP/1.1 200 OK"
    while client.buf.count(b"content_block_delta") < 20:
        client._fill()
    closed = time.monotonic()
    client.close()
    assert _wait_for_disconnect(provider) >= closed  # noticed, and only after the client left
    assert provider.disconnects[0][0] == provider.requests[0].conn_id


def test_hang_never_answers_and_notices_the_client_leaving(provider: FakeProvider) -> None:
    client = Client(provider.port, timeout=0.3)
    client.send(request_bytes("POST", "/v1/messages", MESSAGES, [("x-fake-mode", "hang")]))
    with pytest.raises(TimeoutError):
        client.sock.recv(1)
    closed = time.monotonic()
    client.close()
    assert _wait_for_disconnect(provider) >= closed  # noticed, and only after the client left
    assert len(provider.requests) == 1


def test_close_after_and_reset(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        response = _ask(client, "close_after")
        assert response.status == 200 and response.header(b"connection") == b"close"
        assert client.read_until_eof() == b""
    with Client(provider.port) as client:
        client.send(request_bytes("POST", "/v1/messages", MESSAGES, [("x-fake-mode", "reset")]))
        with pytest.raises(ConnectionResetError):
            client.sock.recv(1)
    assert len(provider.requests) == 2


def test_huge_json_and_sse(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        big = _ask(client, "huge:3000000")
        assert big.header(b"content-length") == str(len(big.body)).encode()
        assert 3_000_000 <= len(big.body) < 3_000_100
        assert json.loads(big.body)["content"][0]["text"].startswith(TEXT)
        stream = _ask(client, "huge:2000000", STREAM)
        assert stream.complete and len(stream.body) >= 2_000_000
        assert stream.body.endswith(b'event: message_stop\ndata: {"type":"message_stop"}\n\n')


def test_provider_mode_applies_to_every_request_and_the_header_overrides_it() -> None:
    fake = FakeProvider(mode="status:500")
    with fake.running(), Client(fake.port) as client:
        assert client.request("POST", "/v1/messages", MESSAGES, ANTHROPIC).status == 500
        assert _ask(client, "normal").status == 200


def test_unknown_mode_is_a_loud_400(provider: FakeProvider) -> None:
    with Client(provider.port) as client:
        for mode in ("nope", "status:abc", "status:204", "slow_head", "huge:0", "sse_slow:nan", "hang:1"):
            response = _ask(client, mode)
            assert response.status == 400 and b"fake mode" in response.body
    with pytest.raises(ValueError):
        FakeProvider(mode="bogus")


def test_reset_is_an_rst_not_a_fin(provider: FakeProvider) -> None:
    sock = socket.create_connection(("127.0.0.1", provider.port), timeout=10)
    with sock:
        sock.sendall(request_bytes("GET", "/v1/models", headers=[("x-fake-mode", "reset")]))
        time.sleep(0.05)
        with pytest.raises(ConnectionResetError):
            sock.recv(1)


def test_a_client_that_stops_reading_stalls_the_fake_and_its_leaving_is_noticed(provider: FakeProvider) -> None:
    client = Client(provider.port)
    client.send(request_bytes("POST", "/v1/messages", STREAM, [("x-fake-mode", f"huge:{1 << 30}")]))
    previous, stable_since = -1, time.monotonic()
    while time.monotonic() - stable_since < 0.2:  # wait until the fake's writes stop progressing
        time.sleep(0.02)
        if provider.bytes_sent != previous:
            previous, stable_since = provider.bytes_sent, time.monotonic()
    assert 0 < provider.bytes_sent < 64 << 20  # bounded by socket buffers, far below the 1 GiB body
    closed = time.monotonic()
    client.close()
    assert _wait_for_disconnect(provider) >= closed  # noticed, and only after the client left
