"""Regressions from the code review: smuggling via Connection options, pipelined garbage, pool
hygiene after an over-long answer, internal errors answered with 500."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from headroom.exchange import Exchange
from tests.integration.support import proxy_to, wait_until
from tests.support.fake_provider import FakeProvider
from tests.support.http_client import Conn
from tests.support.proxy import ProxyHandle

GOOD = b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"
BODY = b'{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}'


def _post(extra: bytes = b"") -> bytes:
    return (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\n" + extra
            + b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


def test_a_connection_option_naming_content_length_is_refused(proxy: ProxyHandle, fake: FakeProvider) -> None:
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nConnection: Content-Length\r\n"
           b"Content-Length: " + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled)
    with Conn(proxy.port) as c:
        c.send(raw)
        resp = c.read_response(b"POST")
    assert resp is not None and resp.status == 400
    assert fake.connections == 0 and fake.requests == []


def test_a_bad_request_pipelined_behind_a_good_one_gets_400(proxy: ProxyHandle) -> None:
    with Conn(proxy.port) as c:
        c.send(GOOD + b"GET /livez HTTP/1.1\r\nBad Header: x\r\n\r\n")
        first = c.read_response()
        second = c.read_response()
        assert first is not None and first.status == 200
        assert second is not None and second.status == 400
        assert c.is_closed()
    errors = [line for line in proxy.log_lines() if '"internal_error"' in line]
    assert errors == []


class _OverlongUpstream:
    """Answers each request with a complete response followed by bytes it should not send."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            buf = b""
            try:
                while True:
                    while b"\r\n\r\n" not in buf:
                        data = conn.recv(65536)
                        if not data:
                            return
                        buf += data
                    head, _, rest = buf.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    while len(rest) < length:
                        rest += conn.recv(65536)
                    buf = rest[length:]
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                                 b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray")
            except OSError:
                return

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def overlong() -> Iterator[_OverlongUpstream]:
    up = _OverlongUpstream()
    try:
        yield up
    finally:
        up.close()


def test_a_connection_with_bytes_after_the_answer_is_not_reused(overlong: _OverlongUpstream, tmp_path: Path) -> None:
    with proxy_to(f"http://127.0.0.1:{overlong.port}", tmp_path, compression_mode="off") as handle:
        bodies = []
        for _ in range(3):
            with Conn(handle.port) as c:
                c.send(_post())
                resp = c.read_response(b"POST")
                assert resp is not None and resp.status == 200
                bodies.append(resp.body)
    assert bodies == [b"{}"] * 3  # never the stray answer
    assert overlong.connections == 3  # each connection was discarded, not pooled


def test_an_internal_error_is_answered_500_and_the_server_keeps_serving(
    proxy: ProxyHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Exchange, client: object, req: object) -> bool:
        raise RuntimeError("injected bug")

    monkeypatch.setattr(Exchange, "handle", broken)
    with Conn(proxy.port) as c:
        c.send(_post())
        resp = c.read_response(b"POST")
        assert resp is not None and resp.status == 500
        assert c.is_closed()
    wait_until(lambda: any('"internal_error"' in line for line in proxy.log_lines()), what="internal_error log")
    record = next(json.loads(line) for line in proxy.log_lines() if '"internal_error"' in line)
    assert "injected bug" in record["error"]
    monkeypatch.undo()
    with Conn(proxy.port) as c:
        c.send(GOOD)
        again = c.read_response()
    assert again is not None and again.status == 200


def test_a_client_leaving_after_pipelining_still_releases_the_upstream(proxy: ProxyHandle, fake: FakeProvider) -> None:
    hanging = _post(b"x-fake-mode: hang\r\n")
    with Conn(proxy.port) as c:
        c.send(hanging)
        wait_until(lambda: len(fake.requests) == 1, what="the hanging request upstream")
        time.sleep(0.05)  # let the disconnect watcher start
        c.send(GOOD)  # pipelined while the first waits: the watcher reads it ahead
        time.sleep(0.05)
    # the client is gone: the proxy must notice although it had already read pipelined bytes
    wait_until(lambda: len(fake.disconnects) == 1, timeout=5.0, what="the upstream connection closed")
