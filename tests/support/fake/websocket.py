"""A stand-in for chatgpt.com's Codex backend: plain HTTP answers plus a WebSocket echo server.

Every request is recorded (``requests``). A WebSocket opening handshake (``Upgrade: websocket``,
``Connection: upgrade``, a ``Sec-WebSocket-Key``, version 13) gets ``101`` with the RFC 6455 accept
key, the first offered subprotocol and two ``x-codex-*`` headers; then frames are served:

* text/binary: echoed back (server frames are never masked); ping: pong;
* text ``close-please``: the server starts the closing handshake (close 1000 "bye") and waits for
  the client's close frame before closing TCP;
* close: echoed, then TCP is closed (the server closes first, RFC 6455 section 7.1.1);
* an unmasked client frame: close 1002, then TCP close;
* EOF from the client (a half-close): a last text frame ``eof-seen``, then TCP close.

The request header ``x-fake-ws`` changes the handshake answer: ``refuse`` (403 JSON, close),
``h2c`` (101 to the wrong protocol), ``greet`` (101 immediately followed by a text frame ``hello``
in the same write). Anything else (plain HTTP) gets 200 JSON naming the method and target, with
``x-codex-*`` rate-limit headers. ``events`` logs what happened on tunnels (``eof``, ``close``,
``reset``, ``closed-by-server``), for tests that check the proxy passed an end along.
"""

from __future__ import annotations

import asyncio
import json
import ssl as ssl_module

from tests.support.fake.conn import ClientGoneError, Conn
from tests.support.fake.http1 import RecordedRequest, RequestError, wants_close
from tests.support.fake.serving import LoopServer
from tests.support.websocket import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    Frame,
    FrameError,
    FrameParser,
    accept_key,
    close_payload,
    encode_frame,
)

CODEX_HEADERS = [(b"x-codex-primary-used-percent", b"12.5"), (b"X-Codex-Plan-Type", b"plus"),
                 (b"x-codex-active-limit", b"codex")]


def is_handshake(req: RecordedRequest) -> bool:
    upgrade = (req.header(b"upgrade") or b"").lower()
    connection = {t.strip().lower() for t in (req.header(b"connection") or b"").split(b",")}
    return (req.method == b"GET" and b"websocket" in upgrade and b"upgrade" in connection
            and req.header(b"sec-websocket-key") is not None and req.header(b"sec-websocket-version") == b"13")


class FakeCodexBackend(LoopServer):
    thread_name = "fake-codex-backend"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, ssl: ssl_module.SSLContext | None = None) -> None:
        super().__init__(host, port, ssl)
        self.requests: list[RecordedRequest] = []
        self.frames: list[Frame] = []  # every frame received from clients
        self.events: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn_id: int) -> None:
        conn = Conn(reader, writer, conn_id)
        try:
            while await conn.wait_first_byte(None):
                req = await conn.read_request()
                self.requests.append(req)
                if is_handshake(req):
                    await self._handshake(conn, req)
                    return
                if not await self._plain(conn, req):
                    return
        except (ClientGoneError, RequestError):
            pass
        finally:
            await conn.close()

    async def _plain(self, conn: Conn, req: RecordedRequest) -> bool:
        body = json.dumps({"method": req.method.decode(), "target": req.target.decode()}).encode()
        close = wants_close(req.version, req.headers)
        headers = [(b"Content-Type", b"application/json"), (b"x-request-id", b"req_codex_1"), *CODEX_HEADERS,
                   (b"Content-Length", str(len(body)).encode())]
        if close:
            headers.append((b"Connection", b"close"))
        await conn.send(_head(200, b"OK", headers) + body)
        return not close

    async def _handshake(self, conn: Conn, req: RecordedRequest) -> None:
        mode = req.header(b"x-fake-ws")
        if mode == b"refuse":
            body = b'{"error":{"message":"fake backend refuses the socket","type":"invalid_request_error"}}'
            headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode()),
                       (b"Connection", b"close"), *CODEX_HEADERS]
            await conn.send(_head(403, b"Forbidden", headers) + body)
            return
        if mode == b"slow":  # answer the handshake late (a client may half-close meanwhile)
            await asyncio.sleep(0.3)
        key = req.header(b"sec-websocket-key") or b""
        headers = [(b"Upgrade", b"h2c" if mode == b"h2c" else b"websocket"), (b"Connection", b"Upgrade"),
                   (b"Sec-WebSocket-Accept", accept_key(key))]
        offered = req.header(b"sec-websocket-protocol")
        if offered:
            headers.append((b"Sec-WebSocket-Protocol", offered.split(b",")[0].strip()))
        headers += [*CODEX_HEADERS, (b"x-request-id", b"req_ws_1")]
        greeting = encode_frame(TEXT, b"hello") if mode == b"greet" else b""
        await conn.send(_head(101, b"Switching Protocols", headers) + greeting)
        if mode != b"h2c":
            await self._frames(conn)

    async def _frames(self, conn: Conn) -> None:
        parser = FrameParser()
        pending = bytes(conn.buf)
        conn.buf.clear()
        closing = False
        while True:
            try:
                data = pending or await conn.reader.read(1 << 16)
            except OSError:
                self.events.append("reset")
                return
            pending = b""
            if not data:
                self.events.append("eof")
                if not closing:
                    await conn.send(encode_frame(TEXT, b"eof-seen"))
                return
            try:
                frames = parser.feed(data)
            except FrameError:
                await conn.send(encode_frame(CLOSE, close_payload(1002)))
                return
            for frame in frames:
                self.frames.append(frame)
                answer, done = self._answer(frame, closing)
                if answer:
                    await conn.send(answer)
                closing = closing or (frame.opcode == TEXT and frame.payload == b"close-please")
                if done:
                    self.events.append("closed-by-server" if closing else "close")
                    return

    @staticmethod
    def _answer(frame: Frame, closing: bool) -> tuple[bytes, bool]:
        """What to send back for ``frame``, and whether to close TCP afterwards."""
        if not frame.masked:
            return encode_frame(CLOSE, close_payload(1002, b"client frames must be masked")), True
        if frame.opcode == CLOSE:
            return (b"" if closing else encode_frame(CLOSE, frame.payload[:2])), True
        if frame.opcode == PING:
            return encode_frame(PONG, frame.payload), False
        if frame.opcode == TEXT and frame.payload == b"close-please":
            return encode_frame(CLOSE, close_payload(1000, b"bye")), False
        if frame.opcode in (TEXT, BINARY):
            return encode_frame(frame.opcode, frame.payload), False
        return b"", False


def _head(status: int, reason: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    lines = [b"HTTP/1.1 %d %s" % (status, reason), *(k + b": " + v for k, v in headers)]
    return b"\r\n".join(lines) + b"\r\n\r\n"
