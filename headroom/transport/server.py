"""The listener: per-connection loop with timeouts, limits, keep-alive and graceful drain.

Framing errors are answered (400/408/411/413/414/431/501/505) and the connection closed; nothing
reaches the upstream. A request whose head is valid is routed before its body is read, so a
rejected request never costs a body read or an upstream connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass

from headroom.config import Settings
from headroom.errors import ProtocolError, StoreError
from headroom.exchange import Exchange, Request
from headroom.observe.log import Logger, redact_target
from headroom.optimize import Optimizer
from headroom.providers.registry import reject
from headroom.providers.upgrade import wants_websocket
from headroom.retrieve import RetrieveEndpoints
from headroom.store.secret import load_or_create_secret
from headroom.store.sqlite import SQLiteStore
from headroom.transport.client import READ_SIZE, ClientConn, ClientGoneError
from headroom.transport.pool import UpstreamPool
from headroom.wire.events import Data, EndOfMessage, Event, RequestHead
from headroom.wire.limits import Limits
from headroom.wire.request import RequestParser

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
RETRY_AFTER = (b"Retry-After", b"1")


class _SilentCloseError(Exception):
    """Close the connection without answering (idle timeout, EOF before a complete head or body)."""


class _OverBudgetError(Exception):
    """Accepting this body would exceed the global in-flight body budget (503, Retry-After)."""


@dataclass(slots=True)
class _Conn:
    client: ClientConn
    parser: RequestParser
    events: list[Event]
    busy: bool = False  # an exchange is in flight (drain lets it finish)
    served: int = 0  # requests answered on this connection so far
    reserved: int = 0  # bytes of the global in-flight body budget held by the current request


class Server:
    def __init__(self, settings: Settings, *, logger: Logger | None = None) -> None:
        self.settings = settings
        self.log = logger or Logger(settings.log_level)
        self.limits = Limits(max_body_bytes=settings.max_body_bytes)
        self.pool = UpstreamPool(
            connect_timeout=settings.upstream_connect_timeout,
            idle_timeout=settings.pool_idle_timeout,
            ca_bundle=settings.ca_bundle,
        )
        self.store = self._open_store(settings)
        secret = load_or_create_secret(settings.data_dir) if self.store is not None else b""
        self.exchange = Exchange(
            settings, self.pool, self.log, Optimizer(settings, self.store, secret),
            RetrieveEndpoints(self.store, settings.proxy_token),
        )
        self._server: asyncio.Server | None = None
        self._conns: dict[asyncio.Task[None], _Conn] = {}
        self._inflight_body = 0
        self._reaper: asyncio.Task[None] | None = None
        self.port = 0

    def _open_store(self, settings: Settings) -> SQLiteStore | None:
        if settings.compression_mode == "off":
            return None
        try:
            return SQLiteStore(settings.data_dir, ccr_ttl_seconds=settings.ccr_ttl_seconds,
                               ccr_max_bytes=settings.ccr_max_bytes)
        except StoreError as exc:
            self.log.log("error", "store unavailable: compression disabled", error=str(exc))
            return None

    @property
    def draining(self) -> bool:
        return self.exchange.draining

    async def start(self) -> int:
        self._server = await asyncio.start_server(
            self._on_connection, self.settings.host, self.settings.port, limit=READ_SIZE, backlog=1024
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        self.exchange.optimizer.bind_port(self.port)
        self._reaper = asyncio.create_task(self._reap_pool())
        self.log.log("info", "listening", host=self.settings.host, port=self.port)
        return self.port

    async def _reap_pool(self) -> None:
        while True:
            await asyncio.sleep(max(1.0, self.settings.pool_idle_timeout / 4))
            self.pool.reap()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conn = _Conn(ClientConn(reader, writer, send_timeout=self.settings.send_timeout),
                     RequestParser(self.limits), [])
        self._conns[task] = conn
        try:
            if len(self._conns) > self.settings.max_connections or self.draining:
                await conn.client.send_error(503, "too many connections", close=True, extra=[RETRY_AFTER])
                return
            await self._serve(conn)
        except (_SilentCloseError, ClientGoneError, ConnectionError):
            pass
        except asyncio.CancelledError:
            # only the server cancels a handler (drain, abort, shutdown); it ends normally, since a
            # handler task that ends cancelled makes 3.11's asyncio.streams log a bogus traceback
            pass
        except Exception as exc:  # a bug must cost one connection, never the server or a silent hang
            self.log.log("error", "internal_error", error=f"{type(exc).__name__}: {exc}"[:300],
                         where=_where(exc))
            if not conn.client.answering and not conn.client.writer.is_closing():
                with contextlib.suppress(Exception):
                    await conn.client.send_error(500, "internal error in headroom", close=True)
        finally:
            del self._conns[task]
            with contextlib.suppress(asyncio.CancelledError):
                await conn.client.close()

    async def _serve(self, conn: _Conn) -> None:
        while True:
            try:
                if conn.served:  # what was pipelined behind the previous request
                    conn.events = conn.parser.next_message()
                    if conn.client.pending:
                        data, conn.client.pending = bytes(conn.client.pending), bytearray()
                        conn.events.extend(conn.parser.feed(data))
                head = await self._read_head(conn)
            except ProtocolError as exc:
                with contextlib.suppress(ClientGoneError):
                    await conn.client.send_error(exc.status, exc.reason, close=True)
                return
            keep = await self._one_request(conn, head)
            conn.served += 1
            if not keep or self.draining:
                return

    async def _read_head(self, conn: _Conn) -> RequestHead:
        """The next head; before its first byte a fresh connection waits at most the header timeout
        (slowloris sockets that never send), a kept-alive one the keep-alive timeout."""
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        idle = self.settings.keepalive_timeout if conn.served else self.settings.header_timeout
        while True:
            for i, ev in enumerate(conn.events):
                if isinstance(ev, RequestHead):
                    conn.events = conn.events[i + 1 :]
                    return ev
            if conn.parser.started and deadline is None:
                deadline = loop.time() + self.settings.header_timeout
            wait = idle if deadline is None else deadline - loop.time()
            try:
                async with asyncio.timeout(max(0.0, wait)):
                    data = await conn.client.reader.read(READ_SIZE)
            except TimeoutError:
                if deadline is None:
                    raise _SilentCloseError() from None
                raise ProtocolError(408, "request head not received in time") from None
            if not data:
                # EOF before a complete head (a buffered complete one never gets here): nothing to
                # answer. Reading again at EOF returns at once without yielding: it must end here.
                raise _SilentCloseError()
            conn.events = conn.parser.feed(data)
            if conn.parser.started and deadline is None:
                deadline = loop.time() + self.settings.header_timeout

    async def _one_request(self, conn: _Conn, head: RequestHead) -> bool:
        route = self.exchange.route(head)
        client = conn.client
        client.answering = False
        if route.kind != "reject" and not self.exchange.authorized(client, head):
            route = reject(401, "non-loopback callers must send the x-headroom-proxy-token header",
                           provider=route.provider)
        if route.kind == "reject":
            # a bodiless request can be answered and the connection kept; an unread body cannot
            keep = head.body_kind == "none" and head.keep_alive and not self.draining
            await client.send_error(route.status, route.reason, provider=route.provider, close=not keep)
            return keep
        try:
            self._reserve(conn, head.content_length or 0)
        except _OverBudgetError as exc:
            await client.send_error(503, str(exc), provider=route.provider, close=True, extra=[RETRY_AFTER])
            return False
        conn.busy = True
        try:
            if head.expect_continue and head.body_kind != "none":
                await client.send(CONTINUE)
            try:
                body = await self._read_body(conn, counted=head.body_kind == "length")
            except ProtocolError as exc:
                await client.send_error(exc.status, exc.reason, provider=route.provider, close=True)
                return False
            except _OverBudgetError as exc:
                await client.send_error(503, str(exc), provider=route.provider, close=True, extra=[RETRY_AFTER])
                return False
            req = Request(head, route, body, head.body_kind == "chunked")
            if route.kind == "provider" and wants_websocket(head):
                # the connection may switch protocols: what follows the handshake is not HTTP
                client.pending[:0] = conn.parser.detach()
            try:
                return await self.exchange.handle(client, req)
            except ClientGoneError as exc:
                self.log.log("info", "client_abort", method=head.method.decode("latin-1"),
                             target=redact_target(head.target), provider=route.provider, reason=str(exc))
                raise
        finally:
            conn.busy = False
            self._inflight_body -= conn.reserved
            conn.reserved = 0

    def _reserve(self, conn: _Conn, size: int) -> None:
        """Hold ``size`` more bytes of the global in-flight body budget for this request."""
        if self._inflight_body + size > self.settings.max_inflight_body_bytes:
            raise _OverBudgetError("proxy is over its in-flight body budget")
        self._inflight_body += size
        conn.reserved += size

    async def _read_body(self, conn: _Conn, *, counted: bool) -> bytes:
        """The whole body; a chunked one (``counted`` False: nothing reserved up front) takes its
        share of the in-flight budget as its bytes arrive."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.body_timeout
        parts: list[bytes] = []
        while True:
            for ev in conn.events:
                if isinstance(ev, Data):
                    if not counted:
                        self._reserve(conn, len(ev.data))
                    parts.append(ev.data)
                elif isinstance(ev, EndOfMessage):
                    conn.events = []
                    return b"".join(parts)
            wait = min(self.settings.body_idle_timeout, deadline - loop.time())
            try:
                async with asyncio.timeout(max(0.0, wait)):
                    data = await conn.client.reader.read(READ_SIZE)
            except TimeoutError:
                raise ProtocolError(408, "request body not received in time") from None
            if not data:
                raise _SilentCloseError()
            conn.events = conn.parser.feed(data)

    # -- lifecycle ---------------------------------------------------------------------------

    def begin_drain(self) -> None:
        """Stop accepting; close idle connections; in-flight exchanges (and heads already arriving)
        finish with close."""
        if self.draining:
            return
        self.exchange.draining = True
        self.log.log("info", "draining", connections=len(self._conns))
        if self._server is not None:
            self._server.close()
        for task, conn in list(self._conns.items()):
            conn.client.closing = True
            if not conn.busy and not conn.parser.started:  # a head on its way is served, with close
                task.cancel()

    async def wait_drained(self, timeout: float) -> None:
        tasks = list(self._conns)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2.0)

    async def abort_all(self) -> None:
        """Reset every client connection now (their exchanges close their upstreams as they end)."""
        tasks = list(self._conns.items())
        for task, conn in tasks:
            conn.client.writer.transport.abort()
            task.cancel()
        if tasks:
            await asyncio.wait([task for task, _ in tasks], timeout=2.0)

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        await self.pool.close()
        if self.exchange.betas is not None:  # flush queued beta-table writes before the store closes
            await asyncio.to_thread(self.exchange.betas.close)
        if self.store is not None:
            await asyncio.to_thread(self.store.close)


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame, for the internal-error log line (no locals, no bodies)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb is not None else ""


