"""Upstream connection pool: keep-alive per origin, stale-connection probe, idle expiry.

A pooled connection is reused only if it is still open, has seen no EOF and holds no unread
bytes (an idle socket that became readable means the server closed it or misbehaved). POSTs are
never retried once written, so the probe matters: it is the only defence against a server that
closed the connection while it sat idle.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from headroom.errors import UpstreamError
from headroom.providers.registry import Origin
from headroom.transport.outbound import ProxyConfig, make_tls_context, open_upstream, proxy_for

MAX_IDLE_PER_ORIGIN = 64


@dataclass(eq=False, slots=True)
class UpstreamConn:
    origin: Origin
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False
    idle_since: float = field(default_factory=time.monotonic)

    def looks_alive(self) -> bool:
        if self.writer.is_closing() or self.reader.at_eof() or self.reader.exception() is not None:
            return False
        # unread bytes on an idle connection: the peer broke the protocol or is closing
        return not getattr(self.reader, "_buffer", b"")

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()

    def abort(self) -> None:
        self.writer.transport.abort()


class UpstreamPool:
    def __init__(
        self,
        *,
        connect_timeout: float,
        idle_timeout: float,
        ca_bundle: str = "",
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._idle_timeout = idle_timeout
        self._tls: ssl.SSLContext = make_tls_context(ca_bundle)
        self._environ = dict(os.environ if environ is None else environ)
        self._proxies: dict[Origin, ProxyConfig | None] = {}
        self._idle: dict[Origin, deque[UpstreamConn]] = {}
        self.opened = 0  # connections opened so far (stats)

    def _proxy(self, origin: Origin) -> ProxyConfig | None:
        if origin not in self._proxies:
            self._proxies[origin] = proxy_for(origin, self._environ)
        return self._proxies[origin]

    async def acquire(self, origin: Origin) -> UpstreamConn:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()  # most recently used first: warmest connection
            if now - conn.idle_since < self._idle_timeout and conn.looks_alive():
                conn.reused = True
                return conn
            conn.close()
        return await self.open(origin)

    async def open(self, origin: Origin) -> UpstreamConn:
        """A new connection, never an idle one (for a WebSocket tunnel, which will own it)."""
        try:
            async with asyncio.timeout(self._connect_timeout):
                reader, writer = await open_upstream(origin, self._tls, self._proxy(origin))
        except TimeoutError as exc:
            raise UpstreamError(504, "connect_timeout", f"connecting to upstream {origin.host} timed out") from exc
        self.opened += 1
        return UpstreamConn(origin, reader, writer)

    def release(self, conn: UpstreamConn, reusable: bool) -> None:
        if not reusable or not conn.looks_alive():
            conn.close()
            return
        idle = self._idle.setdefault(conn.origin, deque())
        if len(idle) >= MAX_IDLE_PER_ORIGIN:
            idle.popleft().close()
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def reap(self) -> int:
        """Close idle connections past their lifetime or found dead; returns how many."""
        now = time.monotonic()
        closed = 0
        for idle in self._idle.values():
            keep = deque(c for c in idle if now - c.idle_since < self._idle_timeout and c.looks_alive())
            for c in idle:
                if c not in keep:
                    c.close()
                    closed += 1
            idle.clear()
            idle.extend(keep)
        return closed

    def idle_count(self) -> int:
        return sum(len(d) for d in self._idle.values())

    async def close(self) -> None:
        writers = [c.writer for d in self._idle.values() for c in d]
        for d in self._idle.values():
            for c in d:
                c.close()
            d.clear()
        for w in writers:
            try:
                async with asyncio.timeout(1.0):
                    await w.wait_closed()
            except (OSError, TimeoutError, ssl.SSLError):
                pass
