"""WebSocket upgrades through the live proxy, against the fake Codex backend (RFC 6455 handshake,
frames both ways, closes from each side, half-close, idle timeout, refusals)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.integration.support import rst_close, wait_until
from tests.support.connect_proxy import ConnectProxy
from tests.support.fake.websocket import CODEX_HEADERS, FakeCodexBackend
from tests.support.proxy import ProxyHandle, make_settings, running_proxy
from tests.support.tls import make_ca, server_context, write_ca_pem
from tests.support.websocket import BINARY, CLOSE, PING, PONG, TEXT, WsClient, accept_key, close_payload, encode_frame

KEY = [("Authorization", "Bearer sk-proj-test")]
CODEX = [*KEY, ("Sec-WebSocket-Protocol", "codex, other"), ("Sec-WebSocket-Extensions", "permessage-deflate"),
         ("OpenAI-Beta", "responses_websockets=2026-02-06"), ("x-codex-window-id", "w:0"),
         ("X-OpenAI-Internal-Codex-Responses-Lite", "true")]


def request_lines(proxy: ProxyHandle) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in proxy.log_lines()]
    return [line for line in lines if line.get("event") == "request"]


def tunnel_log(proxy: ProxyHandle) -> dict[str, object]:
    wait_until(lambda: any(line.get("decision") == "websocket" for line in request_lines(proxy)), what="tunnel log")
    return next(line for line in request_lines(proxy) if line.get("decision") == "websocket")


def echo(ws: WsClient, opcode: int, payload: bytes) -> None:
    ws.send(opcode, payload)
    frame = ws.recv()
    assert (frame.opcode, frame.payload, frame.masked) == (opcode, payload, False)


def test_handshake_is_relayed_both_ways(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    with WsClient(proxy.port) as ws:
        status, headers = ws.open("/v1/responses", CODEX)
        assert status == 101
        got = dict((k.lower(), v) for k, v in headers)
        assert got[b"sec-websocket-accept"] == accept_key(ws.key)
        assert (got[b"upgrade"], got[b"connection"], got[b"sec-websocket-protocol"]) == (b"websocket", b"Upgrade",
                                                                                          b"codex")
        assert [h for h in headers if h[0].lower().startswith(b"x-codex-")] == CODEX_HEADERS
        assert got[b"headroom-upstream-request-id"] == b"req_ws_1"
        echo(ws, TEXT, b"ready")
    (req,) = backend.requests
    assert (req.method, req.target) == (b"GET", b"/v1/responses")
    sent = ws.handshake_bytes("/v1/responses", CODEX).split(b"\r\n")[2:-2]
    expected = [tuple(line.split(b": ", 1)) for line in sent if not line.startswith(b"X-OpenAI-Internal")]
    assert req.headers == [(b"Host", f"127.0.0.1:{backend.port}".encode()), *expected]


def test_frames_both_ways(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    big = os.urandom(70_000)  # 64-bit length field
    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        echo(ws, TEXT, '{"type":"response.create","input":"é漢🎉"}'.encode())
        echo(ws, BINARY, big)
        echo(ws, BINARY, b"")
        echo(ws, TEXT, b"x" * 300)  # 16-bit length field
        ws.send(PING, b"p")
        assert (ws.recv().opcode, ws.pending) == (PONG, [])
    assert [f.payload for f in backend.frames][:2] == ['{"type":"response.create","input":"é漢🎉"}'.encode(), big]
    assert all(f.masked for f in backend.frames)


def test_bytes_sent_behind_the_handshake_and_the_101_are_kept(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    early = encode_frame(TEXT, b"early", mask=b"\x01\x02\x03\x04")
    with WsClient(proxy.port) as ws:
        status, _ = ws.open("/v1/responses", [*KEY, ("x-fake-ws", "greet")], early=early)
        assert status == 101
        assert ws.recv().payload == b"hello"  # the upstream wrote it together with its 101
        assert ws.recv().payload == b"early"
    assert backend.frames[0].payload == b"early"


def test_close_from_the_client(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        echo(ws, TEXT, b"bye soon")
        ws.send(CLOSE, close_payload(1000, b"done"))
        frame = ws.recv()
        assert (frame.opcode, frame.close_code) == (CLOSE, 1000)
        assert ws.at_eof()
    assert backend.events == ["close"]
    line = tunnel_log(proxy)
    assert (line["status"], line["tunnel_end"], line["api"]) == (101, "closed", "openai.responses")
    assert line["bytes_up"] > 0 and line["bytes_out"] > 0
    assert proxy.server.pool.idle_count() == 0


def test_close_from_the_server(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        ws.send(TEXT, b"close-please")
        frame = ws.recv()
        assert (frame.opcode, frame.close_code, frame.payload[2:]) == (CLOSE, 1000, b"bye")
        ws.send(CLOSE, frame.payload[:2])
        assert ws.at_eof()
    assert backend.events == ["closed-by-server"]
    assert tunnel_log(proxy)["tunnel_end"] == "closed"


def test_half_close_travels_both_ways(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        ws.send(TEXT, b"last words")
        ws.sock.shutdown(socket.SHUT_WR)
        assert ws.recv().payload == b"last words"
        assert ws.recv().payload == b"eof-seen"  # the upstream saw our EOF and could still answer
        assert ws.at_eof()
    assert backend.events == ["eof"]


def test_a_half_close_while_the_handshake_is_pending_is_passed_on(backend: FakeCodexBackend,
                                                                  proxy: ProxyHandle) -> None:
    """The client sends its handshake and a frame, then shuts its sending side before the 101: a
    half-close, not a departure; the tunnel still opens and passes the EOF on after the frame."""
    with WsClient(proxy.port) as ws:
        ws.sock.sendall(ws.handshake_bytes("/v1/responses", [*KEY, ("x-fake-ws", "slow")])
                        + encode_frame(TEXT, b"early", mask=os.urandom(4)))
        ws.sock.shutdown(socket.SHUT_WR)
        status, _, rest = ws.read_head()
        assert status == 101
        ws.pending.extend(ws.parser.feed(rest))
        assert ws.recv().payload == b"early"
        assert ws.recv().payload == b"eof-seen"
        assert ws.at_eof()
    assert backend.events == ["eof"]


def test_a_client_that_leaves_closes_the_upstream(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    ws = WsClient(proxy.port)
    assert ws.open("/v1/responses", KEY)[0] == 101
    echo(ws, TEXT, b"x")
    rst_close(ws.sock)
    wait_until(lambda: backend.events != [], what="upstream side closed")
    assert backend.events[0] in ("eof", "reset")
    assert tunnel_log(proxy)["tunnel_end"] in ("closed", "reset")


def test_tunnel_over_tls_upstream(tmp_path: Path) -> None:
    ca = make_ca()
    backend = FakeCodexBackend(ssl=server_context(ca))
    with backend.running():
        settings = make_settings(backend.url, str(tmp_path), ca_bundle=write_ca_pem(ca, tmp_path / "ca.pem"))
        with running_proxy(settings) as proxy:
            with WsClient(proxy.port) as ws:
                assert backend.url.startswith("https://")
                assert ws.open("/v1/responses", KEY)[0] == 101
                echo(ws, BINARY, os.urandom(300_000))
                ws.send(CLOSE, close_payload(1000))
                assert ws.recv().opcode == CLOSE and ws.at_eof()
            assert tunnel_log(proxy)["tunnel_end"] == "closed"
    assert backend.errors == [] and backend.events == ["close"]


def test_a_client_fin_closes_a_tls_upstream_at_once(tmp_path: Path) -> None:
    """TLS has no half-close: the client's EOF closes the upstream connection (close_notify) instead
    of leaving the tunnel open until the idle timeout (here 60 s, far past the wait)."""
    ca = make_ca()
    backend = FakeCodexBackend(ssl=server_context(ca))
    with backend.running():
        settings = make_settings(backend.url, str(tmp_path), ca_bundle=write_ca_pem(ca, tmp_path / "ca.pem"),
                                 upstream_idle_timeout=60)
        with running_proxy(settings) as proxy:
            ws = WsClient(proxy.port)
            assert ws.open("/v1/responses", KEY)[0] == 101
            echo(ws, TEXT, b"bye")
            ws.sock.close()
            wait_until(lambda: backend.events != [], what="the TLS upstream sees the end", timeout=10.0)
            assert tunnel_log(proxy)["tunnel_end"] == "closed"
    assert backend.events[0] in ("eof", "reset")


def test_idle_tunnel_is_closed(backend: FakeCodexBackend, tmp_path: Path) -> None:
    settings = make_settings(backend.url, str(tmp_path), upstream_idle_timeout=0.3)
    with running_proxy(settings) as proxy, WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        echo(ws, TEXT, b"then silence")
        assert ws.at_eof(wait=5.0)
        wait_until(lambda: backend.events != [], what="upstream side closed")
        assert tunnel_log(proxy)["tunnel_end"] == "idle"


def test_disabled_websocket_is_refused_with_426(backend: FakeCodexBackend, tmp_path: Path) -> None:
    settings = make_settings(backend.url, str(tmp_path), websocket="disabled")
    with running_proxy(settings) as proxy, WsClient(proxy.port) as ws:
        ws.sock.sendall(ws.handshake_bytes("/v1/responses", KEY))
        status, headers, rest = ws.read_response()
        assert status == 426
        assert (b"Connection", b"close") in headers and (b"Content-Type", b"application/json") in headers
        error = json.loads(rest)["error"]
        assert "--websocket disabled" in error["message"] and error["type"] == "invalid_request_error"
        assert ws.at_eof()
    assert backend.requests == []


@pytest.mark.parametrize(
    ("path", "headers", "shape"),
    [
        ("/v1/chat/completions", KEY, "error"),
        ("/v1/responses/compact", KEY, "error"),
        ("/v1/messages", [("x-api-key", "sk-ant-x"), ("anthropic-version", "2023-06-01")], "type"),
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", [("x-goog-api-key", "g")], "error"),
    ],
)
def test_websocket_on_other_routes_is_refused(
    backend: FakeCodexBackend, proxy: ProxyHandle, path: str, headers: list[tuple[str, str]], shape: str
) -> None:
    with WsClient(proxy.port) as ws:
        ws.sock.sendall(ws.handshake_bytes(path, headers))
        status, _, rest = ws.read_response()
        assert status == 426
        assert shape in json.loads(rest)
        assert ws.at_eof()
    assert backend.requests == []


def test_a_non_101_answer_is_relayed_and_the_connection_closed(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    with WsClient(proxy.port) as ws:
        ws.sock.sendall(ws.handshake_bytes("/v1/responses", [*KEY, ("x-fake-ws", "refuse")]))
        status, headers, rest = ws.read_response()
        assert status == 403
        assert json.loads(rest)["error"]["message"] == "fake backend refuses the socket"
        assert (b"Connection", b"close") in headers
        assert [h for h in headers if h[0].lower().startswith(b"x-codex-")] == CODEX_HEADERS
        assert ws.at_eof()
    line = next(line for line in request_lines(proxy) if line.get("decision") == "websocket")
    assert line["status"] == 403 and "tunnel_end" not in line


def test_a_switch_to_another_protocol_is_a_502(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    with WsClient(proxy.port) as ws:
        ws.sock.sendall(ws.handshake_bytes("/v1/responses", [*KEY, ("x-fake-ws", "h2c")]))
        status, _, rest = ws.read_response()
        assert status == 502
        assert "WebSocket" in json.loads(rest)["error"]["message"]
        assert ws.at_eof()


def test_an_unreachable_upstream_is_a_502(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings = make_settings(f"http://127.0.0.1:{port}", str(tmp_path))
    with running_proxy(settings) as proxy, WsClient(proxy.port) as ws:
        ws.sock.sendall(ws.handshake_bytes("/v1/responses", KEY))
        status, _, rest = ws.read_response()
        assert status == 502 and "error" in json.loads(rest)


def test_other_upgrades_on_responses_are_ignored(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    body = b'{"model":"m","input":"hi"}'
    raw = (b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
           b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    with WsClient(proxy.port) as ws:
        ws.sock.sendall(raw)
        status, _, _ = ws.read_response()
        assert status == 200
    (req,) = backend.requests
    assert (req.method, req.body) == (b"POST", body)
    assert not {k.lower() for k, _ in req.headers} & {b"upgrade", b"connection", b"http2-settings"}


@pytest.mark.parametrize(
    ("path", "headers", "upstream"),
    [
        ("/v1/responses", [("ChatGPT-Account-Id", "acct-1"), ("Authorization", "Bearer opaque")],
         b"/backend-api/codex/responses"),
        ("/backend-api/codex/responses", [("ChatGPT-Account-Id", "acct-1")], b"/backend-api/codex/responses"),
        ("/v1/codex/responses", [("ChatGPT-Account-Id", "acct-1")], b"/backend-api/codex/responses"),
        ("/v1/codex/responses", KEY, b"/v1/responses"),
    ],
)
def test_websocket_aliases_and_chatgpt_routing(
    backend: FakeCodexBackend, proxy: ProxyHandle, path: str, headers: list[tuple[str, str]], upstream: bytes
) -> None:
    with WsClient(proxy.port) as ws:
        assert ws.open(path, headers)[0] == 101
        echo(ws, TEXT, b"routed")
    assert [r.target for r in backend.requests] == [upstream]


def test_tunnels_never_reuse_or_pool_connections(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    from tests.infra.client import Client

    with Client(proxy.port) as http:  # leaves one pooled connection to the backend
        assert http.request("POST", "/v1/responses", b"{}", KEY).status == 200
    wait_until(lambda: proxy.server.pool.idle_count() == 1, what="a pooled connection")
    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        echo(ws, TEXT, b"fresh")
        ws.send(CLOSE, close_payload(1000))
        assert ws.recv().opcode == CLOSE and ws.at_eof()
    tunnel_log(proxy)
    assert backend.requests[0].conn_id != backend.requests[1].conn_id
    assert proxy.server.pool.idle_count() == 1


def test_drain_ends_open_tunnels_after_its_grace(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    async def drain() -> None:
        proxy.server.begin_drain()
        await proxy.server.wait_drained(0.3)

    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        echo(ws, TEXT, b"still open")
        proxy.call(drain())
        assert ws.at_eof()
    wait_until(lambda: backend.events != [], what="upstream side closed")


def test_a_tunnel_cut_by_the_drain_still_logs_its_line(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    async def drain() -> None:
        proxy.server.begin_drain()
        await proxy.server.wait_drained(0.3)

    with WsClient(proxy.port) as ws:
        assert ws.open("/v1/responses", KEY)[0] == 101
        echo(ws, TEXT, b"12345")
        proxy.call(drain())
        assert ws.at_eof()
    line = tunnel_log(proxy)
    assert line["tunnel_end"] == "cancelled" and line["status"] == 101
    assert (line["bytes_up"], line["bytes_out"]) == (2 + 4 + 5, 2 + 5)  # a masked frame up, its echo down


def test_a_handshake_during_the_drain_is_refused(backend: FakeCodexBackend, proxy: ProxyHandle) -> None:
    async def begin() -> None:
        proxy.server.begin_drain()

    with WsClient(proxy.port) as ws:
        head = ws.handshake_bytes("/v1/responses", KEY)
        ws.sock.sendall(head[:20])  # the connection is in flight when the drain begins
        wait_until(lambda: len(proxy.server._conns) == 1, what="the connection accepted")
        proxy.call(begin())
        ws.sock.sendall(head[20:])
        data = b""
        while chunk := ws.sock.recv(4096):  # the refusal closes the connection
            data += chunk
    assert data.startswith(b"HTTP/1.1 426 ") and b"shutting down" in data
    assert backend.requests == []


def test_a_tunnel_through_an_outbound_https_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handshake goes through HTTPS_PROXY (CONNECT, then TLS to the upstream inside it) like any
    request; frames then travel both ways through both tunnels."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    ca = make_ca()
    backend = FakeCodexBackend(ssl=server_context(ca))
    outbound = ConnectProxy()
    with backend.running(), outbound.running():
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{outbound.port}")
        settings = make_settings(backend.url, str(tmp_path), ca_bundle=write_ca_pem(ca, tmp_path / "ca.pem"))
        with running_proxy(settings) as proxy:
            with WsClient(proxy.port) as ws:
                assert ws.open("/v1/responses", KEY)[0] == 101
                echo(ws, BINARY, os.urandom(100_000))
                ws.send(CLOSE, close_payload(1000))
                assert ws.recv().opcode == CLOSE and ws.at_eof()
            assert tunnel_log(proxy)["tunnel_end"] == "closed"
    assert [host for host, _ in outbound.tunnels] == [f"127.0.0.1:{backend.port}"]
    assert outbound.errors == [] and backend.errors == [] and backend.events == ["close"]
