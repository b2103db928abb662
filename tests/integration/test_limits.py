"""Limits and slow clients against the live server (RELIABILITY.md items 27-33).

Timeouts are made small through settings; every wait has a generous hang guard and no assertion is
about speed (the slowloris latency comparison lives in benchmarks/slowloris.py).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.infra.client import Client, request_bytes
from tests.integration.support import (
    ANTHROPIC,
    MESSAGES,
    STREAM,
    post,
    proxy_to,
    server_closed,
    still_usable,
    wait_until,
)
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

PARTIAL_HEAD = b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\n"


def _head(length: int | None = None, *, chunked: bool = False, extra: bytes = b"") -> bytes:
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % (length or 0)
    return (b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\n"
            + extra + framing + b"\r\n")


def _no_upstream(fake: FakeProvider, proxy: ProxyHandle) -> None:
    assert fake.requests == [] and fake.connections == 0 and proxy.server.pool.opened == 0


def _recv_all(sock: socket.socket, guard: float = 5.0) -> bytes:
    """Everything until the proxy closes (FIN or RST)."""
    sock.settimeout(guard)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _trickle_until_answered(sock: socket.socket, pieces: list[bytes]) -> bytes:
    """Send ``pieces`` about 20 ms apart until the proxy answers; all it sent before closing."""
    answered = b""
    for piece in pieces:
        try:
            sock.sendall(piece)
            sock.settimeout(0.02)
            answered += sock.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
        if answered:
            break
    return answered + _recv_all(sock)


# ---------------------------------------------------------------- 27: header deadline


def test_head_deadline_is_absolute_from_the_first_byte(fake: FakeProvider, tmp_path: Path) -> None:
    """A client trickling header bytes (each well inside any idle timeout) still gets 408 at the deadline."""
    with proxy_to(fake, tmp_path, header_timeout=0.3) as proxy, Client(proxy.port) as client:
        pieces = [PARTIAL_HEAD, *(b"X-Slow-%d: v\r\n" % i for i in range(1, 200))]  # ~4 s, >10x the deadline
        answered = _trickle_until_answered(client.sock, pieces)
        assert answered.startswith(b"HTTP/1.1 408 ") and answered.endswith(b"}"), answered  # complete, then closed
        _no_upstream(fake, proxy)


def test_a_connection_that_sends_nothing_is_closed_silently_at_the_head_deadline(
    fake: FakeProvider, tmp_path: Path
) -> None:
    with proxy_to(fake, tmp_path, header_timeout=0.3, keepalive_timeout=600) as proxy, Client(proxy.port) as c:
        assert _recv_all(c.sock) == b""  # closed without a byte, long before the keep-alive timeout
        _no_upstream(fake, proxy)


def test_an_idle_keep_alive_connection_is_closed_silently(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, keepalive_timeout=0.3) as proxy, Client(proxy.port) as client:
        assert post(client).status == 200
        assert _recv_all(client.sock) == b""


def test_many_slow_connections_do_not_block_a_normal_client(fake: FakeProvider, tmp_path: Path) -> None:
    """Slowloris, functionally: 200 connections hold partial heads; normal requests are still served
    meanwhile, and every slow connection gets its 408 at the deadline. (Latency: benchmarks/slowloris.py.)"""
    with proxy_to(fake, tmp_path, header_timeout=1.5) as proxy:
        slow = [socket.create_connection(("127.0.0.1", proxy.port)) for _ in range(200)]
        try:
            for sock in slow:
                sock.sendall(PARTIAL_HEAD)
            with Client(proxy.port) as client:
                for _ in range(20):
                    assert post(client).status == 200
            answers = [_recv_all(sock) for sock in slow]
        finally:
            for sock in slow:
                sock.close()
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers)
        assert len(fake.requests) == 20


# ---------------------------------------------------------------- 28-30: bodies


def test_slow_body_idle_timeout_is_408_and_no_upstream(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, body_idle_timeout=0.3) as proxy, Client(proxy.port) as client:
        client.send(_head(100) + b"x" * 10)
        response = client.read_response()
        assert response.status == 408 and response.header(b"connection") == b"close"
        assert json.loads(response.body)["error"]["type"] == "timeout_error"
        assert server_closed(client)
        _no_upstream(fake, proxy)


def test_slow_body_total_timeout_is_408_even_when_bytes_keep_coming(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, body_timeout=0.4, body_idle_timeout=30) as proxy, Client(proxy.port) as client:
        answered = _trickle_until_answered(client.sock, [_head(10_000), *[b"x"] * 200])
        assert answered.startswith(b"HTTP/1.1 408 ") and answered.endswith(b"}"), answered
        _no_upstream(fake, proxy)


def test_chunked_body_crossing_the_limit_is_413_at_once(fake: FakeProvider, tmp_path: Path) -> None:
    """The 413 arrives after the chunk-size line that crosses the limit, before its data is sent."""
    with proxy_to(fake, tmp_path, max_body_bytes=1000) as proxy, Client(proxy.port) as client:
        client.send(_head(chunked=True) + b"258\r\n" + b"a" * 600 + b"\r\n" + b"191\r\n")
        response = client.read_response()
        assert response.status == 413
        assert server_closed(client)
        _no_upstream(fake, proxy)


def test_content_length_over_the_limit_is_413_without_reading_the_body(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, max_body_bytes=1000) as proxy, Client(proxy.port) as client:
        client.send(_head(1001))  # no body byte is ever sent
        response = client.read_response()
        assert response.status == 413 and server_closed(client)
        _no_upstream(fake, proxy)


def test_expect_continue_is_answered_by_the_proxy_and_not_forwarded(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        client.send(_head(len(MESSAGES), extra=b"Expect: 100-continue\r\n"))
        status_line, headers = client.read_head()  # before any body byte was sent
        assert (status_line, headers) == (b"HTTP/1.1 100 Continue", [])
        client.send(MESSAGES)
        response = client.read_response()
        assert response.status == 200 and response.interim == []
        assert still_usable(client)
    assert [r.header(b"expect") for r in fake.requests] == [None]


def test_expect_continue_on_a_body_over_the_limit_is_413_without_100(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, max_body_bytes=1000) as proxy, Client(proxy.port) as client:
        client.send(_head(5000, extra=b"Expect: 100-continue\r\n"))
        response = client.read_response()
        assert response.status == 413 and response.interim == []
        assert server_closed(client)
        _no_upstream(fake, proxy)


def test_expect_continue_on_a_refused_route_gets_no_100(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as client:
        client.send(request_bytes("POST", "/nowhere", MESSAGES, [("Expect", "100-continue")])[: -len(MESSAGES)])
        response = client.read_response()
        assert response.status == 404 and response.interim == []
        assert server_closed(client)
    assert fake.requests == [] and fake.connections == 0


# ---------------------------------------------------------------- 31: a client that stops reading


def _stalled_stream(port: int, size: int = 1 << 30) -> socket.socket:
    """Start an endless SSE answer, read its head, then stop reading (small receive buffer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    body = STREAM
    sock.sendall(request_bytes("POST", "/v1/messages", body, [*ANTHROPIC, ("x-fake-mode", f"huge:{size}")]))
    sock.settimeout(5.0)
    assert sock.recv(12) == b"HTTP/1.1 200"
    return sock


def _plateau(read: Callable[[], int], settle: float = 0.3, guard: float = 10.0) -> int:
    """Wait until ``read()`` stops changing for ``settle`` seconds; returns the value."""
    deadline = time.monotonic() + guard
    last = read()
    while time.monotonic() < deadline:
        time.sleep(settle)
        now = read()
        if now == last:
            return now
        last = now
    raise AssertionError("value kept growing: upstream reads never paused")


def test_a_client_that_stops_reading_pauses_the_upstream_then_both_sides_close(
    fake: FakeProvider, tmp_path: Path
) -> None:
    with proxy_to(fake, tmp_path, send_timeout=2.5) as proxy:
        sock = _stalled_stream(proxy.port)
        try:
            paused_at = _plateau(lambda: fake.bytes_sent, settle=0.25)
            assert paused_at < 64 << 20  # bounded: socket buffers, not the 1 GiB body
            assert fake.disconnects == []  # paused, not yet given up
            wait_until(lambda: len(fake.disconnects) == 1, 10.0, "upstream closed after the send timeout")
            received = len(_recv_all(sock))
        finally:
            sock.close()
        assert 0 < received < fake.bytes_sent
        wait_until(lambda: not proxy.server._conns, 5.0, "client connection released")
        assert proxy.server.pool.idle_count() == 0


def test_many_stalled_streams_are_all_closed_and_released(fake: FakeProvider, tmp_path: Path) -> None:
    """Functional half of "memory stays flat across 200 such streams": 40 at once all end (RSS across 200:
    benchmarks/stalled_streams.py)."""
    with proxy_to(fake, tmp_path, send_timeout=0.5) as proxy:
        socks = [_stalled_stream(proxy.port) for _ in range(40)]
        try:
            wait_until(lambda: len(fake.disconnects) == 40, 30.0, "every stalled upstream closed")
        finally:
            for sock in socks:
                sock.close()
        wait_until(lambda: not proxy.server._conns, 5.0, "client connections released")
        assert proxy.server.pool.idle_count() == 0 and fake.connections == 40


# ---------------------------------------------------------------- 32: connection and body budgets


def test_over_the_connection_limit_is_503_and_existing_streams_go_on(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, max_connections=3) as proxy:
        streaming = Client(proxy.port)
        idle = [Client(proxy.port), Client(proxy.port)]
        try:
            streaming.send(request_bytes("POST", "/v1/messages", STREAM, [*ANTHROPIC, ("x-fake-mode", "sse_forever")]))
            status_line, _ = streaming.read_head()
            assert status_line == b"HTTP/1.1 200 OK"
            wait_until(lambda: len(proxy.server._conns) == 3, 5.0, "three connections accepted")
            before = fake.connections
            with Client(proxy.port) as extra:
                response = extra.read_response()
                assert response.status == 503 and response.header(b"retry-after") is not None
                assert server_closed(extra)
            assert fake.connections == before and len(fake.requests) == 1
            got = len(streaming.buf)
            while len(streaming.buf) < got + 4096:  # the stream keeps flowing
                assert streaming._fill()
        finally:
            for c in (streaming, *idle):
                c.close()


def test_over_the_inflight_body_budget_is_503(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, max_inflight_body_bytes=1000) as proxy, Client(proxy.port) as first:
        first.send(_head(800) + b"{")  # 800 bytes reserved while the body trickles in
        wait_until(lambda: proxy.server._inflight_body == 800, 5.0, "first body in flight")
        with Client(proxy.port) as second:
            second.send(_head(300) + b"x" * 300)
            response = second.read_response()
            assert response.status == 503 and response.header(b"retry-after") == b"1"
            assert server_closed(second)
        assert fake.connections == 0
        prefix = b'{"model":"m","messages":[]'
        body = prefix + b" " * (800 - len(prefix) - 1) + b"}"
        first.send(body[1:])
        assert first.read_response().status == 200
    assert len(fake.requests) == 1


def test_chunked_bodies_count_against_the_inflight_budget(fake: FakeProvider, tmp_path: Path) -> None:
    """A chunked body has no Content-Length to reserve up front; its bytes still count as they arrive."""
    with proxy_to(fake, tmp_path, max_inflight_body_bytes=1000) as proxy, Client(proxy.port) as first:
        first.send(_head(chunked=True) + b"320\r\n" + b" " * 800 + b"\r\n")
        wait_until(lambda: proxy.server._inflight_body >= 800, 5.0, "chunked body in flight")
        with Client(proxy.port) as second:
            second.send(_head(300) + b"x" * 300)
            assert second.read_response().status == 503
        first.send(b"c9\r\n" + b" " * 201 + b"\r\n")  # 1001 bytes: crosses the budget on its own
        response = first.read_response()
        assert response.status == 503 and response.header(b"retry-after") == b"1"
        assert server_closed(first)
    assert fake.requests == [] and fake.connections == 0


# ---------------------------------------------------------------- 33: TLS on the plaintext port


def _client_hello() -> bytes:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_a_real_tls_client_hello_gets_400_before_any_deadline(fake: FakeProvider, tmp_path: Path) -> None:
    with proxy_to(fake, tmp_path, header_timeout=60) as proxy, Client(proxy.port, timeout=5.0) as client:
        hello = _client_hello()
        assert hello[:1] == b"\x16"
        client.send(hello)
        response = client.read_response()
        assert response.status == 400 and server_closed(client)
        _no_upstream(fake, proxy)


# ---------------------------------------------------------------- end of stream before a request is complete


@pytest.mark.parametrize("sent", [b"", b"\r\n", b"\r\n\r\n\r\n", b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n",
                                  _head(100)[:-2], _head(100) + b"{"])
def test_eof_before_a_complete_request_is_a_silent_close_and_the_proxy_keeps_serving(
    fake: FakeProvider, tmp_path: Path, sent: bytes
) -> None:
    """A client that half-closes mid-request gets no answer; the proxy must not spin on the EOF (reading
    at EOF returns at once without yielding to the loop, so a retry loop would freeze every client)."""
    with proxy_to(fake, tmp_path, header_timeout=30) as proxy:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as sock:
            sock.sendall(sent)
            sock.shutdown(socket.SHUT_WR)
            assert _recv_all(sock) == b""
        with Client(proxy.port, timeout=5.0) as client:
            assert client.request("GET", "/livez").status == 200
        _no_upstream(fake, proxy)
