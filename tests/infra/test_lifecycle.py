"""Connection counting, idle close, reset(), the asyncio API, clean shutdown, and the CLI subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.infra.client import Client, get, request_bytes
from tests.support.fake_provider import FakeProvider
from tests.support.paths import REPO

STREAM = json.dumps({"model": "m", "stream": True, "messages": []}).encode()


def test_connections_are_counted_and_reset_clears_everything(provider: FakeProvider) -> None:
    for _ in range(3):
        assert get(provider.port, "/v1/models").status == 200
    with Client(provider.port):
        pass  # a connection that never sends a byte still counts
    deadline = time.monotonic() + 10  # hang guard
    while provider.connections < 4 and time.monotonic() < deadline:
        time.sleep(0.002)
    assert provider.connections == 4 and len(provider.requests) == 3
    first_id = json.loads(get(provider.port, "/v1/models", [("anthropic-version", "x")]).body)
    provider.reset()
    assert (provider.connections, provider.requests, provider.disconnects) == (0, [], [])
    assert json.loads(get(provider.port, "/v1/models", [("anthropic-version", "x")]).body) == first_id


def test_idle_keep_alive_connections_are_closed_silently() -> None:
    fake = FakeProvider(idle_close_after=0.1)
    with fake.running(), Client(fake.port) as client:
        assert client.request("GET", "/v1/models").status == 200
        assert client.read_until_eof() == b""  # FIN, no bytes (the client's 5 s socket timeout guards a hang)
    assert fake.disconnects == []


def test_asyncio_api_start_stop_leaves_no_tasks() -> None:
    async def scenario() -> None:
        fake = FakeProvider()
        await fake.start()
        assert fake.url == f"http://127.0.0.1:{fake.port}"
        reader, writer = await asyncio.open_connection("127.0.0.1", fake.port)
        writer.write(request_bytes("POST", "/v1/messages", STREAM, [("x-fake-mode", "sse_forever")]))
        assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", fake.port)
        await fake.stop()  # with one endless stream and one idle connection open
        assert await asyncio.wait_for(_drain_to_end(reader), 2)
        assert await asyncio.wait_for(idle_reader.read(), 2) == b""
        writer.close()
        idle_writer.close()
        await asyncio.gather(writer.wait_closed(), idle_writer.wait_closed(), return_exceptions=True)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []
        assert fake.errors == []

    asyncio.run(scenario())


async def _drain_to_end(reader: asyncio.StreamReader) -> bool:
    """Read until the server ends the stream (FIN or RST); True once it has."""
    try:
        while await reader.read(1 << 16):
            pass
    except ConnectionResetError:
        pass
    return True


@pytest.mark.timeout(30)  # hang guard: leaving the context must end the stream it is serving
def test_running_context_stops_an_endless_stream() -> None:
    fake = FakeProvider(mode="sse_forever")
    client = None
    with fake.running():
        client = Client(fake.port)
        client.send(request_bytes("POST", "/v1/messages", STREAM))
        client.read_head()
    client.read_until_eof()
    client.close()


def test_cli_prints_port_serves_and_exits_0_on_sigterm() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_provider", "--port", "0", "--mode",
                             "normal", "--chunk-size", "64"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        assert line.startswith("PORT ")
        response = get(int(line.split()[1]), "/v1/models")
        assert response.status == 200 and response.header(b"content-length") is not None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
