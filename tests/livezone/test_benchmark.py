"""benchmarks/livezone.py end to end with a handful of runs (it must keep working)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.paths import REPO, corpus_dir


def test_quick_run_prints_every_row() -> None:
    corpus = corpus_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADROOM_")}
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "livezone.py"), "--runs", "3",
                           "--corpus", str(corpus)], capture_output=True, text=True, timeout=90, env=env, check=False)
    assert done.returncode == 0, done.stderr
    rows = {line.split("  ")[0].strip(): line for line in done.stdout.splitlines()}
    for session in ("claude-code-3-interactive", "sdk-anthropic"):
        assert session in rows and "->" in rows[session]
    for name in ("100 KB live log, fresh session", "100 KB live json, fresh session",
                 "100 KB live grep, fresh session", "100 KB live log, ledger replay"):
        line = next(line for line in done.stdout.splitlines() if line.startswith(name))
        assert line.rstrip().endswith("compressed"), line
    nothing = next(line for line in done.stdout.splitlines() if line.startswith("nothing to compress"))
    assert nothing.rstrip().endswith("no_change")
