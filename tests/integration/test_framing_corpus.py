"""The HTTP/1.1 conformance corpus (fixtures/http, RELIABILITY.md items 1-26 and 33) against the live
server over loopback, with the fake provider as every upstream.

Rejected cases: the status, the close (or a still-usable connection), a provider-shaped JSON body, and
no-up (the fake provider saw no connection and no request; the proxy opened no upstream connection).
Forwarded cases: every request reached the upstream in order, with the body SHA-256 of the corpus and
the client's headers in order and case minus hop-by-hop ones, Host rewritten; answers came back in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.infra.client import Client
from tests.integration.support import expected_upstream_headers, host_of, proxy_to, server_closed, still_usable
from tests.support.fake_provider import FakeProvider
from tests.support.http_corpus import HttpCase, load_cases
from tests.support.proxy import ProxyHandle

CASES = load_cases()
ABSOLUTE = "valid-absolute-form-configured"
DEFAULT_ANTHROPIC = b"https://api.anthropic.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeProvider, ProxyHandle]]:
    fake = FakeProvider()
    with fake.running(), proxy_to(fake, tmp_path_factory.mktemp("framing")) as handle:
        yield fake, handle
    assert fake.errors == []


def _latin1(pairs: list[list[str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def _send(client: Client, raw: bytes) -> None:
    # the proxy may answer and close before an oversized request was fully written
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        client.send(raw)


def _assert_no_upstream(fake: FakeProvider, proxy: ProxyHandle, opened: int) -> None:
    assert fake.requests == [], [r.raw_head for r in fake.requests]
    assert fake.connections == 0
    assert proxy.server.pool.opened == opened


def _check_reject(client: Client, case: HttpCase) -> None:
    expected = case.server
    response = client.read_response()
    assert response.status == expected["status"], (response.status_line, response.body)
    assert response.interim == []
    assert response.header(b"content-type") == b"application/json"
    json.loads(response.body)
    if expected["close"]:
        assert response.header(b"connection") == b"close"
        assert server_closed(client), "the proxy kept a connection it must close"
    else:
        assert still_usable(client)


def _check_forward(client: Client, case: HttpCase, fake: FakeProvider) -> None:
    sent = case.parser["requests"]
    for _ in sent:
        response = client.read_response()
        assert response.header(b"server") == b"fake-provider", (response.status_line, response.body)
        assert response.status != 101
    assert len(fake.requests) == len(sent)
    for want, got in zip(sent, fake.requests, strict=True):
        target = want["target"].encode("latin-1")
        if not target.startswith(b"/"):
            target = b"/" + target.split(b"/", 3)[3]
        assert (got.method, got.target, got.version) == (want["method"].encode(), target, b"HTTP/1.1")
        assert hashlib.sha256(got.body).hexdigest() == want["body_sha256"]
        assert got.headers == expected_upstream_headers(_latin1(want["headers"]), host_of(fake))
    if case.raw.split(b"\r\n", 1)[0].endswith(b"HTTP/1.0"):
        assert server_closed(client), "an HTTP/1.0 connection must not persist"
    else:
        assert still_usable(client)


def _configured_absolute(case: HttpCase, fake: FakeProvider) -> HttpCase:
    """The absolute-form case names the default Anthropic origin; here the configured Anthropic origin
    is the fake provider, so the same request names that origin instead (everything else unchanged)."""
    raw = case.raw.replace(DEFAULT_ANTHROPIC, fake.url.encode(), 1)
    return replace(case, raw=raw)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case_over_the_live_server(live: tuple[FakeProvider, ProxyHandle], case: HttpCase) -> None:
    fake, proxy = live
    if case.name == ABSOLUTE:
        case = _configured_absolute(case, fake)
    fake.reset()
    opened = proxy.server.pool.opened
    with Client(proxy.port, timeout=5.0) as client:
        _send(client, case.raw)
        if case.server["status"] == "forward":
            _check_forward(client, case, fake)
        else:
            _check_reject(client, case)
            _assert_no_upstream(fake, proxy, opened)


def test_absolute_form_naming_an_unconfigured_origin_is_refused(live: tuple[FakeProvider, ProxyHandle]) -> None:
    """The same corpus request, unchanged (it names api.anthropic.com, which is not configured here)."""
    fake, proxy = live
    case = next(c for c in CASES if c.name == ABSOLUTE)
    fake.reset()
    opened = proxy.server.pool.opened
    with Client(proxy.port) as client:
        _send(client, case.raw)
        response = client.read_response()
        assert response.status == 403
        assert server_closed(client)  # the unread body forbids keeping the connection
    _assert_no_upstream(fake, proxy, opened)


def test_every_reliability_item_of_the_framing_corpus_is_covered() -> None:
    covered = {item for case in CASES for item in case.items}
    assert {*range(1, 27), 33} <= covered
