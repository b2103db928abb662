"""Startup time to a ready /readyz and idle RSS of the built zipapp (compression off).

    python benchmarks/pyz_startup.py [--pyz dist/headroom.pyz] [--runs 5]

Without --pyz (and no dist/headroom.pyz) the zipapp is built into a temporary directory first. Each run
starts ``python -I -S headroom.pyz --port 0 --compression-mode off ...`` with a fresh data dir, polls
GET /readyz until it answers 200 (the time printed), sends one request through the fake provider, reads
VmRSS, then SIGTERMs it. The first run also unpacks the zipapp's dependencies (SHIV_ROOT), so it is
reported apart. Prints median/min/max; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import build_zipapp
from tests.e2e.support import ISOLATED, pyz_env
from tests.infra.client import Client
from tests.integration.serve_process import ServeProcess, upstream_flags
from tests.support.fake_provider import FakeProvider

ROOT = Path(__file__).resolve().parent.parent
HEADERS = [("x-api-key", "k"), ("anthropic-version", "2023-06-01")]


def _ready(port: int) -> bool:
    try:
        with Client(port, timeout=2.0) as client:
            return client.request("GET", "/readyz").status == 200
    except OSError:
        return False


def one_run(pyz: Path, fake: FakeProvider, data: Path) -> tuple[float, float]:
    """(seconds from spawn to /readyz 200, VmRSS in MiB after one proxied request)."""
    started = time.monotonic()
    with ServeProcess(["--port=0", f"--data-dir={data}", "--compression-mode=off", *upstream_flags(fake.url)],
                      command=[sys.executable, *ISOLATED, str(pyz)], env=pyz_env(pyz), cwd=pyz.parent,
                      start_timeout=120.0) as proxy:
        while not _ready(proxy.port):
            time.sleep(0.002)
        ready = time.monotonic() - started
        with Client(proxy.port) as client:
            if client.request("POST", "/v1/messages", b'{"model":"m","messages":[]}', HEADERS).status != 200:
                raise RuntimeError("request through the pyz failed")
        rss = 0.0
        for line in Path(f"/proc/{proxy.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        proxy.sigterm()
        if proxy.wait(30.0) != 0:
            raise RuntimeError(f"exit status {proxy.proc.returncode}: {proxy.stderr}")
    return ready, rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pyz", type=Path, default=ROOT / "dist" / "headroom.pyz")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pyz: Path = args.pyz
        if not pyz.exists():
            pyz = build_zipapp.build(output=Path(tmp) / "headroom.pyz", log=lambda _msg: None).path
        fake = FakeProvider()
        with fake.running():
            results = [one_run(pyz, fake, Path(tmp) / f"data{i}") for i in range(args.runs + 1)]
    first, rest = results[0], results[1:]
    print(f"first run (unpacks dependencies): ready in {first[0] * 1000:.0f} ms, RSS {first[1]:.1f} MiB")
    for name, values, unit, scale in (("startup to /readyz", [r[0] for r in rest], "ms", 1000.0),
                                      ("idle RSS", [r[1] for r in rest], "MiB", 1.0)):
        scaled = [v * scale for v in values]
        print(f"{name:<20} median {statistics.median(scaled):7.1f} {unit}  min {min(scaled):7.1f}"
              f"  max {max(scaled):7.1f}  (n={len(scaled)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
