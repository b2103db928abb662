"""Relay one WebSocket opening handshake upstream and, on ``101``, tunnel the connection.

The handshake goes out on a fresh upstream connection (never a pooled one, and it is never pooled
afterwards) with the client's headers, ``Upgrade`` and ``Connection: Upgrade`` included (see
``headroom.providers.headers``). The upstream's answer decides the rest:

* ``101`` switching to ``websocket``: the 101 head is relayed (hop-by-hop headers dropped except
  ``Connection`` and ``Upgrade``), then both sockets are joined by ``run_tunnel``. Bytes the client
  sent behind its handshake, and bytes the upstream sent behind its 101, go first;
* ``101`` to anything else: 502, nothing relayed;
* any other status: relayed as an ordinary response, and the client connection is closed after it
  (a client that expected to switch protocols may already have sent bytes that are not HTTP).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from headroom.errors import UpstreamError
from headroom.providers.headers import forward_request_headers, relay_response_headers
from headroom.providers.registry import Origin
from headroom.providers.upgrade import upstream_accepted
from headroom.transport.client import ClientConn, DisconnectWatch, gone_if_client_left
from headroom.transport.pool import UpstreamConn, UpstreamPool
from headroom.transport.relay import RelayTimeouts, read_response_head, relay_answer
from headroom.transport.tunnel import TunnelResult, run_tunnel
from headroom.wire.events import RequestHead, ResponseHead
from headroom.wire.response import ResponseParser
from headroom.wire.serialize import serialize_request_head, serialize_response_head


@dataclass(slots=True)
class UpgradeResult:
    status: int
    bytes_out: int  # to the client: the tunnelled bytes after a 101, else the response body
    tunnel: TunnelResult | None = None
    truncated: bool = False


class WebSocketRelay:
    def __init__(self, pool: UpstreamPool, timeouts: RelayTimeouts, *, strip_internal: bool) -> None:
        self.pool = pool
        self.timeouts = timeouts
        self.strip_internal = strip_internal

    def handshake(self, head: RequestHead, origin: Origin, target: bytes) -> bytes:
        headers = forward_request_headers(
            head.headers, host=origin.host_header, content_length=head.content_length,
            strip_internal=self.strip_internal, upgrade=True,
        )
        return serialize_request_head(head.method, origin.prefix.encode("ascii") + target, headers)

    async def relay(self, client: ClientConn, head: RequestHead, origin: Origin, target: bytes,
                    tunnel: TunnelResult | None = None) -> UpgradeResult:
        """Forward the handshake to ``origin`` and serve what it answers (see the module text).
        ``tunnel``: where the tunnel's counts go, readable even if this task is cancelled."""
        payload = self.handshake(head, origin, target)
        watch = DisconnectWatch(client, eof_is_departure=False)  # a half-close is passed on by the tunnel
        conn: UpstreamConn | None = None
        clean = False
        try:
            conn = await self.pool.open(origin)
            conn.writer.write(payload)
            try:
                async with asyncio.timeout(self.timeouts.idle):
                    await conn.writer.drain()
            except (OSError, TimeoutError) as exc:
                raise UpstreamError(502, "upstream_write", f"sending the handshake upstream failed: {exc}") from exc
            parser = ResponseParser(head.method, upgrade=True)
            answer, events = await read_response_head(conn, parser, self.timeouts.head)
            if answer.status != 101:
                relayed = await relay_answer(
                    conn, client, parser, answer, events, method=head.method, client_http10=False,
                    client_keep_alive=False, timeouts=self.timeouts, extra_headers=lambda _head: [],
                )
                return UpgradeResult(relayed.status, relayed.bytes_out, truncated=relayed.truncated)
            if not upstream_accepted(answer.headers):
                raise UpstreamError(502, "bad_response", "upstream switched to a protocol other than WebSocket")
            await watch.stop()  # from here on the tunnel alone reads from the client
            result = await self._tunnel(client, conn, answer, parser.detach(), tunnel or TunnelResult())
            clean = result.end == "closed"
            return UpgradeResult(101, result.bytes_down, tunnel=result)
        except asyncio.CancelledError:
            gone_if_client_left(client)
        finally:
            await watch.stop()
            if conn is not None and clean:
                conn.close()
            elif conn is not None:
                conn.abort()

    async def _tunnel(self, client: ClientConn, conn: UpstreamConn, answer: ResponseHead, early: bytes,
                      into: TunnelResult) -> TunnelResult:
        headers = relay_response_headers(answer.headers, framing="none", upgrade=True)
        client.answering = True
        await client.send(serialize_response_head(101, answer.reason or b"Switching Protocols", headers))
        ahead = bytes(client.pending)  # what the client sent behind its handshake
        client.pending.clear()
        result = await run_tunnel(
            (client.reader, client.writer), (conn.reader, conn.writer),
            first_up=ahead, first_down=early, idle=self.timeouts.idle, result=into,
        )
        if result.end != "closed":
            client.writer.transport.abort()
        return result
