"""The Headroom baseline: PyPI ``headroom-ai`` in a throw-away venv, run in a subprocess.

The venv lives under ``tempfile.gettempdir()`` keyed by version and is reused between runs (a stamp
file marks a finished install; a lock file keeps two benchmark runs from building it at once). It is
never a project dependency and never touches the project's environment. The worker runs with
``python -I`` (so our ``headroom`` package can never shadow theirs), a fresh temporary ``HOME`` (its
caches and stores start empty, so runs are repeatable) and ``HEADROOM_OFFLINE=1`` plus the Hugging
Face offline switches: this host has no model hub, so its ML compressor (Kompress) is unavailable and
Headroom takes the same fallback it takes anywhere the model cannot load.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fixtures.compression.sample import Sample

DEFAULT_VERSION = "0.42.0"
MODES = ("default", "lossless", "lossy")
WORKER = Path(__file__).with_name("headroom_worker.py")
INSTALL_TIMEOUT = 900.0
RUN_TIMEOUT = 900.0


class BaselineUnavailableError(Exception):
    """The baseline could not be installed or run; the message says why."""


@dataclass(frozen=True, slots=True)
class Output:
    text: str
    seconds: float
    strategy: str
    error: str


@dataclass(slots=True)
class Baseline:
    version: str
    outputs: dict[str, dict[str, Output]] = field(default_factory=dict)  # mode -> sample name -> output


def venv_dir(version: str) -> Path:
    return Path(tempfile.gettempdir()) / f"headroom-bench-venv-{version}"


def _python(root: Path) -> Path:
    return root / "bin" / "python"


def _run(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BaselineUnavailableError(f"{cmd[0]} {cmd[1] if len(cmd) > 1 else ''}: {exc}") from exc


def _tail(text: str, limit: int = 240) -> str:
    """The gist of a tool's stderr: its last ERROR line (else its last line), shortened."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    gist = (errors or lines or ["no output"])[-1]
    return gist if len(gist) <= limit else gist[: limit - 1] + "…"


def ensure_venv(version: str, log: Callable[[str], None]) -> Path:
    """The venv's python, installing ``headroom-ai==version`` on first use."""
    root = venv_dir(version)
    stamp = root / ".bench-installed"
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f"{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == version and _python(root).exists():
            return _python(root)
        log(f"baseline: installing headroom-ai=={version} into {root} (one-time) ...")
        done = _run([sys.executable, "-m", "venv", "--clear", str(root)], 120.0)
        if done.returncode != 0:
            raise BaselineUnavailableError(f"venv creation failed: {_tail(done.stderr)}")
        pip = [str(_python(root)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = _run([*pip, f"headroom-ai=={version}"], INSTALL_TIMEOUT)
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise BaselineUnavailableError(f"pip install headroom-ai=={version} failed: {_tail(done.stderr)}")
        stamp.write_text(version)
        return _python(root)


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env.update(
        HOME=home,
        HEADROOM_OFFLINE="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HEADROOM_TELEMETRY="off",
        HEADROOM_BEACON="off",
        DO_NOT_TRACK="1",
    )
    return env


def _read(path: Path, version: str) -> Baseline:
    base = Baseline(version)
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if "meta" in row:
                base.version = str(row["meta"].get("version", version))
                continue
            out = Output(row["output"], float(row["seconds"]), row["strategy"], row["error"])
            base.outputs.setdefault(row["mode"], {})[row["id"]] = out
    return base


def run(samples: list[Sample], version: str, modes: tuple[str, ...], log: Callable[[str], None]) -> Baseline:
    """Every sample through every mode; raises ``BaselineUnavailableError`` when that cannot be done."""
    python = ensure_venv(version, log)
    with tempfile.TemporaryDirectory(prefix="headroom-bench-") as tmp:
        src, dst = Path(tmp) / "samples.jsonl", Path(tmp) / "outputs.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for s in samples:
                f.write(json.dumps({"id": s.name, "text": s.text, "query": s.query}, ensure_ascii=False) + "\n")
        home = Path(tmp) / "home"
        home.mkdir()
        cmd = [str(python), "-I", str(WORKER), str(src), str(dst), ",".join(modes)]
        done = _run(cmd, RUN_TIMEOUT, env=_env(str(home)))
        if done.returncode != 0 or not dst.exists():
            raise BaselineUnavailableError(f"worker failed (exit {done.returncode}): {_tail(done.stderr)}")
        base = _read(dst, version)
    missing = [m for m in modes if len(base.outputs.get(m, {})) != len(samples)]
    if missing:
        raise BaselineUnavailableError(f"worker returned incomplete results for modes {missing}")
    return base
