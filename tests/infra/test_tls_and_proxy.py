"""TLS with trustme certificates, and the CONNECT / absolute-form forward proxy."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.infra.client import Client, request_bytes
from tests.support.connect_proxy import ConnectProxy
from tests.support.fake_provider import FakeProvider
from tests.support.tls import client_context, make_ca, server_context, untrusted_ca, write_ca_pem

STREAM = json.dumps({"model": "m", "stream": True, "messages": []}).encode()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return make_ca()


@pytest.fixture
def tls_provider(ca: trustme.CA) -> Iterator[FakeProvider]:
    fake = FakeProvider(ssl=server_context(ca))
    with fake.running():
        yield fake
    assert fake.errors == []


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost"])
def test_tls_with_a_trusted_ca(tls_provider: FakeProvider, ca: trustme.CA, hostname: str) -> None:
    assert tls_provider.url.startswith("https://127.0.0.1:")
    with Client(tls_provider.port, context=client_context(ca), server_hostname=hostname) as client:
        for _ in range(3):
            assert client.request("GET", "/v1/models").status == 200
    assert tls_provider.connections == 1


def test_ca_pem_file_is_usable_as_a_trust_bundle(tls_provider: FakeProvider, ca: trustme.CA,
                                                 tmp_path: Path) -> None:
    pem = write_ca_pem(ca, tmp_path / "ca.pem")
    context = ssl.create_default_context(cafile=str(pem))
    with Client(tls_provider.port, context=context) as client:
        assert client.request("GET", "/v1/models").status == 200


def test_untrusted_ca_and_wrong_name_fail_verification(ca: trustme.CA) -> None:
    for server_ctx in (server_context(untrusted_ca()), server_context(ca, hosts=("other.example",))):
        fake = FakeProvider(ssl=server_ctx)
        with fake.running():
            with pytest.raises(ssl.SSLCertVerificationError):
                Client(fake.port, context=client_context(ca))
            deadline = time.monotonic() + 10  # hang guard
            while fake.connections < 1 and time.monotonic() < deadline:
                time.sleep(0.002)
        assert fake.connections == 1 and fake.requests == [] and fake.errors == []


def test_client_leaving_a_tls_stream_is_noticed(tls_provider: FakeProvider, ca: trustme.CA) -> None:
    client = Client(tls_provider.port, context=client_context(ca))
    client.send(request_bytes("POST", "/v1/messages", STREAM, [("x-fake-mode", "sse_forever")]))
    client.read_head()
    closed = time.monotonic()
    client.close()
    deadline = time.monotonic() + 10  # hang guard
    while not tls_provider.disconnects:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    assert tls_provider.disconnects[0][1] >= closed  # noticed, and only after the client left


def _connect(proxy: ConnectProxy, target: str, auth: str | None = None) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    head = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if auth is not None:
        head += f"Proxy-Authorization: {auth}\r\n"
    sock.sendall((head + "\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    return sock, answer


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_connect_tunnel_without_auth(provider: FakeProvider) -> None:
    proxy = ConnectProxy()
    with proxy.running():
        sock, answer = _connect(proxy, f"127.0.0.1:{provider.port}")
        with sock:
            assert answer == b"HTTP/1.1 200 Connection Established\r\n\r\n"
            for _ in range(2):
                sock.sendall(request_bytes("GET", "/v1/models"))
                assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
    assert proxy.tunnels == [(f"127.0.0.1:{provider.port}", None)]
    assert provider.connections == 1 and len(provider.requests) == 2
    assert proxy.errors == []


def test_connect_with_required_auth(provider: FakeProvider) -> None:
    proxy = ConnectProxy(require_auth=("user", "s3cret"))
    target = f"127.0.0.1:{provider.port}"
    with proxy.running():
        for auth in (None, _basic("user", "wrong"), "Bearer abc", "Basic !!!"):
            sock, answer = _connect(proxy, target, auth)
            sock.close()
            assert answer.startswith(b"HTTP/1.1 407 Proxy Authentication Required\r\n")
            assert b'Proxy-Authenticate: Basic realm="fake-proxy"' in answer
        assert provider.connections == 0
        sock, answer = _connect(proxy, target, _basic("user", "s3cret"))
        with sock:
            assert answer.startswith(b"HTTP/1.1 200")
    assert [auth for _, auth in proxy.tunnels] == [None, _basic("user", "wrong"), "Bearer abc", "Basic !!!",
                                                   _basic("user", "s3cret")]


def test_connect_refuses_non_loopback_and_reports_unreachable(provider: FakeProvider) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()
    with ConnectProxy().running() as proxy:
        for target in ("169.254.169.254:80", "example.com:443", "10.0.0.1:443"):
            sock, answer = _connect(proxy, target)
            sock.close()
            assert answer.startswith(b"HTTP/1.1 403 ")
        sock, answer = _connect(proxy, f"127.0.0.1:{dead_port}")
        sock.close()
        assert answer.startswith(b"HTTP/1.1 502 ")
    assert provider.connections == 0


def test_tls_through_a_connect_tunnel(tls_provider: FakeProvider, ca: trustme.CA) -> None:
    with ConnectProxy().running() as proxy:
        raw, answer = _connect(proxy, f"localhost:{tls_provider.port}")
        assert answer.startswith(b"HTTP/1.1 200")
        with client_context(ca).wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(request_bytes("GET", "/v1/models", host="localhost"))
            assert tls.recv(4096).startswith(b"HTTP/1.1 200 OK")
    assert tls_provider.requests[0].target == b"/v1/models"


def test_absolute_form_requests_are_forwarded_once(provider: FakeProvider) -> None:
    proxy = ConnectProxy(require_auth=("u", "p"))
    url = f"http://127.0.0.1:{provider.port}/v1/messages?beta=true"
    with proxy.running():
        with Client(proxy.port) as client:
            client.send(request_bytes("POST", url, b'{"model":"m"}',
                                      [("Proxy-Authorization", _basic("u", "p")), ("Connection", "keep-alive")]))
            response = client.read_response()
            assert response.status == 200 and json.loads(response.body)["model"] == "m"
            assert client.read_until_eof() == b""
        with Client(proxy.port) as client:
            client.send(request_bytes("GET", f"http://127.0.0.1:{provider.port}/v1/models"))
            assert client.read_response().status == 407
    (req,) = provider.requests
    assert req.target == b"/v1/messages?beta=true" and req.body == b'{"model":"m"}'
    assert req.header(b"proxy-authorization") is None and req.header(b"connection") == b"close"
    assert proxy.forwarded == [(url, _basic("u", "p")), (f"http://127.0.0.1:{provider.port}/v1/models", None)]
