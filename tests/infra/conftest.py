"""Fixtures: a fake provider served from a background thread, checked for internal errors afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_provider import FakeProvider


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    with fake.running():
        yield fake
    assert fake.errors == []
