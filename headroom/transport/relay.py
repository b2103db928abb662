"""Forward one request upstream and relay the response to the client, with backpressure.

Write → drain → read: a read from the upstream is issued only after the previous bytes were
handed to the client socket and drained, so a client that stops reading pauses the upstream
(bounded buffers on both sides). Faults before the response head is forwarded become
provider-shaped 502/504 answers; after it, the client sees the truncation and a close.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from headroom.errors import IncompleteMessageError, ProtocolError, UpstreamError
from headroom.providers.headers import relay_response_headers
from headroom.transport.client import READ_SIZE, ClientConn
from headroom.transport.pool import UpstreamConn
from headroom.wire.events import Data, EndOfMessage, Event, ResponseHead
from headroom.wire.response import ResponseParser
from headroom.wire.serialize import LAST_CHUNK, encode_chunk, serialize_response_head


@dataclass(frozen=True, slots=True)
class RelayTimeouts:
    head: float
    idle: float


@dataclass(slots=True)
class RelayResult:
    status: int = 0
    bytes_out: int = 0
    upstream_reusable: bool = False
    client_keep_alive: bool = False
    truncated: bool = False


class ResponseTap:
    """Observes response bytes without altering them (SSE usage, errors); default: nothing."""

    def head(self, head: ResponseHead) -> None:
        return None

    def data(self, data: bytes) -> None:
        return None


async def _read(conn: UpstreamConn, timeout: float) -> bytes:
    async with asyncio.timeout(timeout):
        return await conn.reader.read(READ_SIZE)


async def read_response_head(
    conn: UpstreamConn, parser: ResponseParser, timeout: float
) -> tuple[ResponseHead, list[Event]]:
    """The final (non-1xx) response head, or a 101 if the parser allows one, and the events after it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            data = await _read(conn, max(0.0, deadline - loop.time()))
        except TimeoutError as exc:
            raise UpstreamError(504, "head_timeout", "upstream sent no response head in time") from exc
        except OSError as exc:
            raise UpstreamError(502, "upstream_reset", f"upstream connection failed: {exc}") from exc
        try:
            events = parser.feed(data) if data else parser.feed_eof()
        except IncompleteMessageError as exc:  # often a keep-alive race: the upstream closed as we sent
            raise UpstreamError(502, "upstream_closed", f"{exc.reason} before responding") from exc
        except ProtocolError as exc:
            raise UpstreamError(502, "bad_response", f"invalid response from upstream: {exc.reason}") from exc
        for i, ev in enumerate(events):
            if isinstance(ev, ResponseHead) and (not ev.informational or ev.status == 101):
                return ev, events[i + 1 :]
        if not data:
            raise UpstreamError(502, "upstream_closed", "upstream closed the connection before responding")


def client_framing(head: ResponseHead, method: bytes, client_http10: bool) -> str:
    if method == b"HEAD" or head.body_kind == "none":
        # no body follows; the Content-Length of a HEAD (or 304) answer describes the GET body: it travels
        return "length" if method == b"HEAD" or head.status == 304 else "none"
    if head.body_kind == "length":
        return "length"
    return "eof" if client_http10 else "chunked"


async def relay_response(
    conn: UpstreamConn,
    client: ClientConn,
    *,
    method: bytes,
    client_http10: bool,
    client_keep_alive: bool,
    timeouts: RelayTimeouts,
    extra_headers: Callable[[ResponseHead], list[tuple[bytes, bytes]]],
    tap: ResponseTap | None = None,
) -> RelayResult:
    parser = ResponseParser(method)
    head, events = await read_response_head(conn, parser, timeouts.head)
    return await relay_answer(
        conn, client, parser, head, events, method=method, client_http10=client_http10,
        client_keep_alive=client_keep_alive, timeouts=timeouts, extra_headers=extra_headers, tap=tap,
    )


async def relay_answer(
    conn: UpstreamConn,
    client: ClientConn,
    parser: ResponseParser,
    head: ResponseHead,
    events: list[Event],
    *,
    method: bytes,
    client_http10: bool,
    client_keep_alive: bool,
    timeouts: RelayTimeouts,
    extra_headers: Callable[[ResponseHead], list[tuple[bytes, bytes]]],
    tap: ResponseTap | None = None,
) -> RelayResult:
    """Relay a response whose head was already read (``events``: what the parser gave after it)."""
    framing = client_framing(head, method, client_http10)
    keep = client_keep_alive and framing != "eof" and not client.closing
    headers = relay_response_headers(head.headers, framing=framing)
    headers.extend(extra_headers(head))
    if not keep:
        headers.append((b"Connection", b"close"))
    result = RelayResult(status=head.status, client_keep_alive=keep)
    if tap is not None:
        tap.head(head)
    out = [serialize_response_head(head.status, head.reason or b"", headers)]
    client.answering = True
    chunked = framing == "chunked"
    while True:
        done = False
        for ev in events:
            if isinstance(ev, Data) and ev.data:
                result.bytes_out += len(ev.data)
                if tap is not None:
                    tap.data(ev.data)
                out.append(encode_chunk(ev.data) if chunked else ev.data)
            elif isinstance(ev, EndOfMessage):
                done = True
        if done and chunked:
            out.append(LAST_CHUNK)
        await client.send(*out)
        out = []
        if done:
            # bytes after the end of the answer: the upstream broke framing, never reuse it
            result.upstream_reusable = head.keep_alive and head.body_kind != "eof" and parser.buffered == 0
            return result
        events = await _next_events(conn, parser, timeouts.idle, result)
        if result.truncated:
            result.client_keep_alive = False
            return result


async def _next_events(conn: UpstreamConn, parser: ResponseParser, idle: float, result: RelayResult) -> list[Event]:
    try:
        data = await _read(conn, idle)
        return parser.feed(data) if data else parser.feed_eof()
    except (IncompleteMessageError, ProtocolError, TimeoutError, OSError):
        result.truncated = True
        return []
