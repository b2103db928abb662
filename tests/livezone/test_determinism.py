"""Determinism (I4) across processes: a fresh process with a fresh data dir (and another hash seed)
forwards the very same bytes for the same request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.livezone.digest import digest
from tests.support.paths import REPO


def _in_subprocess(data_dir: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "tests.livezone.digest", str(data_dir)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def test_the_edited_body_is_the_same_in_every_process(tmp_path: Path) -> None:
    here = digest(str(tmp_path / "here"))
    decision, compressed, _ = here.split()
    assert decision == "compressed" and int(compressed) == 2  # live json + grep; "done" is too small
    assert _in_subprocess(tmp_path / "one", "1") == here
    assert _in_subprocess(tmp_path / "two", "4242") == here
