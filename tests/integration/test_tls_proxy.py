"""Outbound TLS and HTTP(S)_PROXY through the live proxy: a trustme CA via --ca-bundle, CONNECT
tunnels with Proxy-Authorization from the proxy URL's userinfo, NO_PROXY, and proxy failures.

``UpstreamPool`` reads the environment when the server is built, so each test sets it first."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra.client import Client
from tests.integration.support import post, proxy_to
from tests.support.connect_proxy import ConnectProxy
from tests.support.fake_provider import TEXT, FakeProvider

PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy", "ALL_PROXY",
              "all_proxy")


@pytest.fixture(autouse=True)
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def connect_proxy() -> Iterator[ConnectProxy]:
    proxy = ConnectProxy(require_auth=("user@corp", "p:ss w0rd"))
    with proxy.running():
        yield proxy
    assert proxy.errors == []


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _proxy_url(proxy: ConnectProxy, userinfo: str = "user%40corp:p%3Ass%20w0rd") -> str:
    return f"http://{userinfo}@127.0.0.1:{proxy.port}"


def _ok(response_body: bytes) -> bool:
    return TEXT in json.loads(response_body)["content"][0]["text"]


def test_tls_upstream_through_https_proxy_with_credentials(
    tls_fake: FakeProvider, connect_proxy: ConnectProxy, ca_pem: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", _proxy_url(connect_proxy))
    with proxy_to(tls_fake, tmp_path, ca_bundle=ca_pem) as proxy, Client(proxy.port) as client:
        response = post(client)
        assert response.status == 200 and _ok(response.body)
        assert post(client).status == 200  # the tunnelled TLS connection is pooled
    assert connect_proxy.tunnels == [(f"127.0.0.1:{tls_fake.port}", _basic("user@corp", "p:ss w0rd"))]
    assert tls_fake.connections == 1 and len(tls_fake.requests) == 2
    assert tls_fake.requests[0].header(b"proxy-authorization") is None  # only the proxy sees credentials


def test_plain_upstream_through_http_proxy(
    fake: FakeProvider, connect_proxy: ConnectProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", _proxy_url(connect_proxy))
    with proxy_to(fake, tmp_path) as proxy, Client(proxy.port) as client:
        assert post(client).status == 200
    assert [target for target, _ in connect_proxy.tunnels] == [f"127.0.0.1:{fake.port}"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.0/8", "*", "example.com, 127.0.0.1"])
def test_no_proxy_goes_direct(
    tls_fake: FakeProvider, connect_proxy: ConnectProxy, ca_pem: Path, tmp_path: Path, *,
    monkeypatch: pytest.MonkeyPatch, no_proxy: str,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", _proxy_url(connect_proxy))
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with proxy_to(tls_fake, tmp_path, ca_bundle=ca_pem) as proxy, Client(proxy.port) as client:
        assert post(client).status == 200
    assert connect_proxy.connections == 0 and tls_fake.connections == 1


def test_a_407_from_the_outbound_proxy_is_a_502(
    tls_fake: FakeProvider, connect_proxy: ConnectProxy, ca_pem: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", _proxy_url(connect_proxy, "user%40corp:wrong"))
    with proxy_to(tls_fake, tmp_path, ca_bundle=ca_pem) as proxy, Client(proxy.port) as client:
        response = post(client)
        assert response.status == 502
        assert json.loads(response.body)["error"]["type"] == "api_error"
        assert b"407" in response.body
        assert client.request("GET", "/livez").status == 200  # the client connection stays usable
    assert tls_fake.connections == 0


def test_an_unreachable_outbound_proxy_is_a_502(
    fake: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    with proxy_to(fake, tmp_path) as proxy, Client(proxy.port) as client:
        assert post(client).status == 502
    assert fake.connections == 0


def test_the_upstream_certificate_is_checked_inside_the_tunnel(
    tls_fake: FakeProvider, connect_proxy: ConnectProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a proxy, TLS still verifies the upstream (no --ca-bundle here: the test CA is unknown)."""
    monkeypatch.setenv("HTTPS_PROXY", _proxy_url(connect_proxy))
    with proxy_to(tls_fake, tmp_path) as proxy, Client(proxy.port) as client:
        response = post(client)
    assert response.status == 502 and b"certificate" in response.body
    assert tls_fake.requests == [] and len(connect_proxy.tunnels) == 1
