"""Fixtures for the live-server tests: a fake provider in a background thread (checked for internal
errors afterwards) and a proxy pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.support import proxy_to
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    with provider.running():
        yield provider
    assert provider.errors == []


@pytest.fixture
def proxy(fake: FakeProvider, tmp_path: Path) -> Iterator[ProxyHandle]:
    with proxy_to(fake, tmp_path) as handle:
        yield handle
