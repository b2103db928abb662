from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from headroom.store import SQLiteStore
from tests.store.support import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_store(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., SQLiteStore]]:
    """Open stores under tmp_path/data (fake clock, no background thread unless asked); all closed after."""
    opened: list[SQLiteStore] = []

    def make(**kwargs: Any) -> SQLiteStore:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("background", False)
        store = SQLiteStore(kwargs.pop("data_dir", tmp_path / "data"), **kwargs)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[..., SQLiteStore]) -> SQLiteStore:
    return open_store()
