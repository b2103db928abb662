"""Fixtures for end-to-end tests: ``pyz_path`` is the zipapp built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_zipapp import BuildError
from tests.e2e.support import build_pyz


@pytest.fixture(scope="session")
def pyz_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist-like ``headroom.pyz`` in a session tmp dir (SHIV_ROOT for run_pyz is beside it)."""
    out = tmp_path_factory.mktemp("pyz") / "headroom.pyz"
    try:
        return build_pyz(out)
    except BuildError as exc:
        pytest.fail(f"building the zipapp failed: {exc}")
