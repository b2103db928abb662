from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from headroom.config import Settings, resolve
from headroom.store import PlanWrite, SQLiteStore, ccr_key_of
from headroom.store.cli import run_ccr_cli
from headroom.store.schema import LATEST
from tests.store.support import entry, request_write


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return resolve({"data_dir": str(tmp_path / "state")}, {}).settings


def run(settings: Settings, action: str, key: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_ccr_cli(settings, action, key, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_get_prints_the_original_exactly(settings: Settings) -> None:
    key, original, meta = entry("line one\nline two\n\nno final newline", tool="Bash")
    with SQLiteStore(settings.data_dir) as store:
        store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))
    assert run(settings, "get", key) == (0, original, "")


def test_get_unknown_malformed_and_surrogates(settings: Settings) -> None:
    code, out, err = run(settings, "get", ccr_key_of("never stored"))
    assert (code, out) == (1, "") and "unknown or expired" in err
    code, out, err = run(settings, "get", "../../etc/passwd")
    assert (code, out) == (1, "") and "not a CCR key" in err
    key, original, meta = entry("bad \ud800 surrogate")
    with SQLiteStore(settings.data_dir) as store:
        store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))
    assert run(settings, "get", key) == (0, "bad \ufffd\ufffd\ufffd surrogate", "")


def test_get_honours_the_ttl_setting(tmp_path: Path) -> None:
    key, original, meta = entry("short-lived")
    short = resolve({"data_dir": str(tmp_path), "ccr_ttl_seconds": "60"}, {}).settings
    with SQLiteStore(short.data_dir, clock=lambda: time.time() - 120) as store:
        store.commit(PlanWrite(ccr=[(key, original, meta)], ledger=[]))
    assert run(short, "get", key)[0] == 1  # written two minutes ago: past a 60 s ttl
    assert run(resolve({"data_dir": str(tmp_path)}, {}).settings, "get", key) == (0, original, "")


def test_stats(settings: Settings) -> None:
    with SQLiteStore(settings.data_dir) as store:
        store.commit(request_write("s", 1, size=1000))
    code, out, err = run(settings, "stats")
    assert (code, err) == (0, "")
    assert f"schema_version  {LATEST}\n" in out
    assert "ccr             1 rows, 1004 bytes (cap 536870912 bytes, ttl 604800 s)\n" in out
    assert "ledger          1 rows, 3 bytes\n" in out


def test_gc_uses_the_size_cap_setting(tmp_path: Path) -> None:
    capped = resolve({"data_dir": str(tmp_path), "ccr_max_bytes": str(2**20)}, {}).settings
    with SQLiteStore(capped.data_dir) as store:
        for i in range(3):
            store.commit(PlanWrite(ccr=[entry(f"{i}" + "x" * 600_000)], ledger=[]))
    code, out, _ = run(capped, "gc")
    assert code == 0
    assert out.splitlines() == [
        "expired    0 rows, 0 bytes",
        "evicted    2 rows, 1200002 bytes",
        "remaining  1 rows, 600001 bytes",
    ]


def test_unknown_action_and_broken_store(settings: Settings, tmp_path: Path) -> None:
    assert run(settings, "frobnicate")[0] == 2
    (tmp_path / "file").write_text("")
    broken = resolve({"data_dir": str(tmp_path / "file")}, {}).settings
    code, out, err = run(broken, "stats")
    assert (code, out) == (1, "") and "store error" in err
