"""SIGTERM on a real ``python -m headroom`` process (RELIABILITY.md item 48): stop accepting, close
idle connections, let in-flight exchanges finish with ``Connection: close`` (``/readyz`` says 503
meanwhile), exit 0; past the drain timeout the rest is cancelled; a second SIGTERM exits at once."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.infra.client import Client, request_bytes
from tests.integration.serve_process import ServeProcess, upstream_flags
from tests.integration.support import ANTHROPIC, STREAM, wait_until
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


def _chunked_body(client: Client) -> bytes:
    parts = []
    while (line := client._line()) is not None:
        size = int(line, 16)
        if size == 0:
            assert client._line() == b""
            return b"".join(parts)
        parts.append(client._take(size + 2)[:-2])
    raise AssertionError("stream ended without its last chunk")


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
