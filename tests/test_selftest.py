from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import pytest
import trustme

from headroom import selftest, tokens
from headroom.cli import main
from headroom.config import Settings


def run(settings: Settings) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = selftest.run_selftest(settings, out)
    return code, out.getvalue().splitlines()


def line_of(lines: list[str], check: str) -> str:
    found = [ln for ln in lines if ln[5:].split("  ")[0].strip() == check]
    assert len(found) == 1, (check, lines)
    return found[0]


def test_all_checks_pass_on_a_fresh_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "state" / "headroom"
    code, lines = run(Settings(data_dir=str(data)))
    assert code == 0, lines
    assert len(lines) == len(selftest.CHECKS) + 1
    assert all(ln.startswith("ok   ") for ln in lines[:-1]), lines
    assert lines[-1].startswith(f"selftest ok: all {len(selftest.CHECKS)} checks")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert list(data.iterdir()) == []  # probe file and sqlite files removed
    settings_line = line_of(lines, "settings")
    assert f"data_dir={data}" in settings_line and "port=8787" in settings_line


def test_data_dir_under_a_file_fails_with_a_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, lines = run(Settings(data_dir=str(blocker / "data")))
    assert code == 1
    data_line = line_of(lines, "data dir")
    assert data_line.startswith("FAIL") and f"cannot create {blocker / 'data'}: Not a directory" in data_line
    assert "not checked" in line_of(lines, "sqlite")
    assert line_of(lines, "tokenizer").startswith("ok")  # later checks still ran
    assert lines[-1].startswith("selftest FAILED: 2 of")


def test_data_dir_that_is_a_file_fails(tmp_path: Path) -> None:
    target = tmp_path / "state"
    target.write_text("x")
    code, lines = run(Settings(data_dir=str(target)))
    assert code == 1
    assert "exists and is not a directory" in line_of(lines, "data dir")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_read_only_data_dir_fails(tmp_path: Path) -> None:
    data = tmp_path / "ro"
    data.mkdir(mode=0o500)
    try:
        code, lines = run(Settings(data_dir=str(data)))
    finally:
        data.chmod(0o700)
    assert code == 1
    assert "is not writable: Permission denied" in line_of(lines, "data dir")


def test_loose_data_dir_mode_is_reported(tmp_path: Path) -> None:
    data = tmp_path / "loose"
    data.mkdir()
    data.chmod(0o755)
    code, lines = run(Settings(data_dir=str(data)))
    assert code == 0
    assert "mode 0755 (readable by others" in line_of(lines, "data dir")


def test_tampered_rank_file_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = tokens.expected_hashes()
    monkeypatch.setattr(tokens, "expected_hashes", lambda: {**real, "cl100k_base": "0" * 64})
    code, lines = run(Settings(data_dir=str(tmp_path)))
    assert code == 1
    assert "cl100k_base: SHA-256" in line_of(lines, "bundled data")
    assert line_of(lines, "bundled data").startswith("FAIL")


def test_wrong_tokenizer_is_caught(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cl100k = tokens.encoding("cl100k_base")
    monkeypatch.setattr(tokens, "encoding", lambda name="o200k_base": cl100k)
    code, lines = run(Settings(data_dir=str(tmp_path)))
    assert code == 1
    assert "encodes to [15339, 1917], expected [24912, 2375]" in line_of(lines, "tokenizer")


def test_missing_tokenizer_data_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(name: str = "o200k_base") -> object:
        raise tokens.TokenizerDataError(f"{name}: cannot read bundled rank file")

    monkeypatch.setattr(tokens, "encoding", broken)
    code, lines = run(Settings(data_dir=str(tmp_path)))
    assert code == 1
    assert line_of(lines, "tokenizer").endswith("o200k_base: cannot read bundled rank file")


def test_old_python_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(selftest, "MIN_PYTHON", (sys.version_info[0] + 1, 0))
    code, lines = run(Settings(data_dir=str(tmp_path)))
    assert code == 1
    assert "is older than" in line_of(lines, "python")


@pytest.mark.parametrize(
    ("url", "detail"),
    [("ftp://example.com", "not an http(s) origin"), ("https://example.com:99999", "out of range")],
)
def test_bad_upstream_fails(url: str, detail: str, tmp_path: Path) -> None:
    code, lines = run(Settings(data_dir=str(tmp_path), openai_upstream=url))
    assert code == 1
    assert detail in line_of(lines, "upstreams") and "openai upstream" in line_of(lines, "upstreams")


def test_ca_bundle_is_loaded_or_reported(tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    code, lines = run(Settings(data_dir=str(tmp_path / "d"), ca_bundle=str(pem)))
    assert code == 0 and f"+ {pem}" in line_of(lines, "tls")
    code, lines = run(Settings(data_dir=str(tmp_path / "d"), ca_bundle=str(tmp_path / "missing.pem")))
    assert code == 1 and "cannot load CA certificates" in line_of(lines, "tls")


def test_sqlite_error_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*_a: object, **_k: object) -> object:
        raise selftest.sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(selftest.sqlite3, "connect", refuse)
    code, lines = run(Settings(data_dir=str(tmp_path)))
    assert code == 1
    assert line_of(lines, "sqlite").endswith("disk I/O error")
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_exception_is_one_fail_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def explode(_settings: Settings) -> str:
        raise RuntimeError("boom")

    checks = tuple((n, explode if n == "upstreams" else fn) for n, fn in selftest.CHECKS)
    monkeypatch.setattr(selftest, "CHECKS", checks)
    code, lines = run(Settings(data_dir=str(tmp_path)))
    assert code == 1
    assert line_of(lines, "upstreams").endswith("unexpected RuntimeError: boom")
    assert len(lines) == len(checks) + 1


def test_cli_selftest_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--data-dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "selftest ok" in out and f"data_dir={tmp_path / 'd'}" in out
    assert main(["selftest", "--port", "99999"]) == 2
    assert "--port: 99999 is above the maximum 65535" in capsys.readouterr().err
