"""A small asyncio-streams HTTP/1.1 load client: keep-alive connections, per-request timings.

Each worker owns one keep-alive connection and sends the same prebuilt request again and again. A
response is read completely (Content-Length, chunked or close-delimited) before the next request
goes out. Per request we record the total latency (first byte written → last byte read) and the
time to the first *body* bytes: the first bytes after the head for a Content-Length body, the first
chunk (one SSE event from the fake provider) for a chunked body.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

READ_LIMIT = 1 << 20
REQUEST_TIMEOUT = 60.0


class ResponseError(Exception):
    """The response could not be read as HTTP/1.1."""


@dataclass(slots=True)
class Sample:
    latency_ns: int
    ttfb_ns: int
    status: int  # 0: the exchange failed (connection error, timeout, malformed response)
    body_bytes: int


@dataclass(slots=True)
class Phase:
    samples: list[Sample] = field(default_factory=list)
    elapsed_ns: int = 0
    capped: bool = False  # stopped by its time budget before sending every request
    server_cpu_ns: int = 0  # CPU time the target's own server process(es) used during the phase


@dataclass(frozen=True, slots=True)
class Framing:
    status: int
    length: int | None
    chunked: bool
    close: bool


def build_request(path: bytes, host: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    lines = [b"POST " + path + b" HTTP/1.1", b"Host: " + host]
    lines.extend(name + b": " + value for name, value in headers)
    lines.append(b"Content-Length: " + str(len(body)).encode("ascii"))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def parse_head(head: bytes) -> Framing:
    """Status and body framing of a response head (``head`` ends with the blank line)."""
    lines = head[:-4].split(b"\r\n")
    status_line = lines[0].split(b" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1.") or not status_line[1].isdigit():
        raise ResponseError(f"bad status line {lines[0][:80]!r}")
    status = int(status_line[1])
    length: int | None = None
    chunked = False
    close = status_line[0] == b"HTTP/1.0"
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ResponseError(f"bad header line {line[:80]!r}")
        key = name.strip().lower()
        value = value.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding":
            chunked = value.endswith(b"chunked")
        elif key == b"connection":
            close = b"close" in value
    if status in (204, 304) or 100 <= status < 200:
        length = 0
    return Framing(status, length, chunked, close)


async def _read_chunked(reader: asyncio.StreamReader) -> tuple[int, int]:
    """(time of the first chunk's data, body bytes) of a chunked body."""
    first = 0
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return first or time.perf_counter_ns(), total
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise ResponseError("chunk not followed by CRLF")
        if not first:
            first = time.perf_counter_ns()
        total += size


async def _read_length(reader: asyncio.StreamReader, length: int) -> tuple[int, int]:
    if length == 0:
        return time.perf_counter_ns(), 0
    piece = await reader.read(length)
    first = time.perf_counter_ns()
    if not piece:
        raise asyncio.IncompleteReadError(b"", length)
    if len(piece) < length:
        await reader.readexactly(length - len(piece))
    return first, length


async def _read_eof(reader: asyncio.StreamReader) -> tuple[int, int]:
    first = 0
    total = 0
    while data := await reader.read(READ_LIMIT):
        if not first:
            first = time.perf_counter_ns()
        total += len(data)
    return first or time.perf_counter_ns(), total


async def read_response(reader: asyncio.StreamReader) -> tuple[Framing, int, int]:
    """Read one whole response: (framing, time of the first body bytes, body bytes)."""
    while True:
        framing = parse_head(await reader.readuntil(b"\r\n\r\n"))
        if not 100 <= framing.status < 200:
            break
    if framing.chunked:
        first, size = await _read_chunked(reader)
    elif framing.length is not None:
        first, size = await _read_length(reader, framing.length)
    else:
        first, size = await _read_eof(reader)
        framing = Framing(framing.status, size, False, True)
    return framing, first, size


class HttpConn:
    """One keep-alive client connection; reconnects after a close or a failed exchange."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=READ_LIMIT)
        return self.reader, self.writer

    async def request(self, payload: bytes) -> Sample:
        start = time.perf_counter_ns()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                if self.reader is None or self.writer is None:
                    self.reconnects += 1
                    reader, writer = await self._connect()  # counted in this request's latency
                else:
                    reader, writer = self.reader, self.writer
                writer.write(payload)
                await writer.drain()
                framing, first, size = await read_response(reader)
        except (OSError, TimeoutError, EOFError, ValueError, ResponseError, asyncio.LimitOverrunError):
            await self.close()
            return Sample(time.perf_counter_ns() - start, 0, 0, 0)
        end = time.perf_counter_ns()
        if framing.close:
            await self.close()
        return Sample(end - start, first - start, framing.status, size)

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is None:
            return
        writer.close()
        try:
            async with asyncio.timeout(2.0):
                await writer.wait_closed()
        except (OSError, TimeoutError):
            pass


async def run_phase(conns: list[HttpConn], payload: bytes, total: int, budget_s: float) -> Phase:
    """Send ``total`` requests over ``conns`` (one worker per connection) and time the whole phase.

    No request starts after ``budget_s`` seconds (requests under way finish), so a slow target
    ends its phase with fewer samples instead of stretching the run.
    """
    phase = Phase()
    remaining = [total]
    start = time.perf_counter_ns()
    stop_at = start + int(budget_s * 1e9)

    async def worker(conn: HttpConn) -> None:
        while remaining[0] > 0:
            if time.perf_counter_ns() >= stop_at:
                phase.capped = True
                return
            remaining[0] -= 1
            phase.samples.append(await conn.request(payload))

    await asyncio.gather(*(worker(c) for c in conns))
    phase.elapsed_ns = time.perf_counter_ns() - start
    return phase


async def warm_up(conns: list[HttpConn], payload: bytes, per_conn: int) -> list[Sample]:
    """Open every connection and send ``per_conn`` unmeasured requests on each."""

    async def one(conn: HttpConn) -> list[Sample]:
        return [await conn.request(payload) for _ in range(per_conn)]

    results = await asyncio.gather(*(one(c) for c in conns))
    return [s for group in results for s in group]
