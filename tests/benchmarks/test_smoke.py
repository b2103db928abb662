"""The benchmark script end to end, quick mode, no baseline, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_run_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "compression.py"), "--quick", "--no-baseline", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,  # hang guard only
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Headroom baseline: skipped (--no-baseline)" in text
    assert text.splitlines()[1].startswith("ours: ")
    for row in ("json", "logs", "search", "diff", "table", "code", "html", "prose", "overall"):
        assert any(line.startswith(row) for line in text.splitlines()), row
    assert "lost needles (ours):" in text
    data = json.loads(out.read_text())
    assert data["quick"] is True
    synthetic = [s for s in data["samples"] if s["category"] != "real"]
    assert len(synthetic) >= 20
    assert {s["system"] for s in data["scores"]} == {"ours"}
    assert data["aggregate"]["ours"]["overall"]["needles"] > 0
