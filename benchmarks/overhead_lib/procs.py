"""The benchmark's subprocesses: the fake provider, headroom, and readiness / memory probes.

Every server runs in its own process; its output goes to a file (never an unread pipe, which would
block a chatty server). ``stop`` sends SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class StartError(Exception):
    """A server process did not come up."""


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a server: no outbound proxy variables, no HEADROOM_* settings."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in _PROXY_VARS and not k.startswith("HEADROOM_")}
    env.update(extra or {})
    return env


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, grace: float = 10.0) -> int | None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5.0)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return self.popen.returncode

    def tail(self, lines: int = 15) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_fake_provider(log: Path, timeout: float = 20.0) -> Proc:
    """``python -m tests.support.fake_provider --port 0``; waits for its ``PORT n`` line."""
    with log.open("wb") as err:
        popen = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fake_provider", "--port", "0"],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=child_env(),
        )
    assert popen.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([popen.stdout], [], [], max(0.0, left))
        byte = os.read(popen.stdout.fileno(), 1) if ready else b""
        if not byte:
            Proc("fake provider", popen, 0, log).stop()
            raise StartError(f"fake provider did not print its port: {log.read_text(errors='replace')[-500:]}")
        line += byte
    if not line.startswith(b"PORT "):
        raise StartError(f"fake provider printed {line!r}")
    return Proc("fake provider", popen, int(line.split()[1]), log)


def headroom_command(upstream: str, data_dir: Path, port: int, extra: Sequence[str] = ()) -> list[str]:
    return [
        sys.executable, "-m", "headroom", "--port", str(port),
        "--anthropic-upstream", upstream, "--openai-upstream", upstream, "--gemini-upstream", upstream,
        "--compression-mode", "off", "--data-dir", str(data_dir), *extra,
    ]


def start_logged(name: str, command: list[str], log: Path, port: int, env: dict[str, str]) -> Proc:
    with log.open("wb") as out:
        popen = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, env=env)
    return Proc(name, popen, port, log)


def wait_ready(proc: Proc, path: str, timeout: float, since: float, interval: float = 0.002) -> float:
    """Poll ``GET path`` until it answers 200; returns the seconds since ``since`` (a perf_counter
    reading taken before the process was spawned). StartError on failure."""
    start = since
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.popen.poll() is not None:
            raise StartError(f"{proc.name} exited with status {proc.popen.returncode}:\n{proc.tail()}")
        if http_status(proc.port, path) == 200:
            return time.perf_counter() - start
        time.sleep(interval)
    proc.stop()
    raise StartError(f"{proc.name} was not ready within {timeout:.0f} s:\n{proc.tail()}")


def http_status(port: int, path: str, timeout: float = 5.0) -> int | None:
    """Status of a one-shot ``GET path`` on 127.0.0.1:port, or None when nothing answers."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            head = b""
            while b"\r\n" not in head:
                data = sock.recv(4096)
                if not data:
                    return None
                head += data
    except OSError:
        return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def start_headroom(upstream: str, data_dir: Path, log: Path, extra: Sequence[str] = (),
                   timeout: float = 30.0) -> tuple[Proc, float]:
    """Start headroom on a free port; returns it once ``/readyz`` answers 200, and the wait."""
    port = free_port()
    command = headroom_command(upstream, data_dir, port, extra)
    env = child_env()
    since = time.perf_counter()
    proc = start_logged("headroom", command, log, port, env)
    return proc, wait_ready(proc, "/readyz", timeout, since)


def startup_times(upstream: str, data_dir: Path, log: Path, runs: int, extra: Sequence[str] = ()) -> list[float]:
    """Seconds from spawning headroom to its first 200 on ``/readyz``, for ``runs`` fresh starts."""
    times = []
    for _ in range(runs):
        proc, waited = start_headroom(upstream, data_dir, log, extra)
        times.append(waited)
        proc.stop()
    return times


def rss_kib(pid: int) -> int | None:
    """VmRSS of one process in KiB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a server may run workers or helpers)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_ns(pids: Sequence[int]) -> int:
    """On-CPU time so far of every thread of ``pids`` and their descendants (``schedstat``, ns)."""
    total = 0
    for pid in {p for top in pids for p in descendants(top)}:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as fh:
                    total += int(fh.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total


def tree_rss_kib(pid: int) -> int | None:
    values = [v for p in descendants(pid) if (v := rss_kib(p)) is not None]
    return sum(values) if values else None
