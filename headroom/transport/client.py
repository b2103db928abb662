"""One client connection: buffered writes with a send deadline, and disconnect detection."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import NoReturn

from headroom.providers.errors import error_body
from headroom.wire.serialize import serialize_response_head

READ_SIZE = 256 * 1024
PENDING_LIMIT = 1024 * 1024  # pipelined bytes read ahead while an exchange is in flight
_REASONS = {
    100: "Continue", 200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required", 413: "Content Too Large",
    414: "URI Too Long", 426: "Upgrade Required", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}


def reason_phrase(status: int) -> bytes:
    return _REASONS.get(status, "Unknown").encode("ascii")


class ClientGoneError(Exception):
    """The client closed its connection (or stopped reading past the send deadline)."""


def gone_if_client_left(client: ClientConn) -> NoReturn:
    """Call from ``except asyncio.CancelledError``: a cancellation caused by the client leaving (its
    DisconnectWatch cancels the exchange) is taken back and becomes ClientGoneError; any other
    cancellation propagates."""
    if client.gone:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        raise ClientGoneError("client disconnected") from None
    raise  # noqa: PLE0704 - re-raises the CancelledError being handled by the caller


class ClientConn:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, send_timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.send_timeout = send_timeout
        peer = writer.get_extra_info("peername")
        self.peer: tuple[str, int] = (str(peer[0]), int(peer[1])) if peer else ("", 0)
        self.pending = bytearray()  # bytes of a pipelined next request read by the watcher
        self.answering = False  # a response head for the current request has been written
        self.gone = False
        self.closing = False  # set when draining: every response head from now on says close

    async def send(self, *parts: bytes) -> None:
        """Write ``parts`` and wait until the socket buffer drains (bounded by the send deadline)."""
        for part in parts:
            if part:
                self.writer.write(part)
        try:
            async with asyncio.timeout(self.send_timeout):
                await self.writer.drain()
        except (ConnectionError, TimeoutError, RuntimeError) as exc:
            self.gone = True
            self.writer.transport.abort()
            raise ClientGoneError(str(exc) or type(exc).__name__) from exc

    async def send_json(
        self, status: int, body: bytes, *, close: bool, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]
        headers.extend(extra or [])
        if close or self.closing:
            headers.append((b"Connection", b"close"))
        await self.send(serialize_response_head(status, reason_phrase(status), headers), body)

    async def send_error(
        self, status: int, message: str, *, provider: str | None = None, close: bool,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        await self.send_json(status, error_body(provider, status, message), close=close, extra=extra)

    async def send_local(self, status: int, obj: object, *, close: bool) -> None:
        body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
        await self.send_json(status, body, close=close)

    async def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await self.writer.wait_closed()


class DisconnectWatch:
    """While an exchange waits on the upstream, notice the client going away and cancel it.

    The watcher reads from the client: EOF or a reset means the client left (the watched task
    is cancelled); data is a pipelined next request, kept in ``client.pending`` for later.
    """

    # Most exchanges finish in a few milliseconds: start reading from the client only when one
    # takes longer, so fast requests never pay for the extra task and loop pass. A departure is
    # still noticed well within the ~100 ms that matters for releasing the upstream.
    START_AFTER = 0.02

    def __init__(self, client: ClientConn, *, eof_is_departure: bool = True) -> None:
        """``eof_is_departure=False``: a clean EOF is a half-close (the WebSocket handshake wait:
        the tunnel passes it on); only a reset cancels."""
        self.client = client
        self.eof_is_departure = eof_is_departure
        task = asyncio.current_task()
        assert task is not None
        self._target = task
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(self.START_AFTER, self._start)

    def _start(self) -> None:
        self._timer = None
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while len(self.client.pending) < PENDING_LIMIT:  # past it, stop reading: TCP pushes back
            try:
                data = await self.client.reader.read(READ_SIZE)
            except OSError:  # a reset is a departure too (and must not end this task with an exception)
                data = None
            if data == b"" and not self.eof_is_departure:
                return  # the reader stays at EOF: whoever reads next sees it
            if not data:
                self.client.gone = True
                self._target.cancel()
                return
            self.client.pending.extend(data)

    async def stop(self) -> None:
        """Stop watching; returns once the watcher no longer reads from the client."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
