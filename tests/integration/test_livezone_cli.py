"""``python -m headroom compress``: the proxy's per-block pipeline on one tool output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from headroom import tokens
from headroom.livezone.session import ccr_key
from headroom.store.sqlite import DB_NAME, SQLiteStore
from tests.livezone.samples import log_output
from tests.support.paths import REPO

KEYS = {"text", "tokens_before", "tokens_after", "strategy", "ccr_key"}


def _run(data_dir: Path, *args: str, stdin: str | None = None, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADROOM_")}
    env.update(PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "headroom", "compress", "--data-dir", str(data_dir), *args],
                          cwd=REPO, env=env, input=stdin, capture_output=True, text=True, timeout=60, check=True)


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "build.log"
    path.write_text(log_output(40_000, seed=91), encoding="utf-8")
    return path


def test_json_report(log_file: Path, tmp_path: Path) -> None:
    original = log_file.read_text(encoding="utf-8")
    report = json.loads(_run(tmp_path, "--json", "--command", "journalctl -u app", str(log_file)).stdout)
    assert set(report) >= KEYS
    assert report["tokens_before"] == tokens.count(original)
    assert report["tokens_after"] == tokens.count(report["text"]) < report["tokens_before"]
    assert report["strategy"] and report["ccr_key"] == ccr_key(original)
    assert f"<<ccr:{report['ccr_key']}>>" in report["text"]
    assert not (tmp_path / DB_NAME).exists()  # nothing is stored without --store


def test_text_output_is_deterministic_and_matches_json(log_file: Path, tmp_path: Path) -> None:
    first = _run(tmp_path, str(log_file), seed="1")
    second = _run(tmp_path, str(log_file), seed="977")
    assert first.stdout == second.stdout and first.stderr == second.stderr
    report = json.loads(_run(tmp_path, "--json", str(log_file)).stdout)
    assert first.stdout.rstrip("\n") == report["text"].rstrip("\n")
    assert "compressed" in first.stderr


def test_store_writes_the_ccr_row(log_file: Path, tmp_path: Path) -> None:
    report = json.loads(_run(tmp_path, "--json", "--store", str(log_file)).stdout)
    with SQLiteStore(tmp_path, background=False) as store:
        record = store.ccr_get(report["ccr_key"])
    assert record is not None and record.original == log_file.read_text(encoding="utf-8")


def test_stdin_and_tool_policy(tmp_path: Path) -> None:
    text = log_output(30_000, seed=92)
    read = json.loads(_run(tmp_path, "--json", "--tool", "Read", "-", stdin=text).stdout)
    assert read["text"] == text and read["ccr_key"] == "" and read["tokens_after"] == read["tokens_before"]
    allowed = json.loads(_run(tmp_path, "--json", "--tool", "Read", "--tool-policy", "Read", stdin=text).stdout)
    assert allowed["tokens_after"] < allowed["tokens_before"]
