"""Join two connections byte for byte after a protocol switch (the WebSocket tunnel).

Each direction is a pump: read, write, drain, so a side that stops reading pauses the other one
(bounded buffers, as for HTTP bodies). Bytes are never looked at, split or merged on purpose: what
one side sends is what the other receives.

End of stream: EOF from one side is passed on as a half-close when the other side's transport can
do one (plain TCP). Over TLS, which has none, the other side is closed instead (close_notify): a
WebSocket peer that stops sending is done, and holding the connection open would only wait for the
idle timeout. The tunnel is over when both directions have ended ("closed"), when a socket fails
("reset"; both connections are then aborted by the caller), when no byte moved either way for
``idle`` seconds ("idle", aborted too), or when the task is cancelled (a drain ran out: "cancelled",
recorded in the caller's result before the cancellation goes on). A tunnelled upstream connection is
never pooled again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from headroom.transport.client import READ_SIZE

TunnelEnd = Literal["closed", "idle", "reset", "cancelled"]


@dataclass(slots=True)
class TunnelResult:
    """Counts as they grow (a caller may read them after a cancellation) and how the tunnel ended."""

    bytes_up: int = 0  # client -> upstream, the bytes sent ahead included
    bytes_down: int = 0  # upstream -> client
    end: TunnelEnd = "closed"

    def add(self, up: bool, size: int) -> None:
        if up:
            self.bytes_up += size
        else:
            self.bytes_down += size


class _Clock:
    __slots__ = ("last", "loop")

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.last = self.loop.time()

    def touch(self) -> None:
        self.last = self.loop.time()


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes, clock: _Clock,
    *, result: TunnelResult, up: bool,
) -> bool:
    """Copy ``first`` and then everything ``reader`` yields into ``writer``; True when the reader
    reached EOF (passed on as a half-close, or a close where the transport has no half-close),
    False when a socket failed."""
    try:
        if first:
            result.add(up, len(first))
            writer.write(first)
            await writer.drain()
        while data := await reader.read(READ_SIZE):
            clock.touch()
            result.add(up, len(data))
            writer.write(data)
            await writer.drain()
        if writer.is_closing():
            pass
        elif writer.can_write_eof():
            writer.write_eof()
        else:
            writer.close()  # TLS: no half-close; the peer's own direction then ends at its EOF
    except OSError:
        return False
    return True


async def run_tunnel(
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    *,
    first_up: bytes,
    first_down: bytes,
    idle: float,
    result: TunnelResult | None = None,
) -> TunnelResult:
    """Tunnel until the end (see the module text). ``first_up``/``first_down``: bytes already read
    from the client / the upstream that belong to the tunnelled protocol, sent before the rest.
    ``result``: where the counts and the end go (the caller's, so they survive a cancellation)."""
    clock = _Clock()
    result = result if result is not None else TunnelResult()
    pumps = {
        asyncio.create_task(_pump(client[0], upstream[1], first_up, clock, result=result, up=True)),
        asyncio.create_task(_pump(upstream[0], client[1], first_down, clock, result=result, up=False)),
    }
    end: TunnelEnd = "closed"
    try:
        pending = set(pumps)
        while pending and end == "closed":
            wait = clock.last + idle - clock.loop.time()
            if wait <= 0:
                end = "idle"
                break
            done, pending = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            if not all(task.result() for task in done):  # a bug in a pump raises here
                end = "reset"
    except asyncio.CancelledError:
        result.end = "cancelled"
        raise
    finally:
        for task in pumps:
            task.cancel()
        await asyncio.wait(pumps)
    result.end = end
    return result
