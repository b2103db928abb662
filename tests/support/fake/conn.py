"""One accepted connection: buffered request reading, client-gone detection, writes that notice loss."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass

from tests.support.fake.http1 import (
    MAX_HEAD,
    ChunkedDecoder,
    RecordedRequest,
    RequestError,
    body_framing,
    parse_head,
)

READ_SIZE = 1 << 16
MAX_BODY = 1 << 30
CLOSE_GRACE = 2.0


class ClientGoneError(Exception):
    """The client closed (or reset) the connection before a request was complete."""


@dataclass
class Traffic:
    """Counters shared by all connections of one server."""

    bytes_sent: int = 0  # handed to the transport; stops growing while a peer does not read


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn_id: int,
                 traffic: Traffic | None = None) -> None:
        self.reader = reader
        self.writer = writer
        self.conn_id = conn_id
        self.traffic = traffic if traffic is not None else Traffic()
        self.buf = bytearray()
        self.eof = False
        self._watch: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- reading

    async def _fill(self) -> bool:
        data = await self.reader.read(READ_SIZE)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    async def wait_first_byte(self, idle: float | None) -> bool:
        """Wait for the next request to start; False on EOF or after ``idle`` seconds of silence."""
        if self.buf:
            return True
        try:
            async with asyncio.timeout(idle):
                return await self._fill()
        except TimeoutError:
            return False

    async def read_request(self) -> RecordedRequest:
        """Read one complete request (head and body); RequestError if malformed, ClientGoneError on EOF."""
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._check_partial_head()
            if not await self._fill():
                raise ClientGoneError
        bare = self.buf.find(b"\n\n", 0, end + 4)
        if bare >= 0 and bare < end:
            raise RequestError(400, "bare LF line ending in head")
        if end + 4 > MAX_HEAD:
            raise RequestError(431, "request head too large")
        raw = bytes(self.buf[: end + 4])
        del self.buf[: end + 4]
        head = parse_head(raw)
        framing, length = body_framing(head)
        if any(k.lower() == b"expect" and v.lower() == b"100-continue" for k, v in head.headers):
            self.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if framing == "chunked":
            body = await self._read_chunked()
        else:
            body = await self._read_exactly(length)
        return RecordedRequest(self.conn_id, head.method, head.target, head.version, head.headers, raw, body,
                               framing == "chunked")

    def _check_partial_head(self) -> None:
        if len(self.buf) > MAX_HEAD:
            raise RequestError(431, "request head too large")
        if b"\n\n" in self.buf:
            raise RequestError(400, "bare LF line ending in head")

    async def _read_exactly(self, length: int) -> bytes:
        if length > MAX_BODY:
            raise RequestError(413, "body too large for the fake provider")
        while len(self.buf) < length:
            if not await self._fill():
                raise ClientGoneError
        body = bytes(self.buf[:length])
        del self.buf[:length]
        return body

    async def _read_chunked(self) -> bytes:
        decoder = ChunkedDecoder()
        decoder.feed(bytes(self.buf))
        self.buf.clear()
        while not decoder.done:
            data = await self.reader.read(READ_SIZE)
            if not data:
                self.eof = True
                raise ClientGoneError
            decoder.feed(data)
            if decoder.size > MAX_BODY:
                raise RequestError(413, "body too large for the fake provider")
        self.buf += decoder.rest
        return decoder.body

    # ---------------------------------------------------------------- client-gone detection

    def watch(self) -> None:
        """Start noticing the client going away (EOF or reset) while a response is produced."""
        if self._watch is None and not self.eof:
            self._watch = asyncio.get_running_loop().create_task(self._watcher())

    async def _watcher(self) -> None:
        try:
            while await self._fill():
                pass
        except OSError:
            self.eof = True

    @property
    def gone(self) -> bool:
        return self.eof or self.writer.transport.is_closing()

    async def pause(self, seconds: float) -> bool:
        """Sleep ``seconds``; False (immediately) if the client goes away meanwhile."""
        self.watch()
        if self._watch is not None:
            await asyncio.wait({self._watch}, timeout=seconds)
        return not self.gone

    async def until_gone(self) -> None:
        self.watch()
        if self._watch is not None:
            await asyncio.wait({self._watch})

    async def unwatch(self) -> None:
        task, self._watch = self._watch, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    # ---------------------------------------------------------------- writing and closing

    async def send(self, data: bytes) -> bool:
        """Write and drain; False if the connection is lost."""
        if self.writer.transport.is_closing():
            return False
        self.writer.write(data)
        self.traffic.bytes_sent += len(data)
        try:
            await self.writer.drain()
        except OSError:
            return False
        return True

    def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0)."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def close(self) -> None:
        """Flush and close; abort when the peer does not let us finish within CLOSE_GRACE."""
        await self.unwatch()
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), CLOSE_GRACE)
        except (TimeoutError, OSError):
            self.writer.transport.abort()
        except asyncio.CancelledError:
            self.writer.transport.abort()
            raise
