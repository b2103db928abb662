"""Fixtures for the live-server tests: a fake provider in a background thread (checked for internal
errors afterwards) and a proxy pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.integration.support import proxy_to
from tests.support.fake_provider import FakeProvider
from tests.support.proxy import ProxyHandle
from tests.support.tls import make_ca, server_context, write_ca_pem


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


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return make_ca()


@pytest.fixture
def ca_pem(test_ca: trustme.CA, tmp_path: Path) -> Path:
    return write_ca_pem(test_ca, tmp_path / "ca.pem")


@pytest.fixture
def tls_fake(test_ca: trustme.CA) -> Iterator[FakeProvider]:
    """The fake provider over TLS, with a certificate for 127.0.0.1/localhost signed by ``test_ca``."""
    provider = FakeProvider(ssl=server_context(test_ca))
    with provider.running():
        yield provider
    assert provider.errors == []
