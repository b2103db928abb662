"""A small, strict, blocking HTTP/1.1 client for tests (independent of headroom.wire)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Response:
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    chunked: bool = False
    complete: bool = True  # False when the connection ended before the framed end
    raw_chunks: list[bytes] = field(default_factory=list)

    def header(self, name: bytes) -> bytes | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class _Buffered(Protocol):
    sock: socket.socket
    buf: bytes | bytearray


def peer_closed(conn: _Buffered, wait: float) -> bool:
    """True if the peer of ``conn.sock`` closed (EOF or reset) within ``wait`` seconds; a byte that
    arrives instead is kept in ``conn.buf``."""
    if conn.buf:
        return False
    conn.sock.settimeout(wait)
    try:
        data = conn.sock.recv(1)
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    if data:
        conn.buf += data
        return False
    return True


class Conn:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Conn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return False
        if not data:
            return False
        self.buf += data
        return True

    def _line(self) -> bytes | None:
        while b"\r\n" not in self.buf:
            if not self._fill():
                return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._fill():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def is_closed(self, wait: float = 1.0) -> bool:
        """True if the server closed the connection (EOF/RST) within ``wait`` seconds."""
        return peer_closed(self, wait)

    def read_response(self, method: bytes = b"GET") -> Response | None:
        """Next final response (1xx heads are skipped), or None if the connection closed first."""
        while True:
            line = self._line()
            if line is None:
                return None
            _version, _, rest = line.partition(b" ")
            code, _, reason = rest.partition(b" ")
            status = int(code)
            headers: list[tuple[bytes, bytes]] = []
            while True:
                h = self._line()
                if h is None:
                    return Response(status, reason, headers, b"", complete=False)
                if h == b"":
                    break
                k, _, v = h.partition(b":")
                headers.append((k, v.strip(b" \t")))
            if 100 <= status < 200:
                continue
            return self._body(status, reason, headers, method)

    def _body(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], method: bytes) -> Response:
        resp = Response(status, reason, headers, b"")
        te = resp.header(b"transfer-encoding")
        cl = resp.header(b"content-length")
        if method == b"HEAD" or status in (204, 304):
            return resp
        if te is not None and te.lower() == b"chunked":
            resp.chunked = True
            parts = []
            while True:
                size_line = self._line()
                if size_line is None:
                    resp.complete = False
                    break
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    while True:
                        t = self._line()
                        if t is None or t == b"":
                            break
                    break
                data = self._exact(size + 2)
                if data is None:
                    resp.complete = False
                    parts.append(self.buf)
                    break
                parts.append(data[:-2])
                resp.raw_chunks.append(data[:-2])
            resp.body = b"".join(parts)
        elif cl is not None:
            data = self._exact(int(cl))
            if data is None:
                resp.complete = False
                data = self.buf
            resp.body = data
        else:
            while self._fill():
                pass
            resp.body, self.buf = self.buf, b""
        return resp


def request(
    port: int, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> Response:
    """One request on a fresh connection."""
    head = method + b" " + target + b" HTTP/1.1\r\n"
    if not any(k.lower() == b"host" for k, _ in headers):
        head += b"Host: 127.0.0.1\r\n"
    for k, v in headers:
        head += k + b": " + v + b"\r\n"
    if body and not any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in headers):
        head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    with Conn(port) as c:
        c.send(head + b"\r\n" + body)
        resp = c.read_response(method)
    assert resp is not None, "connection closed without a response"
    return resp
