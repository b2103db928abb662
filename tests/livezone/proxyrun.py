"""Drive a headroom proxy (in-process, background thread) in front of the fake provider."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.infra.client import Client, Response
from tests.livezone.bodies import Captured
from tests.support.fake_provider import FakeProvider, RecordedRequest
from tests.support.proxy import ProxyHandle, make_settings, running_proxy


@dataclass(frozen=True)
class Sent:
    """One request as the client sent it, as the upstream received it, and the client's answer."""

    client: bytes
    upstream: bytes
    upstream_headers: list[tuple[bytes, bytes]]
    response: Response
    log: dict[str, Any]


@contextmanager
def proxy(fake: FakeProvider, data_dir: str, **overrides: Any) -> Iterator[ProxyHandle]:
    with running_proxy(make_settings(fake.url, data_dir, **overrides)) as handle:
        yield handle


def request_logs(handle: ProxyHandle) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in handle.log_lines()]
    return [rec for rec in lines if rec.get("event") == "request"]


def wait_logs(handle: ProxyHandle, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The request log lines once there are ``count`` (the line is written after the response)."""
    deadline = time.monotonic() + timeout
    while len(logs := request_logs(handle)) < count and time.monotonic() < deadline:
        time.sleep(0.002)
    return logs


def post(handle: ProxyHandle, fake: FakeProvider, body: bytes, headers: Sequence[tuple[bytes, bytes]],
         target: bytes = b"/v1/messages") -> Sent:
    """POST ``body`` through the proxy; return what the upstream saw and what the client got."""
    head = b"POST " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(k + b": " + v + b"\r\n" for k, v in headers)
    head += b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    seen = len(fake.requests)
    logged = len(request_logs(handle))
    with Client(handle.port, timeout=30) as client:
        client.send(head + body)
        response = client.read_response()
    return _sent(handle, fake, body, response, seen=seen, logged=logged)


def replay(handle: ProxyHandle, fake: FakeProvider, requests: Sequence[Captured]) -> list[Sent]:
    """Send captured requests through the proxy on one keep-alive connection, in order."""
    out = []
    with Client(handle.port, timeout=30) as client:
        for req in requests:
            seen = len(fake.requests)
            logged = len(request_logs(handle))
            client.send(req.raw(handle.port))
            response = client.read_response()
            out.append(_sent(handle, fake, req.body, response, seen=seen, logged=logged))
    return out


def _sent(handle: ProxyHandle, fake: FakeProvider, body: bytes, response: Response, *, seen: int,
          logged: int) -> Sent:
    assert len(fake.requests) == seen + 1, "the request did not reach the upstream exactly once"
    upstream: RecordedRequest = fake.requests[-1]
    logs = wait_logs(handle, logged + 1)
    assert len(logs) == logged + 1, "expected exactly one request log line"
    return Sent(body, upstream.body, list(upstream.headers), response, logs[-1])


def is_messages(sent: Sent) -> bool:
    return sent.log.get("api") == "anthropic.messages"
