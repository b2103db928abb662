"""Fixtures for the Codex tests: the fake Codex backend (a stand-in for chatgpt.com, WebSocket
included) and a proxy whose OpenAI and ChatGPT upstreams both point at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake.websocket import FakeCodexBackend
from tests.support.proxy import ProxyHandle, make_settings, running_proxy


@pytest.fixture
def backend() -> Iterator[FakeCodexBackend]:
    server = FakeCodexBackend()
    with server.running():
        yield server
    assert server.errors == []


@pytest.fixture
def proxy(backend: FakeCodexBackend, tmp_path: Path) -> Iterator[ProxyHandle]:
    settings = make_settings(backend.url, str(tmp_path), chatgpt_upstream=backend.url + "/backend-api/codex")
    with running_proxy(settings) as handle:
        yield handle
