"""Helpers shared by the live-server integration tests (real loopback sockets, fake provider upstream)."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.infra.client import Client, Response
from tests.support.fake_provider import FakeProvider
from tests.support.http_client import peer_closed
from tests.support.proxy import ProxyHandle, make_settings, running_proxy

ANTHROPIC = [("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01"), ("Content-Type", "application/json")]
OPENAI = [("Authorization", "Bearer sk-test"), ("Content-Type", "application/json")]
GEMINI = [("x-goog-api-key", "g-test"), ("Content-Type", "application/json")]
# RFC 9110 section 7.6.1 connection-specific fields plus the framing ones; stated here, independent of
# the implementation under test
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"transfer-encoding",
                        b"trailer", b"upgrade", b"proxy-authorization", b"proxy-authenticate"})
MESSAGES = json.dumps({"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}).encode()
STREAM = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()


@contextmanager
def proxy_to(fake: FakeProvider | str, data_dir: Path, **overrides: Any) -> Iterator[ProxyHandle]:
    """A running proxy whose three upstreams point at ``fake`` (or the given URL)."""
    url = fake if isinstance(fake, str) else fake.url
    with running_proxy(make_settings(url, str(data_dir), **overrides)) as handle:
        yield handle


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> float:
    """Poll ``predicate`` until true; returns the seconds it took (hang guard, not a timing assertion)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.005)
    return time.monotonic() - start


def post(client: Client, body: bytes = MESSAGES, *, mode: str | None = None, path: str = "/v1/messages",
         headers: list[tuple[str, str]] | None = None) -> Response:
    extra = [("x-fake-mode", mode)] if mode else []
    return client.request("POST", path, body, [*(headers if headers is not None else ANTHROPIC), *extra])


def server_closed(client: Client, wait: float = 2.0) -> bool:
    """True when the proxy closed the connection (EOF or reset) within ``wait`` seconds."""
    return peer_closed(client, wait)


def still_usable(client: Client) -> bool:
    """The connection answers another request (a local one: no upstream traffic)."""
    response = client.request("GET", "/livez")
    return response.status == 200


def expected_upstream_headers(
    sent: list[tuple[bytes, bytes]], host: bytes, *, strip_internal: bool = True
) -> list[tuple[bytes, bytes]]:
    """What the upstream must see for a client's header list: order and case kept; hop-by-hop,
    Connection-nominated, Expect and (by default) x-headroom-* removed; Host rewritten (or added
    first for an HTTP/1.0 client that sent none); Transfer-Encoding kept only for chunked bodies."""
    nominated = {t.strip(b" \t").lower() for k, v in sent if k.lower() == b"connection" for t in v.split(b",")}
    chunked = any(k.lower() == b"transfer-encoding" for k, _ in sent)
    out: list[tuple[bytes, bytes]] = []
    for name, value in sent:
        lname = name.lower()
        internal = strip_internal and lname.startswith(b"x-headroom-")
        if lname == b"transfer-encoding" and chunked:
            out.append((name, value))
        elif lname in HOP_BY_HOP or lname in nominated or lname == b"expect" or internal:
            continue
        elif lname == b"host":
            out.append((name, host))
        else:
            out.append((name, value))
    if not any(k.lower() == b"host" for k, _ in out):
        out.insert(0, (b"Host", host))
    return out


def host_of(fake: FakeProvider) -> bytes:
    return f"{fake.host}:{fake.port}".encode()


def proxy_tasks(handle: ProxyHandle) -> int:
    """How many tasks are alive in the proxy's event loop."""

    async def count() -> int:
        return len([t for t in asyncio.all_tasks() if not t.done()])

    return int(handle.call(count()))


def rst_close(sock: socket.socket) -> None:
    """Close with a TCP reset (an abrupt client disconnect)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
