"""Where the shared design material and captured client traffic live (outside the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """The ``shared/`` folder beside the checkout (``../shared``), or $SHARED_DIR."""
    env = os.environ.get("SHARED_DIR")
    if env:
        return Path(env) if (Path(env) / "corpus").is_dir() else None
    for parent in REPO.parents:
        candidate = parent / "shared"
        if (candidate / "corpus").is_dir():
            return candidate
    return None


def corpus_dir() -> Path:
    """The corpus directory, or skip the calling test with a clear message."""
    shared = shared_dir()
    if shared is None:
        pytest.skip("../shared/corpus is absent: captured-traffic tests skipped")
    return shared / "corpus"
