#!/usr/bin/env python3
"""Build ``dist/headroom.pyz``: the headroom package and its runtime dependencies in one shiv zipapp.

Steps:

1. Install the runtime dependencies (``[project].dependencies`` of pyproject.toml) with the pip of
   ``--python`` into a staging site-packages, from a local wheel cache (``build/wheels``) and no
   index. Only when the cache cannot satisfy them is it refilled once with ``pip wheel`` (the only
   step that may use the network), so later builds run offline.
2. Copy the headroom sources and package data (the globs of ``[tool.setuptools.package-data]``)
   next to them; drop console scripts and bytecode; normalise file modes.
3. Zip it with shiv (``--reproducible``, entry point ``headroom.cli:main``, shebang
   ``/usr/bin/env python3``). Timestamps come from ``SOURCE_DATE_EPOCH``, else the time of the git
   HEAD commit, else 1980-01-01, so two builds of the same tree with the same wheels are
   byte-identical.

The zipapp holds compiled extensions (tiktoken, regex, blake3) for the interpreter that installed
them: run it with the same Python minor version.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PACKAGE = "headroom"
DEFAULT_OUTPUT = ROOT / "dist" / "headroom.pyz"
DEFAULT_WHEEL_CACHE = ROOT / "build" / "wheels"
ENTRY_POINT = "headroom.cli:main"
SHEBANG = "/usr/bin/env python3"
ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip entry can hold

Log = Callable[[str], None]


class BuildError(Exception):
    """The build cannot go on; the message says which step failed and why."""


@dataclass(frozen=True, slots=True)
class Built:
    path: Path
    size: int
    sha256: str


def project_metadata(root: Path) -> tuple[list[str], list[str]]:
    """(runtime requirements, package-data globs of the headroom package) from pyproject.toml."""
    with open(root / "pyproject.toml", "rb") as fh:
        data = tomllib.load(fh)
    requirements = list(data["project"]["dependencies"])
    package_data = data.get("tool", {}).get("setuptools", {}).get("package-data", {})
    return requirements, list(package_data.get(PACKAGE, []))


def package_files(root: Path, data_globs: Sequence[str]) -> list[Path]:
    """Every module of the package plus its package data, as sorted paths relative to ``root``."""
    pkg = root / PACKAGE
    found = {p for p in pkg.rglob("*.py") if "__pycache__" not in p.parts}
    for pattern in data_globs:
        found.update(p for p in pkg.glob(pattern) if p.is_file())
    if (pkg / "__init__.py") not in found:
        raise BuildError(f"{pkg} is not a Python package (no __init__.py)")
    return sorted(p.relative_to(root) for p in found)


def source_date_epoch(root: Path, environ: Mapping[str, str]) -> int:
    """SOURCE_DATE_EPOCH if set, else the git HEAD commit time, else 1980-01-01."""
    given = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isascii() or not given.isdigit():
            raise BuildError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, got {given!r}")
        return max(int(given), ZIP_EPOCH)
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ZIP_EPOCH
    return max(int(out), ZIP_EPOCH) if out.isdigit() else ZIP_EPOCH


def _pip_env(hermetic: bool) -> dict[str, str]:
    env = dict(os.environ)
    if hermetic:  # no config file, no PIP_* variable: only the wheel cache counts
        env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(cmd: Sequence[str], env: Mapping[str, str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(cmd), env=dict(env), capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"{what}: cannot run {cmd[0]}: {exc}") from exc


def install_dependencies(python: str, requirements: Sequence[str], target: Path, cache: Path, log: Log) -> None:
    """pip-install ``requirements`` into ``target`` from the wheel cache, filling it first if needed."""
    install = [
        python, "-m", "pip", "install", "--no-index", "--find-links", str(cache), "--target", str(target),
        "--no-compile", "--no-cache-dir", "--no-warn-script-location", "--quiet", *requirements,
    ]
    done = _run(install, _pip_env(hermetic=True), "pip install") if cache.is_dir() else None
    if done is not None and done.returncode == 0:
        log(f"dependencies installed from the wheel cache {cache}")
        return
    log(f"filling the wheel cache {cache} with pip wheel (may use the network)")
    cache.mkdir(parents=True, exist_ok=True)
    fetch = [python, "-m", "pip", "wheel", "--wheel-dir", str(cache), "--quiet", *requirements]
    fetched = _run(fetch, _pip_env(hermetic=False), "pip wheel")
    if fetched.returncode != 0:
        raise BuildError(f"pip wheel failed ({fetched.returncode}):\n{fetched.stderr.strip()}")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    done = _run(install, _pip_env(hermetic=True), "pip install")
    if done.returncode != 0:
        raise BuildError(f"pip install from {cache} failed ({done.returncode}):\n{done.stderr.strip()}")
    log(f"dependencies installed from the wheel cache {cache}")


def copy_package(root: Path, files: Sequence[Path], target: Path) -> None:
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, dest)


def normalise_tree(tree: Path) -> None:
    """Drop console scripts and bytecode; make modes independent of umask and source."""
    shutil.rmtree(tree / "bin", ignore_errors=True)
    for cache_dir in sorted(tree.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache_dir)
    for path in [tree, *tree.rglob("*")]:
        if path.is_symlink():
            raise BuildError(f"unexpected symlink in the staged tree: {path}")
        mode = path.stat().st_mode
        executable = path.is_dir() or bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
        path.chmod(0o755 if executable else 0o644)


def run_shiv(site_packages: Path, output: Path, epoch: int) -> None:
    cmd = [
        sys.executable, "-m", "shiv", "--site-packages", str(site_packages), "--entry-point", ENTRY_POINT,
        "--python", SHEBANG, "--output-file", str(output), "--reproducible", "--compressed",
    ]
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    done = _run(cmd, env, "shiv")
    if done.returncode != 0:
        raise BuildError(f"shiv failed ({done.returncode}):\n{(done.stderr or done.stdout).strip()}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build(
    output: Path = DEFAULT_OUTPUT,
    python: str = sys.executable,
    cache: Path = DEFAULT_WHEEL_CACHE,
    root: Path = ROOT,
    log: Log = print,
) -> Built:
    """Build the zipapp at ``output`` (replaced atomically) and describe it."""
    requirements, data_globs = project_metadata(root)
    files = package_files(root, data_globs)
    epoch = source_date_epoch(root, os.environ)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="headroom-pyz-") as tmp:
        site_packages = Path(tmp) / "site-packages"
        site_packages.mkdir()
        install_dependencies(python, requirements, site_packages, cache.resolve(), log)
        if (site_packages / PACKAGE).exists():
            raise BuildError(f"a dependency installed a top-level {PACKAGE!r} package")
        copy_package(root, files, site_packages)
        normalise_tree(site_packages)
        partial = output.with_name(f".{output.name}.partial")
        try:
            run_shiv(site_packages, partial, epoch)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return Built(output, output.stat().st_size, sha256_of(output))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the headroom zipapp with shiv.")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the .pyz")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose pip installs the dependencies (default: this one)")
    parser.add_argument("--wheel-cache", type=Path, default=DEFAULT_WHEEL_CACHE,
                        help="local wheel cache used instead of an index")
    args = parser.parse_args(argv)
    try:
        built = build(args.output, args.python, args.wheel_cache)
    except BuildError as exc:
        print(f"build_zipapp: error: {exc}", file=sys.stderr)
        return 1
    print(f"{built.path}  {built.size} bytes ({built.size / 2**20:.1f} MiB)  sha256 {built.sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
