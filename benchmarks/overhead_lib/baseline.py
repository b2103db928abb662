"""The published ``headroom-ai`` proxy as a baseline, in a throw-away venv under the temp dir.

The venv lives at ``$TMPDIR/headroom-bench-baseline/headroom-ai-<version>`` and is reused by later
runs once ``.bench-ready`` records a finished install of that version. Its proxy is started as

    headroom proxy --host 127.0.0.1 --port P --no-optimize --no-cache --no-rate-limit
                   --no-telemetry --no-subscription-tracking

with ``ANTHROPIC_TARGET_API_URL`` / ``OPENAI_TARGET_API_URL`` (``…/v1``) / ``GEMINI_TARGET_API_URL``
pointing at the fake provider (the upstream overrides its CLI documents), so it forwards requests
unoptimised, like headroom with ``--compression-mode off``. Rate limiting is off because its default
of 60 requests per minute would answer most benchmark requests with 429. ``HOME`` points into the
run's temp dir, so its state files (``~/.headroom``) do not touch the user's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.overhead_lib.procs import Proc, child_env, free_port, start_logged, wait_ready

PACKAGE = "headroom-ai"
DEFAULT_VERSION = "0.42.0"
INSTALL_TIMEOUT = 1500.0
PROXY_FLAGS = ("--no-optimize", "--no-cache", "--no-rate-limit", "--no-telemetry", "--no-subscription-tracking")


class BaselineUnavailableError(Exception):
    """The baseline could not be installed or started (the reason is the message)."""


@dataclass(frozen=True)
class Baseline:
    version: str
    venv: Path

    @property
    def exe(self) -> Path:
        return self.venv / "bin" / "headroom"


def venv_dir(version: str) -> Path:
    return Path(tempfile.gettempdir()) / "headroom-bench-baseline" / f"{PACKAGE}-{version}"


def _run(command: list[str], log: Path, timeout: float) -> None:
    with log.open("ab") as out:
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, check=False, env=child_env())
        except subprocess.TimeoutExpired as exc:
            raise BaselineUnavailableError(f"{command[2:5]} timed out after {timeout:.0f} s (see {log})") from exc
    if done.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise BaselineUnavailableError(f"{' '.join(command[2:5])} failed ({done.returncode}): {' | '.join(tail)}")


def ensure_installed(version: str, say: Callable[[str], None] = print) -> Baseline:
    """The venv with ``headroom-ai[proxy]==version``: reused when ready, else (re)created."""
    root = venv_dir(version)
    marker = root / ".bench-ready"
    base = Baseline(version, root)
    if marker.exists() and marker.read_text().strip() == version and base.exe.exists():
        return base
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    say(f"installing {PACKAGE}[proxy]=={version} into {root} (once; later runs reuse it)...")
    log = root.parent / f"{PACKAGE}-{version}.install.log"
    log.write_text("")
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", str(root)], log, 300.0)
    python = str(root / "bin" / "python")
    _run([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
          f"{PACKAGE}[proxy]=={version}"], log, INSTALL_TIMEOUT)
    _run([str(base.exe), "proxy", "--help"], log, 120.0)
    marker.write_text(version + "\n")
    say(f"installed in {time.monotonic() - started:.0f} s")
    return base


def start_baseline(base: Baseline, upstream: str, home: Path, log: Path, timeout: float = 120.0) -> tuple[Proc, float]:
    """Start the baseline proxy on a free port; returns it once ``/readyz`` answers 200, and the wait."""
    home.mkdir(parents=True, exist_ok=True)
    env = child_env({
        "HOME": str(home),
        "ANTHROPIC_TARGET_API_URL": upstream,
        "OPENAI_TARGET_API_URL": upstream + "/v1",
        "GEMINI_TARGET_API_URL": upstream,
        "HEADROOM_TELEMETRY": "off",
    })
    port = free_port()
    command = [str(base.exe), "proxy", "--host", "127.0.0.1", "--port", str(port), *PROXY_FLAGS]
    since = time.perf_counter()
    proc = start_logged(f"{PACKAGE} {base.version}", command, log, port, env)
    return proc, wait_ready(proc, "/readyz", timeout, since)
