"""SIGTERM on a real ``python -m headroom`` process (RELIABILITY.md item 48): stop accepting, close
idle connections, let in-flight exchanges finish with ``Connection: close`` (``/readyz`` says 503
meanwhile), exit 0; past the drain timeout the rest is cancelled; a second SIGTERM exits at once."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.infra.client import Client, request_bytes
from tests.integration.serve_process import ServeProcess, upstream_flags
from tests.integration.support import ANTHROPIC, MESSAGES, STREAM, server_closed, wait_until
from tests.support.fake_provider import FakeProvider


def _serve(fake: FakeProvider, tmp_path: Path, *extra: str) -> ServeProcess:
    return ServeProcess(["--port=0", f"--data-dir={tmp_path / 'data'}", "--log-level=info",
                         *upstream_flags(fake.url), *extra])


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    return False


def _start(port: int, mode: str, body: bytes = STREAM) -> Client:
    client = Client(port, timeout=10.0)
    client.send(request_bytes("POST", "/v1/messages", body, [*ANTHROPIC, ("x-fake-mode", mode)]))
    return client


def test_sigterm_drains_then_exits_0(fake: FakeProvider, tmp_path: Path) -> None:
    with _serve(fake, tmp_path, "--drain-timeout=10") as proxy:
        idle = Client(proxy.port)
        assert idle.request("POST", "/v1/messages", MESSAGES, ANTHROPIC).status == 200
        streaming = _start(proxy.port, "sse_slow:0.1")
        assert streaming.read_head()[0] == b"HTTP/1.1 200 OK"  # head already sent: finishes, then closes
        waiting = _start(proxy.port, "slow_head:1.0", MESSAGES)  # head not yet sent: gets Connection: close
        wait_until(lambda: len(fake.requests) == 3, 5.0, "both exchanges in flight")

        proxy.sigterm()
        proxy.wait_for("draining")
        assert server_closed(idle, 5.0)
        wait_until(lambda: _refused(proxy.port), 5.0, "listener closed")

        answer = waiting.read_response()
        assert answer.status == 200 and answer.complete and answer.header(b"connection") == b"close"
        assert server_closed(waiting)

        body = _chunked_body(streaming)  # the rest of the stream whose head came before the signal
        assert body.endswith(b'event: message_stop\ndata: {"type":"message_stop"}\n\n')
        assert server_closed(streaming)

        assert proxy.wait(15.0) == 0
        assert proxy.wait_for("stopped")["code"] == 0
        assert proxy.stderr == ""
        for client in (idle, streaming, waiting):
            client.close()


def test_a_head_already_arriving_is_answered_and_readyz_says_draining(fake: FakeProvider, tmp_path: Path) -> None:
    with _serve(fake, tmp_path, "--drain-timeout=10") as proxy, Client(proxy.port) as partial:
        # one write: a complete request, then the start of the next head; once the first is answered,
        # the proxy holds the partial head (read with it, parsed right after the answer)
        partial.send(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert partial.read_response().status == 200
        proxy.sigterm()
        proxy.wait_for("draining")
        partial.send(b"\r\n")
        ready = partial.read_response()
        assert (ready.status, json.loads(ready.body)) == (503, {"status": "draining"})
        assert ready.header(b"connection") == b"close" and server_closed(partial)
        assert proxy.wait(10.0) == 0
        assert proxy.stderr == ""


def _chunked_body(client: Client) -> bytes:
    parts = []
    while (line := client._line()) is not None:
        size = int(line, 16)
        if size == 0:
            assert client._line() == b""
            return b"".join(parts)
        parts.append(client._take(size + 2)[:-2])
    raise AssertionError("stream ended without its last chunk")


def test_past_the_drain_timeout_the_rest_is_cancelled_and_the_exit_is_0(fake: FakeProvider, tmp_path: Path) -> None:
    with _serve(fake, tmp_path, "--drain-timeout=0.5") as proxy:
        endless = _start(proxy.port, "sse_forever")
        assert endless.read_head()[0] == b"HTTP/1.1 200 OK"
        proxy.sigterm()
        assert proxy.wait(10.0) == 0
        assert proxy.stderr == ""
        with pytest.raises(AssertionError, match="last chunk"):
            _chunked_body(endless)  # a truncation, never a clean end
        endless.close()
    wait_until(lambda: len(fake.disconnects) == 1, 5.0, "upstream closed")


def test_a_second_sigterm_exits_at_once(fake: FakeProvider, tmp_path: Path) -> None:
    with _serve(fake, tmp_path, "--drain-timeout=60") as proxy:
        endless = _start(proxy.port, "sse_forever")
        assert endless.read_head()[0] == b"HTTP/1.1 200 OK"
        proxy.sigterm()
        proxy.wait_for("draining")
        proxy.sigterm()
        assert proxy.wait(10.0) == 1  # hang guard far below the 60 s drain timeout
        assert proxy.wait_for("stopped")["code"] == 1
        assert proxy.stderr == ""  # no traceback, no "exception never retrieved"
        with pytest.raises(AssertionError, match="last chunk"):
            _chunked_body(endless)
        endless.close()
    wait_until(lambda: len(fake.disconnects) == 1, 5.0, "upstream closed")
