"""Join two connections byte for byte after a protocol switch (the WebSocket tunnel).

Each direction is a pump: read, write, drain, so a side that stops reading pauses the other one
(bounded buffers, as for HTTP bodies). Bytes are never looked at, split or merged on purpose: what
one side sends is what the other receives.

End of stream: EOF from one side is passed on as a half-close when the other side's transport can
do one (plain TCP); over TLS, which has none, the other direction simply runs on until it ends by
itself. The tunnel is over when both directions have ended ("closed"), when a socket fails ("reset";
both connections are then aborted by the caller), or when no byte moved either way for ``idle``
seconds ("idle", aborted too). A tunnelled upstream connection is never pooled again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from headroom.transport.client import READ_SIZE

TunnelEnd = Literal["closed", "idle", "reset"]


@dataclass(slots=True)
class TunnelResult:
    bytes_up: int = 0  # client -> upstream, the bytes sent ahead included
    bytes_down: int = 0  # upstream -> client
    end: TunnelEnd = "closed"


class _Clock:
    __slots__ = ("last", "loop")

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.last = self.loop.time()

    def touch(self) -> None:
        self.last = self.loop.time()


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes, clock: _Clock,
    count: list[int],
) -> bool:
    """Copy ``first`` and then everything ``reader`` yields into ``writer``; True when the reader
    reached EOF (passed on as a half-close where possible), False when a socket failed."""
    try:
        if first:
            count[0] += len(first)
            writer.write(first)
            await writer.drain()
        while data := await reader.read(READ_SIZE):
            clock.touch()
            count[0] += len(data)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()
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
) -> TunnelResult:
    """Tunnel until the end (see the module text). ``first_up``/``first_down``: bytes already read
    from the client / the upstream that belong to the tunnelled protocol, sent before the rest."""
    clock = _Clock()
    up, down = [0], [0]
    pumps = {
        asyncio.create_task(_pump(client[0], upstream[1], first_up, clock, up)),
        asyncio.create_task(_pump(upstream[0], client[1], first_down, clock, down)),
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
    finally:
        for task in pumps:
            task.cancel()
        await asyncio.wait(pumps)
    return TunnelResult(up[0], down[0], end)