async def _main(settings: Settings) -> int:
    """Serve until SIGTERM/SIGINT, then drain; a second signal aborts what is left (exit 1)."""
    logger = Logger(settings.log_level, background=True)
    try:
        return await _serve_until_signalled(settings, logger)
    finally:
        logger.close()


async def _serve_until_signalled(settings: Settings, logger: Logger) -> int:
    server = Server(settings, logger=logger)
    await server.start()
    loop = asyncio.get_running_loop()
    first, second = asyncio.Event(), asyncio.Event()

    def on_signal() -> None:
        if first.is_set():
            server.log.log("warning", "second signal: exiting now")
            second.set()
            return
        server.begin_drain()
        first.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    await first.wait()
    drained = asyncio.create_task(server.wait_drained(settings.drain_timeout))
    interrupted = asyncio.create_task(second.wait())
    await asyncio.wait({drained, interrupted}, return_when=asyncio.FIRST_COMPLETED)
    code = 0 if drained.done() else 1
    for task in (drained, interrupted):
        task.cancel()
    await asyncio.wait({drained, interrupted})
    if code:
        await server.abort_all()
    await server.close()
    server.log.log("info", "stopped", code=code)
    return code


def serve_forever(settings: Settings) -> int:
    try:
        return asyncio.run(_main(settings))
    except OSError as exc:
        Logger(settings.log_level).log("error", "cannot listen", host=settings.host, port=settings.port,
                                       error=str(exc))
        return 1
