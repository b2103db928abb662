"""The built zipapp serving real traffic: start ``python headroom.pyz --port 0 ...`` against the fake
provider, wait for /readyz, proxy a JSON and an SSE answer, SIGTERM, exit 0. Every other egress is
pointed at a dead proxy (NO_PROXY covers the loopback upstream only).

Run with ``-s`` to see the startup time to /readyz and the idle RSS of the process (compression off);
those are printed, never asserted (benchmarks/pyz_startup.py measures them over several runs)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tests.e2e.support import ISOLATED, NO_NETWORK_ENV, pyz_env
from tests.infra.client import Client
from tests.integration.serve_process import ServeProcess, upstream_flags
from tests.support.fake_provider import TEXT, FakeProvider

ANTHROPIC = [("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01"), ("Content-Type", "application/json")]


def _ready(port: int) -> bool:
    try:
        with Client(port, timeout=2.0) as client:
            return client.request("GET", "/readyz").status == 200
    except OSError:
        return False


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def test_the_pyz_serves_then_drains_on_sigterm(pyz_path: Path, tmp_path: Path) -> None:
    fake = FakeProvider()
    env = pyz_env(pyz_path, {**NO_NETWORK_ENV, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    with fake.running():
        started = time.monotonic()
        with ServeProcess(["--port=0", f"--data-dir={tmp_path / 'data'}", "--compression-mode=off",
                           *upstream_flags(fake.url)],
                          command=[sys.executable, *ISOLATED, str(pyz_path)], env=env, cwd=pyz_path.parent,
                          start_timeout=60.0) as proxy:
            deadline = started + 60.0
            while not _ready(proxy.port):
                assert time.monotonic() < deadline, "no /readyz 200 within 60 s"
                time.sleep(0.01)
            startup = time.monotonic() - started
            with Client(proxy.port) as client:
                plain = client.request("POST", "/v1/messages", b'{"model":"m","messages":[]}', ANTHROPIC)
                assert plain.status == 200 and json.loads(plain.body)["content"][0]["text"] == TEXT
                stream = client.request("POST", "/v1/messages", b'{"model":"m","stream":true,"messages":[]}',
                                        ANTHROPIC)
                assert stream.status == 200 and stream.complete and b"event: message_stop" in stream.body
            rss = rss_kib(proxy.proc.pid)
            proxy.sigterm()
            assert proxy.wait(15.0) == 0, proxy.stderr
            assert proxy.wait_for("stopped")["code"] == 0
            assert proxy.stderr == ""
    assert len(fake.requests) == 2 and fake.errors == []
    print(f"\npyz startup to /readyz: {startup * 1000:.0f} ms; idle RSS after two requests: {rss / 1024:.1f} MiB")
