"""Putting one response on the wire: head, framing (Content-Length, chunked or close-delimited), pacing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tests.support.fake.conn import Conn
from tests.support.fake.rechunk import Rechunker

SERVER = (b"Server", b"fake-provider")


@dataclass
class Wire:
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]  # without framing and Connection headers
    segments: Iterable[bytes]  # natural pieces of the body (one SSE event each when streaming)
    framing: str = "length"  # "length" | "chunked" | "eof"
    length: int | None = None  # declared Content-Length; default: the size of the segments (then a list)
    version: bytes = b"HTTP/1.1"
    keep_alive: bool = True
    gap: float = 0.0  # pause between natural segments (sse_slow, sse_forever)
    final_chunk: bool = True  # False: a chunked body that never ends properly (close_mid_chunked)
    head_only: bool = False  # answer to HEAD: the head of the GET answer, no body
    preamble: bytes = b""  # written before the head (an interim 1xx response)

    def body_length(self) -> int:
        if self.length is not None:
            return self.length
        assert isinstance(self.segments, list | tuple), "lazy segments need an explicit length"
        return sum(len(s) for s in self.segments)


@dataclass(frozen=True)
class Pacing:
    chunk_size: int | None = None
    chunk_delay: float = 0.0
    split_utf8: bool = False

    @property
    def plain(self) -> bool:
        return self.chunk_size is None and not self.chunk_delay and not self.split_utf8


def status_line(version: bytes, status: int, reason: bytes) -> bytes:
    return b"%s %d %s\r\n" % (version, status, reason)


def head_bytes(wire: Wire) -> bytes:
    lines = [status_line(wire.version, wire.status, wire.reason)]
    lines.extend(k + b": " + v + b"\r\n" for k, v in wire.headers)
    if wire.framing == "length":
        lines.append(b"Content-Length: %d\r\n" % wire.body_length())
    elif wire.framing == "chunked":
        lines.append(b"Transfer-Encoding: chunked\r\n")
    if wire.framing != "eof":
        lines.append(b"Connection: keep-alive\r\n" if wire.keep_alive else b"Connection: close\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


def frame(piece: bytes, chunked: bool) -> bytes:
    return b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece


async def send(conn: Conn, wire: Wire, pacing: Pacing) -> bool:
    """Write the whole response; False as soon as the client is found gone."""
    head = wire.preamble + head_bytes(wire)
    if wire.head_only:
        return await conn.send(head)
    if wire.framing == "length" and pacing.plain and not wire.gap and isinstance(wire.segments, list):
        return await conn.send(head + b"".join(wire.segments))
    if not await conn.send(head):
        return False
    chunked = wire.framing == "chunked"
    cutter = Rechunker(pacing.chunk_size, pacing.split_utf8)
    writer = _PieceWriter(conn, chunked, pacing.chunk_delay)
    for index, segment in enumerate(wire.segments):
        if index and wire.gap and not await conn.pause(wire.gap):
            return False
        for piece in cutter.feed(segment):
            if not await writer.write(piece):
                return False
    for piece in cutter.flush():
        if not await writer.write(piece):
            return False
    if chunked and wire.final_chunk:
        return await conn.send(b"0\r\n\r\n")
    return not conn.gone


class _PieceWriter:
    def __init__(self, conn: Conn, chunked: bool, delay: float) -> None:
        self.conn = conn
        self.chunked = chunked
        self.delay = delay
        self.first = True

    async def write(self, piece: bytes) -> bool:
        if not piece:
            return True
        if self.delay and not self.first and not await self.conn.pause(self.delay):
            return False
        self.first = False
        return await self.conn.send(frame(piece, self.chunked))
