"""A loopback forward proxy for tests of headroom's outbound HTTPS_PROXY / HTTP_PROXY support.

``CONNECT 127.0.0.1:P HTTP/1.1`` opens a byte tunnel; an absolute-form request
(``GET http://127.0.0.1:P/x HTTP/1.1``) is forwarded once with ``Connection: close``. With
``require_auth=(user, password)`` a missing or wrong ``Proxy-Authorization: Basic ...`` gets 407. Only
loopback targets are reachable (anything else: 403), so the proxy can never leak traffic off the host.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re

from tests.support.fake.http1 import Head, RequestError, parse_head
from tests.support.fake.serving import LoopServer

MAX_HEAD = 1 << 16
ALLOWED_HOSTS = frozenset({b"127.0.0.1", b"localhost"})
_AUTHORITY = re.compile(rb"([A-Za-z0-9.\-]+):([0-9]{1,5})")
_ABSOLUTE = re.compile(rb"http://([A-Za-z0-9.\-]+(?::[0-9]{1,5})?)(/[\x21-\x7e]*)?")
_DROPPED = frozenset({b"proxy-authorization", b"proxy-connection", b"connection", b"keep-alive"})


class ConnectProxy(LoopServer):
    thread_name = "connect-proxy"

    def __init__(self, require_auth: tuple[str, str] | None = None, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        super().__init__(host, port, None)
        self.require_auth = require_auth
        self.tunnels: list[tuple[str, str | None]] = []  # (CONNECT target, Proxy-Authorization value)
        self.forwarded: list[tuple[str, str | None]] = []  # (absolute-form URL, Proxy-Authorization value)

    def reset(self) -> None:
        self.tunnels.clear()
        self.forwarded.clear()
        self.errors.clear()
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn_id: int) -> None:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
            head = parse_head(raw)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        except RequestError as exc:
            await _answer(writer, exc.status, exc.reason)
            return
        auth = _header(head, b"proxy-authorization")
        auth_text = auth.decode("latin-1") if auth is not None else None
        if head.method == b"CONNECT":
            self.tunnels.append((head.target.decode("latin-1"), auth_text))
            authority = _AUTHORITY.fullmatch(head.target)
        else:
            self.forwarded.append((head.target.decode("latin-1"), auth_text))
            absolute = _ABSOLUTE.fullmatch(head.target)
            authority = _AUTHORITY.fullmatch(absolute.group(1)) if absolute else None
            if absolute is not None and authority is None:  # http://host/ without a port
                authority = _AUTHORITY.fullmatch(absolute.group(1) + b":80")
        if not self._authorized(auth):
            await _answer(writer, 407, "proxy authentication required",
                          [(b"Proxy-Authenticate", b'Basic realm="fake-proxy"')])
            return
        if authority is None:
            await _answer(writer, 400, "CONNECT needs host:port; other methods need an absolute http:// URL")
            return
        if authority.group(1).lower() not in ALLOWED_HOSTS:
            await _answer(writer, 403, "only loopback targets are allowed")
            return
        await self._connect(reader, writer, head, int(authority.group(2)))

    def _authorized(self, value: bytes | None) -> bool:
        if self.require_auth is None:
            return True
        if value is None:
            return False
        scheme, _, token = value.partition(b" ")
        try:
            decoded = base64.b64decode(token.strip(b" \t"), validate=True)
        except binascii.Error:
            return False
        user, password = self.require_auth
        return scheme.lower() == b"basic" and decoded == f"{user}:{password}".encode()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: Head,
                       port: int) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:
            await _answer(writer, 502, f"cannot reach 127.0.0.1:{port}: {exc.strerror}")
            return
        self.track(up_writer)
        try:
            if head.method == b"CONNECT":
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await _relay(reader, writer, up_reader, up_writer, until_upstream_ends=False)
            else:
                up_writer.write(_origin_form(head))
                await _relay(reader, writer, up_reader, up_writer, until_upstream_ends=True)
        finally:
            self.untrack(up_writer)
            await _close(up_writer)


def _header(head: Head, name: bytes) -> bytes | None:
    return next((v for k, v in head.headers if k.lower() == name), None)


def _origin_form(head: Head) -> bytes:
    match = _ABSOLUTE.fullmatch(head.target)
    assert match is not None
    lines = [b"%s %s %s\r\n" % (head.method, match.group(2) or b"/", head.version)]
    lines.extend(k + b": " + v + b"\r\n" for k, v in head.headers if k.lower() not in _DROPPED)
    lines.append(b"Connection: close\r\n\r\n")
    return b"".join(lines)


async def _answer(writer: asyncio.StreamWriter, status: int, message: str,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = message.encode()
    reason = {400: b"Bad Request", 403: b"Forbidden", 407: b"Proxy Authentication Required",
              502: b"Bad Gateway"}.get(status, b"Error")
    head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
    head.extend(k + b": " + v + b"\r\n" for k, v in headers or [])
    head.append(b"Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
    writer.write(b"".join(head) + body)
    await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    """Flush and close; abort if the peer does not let that finish promptly."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2.0)
    except (TimeoutError, OSError):
        writer.transport.abort()
    except asyncio.CancelledError:
        writer.transport.abort()
        raise


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    """Copy until EOF, then half-close ``dst``."""
    while data := await src.read(1 << 16):
        dst.write(data)
        await dst.drain()
    if dst.can_write_eof() and not dst.transport.is_closing():
        dst.write_eof()


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up_reader: asyncio.StreamReader,
                 up_writer: asyncio.StreamWriter, *, until_upstream_ends: bool) -> None:
    loop = asyncio.get_running_loop()
    upward = loop.create_task(_pipe(reader, up_writer))
    downward = loop.create_task(_pipe(up_reader, writer))
    tasks = {upward, downward}
    try:
        wanted = {downward} if until_upstream_ends else tasks
        while wanted:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if any(t.exception() is not None for t in done):
                break  # a reset on either side ends the tunnel
            wanted -= done
            tasks -= done
    finally:
        for task in (upward, downward):
            task.cancel()
        await asyncio.wait({upward, downward})
        await _close(writer)
