"""A plain-socket HTTP/1.1 client for the infrastructure tests: shows chunk boundaries, interim
responses and close-delimited bodies exactly as they came off the wire."""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass, field

_STATUS = re.compile(rb"HTTP/1\.[01] ([0-9]{3}) [^\r\n]*")


@dataclass
class Response:
    status: int
    status_line: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    chunks: list[bytes] = field(default_factory=list)  # chunk payloads when chunked
    interim: list[bytes] = field(default_factory=list)  # raw 1xx heads seen before the final one
    complete: bool = True  # False when the connection ended before the framing said the body was done

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def header_all(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def request_bytes(method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None,
                  *, host: str = "127.0.0.1", chunked: bool = False, version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {path} {version}", f"Host: {host}"]
    lines.extend(f"{k}: {v}" for k, v in headers or [])
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 7]), body[i : i + 7]) for i in range(0, len(body), 7))
        body = framed + b"0\r\n\r\n"
    elif body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Client:
    """One persistent connection (optionally TLS) with a byte buffer of its own."""

    def __init__(self, port: int, *, context: ssl.SSLContext | None = None, server_hostname: str = "127.0.0.1",
                 timeout: float = 5.0) -> None:
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock: socket.socket = (context.wrap_socket(raw, server_hostname=server_hostname)
                                    if context is not None else raw)
        self.buf = bytearray()
        self.eof = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None,
                *, chunked: bool = False, version: str = "HTTP/1.1") -> Response:
        self.send(request_bytes(method, path, body, headers, chunked=chunked, version=version))
        return self.read_response(head_only=method == "HEAD")

    def _fill(self) -> bool:
        data = self.sock.recv(1 << 16)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _line(self) -> bytes | None:
        while (end := self.buf.find(b"\r\n")) < 0:
            if not self._fill():
                return None
        line = bytes(self.buf[:end])
        del self.buf[: end + 2]
        return line

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n and self._fill():
            pass
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_until_eof(self) -> bytes:
        while self._fill():
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def read_head(self) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        status_line = self._line()
        if status_line is None:
            raise ConnectionError("connection closed before a response")
        headers: list[tuple[bytes, bytes]] = []
        while line := self._line():
            name, _, value = line.partition(b":")
            headers.append((name, value.strip(b" \t")))
        return status_line, headers

    def read_response(self, *, head_only: bool = False) -> Response:
        interim: list[bytes] = []
        while True:
            status_line, headers = self.read_head()
            match = _STATUS.fullmatch(status_line)
            if match is None:
                raise ValueError(f"bad status line {status_line!r}")
            status = int(match.group(1))
            if status >= 200:
                break
            interim.append(status_line)
        response = Response(status, status_line, headers, b"", interim=interim)
        if head_only or status in (204, 304):
            return response
        coding = response.header(b"transfer-encoding")
        length = response.header(b"content-length")
        if coding is not None and coding.lower() == b"chunked":
            self._read_chunks(response)
        elif length is not None:
            response.body = self._take(int(length))
            response.complete = len(response.body) == int(length)
        else:
            response.body = self.read_until_eof()
        return response

    def _read_chunks(self, response: Response) -> None:
        while (line := self._line()) is not None:
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while self._line():
                    pass
                response.body = b"".join(response.chunks)
                return
            data = self._take(size + 2)
            response.chunks.append(data[:size])
            if len(data) < size + 2:
                break
        response.body = b"".join(response.chunks)
        response.complete = False


def get(port: int, path: str, headers: list[tuple[str, str]] | None = None) -> Response:
    with Client(port) as client:
        return client.request("GET", path, headers=headers)


def post(port: int, path: str, body: bytes, headers: list[tuple[str, str]] | None = None) -> Response:
    with Client(port) as client:
        return client.request("POST", path, body, headers)
