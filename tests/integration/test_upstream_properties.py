"""Property tests of the response side: an upstream that answers with damaged bytes. Whatever it sends,
the client gets a well-formed answer (the relayed response, a truncation, or a provider-shaped 502 or
504 on a connection that stays usable), and the proxy keeps serving."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.infra.client import Client
from tests.integration.support import ANTHROPIC, MESSAGES, post, proxy_to
from tests.support.proxy import ProxyHandle

GOOD = [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nrequest-id: req_1\r\nContent-Length: 11\r\n\r\n"
    b'{"ok":true}',
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"f\r\ndata: {\"a\":1}\n\n\r\n0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"eof\":1}",
]


class ScriptedUpstream:
    """Answers each request with the bytes in ``script`` (then closes): a deliberately broken server."""

    def __init__(self) -> None:
        self.script = b""
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)  # accept() polls, so close() is noticed promptly
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(5.0)
                data = b""
                try:
                    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < len(MESSAGES):
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    conn.sendall(self.script)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScriptedUpstream, ProxyHandle]]:
    upstream = ScriptedUpstream()
    try:
        with proxy_to(f"http://127.0.0.1:{upstream.port}", tmp_path_factory.mktemp("up"),
                      upstream_head_timeout=1.0, upstream_idle_timeout=1.0) as proxy:
            yield upstream, proxy
    finally:
        upstream.close()


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(GOOD)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(raw) - 1))
        edit = draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = draw(st.sampled_from([0, 9, 10, 13, 32, 44, 48, 49, 58, 65, 97, 127, 133, 255]))
        if edit == "replace":
            raw[at] = byte
        elif edit == "insert":
            raw.insert(at, byte)
        else:
            del raw[at]
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]  # and/or the connection drops early
    return bytes(raw)


@settings(max_examples=150, deadline=None)
@given(script=damaged())
def test_a_damaged_upstream_answer_never_confuses_the_client(
    scripted: tuple[ScriptedUpstream, ProxyHandle], script: bytes
) -> None:
    upstream, proxy = scripted
    upstream.script = script
    with Client(proxy.port, timeout=10.0) as client:
        response = post(client, headers=ANTHROPIC)
        if response.status in (502, 504) and response.header(b"server") is None:
            json.loads(response.body)["error"]  # our own provider-shaped error, complete
            assert response.complete
            assert client.request("GET", "/livez").status == 200  # and the client connection stays usable
        else:
            assert 200 <= response.status <= 599 and response.status_line.startswith(b"HTTP/1.1 ")
            assert len(response.header_all(b"content-length")) <= 1
            assert not (response.header(b"content-length") and response.header(b"transfer-encoding"))
    with Client(proxy.port) as fresh:
        assert fresh.request("GET", "/livez").status == 200


@pytest.mark.parametrize(("script", "body"), list(zip(GOOD, [b'{"ok":true}', b'data: {"a":1}\n\n', b"{}",
                                                             b'{"eof":1}'], strict=True)))
def test_the_undamaged_scripts_are_relayed(
    scripted: tuple[ScriptedUpstream, ProxyHandle], script: bytes, body: bytes
) -> None:
    upstream, proxy = scripted
    upstream.script = script
    with Client(proxy.port) as client:
        response = post(client, headers=ANTHROPIC)
    assert response.complete and response.status in (200, 429) and response.body == body


class InjectingUpstream(ScriptedUpstream):
    """Keep-alive server whose first answer on a connection is followed by a second, unsolicited one."""

    INJECTED = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED"

    def __init__(self, *, separate: bool) -> None:
        self.separate = separate
        super().__init__()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._session, args=(conn, self.connections), daemon=True).start()

    def _session(self, conn: socket.socket, number: int) -> None:
        with conn:
            conn.settimeout(5.0)
            data = b""
            for index in range(1, 4):
                try:
                    while data.count(b"\r\n\r\n") < 1 or len(data.split(b"\r\n\r\n", 1)[1]) < len(MESSAGES):
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        data += chunk
                    data = data.split(b"\r\n\r\n", 1)[1][len(MESSAGES):]
                    body = b"conn %d answer %d" % (number, index)
                    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                    if index == 1 and self.separate:
                        conn.sendall(answer)
                        time.sleep(0.05)
                        conn.sendall(self.INJECTED)
                    else:
                        conn.sendall(answer + (self.INJECTED if index == 1 else b""))
                except OSError:
                    return


@pytest.mark.parametrize("separate", [False, True], ids=["same-write", "later-write"])
def test_unsolicited_bytes_after_an_answer_never_reach_the_next_request(tmp_path: Path, separate: bool) -> None:
    upstream = InjectingUpstream(separate=separate)
    try:
        with proxy_to(f"http://127.0.0.1:{upstream.port}", tmp_path) as proxy, Client(proxy.port) as client:
            assert post(client).body == b"conn 1 answer 1"
            time.sleep(0.15)  # the unsolicited answer has arrived by now
            second = post(client).body
            assert second != b"INJECTED" and second.startswith(b"conn ")
    finally:
        upstream.close()


@pytest.mark.parametrize("script", [b"", b"HTTP/1.1 200 OK\r\nContent-"], ids=["nothing", "half-a-head"])
def test_an_upstream_that_closes_before_answering_is_a_502_logged_as_closed(
    scripted: tuple[ScriptedUpstream, ProxyHandle], script: bytes
) -> None:
    upstream, proxy = scripted
    upstream.script = script
    before = upstream.connections
    with Client(proxy.port) as client:
        response = post(client)
        assert response.status == 502 and json.loads(response.body)["type"] == "error"
    assert upstream.connections == before + 1  # a POST is never retried
    last = json.loads(next(line for line in reversed(proxy.log_lines()) if '"event":"request"' in line))
    assert last["error"] == "upstream_closed"


@pytest.mark.parametrize("value", [b",11", b"11, 11", b" ,11,"])
def test_a_list_valued_content_length_reaches_the_client_as_one_number(
    scripted: tuple[ScriptedUpstream, ProxyHandle], value: bytes
) -> None:
    """Found by the property above: ``Content-Length: ,11`` is a valid list; the client got an empty value."""
    upstream, proxy = scripted
    upstream.script = b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\n" + b'{"ok":true}'
    with Client(proxy.port) as client:
        response = post(client)
    assert response.header_all(b"content-length") == [b"11"] and response.body == b'{"ok":true}'
