"""Base for the loopback test servers: start/stop/running(), connection counting, clean shutdown.

stop() aborts every transport it knows about and cancels every handler, so a test never leaks a task or
a socket (the suite turns ResourceWarning into an error).
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

from tests.support.fake.loop_thread import run_in_thread

BACKLOG = 1024  # benchmarks open many connections at once


class LoopServer:
    thread_name = "loop-server"

    def __init__(self, host: str, port: int, ssl: ssl_module.SSLContext | None) -> None:
        self.host = host
        self.port = port
        self.ssl = ssl
        self.connections = 0
        self.errors: list[str] = []  # internal failures of the test server itself (assert it stays empty)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._conn_ids = 0
        self._closing = False

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def start(self) -> None:
        self._closing = False
        # TLS is started per connection (start_tls) so that a failed handshake still counts as a connection.
        self._server = await asyncio.start_server(self._on_connection, self.host, self.port, backlog=BACKLOG)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        await asyncio.sleep(0)  # handlers of just-accepted connections start and exit at once
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self._server.wait_closed()
        self._server = None

    @contextmanager
    def running(self) -> Iterator[Self]:
        """Serve from a private event loop in a background thread (sync tests, benchmarks)."""
        with run_in_thread(self, self.thread_name):
            yield self

    def track(self, writer: asyncio.StreamWriter) -> None:
        """Abort this transport on stop() (for connections a handler opens itself)."""
        self._writers.add(writer)

    def untrack(self, writer: asyncio.StreamWriter) -> None:
        self._writers.discard(writer)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn_id: int) -> None:
        raise NotImplementedError

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._conn_ids += 1
        task = asyncio.current_task()
        if self._closing or task is None:
            writer.transport.abort()
            return
        self._tasks.add(task)
        self.track(writer)
        try:
            if self.ssl is not None:
                await writer.start_tls(self.ssl)
            await self.handle(reader, writer, self._conn_ids)
        except OSError:
            pass
        except Exception:
            self.errors.append(traceback.format_exc())
            print(f"[{self.thread_name}] internal error:\n{self.errors[-1]}", file=sys.stderr, flush=True)
        finally:
            self.untrack(writer)
            writer.transport.abort()  # the handler closed gracefully already when it wanted to
            self._tasks.discard(task)
