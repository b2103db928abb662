"""The byte tunnel on its own, over socket pairs: exact bytes both ways, half-close, idle, reset;
and the RFC 6455 helpers the tests rely on."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections.abc import Awaitable, Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.transport.tunnel import TunnelResult, run_tunnel
from tests.support.websocket import BINARY, CLOSE, TEXT, FrameParser, accept_key, encode_frame

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Apps = Callable[[Streams, Streams], Awaitable[None]]


async def _pair() -> tuple[Streams, Streams]:
    a, b = socket.socketpair()
    return await asyncio.open_connection(sock=a), await asyncio.open_connection(sock=b)


def tunnel(apps: Apps, *, idle: float = 5.0, first_up: bytes = b"", first_down: bytes = b"") -> TunnelResult:
    """Run ``apps(client_app, upstream_app)`` against a tunnel between them; the tunnel's result."""

    async def main() -> TunnelResult:
        client_app, client_side = await _pair()
        upstream_side, upstream_app = await _pair()
        running = asyncio.create_task(run_tunnel(client_side, upstream_side, first_up=first_up,
                                                 first_down=first_down, idle=idle))
        try:
            async with asyncio.timeout(10):
                await apps(client_app, upstream_app)
                return await running
        finally:
            for _, writer in (client_app, client_side, upstream_side, upstream_app):
                writer.transport.abort()
            await asyncio.sleep(0)

    return asyncio.run(main())


async def _send_all(writer: asyncio.StreamWriter, pieces: list[bytes]) -> None:
    for piece in pieces:
        writer.write(piece)
        await writer.drain()
    writer.write_eof()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=5000), max_size=8), st.lists(st.binary(min_size=1, max_size=5000),
                                                                         max_size=8))
def test_bytes_cross_unchanged_both_ways(up: list[bytes], down: list[bytes]) -> None:
    got: dict[str, bytes] = {}

    async def apps(client: Streams, upstream: Streams) -> None:
        async def side(name: str, me: Streams, pieces: list[bytes]) -> None:
            sender = asyncio.create_task(_send_all(me[1], pieces))
            got[name] = await me[0].read()
            await sender

        await asyncio.gather(side("client", client, up), side("upstream", upstream, down))

    result = tunnel(apps, first_up=b"<early-up>", first_down=b"<early-down>")
    assert got == {"upstream": b"<early-up>" + b"".join(up), "client": b"<early-down>" + b"".join(down)}
    assert (result.bytes_up, result.bytes_down, result.end) == (10 + sum(map(len, up)), 12 + sum(map(len, down)),
                                                                "closed")


def test_a_half_close_leaves_the_other_direction_open() -> None:
    big = os.urandom(1 << 20)

    async def apps(client: Streams, upstream: Streams) -> None:
        client[1].write(b"request")
        client[1].write_eof()
        assert await upstream[0].read() == b"request"  # EOF passed on
        upstream[1].write(big)  # the client can still read after its half-close
        upstream[1].write_eof()
        assert await client[0].read() == big

    assert tunnel(apps).end == "closed"


def test_silence_ends_the_tunnel() -> None:
    async def apps(client: Streams, upstream: Streams) -> None:
        client[1].write(b"one")
        assert await upstream[0].readexactly(3) == b"one"  # then nothing: the tunnel gives up

    result = tunnel(apps, idle=0.2)
    assert (result.end, result.bytes_up) == ("idle", 3)


def test_a_reset_ends_the_tunnel() -> None:
    async def apps(client: Streams, upstream: Streams) -> None:
        sock = upstream[1].get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        upstream[1].transport.abort()
        client[1].write(b"x" * 100_000)  # written into a dead connection

    assert tunnel(apps).end == "reset"


def test_accept_key_matches_rfc_6455_example() -> None:
    assert accept_key(b"dGhlIHNhbXBsZSBub25jZQ==") == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([TEXT, BINARY, CLOSE]), st.binary(max_size=70_000), st.booleans()),
                max_size=4), st.integers(min_value=1, max_value=9000))
def test_frame_codec_round_trips_at_any_split(frames: list[tuple[int, bytes, bool]], step: int) -> None:
    wire = b"".join(encode_frame(op, data, mask=b"\x0f\xf0\xaa\x55" if masked else None) for op, data, masked in frames)
    parser = FrameParser()
    out = []
    for start in range(0, len(wire), step):
        out.extend(parser.feed(wire[start : start + step]))
    assert [(f.opcode, f.payload, f.masked) for f in out] == frames
