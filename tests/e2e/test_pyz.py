"""The built zipapp: CLI, selftest, offline start, self-containment and reproducibility."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from headroom import __version__
from tests.e2e.support import ISOLATED, NO_NETWORK_ENV, build_pyz, pyz_env, run_pyz


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_print_config_shows_the_flag_source(pyz_path: Path) -> None:
    done = run_pyz(pyz_path, "print-config", "--port", "9999")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^port\s+= 9999\s+# flag$", done.stdout, re.M), done.stdout
    assert re.search(r"^host\s+= 127\.0\.0\.1\s+# default$", done.stdout, re.M), done.stdout


def test_env_setting_is_picked_up(pyz_path: Path) -> None:
    done = run_pyz(pyz_path, "print-config", env={"HEADROOM_LOG_LEVEL": "debug"})
    assert done.returncode == 0, done.stderr
    assert re.search(r"^log_level\s+= debug\s+# env$", done.stdout, re.M), done.stdout


def test_version(pyz_path: Path) -> None:
    done = run_pyz(pyz_path, "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"headroom {__version__}")


def test_selftest_passes_with_a_fresh_data_dir(pyz_path: Path, tmp_path: Path) -> None:
    data = tmp_path / "state" / "headroom"
    done = run_pyz(pyz_path, "selftest", "--data-dir", str(data))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "selftest ok" in done.stdout
    assert not re.search(r"^FAIL", done.stdout, re.M)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700 and list(data.iterdir()) == []


def test_selftest_fails_on_an_unwritable_data_dir(pyz_path: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    done = run_pyz(pyz_path, "selftest", "--data-dir", str(blocker / "data"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(rf"^FAIL data dir .*cannot create {re.escape(str(blocker / 'data'))}: Not a directory",
                     done.stdout, re.M), done.stdout
    assert "selftest FAILED" in done.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["print-config", "--port", "abc"], {}, "headroom: error: --port: expected a non-negative integer, got 'abc'"),
        (["selftest", "--compression-mode", "max"], {}, "--compression-mode: 'max' is not one of off, live_zone"),
        (["print-config"], {"HEADROOM_PORT": "70000"}, "HEADROOM_PORT: 70000 is above the maximum 65535"),
        (["print-config"], {"HEADROOM_PROT": "1"}, "unknown environment variable(s): HEADROOM_PROT"),
        (["print-config", "--no-such-flag"], {}, "unrecognized arguments: --no-such-flag"),
    ],
)
def test_bad_settings_exit_2_with_a_clear_message(
    pyz_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    done = run_pyz(pyz_path, *args, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_dependencies_come_from_the_zipapp(pyz_path: Path, tmp_path: Path) -> None:
    probe = subprocess.run([sys.executable, *ISOLATED, "-c", "import tiktoken"], capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("the test interpreter sees tiktoken even with -S; cannot prove self-containment")
    done = run_pyz(pyz_path, "selftest", "--data-dir", str(tmp_path / "d"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^ok   tokenizer ", done.stdout, re.M)


def _offline_selftest(pyz: Path, tmp_path: Path, prefix: list[str]) -> None:
    shiv_root, tiktoken_cache = tmp_path / "shiv", tmp_path / "tiktoken-cache"
    tiktoken_cache.mkdir()
    env = {**NO_NETWORK_ENV, "SHIV_ROOT": str(shiv_root), "TIKTOKEN_CACHE_DIR": str(tiktoken_cache)}
    cmd = [*prefix, sys.executable, *ISOLATED, str(pyz), "selftest", "--data-dir", str(tmp_path / "d")]
    done = subprocess.run(cmd, env=pyz_env(pyz, env), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(tiktoken_cache.iterdir()) == []  # nothing was downloaded or cached by tiktoken
    extracted = list(shiv_root.iterdir())
    assert any(p.name.startswith(f"{pyz.name}_") for p in extracted), extracted  # cold start: unpacked here


def test_runs_with_download_attempts_blocked(pyz_path: Path, tmp_path: Path) -> None:
    _offline_selftest(pyz_path, tmp_path, [])


def test_runs_in_a_network_namespace_with_no_network(pyz_path: Path, tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--net", "true"], capture_output=True, check=False).returncode:
        pytest.skip("cannot create a network namespace here (needs unshare and privileges)")
    _offline_selftest(pyz_path, tmp_path, [unshare, "--net"])


def test_runs_under_the_system_python_of_the_unit(pyz_path: Path, tmp_path: Path) -> None:
    python = _system_python()
    done = run_pyz(pyz_path, "selftest", "--data-dir", str(tmp_path / "d"), python=python, flags=())
    assert done.returncode == 0, done.stdout + done.stderr


def _system_python() -> str:
    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.skip("no /usr/bin/python3")
    version = subprocess.run([str(system), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=False).stdout.strip()
    if version != str(sys.version_info[:2]):
        pytest.skip(f"/usr/bin/python3 is {version}, the zipapp was built for {sys.version_info[:2]}")
    return str(system)


def test_selftest_as_an_unprivileged_user_with_a_read_only_data_dir(pyz_path: Path) -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to drop to an unprivileged user")
    python = _system_python()
    nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        base.chmod(0o755)
        pyz = base / "headroom.pyz"
        shutil.copyfile(pyz_path, pyz)
        pyz.chmod(0o644)
        (base / "ro").mkdir(mode=0o500)
        (base / "shiv").mkdir()
        for path in (base / "ro", base / "shiv"):
            os.chown(path, 65534, 65534)
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "SHIV_ROOT": str(base / "shiv")}
        cmd = [setpriv, *nobody, python, str(pyz), "selftest", "--data-dir", str(base / "ro")]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 1, done.stdout + done.stderr
        assert re.search(r"^FAIL data dir .* is not writable: Permission denied", done.stdout, re.M), done.stdout
        # without a writable SHIV_ROOT (and no writable home) the zipapp cannot even unpack
        del env["SHIV_ROOT"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode != 0 and "Permission denied: '/nonexistent'" in done.stderr


def test_archive_layout(pyz_path: Path) -> None:
    assert pyz_path.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(pyz_path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        env = zf.read("environment.json").decode()
    for required in ("headroom/cli.py", "headroom/data/SHA256SUMS", "headroom/data/o200k_base.tiktoken.gz",
                     "headroom/data/cl100k_base.tiktoken.gz", "tiktoken/__init__.py", "blake3/__init__.py"):
        assert f"site-packages/{required}" in names, required
    assert not [n for n in names if n.endswith(".pyc") or "/bin/" in n or "__pycache__" in n]
    assert len({i.date_time for i in infos}) == 1  # one fixed timestamp
    assert '"entry_point": "headroom.cli:main"' in env


def test_build_is_reproducible(pyz_path: Path, tmp_path: Path) -> None:
    again = build_pyz(tmp_path / "elsewhere" / "headroom.pyz")
    assert sha256(again) == sha256(pyz_path)
