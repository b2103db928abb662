"""benchmarks/taps.py end to end in quick mode (it must keep working)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_run_prints_a_row_per_api() -> None:
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "taps.py"), "--quick"], capture_output=True,
                          text=True, timeout=120, cwd=REPO, check=False)  # timeout: a hang guard only
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("synthetic ")]
    assert [r.split()[1] for r in rows] == ["anthropic.messages", "openai.chat", "openai.responses"]
    for row in rows:
        assert float(row.split()[-2]) > 0  # MB/s
