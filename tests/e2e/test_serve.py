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


def test_the_pyz_compresses_codex_chat_and_gemini_tool_outputs(pyz_path: Path, tmp_path: Path) -> None:
    """Compression on (the default), offline: the bundled tokenizer and every adapter work from the
    zipapp; each API's live tool output reaches the upstream smaller, the rest of the body intact."""
    from tests.livezone.samples import log_output

    log = log_output(30_000, seed=5)
    bodies = {
        "/v1/responses": {"model": "gpt-5", "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "build it"}]},
            {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{\"cmd\":\"make\"}"},
            {"type": "function_call_output", "call_id": "c1",
             "output": "Chunk ID: 1\nWall time: 1 seconds\nProcess exited with code 2\nOutput:\n" + log}]},
        "/v1/chat/completions": {"model": "gpt-x", "messages": [
            {"role": "user", "content": "build it"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                  "function": {"name": "shell", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": log}]},
        "/v1beta/models/gemini-2.5-flash:generateContent": {"contents": [
            {"role": "user", "parts": [{"text": "build it"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "run", "args": {"command": "make"}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "run", "response": {"output": log}}}]}]},
    }
    auth = {"/v1/responses": ("authorization", "Bearer sk-proj-test"),
            "/v1/chat/completions": ("authorization", "Bearer sk-proj-test"),
            "/v1beta/models/gemini-2.5-flash:generateContent": ("x-goog-api-key", "AIza-test")}
    fake = FakeProvider()
    env = pyz_env(pyz_path, {**NO_NETWORK_ENV, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    with fake.running(), ServeProcess(["--port=0", f"--data-dir={tmp_path / 'data'}", *upstream_flags(fake.url)],
                                      command=[sys.executable, *ISOLATED, str(pyz_path)], env=env,
                                      cwd=pyz_path.parent, start_timeout=60.0) as proxy, Client(proxy.port) as client:
        for path, doc in bodies.items():
            body = json.dumps(doc).encode()
            answer = client.request("POST", path, body, [auth[path], ("Content-Type", "application/json")])
            assert answer.status == 200, answer.body[:200]
            assert answer.header(b"x-headroom-blocks-compressed") == b"1", path
            sent = json.loads(fake.requests[-1].body)
            assert len(fake.requests[-1].body) < len(body) // 2
            assert {k: v for k, v in sent.items() if k not in ("input", "messages", "contents")} == \
                {k: v for k, v in doc.items() if k not in ("input", "messages", "contents")}
        proxy.sigterm()
        assert proxy.wait(15.0) == 0, proxy.stderr
    assert fake.errors == []
