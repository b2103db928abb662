"""Helpers for end-to-end tests of the built zipapp: build it once, run it in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import build_zipapp

# -I: ignore PYTHON* variables and the user site; -S: no site-packages of the test interpreter, so
# every third-party import (tiktoken, blake3, ...) must come from inside the zipapp.
ISOLATED = ("-I", "-S")
# Proxies that refuse every connection: any download attempt fails fast instead of reaching out.
NO_NETWORK_ENV = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "all_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
    "PIP_NO_INDEX": "1",
}


def build_pyz(output: Path) -> Path:
    """Build the zipapp at ``output`` from this checkout, reusing the wheel cache under build/."""
    return build_zipapp.build(output=output, log=lambda _msg: None).path


def pyz_env(pyz: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a test run gets: ours without HEADROOM_*/SHIV_* variables, SHIV_ROOT beside
    the pyz (never ~/.shiv), then ``env`` on top."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HEADROOM_", "SHIV_"))}
    base["SHIV_ROOT"] = str(pyz.parent / "shiv-root")
    base.update(env or {})
    return base


def run_pyz(
    pyz: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    python: str = sys.executable,
    flags: Sequence[str] = ISOLATED,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python <flags> <pyz> <args>`` and capture its text output (never raises on exit status)."""
    return subprocess.run(
        [python, *flags, str(pyz), *args],
        env=pyz_env(pyz, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or pyz.parent,
        check=False,
    )
