"""Proxy overhead: the same client, straight to the fake provider and through headroom, side by side.

    python benchmarks/overhead.py [--quick] [--json FILE] [--baseline-headroom [--baseline-version V]]

Servers run in their own processes on loopback: the project's fake provider (``python -m
tests.support.fake_provider``) and headroom (``python -m headroom --compression-mode off``, default
log level, i.e. one JSON log line per request). The client (stdlib asyncio streams, one keep-alive
connection per concurrent worker) runs here. For 2 KB, 100 KB and 1 MB Anthropic Messages bodies,
JSON and SSE answers, concurrency 1 and 16, it measures p50/p99 latency, p50 time to the first body
bytes (first SSE event) and requests/s, direct and proxied, interleaved in rounds. Also: headroom's
startup time to a 200 from ``/readyz`` (median of --startup-runs fresh starts) and its VmRSS idle
after startup and after the run. ``--baseline-headroom`` adds the published ``headroom-ai`` proxy
(see ``benchmarks/overhead_lib/baseline.py`` for how it is installed and configured).

Request counts are fixed (see ``overhead_lib/runner.py``) and no request of a measured phase starts
after --phase-seconds, so a run ends by itself: under half a minute for direct + headroom on a 2-core
machine, about 2.5 minutes with the baseline, seconds with --quick. The machine may be shared: the load
average at start and end is printed, and other jobs' load shows up in the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.overhead_lib import baseline, procs, report, runner, stats
from benchmarks.overhead_lib.client import Phase

BASELINE = "headroom-ai"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: few requests, one round (seconds)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the raw results here")
    parser.add_argument("--baseline-headroom", action="store_true",
                        help="also measure the published headroom-ai proxy (installed into a temp venv)")
    parser.add_argument("--baseline-version", default=baseline.DEFAULT_VERSION)
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3, quick 1)")
    parser.add_argument("--startup-runs", type=int, default=None, help="headroom starts timed (default 5, quick 2)")
    parser.add_argument("--phase-seconds", type=float, default=None,
                        help="time budget of one measured phase (default 6, quick 3): slow targets send fewer")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only scenarios whose name contains TEXT (e.g. '2KB JSON'); repeatable")
    parser.add_argument("--headroom-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for headroom, e.g. --headroom-arg=--log-level=warning")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.startup_runs = args.startup_runs or (2 if args.quick else 5)
    args.phase_seconds = args.phase_seconds or (3.0 if args.quick else 6.0)
    return args


def say(text: str = "") -> None:
    print(text, flush=True)


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=procs.REPO, capture_output=True,
                             text=True, timeout=10, check=False)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Bench:
    """One run: the servers, the measurements and everything printed or written at the end."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.servers: list[procs.Proc] = []
        self.doc: dict[str, Any] = {
            "command": [sys.executable, *sys.argv], "quick": args.quick, "rounds": args.rounds,
            "phase_seconds": args.phase_seconds, "python": platform.python_version(), "cpus": os.cpu_count(),
            "commit": commit(),
            "loadavg_start": loadavg(), "servers": {}, "scenarios": [],
        }
        self.rows: list[report.Row] = []
        self.planned: dict[str, int] = {}
        self.upstream = ""
        self.headroom: procs.Proc | None = None
        self.baseline: procs.Proc | None = None

    def _start_servers(self) -> list[runner.Target]:
        fake = procs.start_fake_provider(self.tmp / "fake.log")
        self.servers.append(fake)
        self.upstream = f"http://127.0.0.1:{fake.port}"
        self.doc["servers"]["fake_provider"] = {"port": fake.port}
        extra = list(self.args.headroom_arg)
        say(f"timing {self.args.startup_runs} headroom starts (spawn → 200 on /readyz)...")
        starts = procs.startup_times(self.upstream, self.tmp / "data-startup", self.tmp / "startup.log",
                                     self.args.startup_runs, extra)
        proxy, waited = procs.start_headroom(self.upstream, self.tmp / "data", self.tmp / "headroom.log", extra)
        self.servers.append(proxy)
        time.sleep(1.0)
        self.headroom = proxy
        self.doc["servers"]["headroom"] = {
            "command": procs.headroom_command(self.upstream, self.tmp / "data", proxy.port, extra),
            "startup_runs_s": [round(s, 4) for s in starts], "startup_median_s": statistics.median(starts),
            "startup_measured_instance_s": round(waited, 4), "rss_idle_kib": procs.rss_kib(proxy.pid),
        }
        targets = [runner.Target(report.DIRECT, fake.port, (fake.pid,)),
                   runner.Target(report.HEADROOM, proxy.port, (proxy.pid,))]
        if self.args.baseline_headroom:
            targets += self._start_baseline()
        return targets

    def _start_baseline(self) -> list[runner.Target]:
        version = self.args.baseline_version
        info: dict[str, Any] = {"package": f"{baseline.PACKAGE}=={version}", "flags": list(baseline.PROXY_FLAGS)}
        self.doc["servers"]["baseline"] = info
        try:
            base = baseline.ensure_installed(version, say)
            say(f"starting {baseline.PACKAGE} {version} from {base.venv}...")
            proc, waited = baseline.start_baseline(base, self.upstream, self.tmp / "baseline-home",
                                                   self.tmp / "baseline.log")
        except (baseline.BaselineUnavailableError, procs.StartError, OSError) as exc:
            info["skipped"] = str(exc)
            say(f"headroom-ai baseline skipped: {exc}")
            return []
        self.servers.append(proc)
        time.sleep(1.0)
        self.baseline = proc
        info.update(venv=str(base.venv), startup_s=round(waited, 4), rss_idle_kib=procs.tree_rss_kib(proc.pid))
        return [runner.Target(BASELINE, proc.port, (proc.pid,))]

    async def _measure_all(self, targets: list[runner.Target]) -> None:
        scenarios = [s for s in runner.plan(self.args.quick)
                     if not self.args.only or any(o in s.name for o in self.args.only)]
        for i, scenario in enumerate(scenarios, 1):
            started = time.monotonic()
            phases = await self._measure_one(scenario, targets)
            results = {name: stats.summarize(p) for name, p in phases.items()}
            self.rows.append(report.Row(scenario.name, results))
            self.planned[scenario.name] = -(-scenario.requests // self.args.rounds) * self.args.rounds
            self.doc["scenarios"].append({
                "name": scenario.name, "size_bytes": scenario.size, "sse": scenario.sse,
                "concurrency": scenario.concurrency, "requests": scenario.requests,
                "warmup_per_connection": scenario.warmup,
                "results": {n: {"summary": results[n].as_dict(), "raw": stats.raw(p)} for n, p in phases.items()},
            })
            say(f"[{i}/{len(scenarios)}] {scenario.name}: {time.monotonic() - started:.1f} s")

    async def _measure_one(self, scenario: runner.Scenario, targets: list[runner.Target]) -> dict[str, list[Phase]]:
        try:
            return await runner.measure(scenario, targets, self.args.rounds, self.args.phase_seconds)
        except runner.WarmUpError as exc:
            if not exc.args[0].startswith(BASELINE):
                raise
            say(f"  {exc}; measuring {scenario.name} without it")
            rest = [t for t in targets if t.name != BASELINE]
            return await runner.measure(scenario, rest, self.args.rounds, self.args.phase_seconds)

    def run(self) -> int:
        try:
            targets = self._start_servers()
            asyncio.run(self._measure_all(targets))
            if self.headroom is not None:
                self.doc["servers"]["headroom"]["rss_after_kib"] = procs.rss_kib(self.headroom.pid)
            if self.baseline is not None:
                self.doc["servers"]["baseline"]["rss_after_kib"] = procs.tree_rss_kib(self.baseline.pid)
        finally:
            for server in reversed(self.servers):
                server.stop()
        self.doc["loadavg_end"] = loadavg()
        self._print([t.name for t in targets])
        if self.args.json:
            self.args.json.write_text(json.dumps(self.doc, indent=1) + "\n")
            say(f"raw results written to {self.args.json}")
        return 0

    def _print(self, names: list[str]) -> None:
        say()
        for line in report.table(self.rows, names):
            say(line)
        say("\nms (p50 unless named); TTFB = time to the first body bytes (SSE: first event); cpu = CPU ms "
            "per request of the target's own server (direct: the fake provider; a proxy: the proxy alone);\n"
            "Δ = target - direct; ×p50 = target/direct; ×req/s = target/direct; '!' = some requests failed")
        errors = report.error_lines(self.rows)
        if errors:
            say("failed requests:")
            for line in errors:
                say(line)
        capped = report.capped_lines(self.rows, self.planned)
        if capped:
            say(f"measured fewer requests (no request starts after {self.args.phase_seconds:g} s in a phase):")
            for line in capped:
                say(line)
        say("\ntargets (headroom, compression off):")
        for line in report.goal_lines(self.rows):
            say(line)
        self._print_servers()

    def _print_servers(self) -> None:
        hr = self.doc["servers"]["headroom"]
        runs = hr["startup_runs_s"]
        say(f"\nheadroom startup to /readyz 200: median {hr['startup_median_s'] * 1000:.0f} ms over "
            f"{len(runs)} starts ({', '.join(f'{s * 1000:.0f}' for s in runs)} ms)")
        say(f"headroom VmRSS: idle after startup {_mib(hr['rss_idle_kib'])}, after the run {_mib(hr['rss_after_kib'])}")
        base = self.doc["servers"].get("baseline")
        if base is not None and "skipped" in base:
            say(f"headroom-ai baseline: skipped ({base['skipped']})")
        elif base is not None:
            say(f"headroom-ai {self.args.baseline_version}: started in {base['startup_s'] * 1000:.0f} ms (1 start); "
                f"RSS (process tree) idle {_mib(base['rss_idle_kib'])}, after the run {_mib(base['rss_after_kib'])}; "
                f"flags {' '.join(base['flags'])}")
        say(f"load average (1/5/15 min) at start {self.doc['loadavg_start']}, at end {self.doc['loadavg_end']} "
            f"on {self.doc['cpus']} CPUs; this machine is shared, so other jobs' load is part of these numbers")
        say(f"python {self.doc['python']}, commit {self.doc['commit']}, {self.args.rounds} interleaved round(s)")


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    say(f"headroom overhead benchmark ({'quick' if args.quick else 'full'} run); load average at start "
        f"{loadavg()} on {os.cpu_count()} CPUs (shared machine)")
    with tempfile.TemporaryDirectory(prefix="headroom-overhead-") as tmp:
        try:
            return Bench(args, Path(tmp)).run()
        except (procs.StartError, runner.WarmUpError) as exc:
            print(f"overhead benchmark failed: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    raise SystemExit(main())
