"""Property tests over the live server: what reaches the upstream does not depend on how the client's
bytes were split into writes; arbitrary header lists travel in order and case; garbage never reaches
the upstream and never stops the proxy from serving the next client."""

from __future__ import annotations

import contextlib
import itertools
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.infra.client import Client
from tests.integration.support import HOP_BY_HOP, expected_upstream_headers, host_of, proxy_to
from tests.support.fake.conn import Conn
from tests.support.fake.http1 import RecordedRequest, RequestError
from tests.support.fake_provider import FakeProvider
from tests.support.http_corpus import load_cases
from tests.support.proxy import ProxyHandle
from tests.wire.strategies import TCHARS

SPLIT_CASES = [c for c in load_cases() if c.name in (
    "valid-chunked-extensions-trailers", "valid-claude-code-post", "valid-pipelined-three",
    "valid-expect-continue", "valid-obs-text-value")]
_VALUE_BYTES = [b for b in range(256) if b == 9 or 0x20 <= b <= 0x7E or b >= 0x80]
_EDGE = [b for b in _VALUE_BYTES if b not in (9, 0x20)]


class RecordingFake(FakeProvider):
    """The fake provider, also noting every request it refused as malformed (a proxy bug if any)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    async def _reject(self, conn: Conn, exc: RequestError) -> None:
        self.refused.append(exc.reason)
        await super()._reject(conn, exc)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RecordingFake, ProxyHandle]]:
    fake = RecordingFake()
    with fake.running(), proxy_to(fake, tmp_path_factory.mktemp("props"), header_timeout=2.0,
                                  body_idle_timeout=2.0) as proxy:
        yield fake, proxy
    assert fake.errors == [] and fake.refused == []


def _seen(fake: FakeProvider) -> list[tuple[bytes, bytes, list[tuple[bytes, bytes]], bytes]]:
    return [(r.method, r.target, r.headers, r.body) for r in fake.requests]


def _send_in_pieces(port: int, raw: bytes, cuts: list[int], answers: int) -> None:
    with Client(port) as client:
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        bounds = [0, *sorted(set(cuts)), len(raw)]
        for start, end in itertools.pairwise(bounds):
            client.send(raw[start:end])
            time.sleep(0.001)  # give the proxy a chance to read each piece on its own
        for _ in range(answers):
            assert client.read_response().header(b"server") == b"fake-provider"


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(SPLIT_CASES), data=st.data())
def test_the_upstream_sees_the_same_requests_whatever_the_split(
    live: tuple[FakeProvider, ProxyHandle], case: object, data: st.DataObject
) -> None:
    fake, proxy = live
    raw: bytes = case.raw  # type: ignore[attr-defined]
    answers = len(case.parser["requests"])  # type: ignore[attr-defined]
    fake.reset()
    _send_in_pieces(proxy.port, raw, [], answers)
    whole = _seen(fake)
    cuts = data.draw(st.lists(st.integers(1, len(raw) - 1), max_size=6))
    fake.reset()
    _send_in_pieces(proxy.port, raw, cuts, answers)
    assert _seen(fake) == whole


@st.composite
def header_lists(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    names = st.lists(st.sampled_from(list(TCHARS)), min_size=1, max_size=12).map(bytes).filter(
        lambda n: n.lower() not in HOP_BY_HOP | {b"host", b"content-length", b"expect"}
        and not n.lower().startswith(b"x-headroom-"))
    inner = st.lists(st.sampled_from(_VALUE_BYTES), max_size=20)
    values = st.one_of(st.just(b""), st.tuples(st.sampled_from(_EDGE), inner, st.sampled_from(_EDGE)).map(
        lambda t: bytes([t[0], *t[1], t[2]])))
    return draw(st.lists(st.tuples(names, values), max_size=12))


@settings(max_examples=100, deadline=None)
@given(extra=header_lists())
def test_any_header_list_reaches_the_upstream_in_order_and_case(
    live: tuple[FakeProvider, ProxyHandle], extra: list[tuple[bytes, bytes]]
) -> None:
    fake, proxy = live
    body = b'{"model":"m","messages":[]}'
    sent = [(b"Host", b"127.0.0.1"), (b"x-api-key", b"k"), *extra, (b"Content-Length", b"%d" % len(body))]
    fake.reset()
    with Client(proxy.port) as client:
        client.send(b"POST /v1/messages HTTP/1.1\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in sent)
                    + b"\r\n" + body)
        assert client.read_response().status == 200
    (got,) = fake.requests
    assert isinstance(got, RecordedRequest)
    assert got.headers == expected_upstream_headers(sent, host_of(fake)) and got.body == body


@settings(max_examples=100, deadline=None)
@given(garbage=st.binary(min_size=1, max_size=300))
def test_garbage_never_reaches_the_upstream(live: tuple[FakeProvider, ProxyHandle], garbage: bytes) -> None:
    """Random bytes then EOF: a 4xx/5xx answer or a silent close; no upstream; the next client is served.
    (Random bytes that happen to form a complete valid request are astronomically unlikely.)"""
    fake, proxy = live
    fake.reset()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as sock:
        try:
            sock.sendall(garbage)
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            answer = b""  # closed while unread bytes were pending: a reset is a close too
    assert answer == b"" or answer[:10] in (b"HTTP/1.1 4", b"HTTP/1.1 5")
    assert fake.requests == [] and fake.connections == 0
    with Client(proxy.port) as client:
        assert client.request("GET", "/livez").status == 200


def test_the_split_cases_exist() -> None:
    assert len(SPLIT_CASES) == 5  # a renamed corpus case must not silently shrink the property above


VALID = [c for c in load_cases() if c.server["status"] == "forward" and c.name != "valid-absolute-form-configured"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid corpus request with a few bytes replaced, inserted or deleted."""
    raw = bytearray(draw(st.sampled_from(VALID)).raw)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw) - 1))
        edit = draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = draw(st.sampled_from([0, 9, 10, 13, 32, 44, 48, 58, 59, 65, 127, 133, 255]))
        if edit == "replace":
            raw[at] = byte
        elif edit == "insert":
            raw.insert(at, byte)
        else:
            del raw[at]
    return bytes(raw)


@settings(max_examples=150, deadline=None)
@given(raw=mutated())
def test_a_damaged_request_then_eof_never_upsets_the_proxy(live: tuple[RecordingFake, ProxyHandle], raw: bytes) -> None:
    """Whatever the proxy makes of a damaged request followed by a half-close, it answers with a status
    line or nothing, closes, and keeps serving the next client."""
    _fake, proxy = live
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as sock:
        answer = b""
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    assert answer == b"" or answer.startswith(b"HTTP/1.1 ")
    with Client(proxy.port) as client:
        assert client.request("GET", "/livez").status == 200


@settings(max_examples=60, deadline=None)
@given(raw=mutated())
def test_whatever_a_damaged_request_becomes_upstream_parses_cleanly(
    live: tuple[RecordingFake, ProxyHandle], raw: bytes
) -> None:
    """The proxy answers, forwards or waits for more; anything it forwarded is well-formed at the strict
    fake provider (the fixture asserts it refused nothing)."""
    fake, proxy = live
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5.0) as sock:
        sock.sendall(raw)
        sock.settimeout(0.2)  # a request still waiting for bytes is simply abandoned
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while sock.recv(65536):
                pass
    assert fake.refused == []
