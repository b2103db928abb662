"""A client that leaves (RELIABILITY.md item 47): the upstream exchange is abandoned at once, nothing
is pooled, nothing leaks (tasks, "exception never retrieved", ResourceWarning: the suite makes those
errors), and the abort is logged."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.client import Client, request_bytes
from tests.integration.support import ANTHROPIC, MESSAGES, STREAM, proxy_tasks, proxy_to, rst_close, wait_until
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle

GENEROUS = 0.5  # seconds; RELIABILITY says ~100 ms, this only guards against "never" or "at a timeout"


@pytest.fixture
def watched(fake: FakeProvider, tmp_path: Path) -> Iterator[tuple[ProxyHandle, list[dict[str, Any]]]]:
    """A proxy whose event loop records every exception it would otherwise only log."""
    with proxy_to(fake, tmp_path) as proxy:
        errors: list[dict[str, Any]] = []

        async def install() -> None:
            asyncio.get_running_loop().set_exception_handler(lambda _loop, context: errors.append(context))

        proxy.call(install())
        yield proxy, errors


def _settled(proxy: ProxyHandle, baseline: int) -> None:
    wait_until(lambda: not proxy.server._conns, 5.0, "client connection released")
    wait_until(lambda: proxy_tasks(proxy) == baseline, 5.0, "proxy tasks back to baseline")
    assert proxy.server.pool.idle_count() == 0


@pytest.mark.parametrize("abrupt", [False, True], ids=["fin", "rst"])
def test_leaving_while_waiting_for_the_head_closes_the_upstream(
    fake: FakeProvider, watched: tuple[ProxyHandle, list[dict[str, Any]]], abrupt: bool
) -> None:
    proxy, errors = watched
    baseline = proxy_tasks(proxy)
    client = Client(proxy.port)
    client.send(request_bytes("POST", "/v1/messages", MESSAGES, [*ANTHROPIC, ("x-fake-mode", "hang")]))
    wait_until(lambda: len(fake.requests) == 1, 5.0, "request forwarded")
    left = time.monotonic()
    rst_close(client.sock) if abrupt else client.close()
    wait_until(lambda: len(fake.disconnects) == 1, 5.0, "upstream closed")
    assert fake.disconnects[0][1] - left < GENEROUS
    _settled(proxy, baseline)
    assert errors == []


@pytest.mark.parametrize("abrupt", [False, True], ids=["fin", "rst"])
def test_leaving_mid_stream_closes_the_upstream(
    fake: FakeProvider, watched: tuple[ProxyHandle, list[dict[str, Any]]], abrupt: bool
) -> None:
    proxy, errors = watched
    baseline = proxy_tasks(proxy)
    client = Client(proxy.port)
    client.send(request_bytes("POST", "/v1/messages", STREAM, [*ANTHROPIC, ("x-fake-mode", "sse_forever")]))
    assert client.read_head()[0] == b"HTTP/1.1 200 OK"
    while client.buf.count(b"content_block_delta") < 5:
        assert client._fill()
    left = time.monotonic()
    rst_close(client.sock) if abrupt else client.close()
    wait_until(lambda: len(fake.disconnects) == 1, 5.0, "upstream closed")
    assert fake.disconnects[0][1] - left < GENEROUS
    _settled(proxy, baseline)
    assert errors == []


def test_a_normal_exchange_leaves_no_task_behind(fake: FakeProvider, watched: tuple[ProxyHandle, Any]) -> None:
    proxy, errors = watched
    baseline = proxy_tasks(proxy)
    with Client(proxy.port) as client:
        assert client.request("POST", "/v1/messages", STREAM, ANTHROPIC).status == 200
    wait_until(lambda: proxy_tasks(proxy) == baseline, 5.0, "proxy tasks back to baseline")
    assert errors == []


def _aborts(proxy: ProxyHandle) -> list[dict[str, Any]]:
    return [rec for line in proxy.log_lines() if (rec := json.loads(line))["event"] == "client_abort"]


def test_a_client_abort_is_logged_once_per_abandoned_exchange(fake: FakeProvider, proxy: ProxyHandle) -> None:
    with Client(proxy.port) as done:
        assert done.request("POST", "/v1/messages?key=secret", MESSAGES, ANTHROPIC).status == 200
    for count, (mode, body) in enumerate((("hang", MESSAGES), ("sse_forever", STREAM)), start=2):
        client = Client(proxy.port)
        client.send(request_bytes("POST", "/v1/messages?key=secret", body, [*ANTHROPIC, ("x-fake-mode", mode)]))
        wait_until(lambda n=count: len(fake.requests) == n, 5.0, "request forwarded")
        client.close()
    wait_until(lambda: len(_aborts(proxy)) == 2, 5.0, "two aborts logged")
    assert [(a["method"], a["target"], a["provider"]) for a in _aborts(proxy)] == [
        ("POST", "/v1/messages?key=<redacted>", "anthropic")
    ] * 2
