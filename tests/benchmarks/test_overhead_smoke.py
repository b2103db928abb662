"""Smoke test of ``benchmarks/overhead.py --quick``: it runs to the end and prints the side-by-side
table. Numbers are only checked for being present, never against performance limits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.overhead_lib.runner import plan

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "overhead.py"
TIMEOUT = 60


@dataclass(frozen=True)
class QuickRun:
    code: int
    out: str
    err: str
    doc: dict[str, Any] | None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> QuickRun:
    json_path = tmp_path_factory.mktemp("overhead") / "overhead.json"
    # its own session, so that on a timeout the servers it started go down with it
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--quick", "--json", str(json_path)], cwd=REPO,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"--quick did not finish within {TIMEOUT} s:\n{out}\n{err}")
    doc = json.loads(json_path.read_text()) if json_path.exists() else None
    return QuickRun(proc.returncode, out, err, doc)


def test_quick_run_completes(quick_run: QuickRun) -> None:
    assert quick_run.code == 0, f"exit {quick_run.code}\n{quick_run.out}\n{quick_run.err}"


def test_table_has_direct_and_headroom_columns_for_every_scenario(quick_run: QuickRun) -> None:
    lines = quick_run.out.splitlines()
    titles = [i for i, line in enumerate(lines) if "headroom vs direct" in line]
    assert titles, quick_run.out
    title = [cell.strip() for cell in lines[titles[0]].split("|")]
    assert title == ["", "direct", "headroom", "headroom vs direct"]
    per_target = ["p50", "p99", "TTFB", "req/s", "cpu"]
    versus = ["Δp50", "×p50", "ΔTTFB", "×req/s"]
    assert lines[titles[0] + 1].split() == ["scenario", "|", *per_target, "|", *per_target, "|", *versus]
    for scenario in plan(quick=True):
        row = next((line for line in lines if line.startswith(scenario.name + " ")), None)
        assert row is not None, f"no table row for {scenario.name}:\n{quick_run.out}"
        cells = [cell.split() for cell in row.split("|")[1:]]
        assert [len(c) for c in cells] == [5, 5, 4], row
        assert "-" not in cells[0] + cells[1], row  # both columns were measured


def test_startup_memory_and_load_are_printed(quick_run: QuickRun) -> None:
    assert "headroom startup to /readyz 200: median" in quick_run.out
    assert "headroom VmRSS: idle after startup" in quick_run.out
    assert quick_run.out.count("load average") >= 2


def test_json_holds_every_request_and_all_were_answered(quick_run: QuickRun) -> None:
    doc = quick_run.doc
    assert doc is not None, quick_run.err
    assert [s["name"] for s in doc["scenarios"]] == [s.name for s in plan(quick=True)]
    for scenario in doc["scenarios"]:
        for target in ("direct", "headroom"):
            result = scenario["results"][target]
            assert result["summary"]["requests"] == len(result["raw"]["latency_ms"]) > 0
            assert set(result["raw"]["status"]) == {200}, (scenario["name"], target)
    assert doc["servers"]["headroom"]["rss_idle_kib"] > 0
    assert len(doc["servers"]["headroom"]["startup_runs_s"]) == 2  # --quick times two starts
