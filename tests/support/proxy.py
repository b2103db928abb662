"""Run a headroom Server in a background thread (its own event loop) for integration tests."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from headroom.config import Settings, resolve
from headroom.observe.log import Logger
from headroom.transport.server import Server


def make_settings(upstream: str, tmp_data_dir: str, **overrides: Any) -> Settings:
    flags = {
        "port": "0",
        "anthropic_upstream": upstream,
        "openai_upstream": upstream,
        "gemini_upstream": upstream,
        "data_dir": tmp_data_dir,
        "log_level": "debug",
    }
    flags.update({k: str(v) for k, v in overrides.items()})
    return resolve(flags, {}).settings


class ProxyHandle:
    def __init__(self, server: Server, loop: asyncio.AbstractEventLoop, logs: io.StringIO) -> None:
        self.server = server
        self.loop = loop
        self.logs = logs

    @property
    def port(self) -> int:
        return self.server.port

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    def log_lines(self) -> list[str]:
        return self.logs.getvalue().splitlines()


@contextmanager
def running_proxy(settings: Settings) -> Iterator[ProxyHandle]:
    loop = asyncio.new_event_loop()
    logs = io.StringIO()
    ready = threading.Event()
    holder: dict[str, Server] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            server = Server(settings, logger=Logger(settings.log_level, stream=logs))
            holder["server"] = server
            await server.start()
            ready.set()

        loop.run_until_complete(boot())
        loop.run_forever()

    thread = threading.Thread(target=run, name="headroom-test-proxy", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("proxy did not start")
    handle = ProxyHandle(holder["server"], loop, logs)
    try:
        yield handle
    finally:
        async def shutdown() -> None:
            server = holder["server"]
            server.begin_drain()
            await server.wait_drained(5.0)
            await server.close()

        handle.call(shutdown())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
